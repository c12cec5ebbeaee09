r"""Cutting nodes out: a new, smaller Keras model equal to the old one with them silenced.

Let hidden node ``j`` be made by layer ``P`` and read by layer ``R``. The next
pre-activations are :math:`z^R_k = \sum_j a_j W^R_{jk} + b^R_k`, where :math:`a_j` is the
node's output after its activation and any node-wise layers. If the removed nodes' outputs
are forced to zero, their rows of :math:`W^R` multiply zeros, and their columns of
:math:`W^P` (and entries of :math:`b^P`) feed nothing that is read. So

    the model with the rows ``j`` of ``R`` and the columns ``j`` of ``P`` deleted computes
    exactly what the original computes with :math:`a_j = 0` for the removed ``j``,

for any element-wise activations (the chain rules out the others), up to the order in which
floating-point sums add their terms. The output layer keeps its units; a fraction of zero
gives the same function with the same layers.

Every parametrisation slices the same way, because each of its arrays is indexed by input
nodes, output nodes or both:

* ``Spectral``: ``eigenvectors[in][:, out]``, ``eigenvalues_in[in]``,
  ``eigenvalues_out[out]``, ``bias[out]``; the kernel
  :math:`\phi_{ji}(\lambda^{in}_j - \lambda^{out}_i)` of the slices is the slice of the kernel.
  Which sets train (``train_eigenvectors`` ...) is kept, so a pruned Train Λ layer is still a
  Train Λ layer, and retraining the eigenvectors of the survivors is ``train_eigenvectors=True``
  on the pruned model's layers.
* ``keras.layers.Dense``: ``kernel[in][:, out]``, ``bias[out]``.
* ``ConstrainedDense``: the frozen base kernel is sliced; of its trainable entries those whose
  row and column both survive are kept, renumbered, and ``trainable_count`` becomes their
  number (the trained values stay exactly where they were).

Initial values given as arrays (``ArrayInitializer``) are sliced too, so the pruned model's
configuration builds, saves and reloads with shapes that fit. Layers before the first and
after the last dense-like layer, and the node-wise layers in between, are copied with their
weights. The result is a ``keras.Sequential`` model (uncompiled) with the same layer names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from ..layers import ConstrainedDense, Spectral
from ..layers._init_utils import ArrayInitializer
from .chain import DENSE_LIKE, Chain, model_chain
from .errors import PruningError
from .scores import chain_scores
from .selection import Fraction, check_fraction, keep_masks, layer_fractions

# How each array of a layer is indexed: by its input nodes ("in"), its units ("out") or both.
_AXES: dict[str, tuple[str, ...]] = {
    "eigenvectors": ("in", "out"),
    "eigenvalues_in": ("in",),
    "eigenvalues_out": ("out",),
    "kernel": ("in", "out"),
    "base_kernel": ("in", "out"),
    "bias": ("out",),
}
_INITIALIZER_AXES: dict[str, tuple[str, ...]] = {
    "eigenvectors_initializer": ("in", "out"),
    "eigenvalues_in_initializer": ("in",),
    "eigenvalues_out_initializer": ("out",),
    "kernel_initializer": ("in", "out"),
    "bias_initializer": ("out",),
}


def _slice(array: np.ndarray, axes: tuple[str, ...], keep: dict[str, np.ndarray]) -> np.ndarray:
    index = tuple(keep[axis] for axis in axes)
    return array[np.ix_(*index)] if len(index) > 1 else array[index[0]]


def _weights(layer: keras.layers.Layer) -> dict[str, np.ndarray]:
    return {w.name: keras.ops.convert_to_numpy(w) for w in layer.weights}


def _sliced_weights(layer: keras.layers.Layer, keep: dict[str, np.ndarray]) -> dict[str, Any]:
    """The arrays of the pruned copy of a dense-like layer, by weight name."""
    weights = _weights(layer)
    sliced: dict[str, Any] = {}
    for name, value in weights.items():
        if name in _AXES:
            sliced[name] = _slice(value, _AXES[name], keep)
    if isinstance(layer, ConstrainedDense):
        rows, cols = weights["entry_indices"][:, 0], weights["entry_indices"][:, 1]
        survive = keep["in"][rows] & keep["out"][cols]
        new_row = np.cumsum(keep["in"]) - 1
        new_col = np.cumsum(keep["out"]) - 1
        sliced["entry_indices"] = np.stack(
            [new_row[rows[survive]], new_col[cols[survive]]], axis=1
        ).astype("int32").reshape(-1, 2)
        sliced["trainable_values"] = weights["trainable_values"][survive]
    missing = set(weights) - set(sliced)
    if missing:
        raise PruningError(
            f"Layer '{layer.name}' has weights {sorted(missing)} that prune() does not know how "
            "to cut; only plain Spectral, ConstrainedDense and Dense layers are supported."
        )
    return sliced


def _pruned_layer(layer: keras.layers.Layer, keep: dict[str, np.ndarray]) -> keras.layers.Layer:
    """An unbuilt copy of a dense-like layer with the kept units (and array initializers cut)."""
    config = layer.get_config()
    config["units"] = int(keep["out"].sum())
    if isinstance(layer, ConstrainedDense):
        entries = keras.ops.convert_to_numpy(layer.entry_indices)
        config["trainable_count"] = int(
            (keep["in"][entries[:, 0]] & keep["out"][entries[:, 1]]).sum()
        )
    new = type(layer).from_config(config)
    for attribute, axes in _INITIALIZER_AXES.items():
        initializer = getattr(new, attribute, None)
        if isinstance(initializer, ArrayInitializer):
            setattr(
                new, attribute,
                ArrayInitializer(_slice(initializer.value, axes, keep), initializer.weight_name),
            )
    return new


def _copy_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    return type(layer).from_config(layer.get_config())


def _input_spec(model: keras.Model) -> keras.KerasTensor:
    dtype = model.inputs[0].dtype if getattr(model, "inputs", None) else "float32"
    return keras.Input(shape=tuple(model.input_shape[1:]), dtype=dtype)


def remove_nodes(model: keras.Model, keep: Mapping[str, Any]) -> keras.Sequential:
    """A new model without the hidden nodes that ``keep`` marks False.

    Parameters
    ----------
    model
        A built chain of dense-like layers (:func:`spectral_nb.pruning.chain.model_chain`).
    keep
        Hidden layer name -> boolean array of length ``units`` (True: the node stays).
        Layers not named keep every node. The output layer cannot be named.

    Returns
    -------
    keras.Sequential
        The smaller model (module docstring), uncompiled, with the same layer names.
    """
    chain = model_chain(model)
    hidden = [layer.name for layer in chain.hidden]
    masks = _checked_masks(chain, keep, hidden)
    dense = chain.dense_layers
    node_masks: dict[int, dict[str, np.ndarray]] = {}
    for k, layer in enumerate(dense):
        n_in = int(_weights(layer)[_kernel_name(layer)].shape[0])
        keep_in = masks.get(dense[k - 1].name) if k > 0 else None
        keep_out = masks.get(layer.name)
        node_masks[id(layer)] = {
            "in": np.ones(n_in, bool) if keep_in is None else keep_in,
            "out": np.ones(layer.units, bool) if keep_out is None else keep_out,
        }
    new_layers = []
    for layer in chain.layers:
        if id(layer) in node_masks:
            new_layers.append(_pruned_layer(layer, node_masks[id(layer)]))
        else:
            new_layers.append(_copy_layer(layer))
    pruned = keras.Sequential([_input_spec(model), *new_layers], name=f"{model.name}_pruned")
    for old, new in zip(chain.layers, new_layers, strict=True):
        if id(old) not in node_masks:
            new.set_weights(old.get_weights())
            continue
        values = _sliced_weights(old, node_masks[id(old)])
        for variable in new.weights:
            variable.assign(values[variable.name])
    return pruned


def _kernel_name(layer: keras.layers.Layer) -> str:
    if isinstance(layer, Spectral):
        return "eigenvectors"
    if isinstance(layer, ConstrainedDense):
        return "base_kernel"
    return "kernel"


def _checked_masks(
    chain: Chain, keep: Mapping[str, Any], hidden: list[str], allow_empty: bool = False
) -> dict[str, np.ndarray]:
    unknown = sorted(set(keep) - set(hidden))
    if unknown:
        raise PruningError(
            f"keep names layers {unknown} that make no hidden nodes; hidden layers are {hidden} "
            f"(the output layer '{chain.output_layer.name}' is never pruned)."
        )
    masks = {}
    for layer in chain.hidden:
        if layer.name not in keep:
            continue
        mask = np.asarray(keep[layer.name])
        if mask.dtype != bool or mask.shape != (layer.units,):
            raise PruningError(
                f"keep[{layer.name!r}] must be a boolean array of shape ({layer.units},), got "
                f"dtype {mask.dtype} and shape {mask.shape}."
            )
        if not mask.any() and not allow_empty:
            raise PruningError(
                f"keep[{layer.name!r}] removes all {layer.units} nodes of layer '{layer.name}'; "
                "keep at least one."
            )
        masks[layer.name] = mask
    return masks


def silenced_model(model: keras.Model, keep: Mapping[str, Any], *,
                   allow_empty: bool = False) -> keras.Model:
    """The reference pruning must equal: ``model``'s own layers (shared, not copied) with the
    outputs of the nodes ``keep`` marks False multiplied by zero just before the layer that
    reads them. ``allow_empty=True`` accepts a layer with every node silenced (a network that
    computes a constant, as a global cut can leave it; :func:`remove_nodes` cannot build it)."""
    chain = model_chain(model)
    masks = _checked_masks(chain, keep, [layer.name for layer in chain.hidden], allow_empty)
    inputs = _input_spec(model)
    h, pending = inputs, None
    for layer in chain.layers:
        if pending is not None and isinstance(layer, DENSE_LIKE):
            h = h * keras.ops.convert_to_tensor(pending.astype("float32"))
            pending = None
        h = layer(h)
        if layer.name in masks:
            pending = masks[layer.name]
    return keras.Model(inputs, h, name=f"{model.name}_silenced")


def prune(
    model: keras.Model,
    fraction: Fraction,
    *,
    rank: str = "eigenvalue",
    seed: int | None = None,
    scope: str = "layer",
    combine: str = "product",
) -> keras.Sequential:
    """Remove the least important hidden nodes of ``model`` and return the smaller model.

    Parameters
    ----------
    model
        A built ``keras.Sequential`` or functional chain of ``Spectral``, ``Dense`` and
        ``ConstrainedDense`` layers with element-wise activations (any number of hidden
        layers; ``Flatten`` and the like before the first, anything after the last).
    fraction
        Share of hidden nodes removed, in ``[0, 1)``: one number for every hidden layer, a
        mapping ``layer name -> fraction`` or one value per hidden layer (``scope="layer"``),
        or the share of all hidden nodes (``scope="global"``). The output layer is never
        pruned. 0.7 of 500 nodes removes 350.
    rank
        ``eigenvalue`` (the node's eigenvalue, :mod:`spectral_nb.pruning.scores`),
        ``connectivity`` (sum of its absolute incoming weights) or ``random``.
    seed
        Seed of the ``random`` ranking.
    scope
        ``layer`` (each hidden layer loses its own fraction) or ``global`` (one cut over the
        pooled scores of all hidden layers).
    combine
        Eigenvalue rule for a node with an output eigenvalue of the layer making it and an
        input eigenvalue of the layer reading it: ``product`` (default), ``out`` or ``in``.

    Returns
    -------
    keras.Sequential
        A new model, uncompiled, equal to ``model`` with the removed nodes' outputs forced to
        zero (:mod:`spectral_nb.pruning.surgery`). ``model`` itself is not changed.

    Examples
    --------
    >>> small = prune(model, 0.7)                       # 70 % of every hidden layer
    >>> small = prune(model, {"hidden_1": 0.5})         # one layer only
    >>> small = prune(model, 0.7, rank="connectivity")  # the direct-space baseline
    """
    chain = model_chain(model)
    names = [layer.name for layer in chain.hidden]
    single = not isinstance(fraction, Mapping | Sequence) or isinstance(fraction, str)
    if not names and single and check_fraction(fraction) > 0:
        raise PruningError(
            f"Model '{model.name}' has no hidden layer, only its output layer "
            f"'{chain.output_layer.name}', which is never pruned; nothing to remove."
        )
    if scope == "layer":
        only = [f > 0 for f in layer_fractions(fraction, names)]
    else:
        only = None
    scores = chain_scores(chain, rank, combine=combine, seed=seed, only=only)
    return remove_nodes(model, keep_masks(scores, fraction, scope))
