"""The datasets as the experiments read them: flattened, cut to a subset, cached in memory.

A :class:`Dataset` holds one dataset's images flattened row by row to 784 uint8 values and its
int32 labels (:func:`load_dataset`, the first ``train_size``/``test_size`` examples, cached per
subset). Every model of the book trains on the pixels divided by :data:`PIXEL_SCALE`, as in
the authors' code. numpy only: the engine's TensorFlow copies live in
:mod:`spectral_nb.experiments.engine.tensors`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import load

PIXEL_SCALE = 255.0  # pixels / 255, as in the authors' code


@dataclass(frozen=True)
class Dataset:
    """Train and test split of one dataset, images flattened row by row to 784 values."""

    name: str
    x_train: np.ndarray  # (N, 784) uint8
    y_train: np.ndarray  # (N,) int32
    x_test: np.ndarray
    y_test: np.ndarray

    def float_train(self) -> np.ndarray:
        """Training pixels as float32 in ``[0, 1]``, shape ``(N, 784)``."""
        return self.x_train.astype(np.float32) / PIXEL_SCALE

    def float_test(self) -> np.ndarray:
        """Test pixels as float32 in ``[0, 1]``, shape ``(N_test, 784)``."""
        return self.x_test.astype(np.float32) / PIXEL_SCALE


@functools.lru_cache(maxsize=8)
def load_dataset(name: str, train_size: int | None = None, test_size: int | None = None) -> Dataset:
    """Load ``name`` (cached in memory); keep only the first ``train_size``/``test_size``."""
    (x_train, y_train), (x_test, y_test) = load(name)
    x_train = x_train.reshape(len(x_train), -1)[:train_size]
    x_test = x_test.reshape(len(x_test), -1)[:test_size]
    return Dataset(
        name=name,
        x_train=np.ascontiguousarray(x_train),
        y_train=y_train[:train_size].astype(np.int32),
        x_test=np.ascontiguousarray(x_test),
        y_test=y_test[:test_size].astype(np.int32),
    )
