"""Micro-benchmark of the CNN layers: forward + backward time per batch.

``python -m spectral_nb.cnn.bench [--batch 64] [--size 28] [--channels 16] [--repeats 30]``
prints one row per layer (milliseconds per compiled training-style step, median of repeats):
spectral pooling through the FFT and through the collapsed real matrices, max pooling for
reference, randomised resolution both ways, and ``Conv2D`` against ``SpectralConv2D``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from .conv import SpectralConv2D
from .pooling import SpectralPooling2D
from .randomized import RandomizedResolution


def time_layer(layer: keras.layers.Layer, x: tf.Tensor, repeats: int = 30) -> float:
    """Median milliseconds of one compiled forward + backward pass of ``layer`` on ``x``."""
    layer(x)  # build

    @tf.function
    def step(inputs: tf.Tensor) -> list:
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = layer(inputs, training=True)
            loss = tf.reduce_sum(out * out)
        return tape.gradient(loss, [inputs, *layer.trainable_variables])

    step(x)
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        [g.numpy() for g in step(x)]
        times.append(time.perf_counter() - tic)
    return 1000.0 * float(np.median(times))


def benchmark(
    batch: int = 64, size: int = 28, channels: int = 16, repeats: int = 30
) -> pd.DataFrame:
    """Time every layer on a random ``(batch, size, size, channels)`` float32 tensor."""
    x = tf.constant(np.random.default_rng(0).random((batch, size, size, channels), "float32"))
    half = -(-size // 2)
    layers: dict[str, Callable[[], keras.layers.Layer]] = {
        "MaxPooling2D(2)": lambda: keras.layers.MaxPooling2D(2, padding="same"),
        "SpectralPooling2D fft": lambda: SpectralPooling2D(half),
        "SpectralPooling2D matrix": lambda: SpectralPooling2D(half, implementation="matrix"),
        "RandomizedResolution fft": lambda: RandomizedResolution(0.3, seed=0),
        "RandomizedResolution matrix": lambda: RandomizedResolution(
            0.3, seed=0, implementation="matrix"
        ),
        "Conv2D 3x3": lambda: keras.layers.Conv2D(channels, 3, padding="same"),
        "SpectralConv2D 3x3": lambda: SpectralConv2D(channels, 3, padding="same"),
        "Conv2D 5x5": lambda: keras.layers.Conv2D(channels, 5, padding="same"),
        "SpectralConv2D 5x5": lambda: SpectralConv2D(channels, 5, padding="same"),
    }
    rows = [(name, time_layer(make(), x, repeats)) for name, make in layers.items()]
    return pd.DataFrame(rows, columns=["layer", "ms_per_step"]).set_index("layer")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    table = benchmark(args.batch, args.size, args.channels, args.repeats)
    print(f"forward + backward, batch {args.batch}, {args.size}x{args.size}x{args.channels}")
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
