"""Telescopic retraction: fuse every run of consecutive linear layers into one Dense layer.

A linear cascade ``x W1 + b1 -> (.) W2 + b2 -> ...`` equals ``x (W1 W2 ...) + b`` with the
biases folded in, so the intermediate ("telescopic") layers used in training can be removed
afterwards. For an all-linear spectral network the result is the single perceptron, the
input -> output block of the compact operator ``A_c`` of the paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np

from .layers import ConstrainedDense, Spectral

_DENSE_LIKE = (Spectral, ConstrainedDense, keras.layers.Dense)
_PASS_THROUGH = (keras.layers.InputLayer, keras.layers.Flatten, keras.layers.Activation)


def affine_map(layer: keras.layers.Layer) -> tuple[np.ndarray, np.ndarray]:
    """The kernel ``(inputs, units)`` and bias ``(units,)`` of a dense-like layer."""
    if isinstance(layer, keras.layers.Dense):
        kernel = keras.ops.convert_to_numpy(layer.kernel)
    elif isinstance(layer, Spectral | ConstrainedDense):
        kernel = keras.ops.convert_to_numpy(layer.direct_kernel())
    else:
        raise TypeError(f"{type(layer).__name__} is not a dense-like layer.")
    bias = (
        keras.ops.convert_to_numpy(layer.bias)
        if getattr(layer, "bias", None) is not None
        else np.zeros(kernel.shape[1], dtype=kernel.dtype)
    )
    return kernel.astype(np.float64), bias.astype(np.float64)


def fuse(layers: Iterable[keras.layers.Layer]) -> tuple[np.ndarray, np.ndarray]:
    """Compose affine layers in float64: ``x -> x K + b`` for the whole run."""
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None
    for layer in layers:
        k, b = affine_map(layer)
        if kernel is None:
            kernel, bias = k, b
        else:
            kernel, bias = kernel @ k, bias @ k + b
    if kernel is None:
        raise ValueError("Nothing to fuse: the run of layers is empty.")
    return kernel, bias


def _is_linear(layer: keras.layers.Layer) -> bool:
    return keras.activations.serialize(layer.activation) in ("linear", None) or (
        layer.activation is keras.activations.linear
    )


def _sequence_of_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers of a plain chain, in order (inputs excluded)."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not isinstance(model, keras.Sequential):
        for layer in layers:
            if len(layer._inbound_nodes) != 1 or len(layer._inbound_nodes[0].input_tensors) != 1:
                raise TypeError(
                    "retract() handles Sequential models and functional models that are a "
                    f"plain chain; layer '{layer.name}' has several inputs or is shared."
                )
    return layers


def retract(model: keras.Model) -> keras.Sequential:
    """Return an equivalent model with each run of consecutive linear layers fused.

    A run is a sequence of dense-like layers (``Spectral``, ``ConstrainedDense``,
    ``keras.layers.Dense``) in which every layer but the last has a linear activation;
    it becomes one ``Dense`` layer with the fused kernel, the folded bias and the last
    layer's activation. ``Flatten``, ``Activation`` and input layers are kept as they are.

    Parameters
    ----------
    model
        A built ``keras.Sequential`` (or a functional model that is a plain chain).

    Returns
    -------
    keras.Sequential
        The retracted model; its outputs match the original to float32 tolerance.
    """
    if not model.built:
        raise ValueError("retract() needs a built model: call it on data or build it first.")
    layers = _sequence_of_layers(model)
    unsupported = [
        type(layer).__name__
        for layer in layers
        if not isinstance(layer, _DENSE_LIKE + _PASS_THROUGH)
    ]
    if unsupported:
        raise TypeError(
            f"retract() supports Spectral, ConstrainedDense, Dense, Flatten and Activation "
            f"layers; this model also has {sorted(set(unsupported))}."
        )

    new_layers: list[keras.layers.Layer] = []
    run: list[keras.layers.Layer] = []

    def close_run(activation: Any) -> None:
        kernel, bias = fuse(run)
        dense = keras.layers.Dense(
            kernel.shape[1], activation=activation, name=f"retracted_{len(new_layers)}"
        )
        dense.build((None, kernel.shape[0]))
        dense.set_weights([kernel.astype("float32"), bias.astype("float32")])
        new_layers.append(dense)
        run.clear()

    for layer in layers:
        if isinstance(layer, _DENSE_LIKE):
            run.append(layer)
            if not _is_linear(layer):
                close_run(layer.activation)
        else:
            if run:
                close_run(None)
            new_layers.append(layer.__class__.from_config(layer.get_config()))
    if run:
        close_run(None)

    retracted = keras.Sequential([keras.Input(shape=model.input_shape[1:]), *new_layers])
    return retracted
