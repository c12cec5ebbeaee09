"""Initialiser handling shared by the package's layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="spectral_nb")
class ArrayInitializer(keras.initializers.Initializer):
    """Initialise a weight with a fixed array, refusing any other shape."""

    def __init__(self, value: Any, weight_name: str = "weight") -> None:
        self.value = np.asarray(value, dtype="float32")
        self.weight_name = weight_name

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        if tuple(self.value.shape) != tuple(shape):
            raise ValueError(
                f"Initial value for '{self.weight_name}' has shape {tuple(self.value.shape)}, "
                f"but the layer needs shape {tuple(shape)}. Pass an array of that shape, "
                "a number, or a Keras initializer."
            )
        return keras.ops.convert_to_tensor(self.value, dtype=dtype or "float32")

    def get_config(self) -> dict:
        return {"value": self.value.tolist(), "weight_name": self.weight_name}


def resolve_initializer(value: Any, weight_name: str) -> keras.initializers.Initializer:
    """Turn a number, an array, a name, a config or an initializer into an initializer.

    Numbers become constants (e.g. ``1.0`` for eigenvalues held at one); arrays become
    fixed initial values whose shape is checked when the layer is built.
    """
    if isinstance(value, keras.initializers.Initializer):
        return value
    if isinstance(value, bool):
        raise TypeError(f"Initializer for '{weight_name}' cannot be a bool.")
    if isinstance(value, int | float | np.floating | np.integer):
        return keras.initializers.Constant(float(value))
    if isinstance(value, str | dict):
        return keras.initializers.get(value)
    if isinstance(value, np.ndarray | list | tuple) or hasattr(value, "shape"):
        return ArrayInitializer(np.asarray(value), weight_name)
    if callable(value):
        return value
    raise TypeError(
        f"Cannot use {value!r} as the initializer of '{weight_name}': give a number, an array, "
        "an initializer name or a keras.initializers.Initializer."
    )


def initial_value(
    initializer: Any, shape: Sequence[int], weight_name: str, dtype: Any = None
) -> Any:
    """Draw an initial value and check its shape, so a wrong initializer fails at build time.

    The value is always drawn in float32, so a seeded layer starts from the same numbers
    whatever its dtype, and then cast to ``dtype`` (the weight's dtype; float32 if ``None``).
    """
    value = initializer(tuple(shape), dtype="float32")
    got = tuple(keras.ops.shape(value))
    if got != tuple(shape):
        raise ValueError(
            f"Initializer for '{weight_name}' produced shape {got}, expected {tuple(shape)}."
        )
    return keras.ops.cast(value, dtype or "float32")


def check_2d_input(layer_name: str, input_shape: Sequence[int | None]) -> int:
    """Return the feature count of a ``(batch, features)`` input or raise a helpful error."""
    if len(input_shape) != 2:
        raise ValueError(
            f"{layer_name} expects 2-D input (batch, features), got shape {tuple(input_shape)}. "
            "Add keras.layers.Flatten() before it (e.g. for 28x28 images)."
        )
    if input_shape[-1] is None:
        raise ValueError(f"{layer_name} needs a known number of input features.")
    return int(input_shape[-1])


def is_integer(value: Any) -> bool:
    """``value`` is a Python or numpy integer, and not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_units(layer_name: str, units: Any) -> int:
    """``units`` as a positive ``int``, or an error naming the argument and the fix."""
    if not is_integer(units) or units < 1:
        raise ValueError(
            f"{layer_name}: units must be a positive integer, got {units!r}. Give the number "
            "of output nodes, e.g. units=10."
        )
    return int(units)


def check_flag(layer_name: str, name: str, value: Any) -> bool:
    """``value`` as a ``bool``; anything else (``"False"``, ``0``, ``None``) is refused."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{layer_name}: {name} must be True or False, got {value!r}.")
    return bool(value)


def check_seed(layer_name: str, seed: Any, name: str = "seed") -> int | None:
    """``seed`` as a non-negative ``int`` or ``None``."""
    if seed is None:
        return None
    if not is_integer(seed) or seed < 0:
        raise ValueError(
            f"{layer_name}: {name} must be a non-negative integer or None, got {seed!r}."
        )
    return int(seed)
