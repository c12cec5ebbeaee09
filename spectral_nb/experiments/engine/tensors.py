"""The data the engine trains on as resident TF tensors.

The datasets themselves (:class:`~spectral_nb.data.subsets.Dataset`, :func:`load_dataset`,
:data:`PIXEL_SCALE`) are numpy arrays from :mod:`spectral_nb.data.subsets`, re-exported here.
The engine trains on float32 pixels divided by :data:`PIXEL_SCALE`; those are made once per
dataset object by :func:`resident_tensors` and kept, so each step only gathers every run's own
batch, and a study's many groups share one copy.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ...data.subsets import PIXEL_SCALE, Dataset, load_dataset

__all__ = ["PIXEL_SCALE", "Dataset", "load_dataset", "resident_tensors", "scaled_pixels"]

RESIDENT_KEPT = 2  # datasets whose tensors stay resident (a study trains on one or two)


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
