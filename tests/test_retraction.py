"""retract(): fused linear runs give the same outputs as the original model."""

import keras
import numpy as np
import pytest

from spectral_nb import ConstrainedDense, Spectral, retract


def _x(n=16, d=30):
    return np.random.default_rng(0).uniform(size=(n, d)).astype("float32")


def test_all_linear_stack_retracts_to_one_perceptron():
    model = keras.Sequential(
        [
            keras.Input((30,)),
            Spectral(40, seed=1),
            keras.layers.Dense(25),
            ConstrainedDense(12, trainable_count=30, seed=2, use_bias=True,
                             bias_initializer=0.3),
            Spectral(10, seed=4, use_bias=True, bias_initializer=0.1),
        ]
    )
    retracted = retract(model)
    dense = [layer for layer in retracted.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1 and dense[0].kernel.shape == (30, 10)
    np.testing.assert_allclose(retracted(_x()), model(_x()), rtol=1e-4, atol=1e-5)


def test_mixed_stack_keeps_nonlinearities_and_fuses_linear_runs():
    model = keras.Sequential(
        [
            keras.Input((30,)),
            Spectral(50, seed=1),
            Spectral(20, activation="relu", seed=2),
            keras.layers.Dense(15),
            keras.layers.Dense(8, activation="tanh"),
            Spectral(10, seed=3),
        ]
    )
    retracted = retract(model)
    shapes = [tuple(layer.kernel.shape) for layer in retracted.layers]
    assert shapes == [(30, 20), (20, 8), (8, 10)]
    assert [layer.activation.__name__ for layer in retracted.layers] == ["relu", "tanh", "linear"]
    np.testing.assert_allclose(retracted(_x()), model(_x()), rtol=1e-4, atol=1e-5)


def test_flatten_and_activation_layers_are_kept():
    model = keras.Sequential(
        [
            keras.Input((5, 6)),
            keras.layers.Flatten(),
            Spectral(12, seed=1),
            keras.layers.Activation("relu"),
            Spectral(10, seed=2),
            Spectral(4, seed=3),
        ]
    )
    retracted = retract(model)
    x = _x().reshape(-1, 5, 6)
    np.testing.assert_allclose(retracted(x), model(x), rtol=1e-4, atol=1e-5)
    assert len(retracted.layers) == 4


def test_unsupported_layers_are_named():
    model = keras.Sequential([keras.Input((30,)), Spectral(5), keras.layers.Dropout(0.5)])
    with pytest.raises(TypeError, match="Dropout"):
        retract(model)
