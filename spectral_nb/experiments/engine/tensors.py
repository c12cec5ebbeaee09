"""The data the engine trains on: datasets as numpy arrays, and their resident TF tensors.

A :class:`Dataset` holds flattened uint8 pixels and int32 labels (:func:`load_dataset`, cached
per subset). The engine trains on float32 pixels divided by :data:`PIXEL_SCALE`; those are
made once per dataset object by :func:`resident_tensors` and kept, so each step only gathers
every run's own batch, and a study's many groups share one copy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

PIXEL_SCALE = 255.0  # pixels / 255, as in the authors' code
RESIDENT_KEPT = 2  # datasets whose tensors stay resident (a study trains on one or two)


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
    from ...data import load

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


_RESIDENT: dict[int, tuple[Dataset, tuple[tf.Tensor, ...]]] = {}


def resident_tensors(data: Dataset) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """``x_train, y_train, x_test, y_test`` as tensors, made once per dataset object.

    Pixels are float32 ``(N, 784)`` from :func:`scaled_pixels`, labels int32 ``(N,)``. The
    tensors of the last :data:`RESIDENT_KEPT` datasets are kept, so the groups of a study do
    not convert the same dataset again.
    """
    entry = _RESIDENT.get(id(data))
    if entry is None or entry[0] is not data:
        tensors = (scaled_pixels(data.x_train), tf.constant(data.y_train),
                   scaled_pixels(data.x_test), tf.constant(data.y_test))
        while len(_RESIDENT) >= RESIDENT_KEPT:
            _RESIDENT.pop(next(iter(_RESIDENT)))
        entry = _RESIDENT[id(data)] = (data, tensors)
    return entry[1]


def scaled_pixels(pixels: np.ndarray) -> tf.Tensor:
    """uint8 pixels as float32 divided by :data:`PIXEL_SCALE`, computed by TF.

    The same numbers as :meth:`Dataset.float_train` (one correctly rounded division each),
    made faster than copying numpy's float array into a tensor.
    """
    return tf.cast(tf.constant(pixels), tf.float32) / PIXEL_SCALE
