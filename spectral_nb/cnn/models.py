"""The small CNN of the chapter: max or spectral pooling, spatial or spectral filters.

One architecture: ``len(filters)`` blocks of convolution (``same`` padding, ReLU) and pooling
that halves the size (rounded up), then a dense layer of logits. The pooling is ``2 x 2`` max
pooling, :class:`~spectral_nb.cnn.SpectralPooling2D`, or spectral pooling followed by
:class:`~spectral_nb.cnn.RandomizedResolution` with the paper's schedule; the filters are
``keras.layers.Conv2D`` or :class:`~spectral_nb.cnn.SpectralConv2D`. Pooling has no
parameters, so every variant has the same parameter count, and a seed fixes the initial
filters whatever the variant.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from .conv import SpectralConv2D
from .pooling import SpectralPooling2D
from .randomized import RandomizedResolution
from .spec import PARAMETRISATIONS, POOLINGS, rr_fractions


def build_cnn(
    pooling: str = "max",
    parametrisation: str = "spatial",
    kernel_size: int = 3,
    filters: Sequence[int] = (16, 32),
    input_shape: tuple[int, int, int] = (28, 28, 1),
    classes: int = 10,
    seed: int = 0,
    implementation: str = "matrix",
) -> keras.Model:
    """A small CNN: ``len(filters)`` blocks of conv + ReLU + pooling (halving), then a dense layer.

    Parameters
    ----------
    pooling
        ``"max"`` (2x2, stride 2), ``"spectral"`` (:class:`SpectralPooling2D` to half the size,
        rounded up) or ``"spectral+rr"`` (the same followed by :class:`RandomizedResolution`
        with the paper's schedule :func:`rr_fractions`).
    parametrisation
        ``"spatial"`` (``keras.layers.Conv2D``) or ``"spectral"`` (:class:`SpectralConv2D`).
    kernel_size, filters, input_shape, classes
        Architecture. Convolutions use ``same`` padding.
    seed
        Seeds every initializer and random layer, so two calls with the same seed give the
        same initial filters whatever the pooling or parametrisation.
    implementation
        Of the spectral layers: ``"matrix"`` (default, fast on a CPU) or ``"fft"``; the same map.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
    if parametrisation not in PARAMETRISATIONS:
        raise ValueError(
            f"parametrisation must be one of {PARAMETRISATIONS}, got {parametrisation!r}."
        )
    inputs = keras.Input(input_shape)
    h = inputs
    size = np.array(input_shape[:2])
    fractions = rr_fractions(len(filters))
    conv_class = keras.layers.Conv2D if parametrisation == "spatial" else SpectralConv2D
    for i, f in enumerate(filters):
        h = conv_class(
            f, kernel_size, padding="same", activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed * 100 + i),
            name=f"conv{i + 1}",
        )(h)
        size = -(-size // 2)
        if pooling == "max":
            h = keras.layers.MaxPooling2D(2, padding="same", name=f"pool{i + 1}")(h)
            continue
        h = SpectralPooling2D(
            tuple(int(s) for s in size), implementation=implementation, name=f"pool{i + 1}"
        )(h)
        if pooling == "spectral+rr":
            h = RandomizedResolution(
                fractions[i], seed=seed * 100 + i, implementation=implementation,
                name=f"rr{i + 1}",
            )(h)
    h = keras.layers.Flatten()(h)
    outputs = keras.layers.Dense(
        classes, kernel_initializer=keras.initializers.GlorotUniform(seed * 100 + 99),
        name="logits",
    )(h)
    name = f"cnn_{pooling.replace('+', '_')}_{parametrisation}_{kernel_size}x{kernel_size}"
    return keras.Model(inputs, outputs, name=name)


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Give ``target`` the function of ``source``: same filters (spatial or spectral), same rest."""
    for src, dst in zip(source.layers, target.layers, strict=True):
        if not src.weights:
            continue
        if isinstance(dst, SpectralConv2D):
            kernel = src.spatial_kernel() if isinstance(src, SpectralConv2D) else src.kernel
            dst.set_spatial_kernel(keras.ops.convert_to_numpy(kernel))
            if dst.bias is not None:
                dst.bias.assign(src.bias)
        elif isinstance(src, SpectralConv2D):
            dst.kernel.assign(src.spatial_kernel())
            dst.bias.assign(src.bias)
        else:
            dst.set_weights(src.get_weights())
