"""Train a group of pruning specs with the engine, prune at every fraction, record.

For a group of compatible :class:`~.spec.PruningSpec` (same network, strategy and settings;
different seeds) :func:`train_group`

1. trains every spec's base run together (the engine's ``train_runs``: one compiled program
   for the group);
2. rebuilds each trained network as a Keras model (:func:`keras_model`) and, while its
   parameters are in memory, prunes it with :func:`spectral_nb.prune` at every fraction and
   under every ranking of its strategy, measuring test accuracy (cheap: one pass over the
   test set each), and for every scope of ``spec.scopes`` (:func:`scope_evaluations`: the
   accuracy and the nodes each hidden layer keeps);
3. for the ``retrain_fractions``, prunes with the strategy's own ranking and trains the
   smaller network again from the pruned parameters, the seeds of one fraction together
   (the engine starts from the given parameters instead of a fresh draw);
4. returns one record per spec.

The random ranking of seed ``s`` uses ``1000 + s`` for every fraction, so a larger fraction
removes a superset of a smaller one's nodes (as for the other rankings).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from ..experiments.engine.tensors import Dataset, load_dataset
from ..experiments.engine.trainer import RunResult, train_runs
from ..experiments.provenance import provenance
from ..layers import ScaledTanh, Spectral
from .chain import model_chain
from .scores import layer_parameters, node_scores
from .search import accuracy
from .selection import global_keep
from .spec import PRUNE_ARGUMENTS, RANDOM_SEED_OFFSET, PruningSpec, group_key
from .surgery import prune, remove_nodes, silenced_model

MAX_GROUP = 10
SCORE_DIGITS = 6  # significant digits of the node scores kept in a record


def keras_model(sizes: Sequence[int], activations: Sequence[str],
                parameters: Sequence[dict[str, np.ndarray]]) -> keras.Sequential:
    """The trained network as a Keras model: ``Spectral`` layers for spectral parameters,
    ``Dense`` for direct ones; ``activations`` has one entry per weight layer."""
    layers: list[keras.layers.Layer] = []
    for k, (params, activation) in enumerate(zip(parameters, activations, strict=True)):
        name = f"layer_{k + 1}"
        plain = None if activation == "tanh_beta" else activation
        if "eigenvectors" in params:
            layers.append(Spectral(sizes[k + 1], activation=plain, name=name))
        else:
            layers.append(keras.layers.Dense(sizes[k + 1], activation=plain, name=name,
                                             use_bias="bias" in params))
        if activation == "tanh_beta":
            layers.append(ScaledTanh(float(params["beta"]), name=f"tanh_beta_{k + 1}"))
    model = keras.Sequential([keras.Input((sizes[0],)), *layers])
    for layer in model.layers:
        k = int(layer.name.rsplit("_", 1)[1]) - 1
        for variable in layer.weights:
            variable.assign(np.asarray(parameters[k][variable.name], dtype="float32"))
    return model


def pruned_model(model: keras.Model, spec: PruningSpec, fraction: float, ranking: str
                 ) -> keras.Model:
    """``model`` pruned at ``fraction`` under one of the study's rankings."""
    rank, combine = PRUNE_ARGUMENTS[ranking]
    return prune(model, fraction, rank=rank, combine=combine,
                 seed=RANDOM_SEED_OFFSET + spec.seed)


def pruned_parameters(model: keras.Model, spec: PruningSpec, fraction: float
                      ) -> tuple[tuple[int, ...], list[dict[str, np.ndarray]]]:
    """Layer sizes and engine-format parameters of ``model`` pruned with the strategy's own
    ranking (or its ``retrain_ranking``) at ``fraction`` (the starting point of a
    retraining; a dense network without bias keeps none)."""
    pruned = pruned_model(model, spec, fraction, spec.retrained_ranking)
    dense = model_chain(pruned).dense_layers
    params = [
        {name: value.astype(np.float32) for name, value in layer_parameters(layer).items()
         if name != "bias" or spec.base_run().use_bias}
        for layer in dense
    ]
    for layer in pruned.layers:  # a tanh_beta slope belongs to the layer before it
        if isinstance(layer, ScaledTanh):
            k = int(layer.name.rsplit("_", 1)[1]) - 1
            params[k]["beta"] = keras.ops.convert_to_numpy(layer.beta).astype(np.float32)
    sizes = (spec.sizes[0], *(layer.units for layer in dense))
    return sizes, params


def evaluate_fractions(model: keras.Model, spec: PruningSpec, data: Dataset
                       ) -> dict[str, list[float]]:
    """Test accuracy of ``model`` pruned at every fraction, per ranking of the strategy."""
    x, y = data.float_test(), data.y_test
    return {
        ranking: [accuracy(pruned_model(model, spec, f, ranking), x, y) for f in spec.fractions]
        for ranking in spec.rankings
    }


def scope_evaluations(model: keras.Model, spec: PruningSpec, data: Dataset,
                      layer_accuracy: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Per scope of ``spec.scopes``: ``test_accuracy`` (ranking -> one value per fraction)
    and ``kept_nodes`` (ranking -> the nodes each hidden layer keeps, per fraction).

    ``layer`` reuses ``layer_accuracy`` (:func:`evaluate_fractions`). ``global`` cuts with
    one threshold over the pooled scores (:func:`~.selection.global_keep`); where that
    empties a layer, the network, which then computes a constant, is evaluated with the
    removed nodes silenced (:func:`~.surgery.silenced_model`), otherwise it is cut out.
    """
    x, y = data.float_test(), data.y_test
    out: dict[str, dict[str, Any]] = {}
    for scope in spec.scopes:
        if scope == "layer":
            kept = [list(spec.pruned_sizes(f)[1:-1]) for f in spec.fractions]
            out[scope] = {"test_accuracy": layer_accuracy,
                          "kept_nodes": {ranking: kept for ranking in spec.rankings}}
            continue
        accuracies: dict[str, list[float]] = {}
        kept_nodes: dict[str, list[list[int]]] = {}
        for ranking in spec.rankings:
            rank, combine = PRUNE_ARGUMENTS[ranking]
            scores = node_scores(model, rank, combine=combine,
                                 seed=RANDOM_SEED_OFFSET + spec.seed)
            accuracies[ranking], kept_nodes[ranking] = [], []
            for fraction in spec.fractions:
                masks = global_keep(scores, fraction)
                counts = [int(mask.sum()) for mask in masks.values()]
                net = (remove_nodes(model, masks) if all(counts)
                       else silenced_model(model, masks, allow_empty=True))
                accuracies[ranking].append(accuracy(net, x, y))
                kept_nodes[ranking].append(counts)
        out[scope] = {"test_accuracy": accuracies, "kept_nodes": kept_nodes}
    return out


def _rounded(values: np.ndarray) -> list[float]:
    return [float(f"{v:.{SCORE_DIGITS}g}") for v in np.asarray(values, dtype=np.float64)]


def _history(result: RunResult) -> dict[str, list[float]]:
    return {"train_loss": result.train_loss, "test_accuracy": result.test_accuracy}


def train_group(
    specs: Sequence[PruningSpec], on_epoch: Callable[[int], Any] | None = None
) -> list[dict[str, Any]]:
    """Train, prune and (where asked) retrain every spec; one record per spec, in order."""
    keys = {group_key(s) for s in specs}
    if len(keys) != 1:
        raise ValueError("All pruning specs of a group must share group_key(); split them first.")
    first = specs[0]
    data = load_dataset(first.dataset, first.train_size, first.test_size)
    start = time.perf_counter()
    base = train_runs([s.base_run() for s in specs], data, on_epoch)
    activations = first.base_run().activations
    records = []
    starts: dict[float, list[tuple[int, tuple[int, ...], list[dict[str, np.ndarray]]]]] = {}
    for index, (spec, result) in enumerate(zip(specs, base, strict=True)):
        model = keras_model(spec.sizes, activations, result.parameters)
        layer_accuracy = evaluate_fractions(model, spec, data)
        scores = {
            ranking: node_scores(model, PRUNE_ARGUMENTS[ranking][0],
                                 combine=PRUNE_ARGUMENTS[ranking][1])
            for ranking in spec.rankings if ranking != "random"
        }
        records.append(
            {
                "kind": spec.kind,
                "spec": spec.to_dict(),
                "spec_hash": spec.hash,
                "base_run": {
                    "spec_hash": result.spec.hash,
                    "regime": result.spec.regime,
                    "final_test_accuracy": result.test_accuracy[-1],
                },
                "history": _history(result),  # of the base run, one entry per epoch
                "fractions": list(spec.fractions),
                "hidden_units": list(spec.sizes[1:-1]),
                "test_accuracy": layer_accuracy,
                "scopes": scope_evaluations(model, spec, data, layer_accuracy),
                "node_scores": {
                    rank: {name: _rounded(values) for name, values in layers.items()}
                    for rank, layers in scores.items()
                },
                "retrained": {"fractions": list(spec.retrain_fractions), "sizes": [],
                              "final_test_accuracy": [], "history": []},
            }
        )
        for fraction in spec.retrain_fractions:
            sizes, params = pruned_parameters(model, spec, fraction)
            starts.setdefault(fraction, []).append((index, sizes, params))
    for fraction in first.retrain_fractions:
        members = starts[fraction]
        runs = [specs[i].retrain_run(sizes) for i, sizes, _ in members]
        results = train_runs(runs, data, on_epoch, initial=[p for _, _, p in members])
        for (i, sizes, _), result in zip(members, results, strict=True):
            retrained = records[i]["retrained"]
            retrained["sizes"].append(list(sizes))
            retrained["final_test_accuracy"].append(result.test_accuracy[-1])
            retrained["history"].append(_history(result))
    elapsed = (time.perf_counter() - start) / len(specs)
    for record in records:
        record["wall_time_s"] = elapsed
        record["trained_together_with"] = len(specs)
        record.update(provenance())
    return records
