"""tanh(beta x) with a trainable slope, the non-linearity the paper mentions as an option."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from ._init_utils import check_flag


@keras.saving.register_keras_serializable(package="spectral_nb")
class ScaledTanh(keras.layers.Layer):
    """``tanh(beta * x)`` with one scalar slope ``beta`` (initial value ``beta``).

    Parameters
    ----------
    beta
        Initial slope.
    trainable_beta
        Train ``beta`` (one trainable parameter) or keep it fixed (none).

    Input shape
        Any.

    Output shape
        The input's.
    """

    def __init__(self, beta: float = 1.0, trainable_beta: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        if (
            isinstance(beta, bool | np.bool_)
            or not isinstance(beta, int | float | np.integer | np.floating)
            or not math.isfinite(beta)
        ):
            raise ValueError(
                f"{layer}: beta must be a finite number (the initial slope, e.g. beta=1.0), "
                f"got {beta!r}."
            )
        self.initial_beta = float(beta)
        self.trainable_beta = check_flag(layer, "trainable_beta", trainable_beta)

    def build(self, input_shape: tuple) -> None:
        self.beta = self.add_weight(
            name="beta", shape=(), initializer=keras.initializers.Constant(self.initial_beta),
            trainable=self.trainable_beta,
        )

    def call(self, inputs: Any) -> Any:
        return keras.ops.tanh(self.beta * inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta": self.initial_beta, "trainable_beta": self.trainable_beta})
        return config
