"""The pruning trainer: engine runs from given parameters, records that add up."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_nb.experiments.engine.initial import initial_parameters
from spectral_nb.experiments.engine.tensors import load_dataset
from spectral_nb.experiments.engine.trainer import train_runs
from spectral_nb.experiments.protocol.spec import RunSpec
from spectral_nb.pruning.spec import PruningSpec
from spectral_nb.pruning.training import keras_model, train_group

SMALL = dict(train_size=600, test_size=400)


def _run(**changes):
    base = dict(dataset="fashion_mnist", sizes=(784, 30, 10), hidden_activations=("relu",),
                regime="train_lambda_phi", convention="authors_code", learning_rate=0.01,
                batch_size=100, epochs=1, **SMALL)
    return RunSpec(**{**base, **changes})


def test_engine_starts_from_given_parameters():
    data = load_dataset("fashion_mnist", **SMALL)
    spec = _run()
    drawn = train_runs([spec], data)[0]
    again = train_runs([spec], data, initial=[initial_parameters(spec)])[0]
    assert again.test_accuracy == drawn.test_accuracy  # the seeded draw, given explicitly
    # from the trained parameters, with a vanishing learning rate: nothing moves
    still = spec.replace(learning_rate=1e-12)
    result = train_runs([still], data, initial=[drawn.parameters])[0]
    for before, after in zip(drawn.parameters, result.parameters, strict=True):
        for name in before:
            np.testing.assert_allclose(after[name], before[name], rtol=1e-6, atol=1e-7)
    assert result.test_accuracy[-1] == pytest.approx(drawn.test_accuracy[-1], abs=1 / 400)
    with pytest.raises(ValueError, match="needs"):
        train_runs([_run(sizes=(784, 20, 10))], data, initial=[drawn.parameters])


@pytest.mark.parametrize("strategy", ["pre", "dense"])
def test_train_group_records(strategy):
    specs = [
        PruningSpec(dataset="fashion_mnist", sizes=(784, 40, 10), hidden_activations=("relu",),
                    strategy=strategy, seed=seed, fractions=(0.0, 0.5, 0.9),
                    retrain_fractions=(0.0, 0.5), batch_size=100, epochs=1, retrain_epochs=1,
                    convention="authors_code" if strategy == "pre" else "paper", **SMALL)
        for seed in (0, 1)
    ]
    records = train_group(specs)
    assert [r["spec_hash"] for r in records] == [s.hash for s in specs]
    for record, spec in zip(records, specs, strict=True):
        assert record["kind"] == "pruning" and set(record["test_accuracy"]) == set(spec.rankings)
        for curve in record["test_accuracy"].values():
            assert len(curve) == 3 and all(0.0 <= a <= 1.0 for a in curve)
        # the Keras model rebuilt from the engine's parameters scores what the engine scored
        # (a borderline test image may flip with the order of floating-point sums)
        unpruned = {curve[0] for curve in record["test_accuracy"].values()}
        assert len(unpruned) == 1
        assert unpruned.pop() == pytest.approx(record["base_run"]["final_test_accuracy"],
                                               abs=1.5 / 400)
        retrained = record["retrained"]
        assert retrained["sizes"] == [[784, 40, 10], [784, 20, 10]]
        assert len(retrained["final_test_accuracy"]) == 2
        if strategy != "dense":
            scores = record["node_scores"]["eigenvalue"]
            assert list(scores) == ["layer_1"] and len(scores["layer_1"]) == 40
    # the two seeds are different networks
    assert records[0]["test_accuracy"] != records[1]["test_accuracy"]


def test_keras_model_rebuilds_the_engine_network():
    data = load_dataset("fashion_mnist", **SMALL)
    spec = _run(hidden_activations=("tanh_beta",))
    result = train_runs([spec], data)[0]
    model = keras_model(spec.sizes, spec.activations, result.parameters)
    predicted = np.asarray(model(data.float_test())).argmax(axis=1)
    assert np.mean(predicted == data.y_test) == pytest.approx(result.test_accuracy[-1],
                                                              abs=1.5 / 400)


def test_global_scope_records_kept_nodes_and_evaluates_an_emptied_layer():
    from spectral_nb.pruning.scores import node_scores
    from spectral_nb.pruning.selection import global_keep
    from spectral_nb.pruning.surgery import silenced_model
    from spectral_nb.pruning.training import scope_evaluations

    spec = PruningSpec(dataset="fashion_mnist", sizes=(784, 40, 20, 10),
                       hidden_activations=("relu", "relu"), strategy="dense", seed=0,
                       fractions=(0.0, 0.5, 0.9), batch_size=100, epochs=1, use_bias=False,
                       scopes=("layer", "global"), **SMALL)
    record = train_group([spec])[0]
    scopes = record["scopes"]
    assert scopes["layer"]["test_accuracy"] == record["test_accuracy"]
    assert scopes["layer"]["kept_nodes"]["connectivity"] == [[40, 20], [20, 10], [4, 2]]
    for ranking in spec.rankings:
        kept = scopes["global"]["kept_nodes"][ranking]
        assert [sum(k) for k in kept] == [60, 30, 6]  # the share of all 60 hidden nodes
        assert scopes["global"]["test_accuracy"][ranking][0] == record["test_accuracy"][
            ranking][0]
    # a global cut that empties a layer: with layer_2's incoming weights scaled down its
    # nodes have the lowest connectivity, so removing half of all 60 nodes takes its 20 and
    # 10 of layer_1; the network then computes a constant (no bias: zero logits, class 0)
    data = load_dataset("fashion_mnist", **SMALL)
    model = keras_model(spec.sizes, spec.base_run().activations,
                        train_runs([spec.base_run()], data)[0].parameters)
    kernel = model.get_layer("layer_2").kernel
    kernel.assign(kernel * 1e-6)
    masks = global_keep(node_scores(model, "connectivity"), 0.5)
    assert masks["layer_2"].sum() == 0 and masks["layer_1"].sum() == 30
    out = np.asarray(silenced_model(model, masks, allow_empty=True)(data.float_test()))
    assert np.allclose(out, out[0])
    evaluated = scope_evaluations(model, spec, data, record["test_accuracy"])
    assert evaluated["global"]["kept_nodes"]["connectivity"][1] == [30, 0]
    assert evaluated["global"]["test_accuracy"]["connectivity"][1] == pytest.approx(
        float(np.mean(data.y_test == 0)))
    assert evaluated["layer"]["test_accuracy"] is record["test_accuracy"]
