"""The spectral dense layer of Giambagli et al. (2021).

Between a layer of ``n`` nodes and one of ``m`` nodes, the transfer operator in the compact
``(n + m)``-space is ``A = Phi Lambda Phi^-1`` with ``Phi = I + [[0, 0], [phi^T, 0]]`` and
``Phi^-1 = 2I - Phi``. Its out <- in block, transposed to Keras orientation ``(inputs, units)``,
is the kernel of a dense layer:

    W[j, i] = eigenvectors[j, i] * (eigenvalues_in[j] - eigenvalues_out[i])

(derived in :mod:`spectral_nb.operators.compact`, computed by
:func:`spectral_nb.operators.spectral_kernel`, the one home of that formula). The paper's
initial ranges, the layer's defaults, are defined here once.
"""

from __future__ import annotations

from typing import Any

import keras

from ..operators import spectral_kernel
from ._dense_base import DirectKernelDense, deserialize_layer_config
from ._init_utils import (
    check_2d_input,
    check_flag,
    check_seed,
    check_units,
    initial_value,
    resolve_initializer,
)

# The paper's initialisation: eigenvector entries U[-0.5, 0.5], eigenvalues U[-0.01, 0.01]
# (a range the paper states was not optimised). The engine's runs draw from the same ranges.
PAPER_EIGENVECTOR_RANGE = 0.5
PAPER_EIGENVALUE_RANGE = 0.01


_INITIALIZER_KEYS = (
    "eigenvectors_initializer",
    "eigenvalues_in_initializer",
    "eigenvalues_out_initializer",
    "bias_initializer",
)


@keras.saving.register_keras_serializable(package="spectral_nb")
class Spectral(DirectKernelDense):
    """Dense layer parametrised by eigenvectors and eigenvalues of its transfer operator.

    ``y = activation(x @ W + b)`` with ``W[j, i] = eigenvectors[j, i] * (eigenvalues_in[j] -
    eigenvalues_out[i])``. Trainable parameters, for ``n`` inputs and ``m`` units: ``n * m``
    eigenvectors if ``train_eigenvectors``, ``n`` input eigenvalues if
    ``train_eigenvalues_in``, ``m`` output eigenvalues if ``train_eigenvalues_out``, and ``m``
    bias entries if ``use_bias``; every frozen set is a non-trainable weight.

    Parameters
    ----------
    units
        Number of output nodes ``m``.
    activation
        Keras activation applied to ``x @ W + b`` (``None``: linear).
    use_bias
        Add a bias vector (trainable with the eigenvalues). The paper uses none.
    train_eigenvectors, train_eigenvalues_in, train_eigenvalues_out
        Which of the three sets are trained. A frozen set is a non-trainable weight,
        so ``count_params`` of the trainable weights is the true count: 794 for the
        784 -> 10 "Train Lambda" perceptron (``train_eigenvectors=False``).
    eigenvectors_initializer, eigenvalues_in_initializer, eigenvalues_out_initializer
        Keras initializers, numbers (constants, e.g. ``1.0`` for input eigenvalues held
        at one) or arrays of the exact shape. Defaults are the paper's: eigenvectors
        U[-0.5, 0.5], eigenvalues U[-0.01, 0.01].
    bias_initializer
        Initializer of the bias (default zeros).
    seed
        Optional seed for the default random initializers, for reproducible layers.

    Input shape
        2-D tensor ``(batch_size, n)``.

    Output shape
        2-D tensor ``(batch_size, units)``.
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = False,
        train_eigenvectors: bool = True,
        train_eigenvalues_in: bool = True,
        train_eigenvalues_out: bool = True,
        eigenvectors_initializer: Any = None,
        eigenvalues_in_initializer: Any = None,
        eigenvalues_out_initializer: Any = None,
        bias_initializer: Any = "zeros",
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.units = check_units(layer, units)
        self.activation = keras.activations.get(activation)
        self.use_bias = check_flag(layer, "use_bias", use_bias)
        self.train_eigenvectors = check_flag(layer, "train_eigenvectors", train_eigenvectors)
        self.train_eigenvalues_in = check_flag(layer, "train_eigenvalues_in", train_eigenvalues_in)
        self.train_eigenvalues_out = check_flag(
            layer, "train_eigenvalues_out", train_eigenvalues_out
        )
        self.seed = check_seed(layer, seed)
        self.eigenvectors_initializer = self._default(
            eigenvectors_initializer, PAPER_EIGENVECTOR_RANGE, 0, "eigenvectors"
        )
        self.eigenvalues_in_initializer = self._default(
            eigenvalues_in_initializer, PAPER_EIGENVALUE_RANGE, 1, "eigenvalues_in"
        )
        self.eigenvalues_out_initializer = self._default(
            eigenvalues_out_initializer, PAPER_EIGENVALUE_RANGE, 2, "eigenvalues_out"
        )
        self.bias_initializer = resolve_initializer(bias_initializer, "bias")

    def _default(self, value: Any, half_range: float, offset: int, name: str) -> Any:
        """``value`` as an initializer; ``None`` is the paper's U[-half_range, half_range]."""
        if value is None:
            seed = None if self.seed is None else self.seed * 3 + offset
            return keras.initializers.RandomUniform(-half_range, half_range, seed=seed)
        return resolve_initializer(value, name)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        n_in = check_2d_input(type(self).__name__, input_shape)

        def weight(name: str, shape: tuple[int, ...], init: Any, trainable: bool) -> Any:
            return self.add_weight(
                name=name,
                shape=shape,
                initializer=lambda shape, dtype=None: initial_value(init, shape, name, dtype),
                trainable=trainable,
            )

        self.eigenvectors = weight(
            "eigenvectors", (n_in, self.units), self.eigenvectors_initializer,
            self.train_eigenvectors,
        )
        self.eigenvalues_in = weight(
            "eigenvalues_in", (n_in,), self.eigenvalues_in_initializer, self.train_eigenvalues_in
        )
        self.eigenvalues_out = weight(
            "eigenvalues_out", (self.units,), self.eigenvalues_out_initializer,
            self.train_eigenvalues_out,
        )
        self.bias = (
            weight("bias", (self.units,), self.bias_initializer, True) if self.use_bias else None
        )
        self.input_spec = keras.layers.InputSpec(ndim=2, axes={-1: n_in})

    def direct_kernel(self) -> Any:
        """The equivalent dense kernel ``W`` of shape ``(inputs, units)``."""
        return spectral_kernel(self.eigenvectors, self.eigenvalues_in, self.eigenvalues_out)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "train_eigenvectors": self.train_eigenvectors,
                "train_eigenvalues_in": self.train_eigenvalues_in,
                "train_eigenvalues_out": self.train_eigenvalues_out,
                "eigenvectors_initializer": keras.initializers.serialize(
                    self.eigenvectors_initializer
                ),
                "eigenvalues_in_initializer": keras.initializers.serialize(
                    self.eigenvalues_in_initializer
                ),
                "eigenvalues_out_initializer": keras.initializers.serialize(
                    self.eigenvalues_out_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> Spectral:
        return cls(**deserialize_layer_config(config, _INITIALIZER_KEYS))
