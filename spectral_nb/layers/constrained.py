"""The paper's "Constrained NN" baseline: a dense layer with exactly k trainable weights."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from ._dense_base import DirectKernelDense, deserialize_layer_config
from ._init_utils import (
    check_2d_input,
    check_flag,
    check_seed,
    check_units,
    initial_value,
    is_integer,
    resolve_initializer,
)


def choose_trainable_entries(n_in: int, units: int, k: int, seed: int) -> np.ndarray:
    """Flat indices (into a row-major ``(n_in, units)`` kernel) of ``k`` distinct entries."""
    if not 0 <= k <= n_in * units:
        raise ValueError(
            f"trainable_count must lie in [0, {n_in * units}] for a {n_in} x {units} kernel, "
            f"got {k}."
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_in * units, size=k, replace=False)).astype("int32")


_INITIALIZER_KEYS = ("kernel_initializer", "bias_initializer")


@keras.saving.register_keras_serializable(package="spectral_nb")
class ConstrainedDense(DirectKernelDense):
    """Dense layer in which only ``trainable_count`` randomly chosen kernel entries train.

    The kernel is a frozen random base with ``k`` trainable values scattered into it,
    so Keras reports exactly ``k`` trainable parameters (no masks over a trainable matrix).
    The chosen entries depend only on ``seed`` and the kernel shape.

    Parameters
    ----------
    units
        Number of outputs.
    trainable_count
        ``k``, the number of trainable kernel entries.
    seed
        Seed of the choice of entries and of the default kernel initializer.
    activation, use_bias, kernel_initializer, bias_initializer
        As in ``keras.layers.Dense``; the bias, if any, is frozen (only ``k`` weights train).
        The default kernel initializer is the paper's U[-0.5, 0.5].

    Trainable parameters: exactly ``trainable_count``.

    Input shape
        2-D tensor ``(batch_size, n)``, with ``trainable_count <= n * units``.

    Output shape
        2-D tensor ``(batch_size, units)``.
    """

    def __init__(
        self,
        units: int,
        trainable_count: int,
        seed: int = 0,
        activation: Any = None,
        use_bias: bool = False,
        kernel_initializer: Any = None,
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.units = check_units(layer, units)
        if not is_integer(trainable_count) or trainable_count < 0:
            raise ValueError(
                f"{layer}: trainable_count must be a non-negative integer (the number of "
                f"trainable kernel entries, at most inputs x units), got {trainable_count!r}."
            )
        self.trainable_count = int(trainable_count)
        seed = check_seed(layer, seed)
        if seed is None:
            raise ValueError(f"{layer}: seed must be a non-negative integer, got None.")
        self.seed = seed
        self.activation = keras.activations.get(activation)
        self.use_bias = check_flag(layer, "use_bias", use_bias)
        self.kernel_initializer = (
            keras.initializers.RandomUniform(-0.5, 0.5, seed=self.seed)
            if kernel_initializer is None
            else resolve_initializer(kernel_initializer, "kernel")
        )
        self.bias_initializer = resolve_initializer(bias_initializer, "bias")

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        n_in = check_2d_input(type(self).__name__, input_shape)
        flat = choose_trainable_entries(n_in, self.units, self.trainable_count, self.seed)
        base = initial_value(self.kernel_initializer, (n_in, self.units), "kernel")
        self.base_kernel = self.add_weight(
            name="base_kernel", shape=(n_in, self.units),
            initializer=lambda shape, dtype=None: ops.cast(base, dtype or "float32"),
            trainable=False,
        )
        self.entry_indices = self.add_weight(
            name="entry_indices", shape=(self.trainable_count, 2), dtype="int32",
            initializer=lambda *a, **k: np.stack(np.unravel_index(flat, (n_in, self.units)), 1)
            .astype("int32"),
            trainable=False,
        )
        start = ops.reshape(base, (-1,))
        self.trainable_values = self.add_weight(
            name="trainable_values", shape=(self.trainable_count,),
            initializer=lambda shape, dtype=None: ops.cast(
                ops.take(start, flat), dtype or "float32"
            ),
            trainable=True,
        )
        self.bias = (
            self.add_weight(
                name="bias", shape=(self.units,),
                initializer=lambda shape, dtype=None: initial_value(
                    self.bias_initializer, shape, "bias", dtype
                ),
                trainable=False,
            )
            if self.use_bias
            else None
        )
        self.input_spec = keras.layers.InputSpec(ndim=2, axes={-1: n_in})

    def direct_kernel(self) -> Any:
        """The full ``(inputs, units)`` kernel: frozen base with the trained entries in place."""
        return ops.scatter_update(self.base_kernel, self.entry_indices, self.trainable_values)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "trainable_count": self.trainable_count,
                "seed": self.seed,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> ConstrainedDense:
        return cls(**deserialize_layer_config(config, _INITIALIZER_KEYS))
