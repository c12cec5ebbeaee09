"""What every dense-like layer of the package shares: ``activation(x @ direct_kernel() + b)``."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


class DirectKernelDense(keras.layers.Layer):
    """Base of layers whose output is a dense map with a parametrised kernel.

    Subclasses set ``self.activation`` and ``self.bias`` (or ``None``) and implement
    :meth:`direct_kernel`, the ``(inputs, units)`` kernel of the equivalent ``Dense`` layer.
    """

    def direct_kernel(self) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        outputs = ops.matmul(inputs, self.direct_kernel())
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple:
        return (input_shape[0], self.units)


def deserialize_layer_config(config: dict, initializer_keys: tuple[str, ...]) -> dict:
    """Undo ``get_config``'s serialisation of initializers and the activation."""
    config = dict(config)
    for key in initializer_keys:
        config[key] = keras.initializers.deserialize(config[key])
    if "activation" in config:
        config["activation"] = keras.activations.deserialize(config["activation"])
    return config
