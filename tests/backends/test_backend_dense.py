"""The dense layers' basics on every backend: Spectral, ConstrainedDense, ScaledTanh, retract."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from backend_tools import numpy

from spectral_nb import ConstrainedDense, ScaledTanh, Spectral, retract
from spectral_nb.operators import transfer_operator

RNG = np.random.default_rng(2021)


def test_spectral_forward_is_the_explicit_operator_block() -> None:
    """x W + b with W the transpose of the out <- in block of A = Phi Lambda Phi^-1."""
    layer = Spectral(5, use_bias=True, bias_initializer="random_normal", seed=3,
                     activation="tanh")
    x = RNG.normal(size=(4, 7)).astype("float32")
    out = numpy(layer(x))
    phi, lam_in, lam_out = (
        numpy(w) for w in (layer.eigenvectors, layer.eigenvalues_in, layer.eigenvalues_out)
    )
    operator = transfer_operator(phi, lam_in, lam_out)
    kernel = operator[7:, :7].T
    np.testing.assert_allclose(numpy(layer.direct_kernel()), kernel, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(out, np.tanh(x @ kernel + numpy(layer.bias)), atol=1e-6)


def test_trainable_counts_are_exact() -> None:
    spectral = Spectral(10, train_eigenvectors=False)
    constrained = ConstrainedDense(10, trainable_count=13, seed=1)
    for layer in (spectral, constrained):
        layer.build((None, 784))
    assert sum(int(np.prod(w.shape)) for w in spectral.trainable_weights) == 794
    assert sum(int(np.prod(w.shape)) for w in constrained.trainable_weights) == 13


def test_constrained_forward_is_its_kernel_and_fit_changes_only_the_chosen_entries() -> None:
    model = keras.Sequential([keras.Input((20,)), ConstrainedDense(7, trainable_count=13, seed=3)])
    layer = model.layers[0]
    x = RNG.normal(size=(64, 20)).astype("float32")
    y = RNG.normal(size=(64, 7)).astype("float32")
    before = numpy(layer.direct_kernel())
    np.testing.assert_array_equal(before, numpy(layer.base_kernel))
    np.testing.assert_allclose(numpy(model(x)), x @ before, rtol=1e-5, atol=1e-5)
    model.compile(optimizer=keras.optimizers.Adamax(0.05), loss="mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    changed = np.argwhere(before != numpy(layer.direct_kernel()))
    assert {tuple(e) for e in changed} == {tuple(e) for e in numpy(layer.entry_indices)}
    assert len(changed) == 13


def test_scaled_tanh_is_tanh_of_beta_x_and_beta_trains() -> None:
    layer = ScaledTanh(beta=0.7)
    x = RNG.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(numpy(layer(x)), np.tanh(0.7 * x), rtol=1e-6)
    frozen = ScaledTanh(beta=2.0, trainable_beta=False)
    frozen.build((None, 3))
    assert not frozen.trainable_weights


def _network() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((30,)),
            Spectral(16, seed=1),
            ScaledTanh(1.5),
            Spectral(12, seed=2, train_eigenvectors=False, use_bias=True),
            ConstrainedDense(4, trainable_count=20, seed=4),
        ]
    )


def test_network_fits_a_few_steps_and_round_trips_through_keras_files(tmp_path) -> None:
    model = _network()
    x = RNG.uniform(size=(96, 30)).astype("float32")
    y = RNG.integers(0, 4, 96)
    model.compile(
        keras.optimizers.Adamax(0.03),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    start = [numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert all(
        not np.array_equal(a, numpy(w)) for a, w in zip(start, model.trainable_weights, strict=True)
    )
    path = tmp_path / "dense.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Spectral", "ScaledTanh", "Spectral", "ConstrainedDense",
    ]
    assert loaded.layers[3].trainable_count == 20


def test_retract_fuses_the_linear_runs() -> None:
    model = keras.Sequential(
        [
            keras.Input((30,)),
            Spectral(40, seed=1),
            keras.layers.Dense(25),
            ConstrainedDense(12, trainable_count=30, seed=2, use_bias=True, bias_initializer=0.3),
            Spectral(10, activation="relu", seed=3),
            Spectral(6, seed=4, use_bias=True, bias_initializer=0.1),
        ]
    )
    retracted = retract(model)
    shapes = [tuple(layer.kernel.shape) for layer in retracted.layers]
    assert shapes == [(30, 10), (10, 6)]
    x = RNG.uniform(size=(16, 30)).astype("float32")
    np.testing.assert_allclose(numpy(retracted(x)), numpy(model(x)), rtol=1e-4, atol=1e-5)
    with pytest.raises(TypeError, match="Dropout"):
        retract(keras.Sequential([keras.Input((30,)), Spectral(5), keras.layers.Dropout(0.5)]))


def test_float64_layers_start_from_the_float32_draws() -> None:
    """A layer of dtype float64 builds float64 weights holding the same seeded numbers."""
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            pytest.skip("JAX has no float64 unless JAX_ENABLE_X64 is set")
    x = RNG.normal(size=(3, 6))
    for make in (
        lambda dtype: Spectral(4, seed=5, use_bias=True, dtype=dtype),
        lambda dtype: ConstrainedDense(4, trainable_count=7, seed=5, dtype=dtype),
    ):
        single, double = make("float32"), make("float64")
        out32, out64 = numpy(single(x.astype("float32"))), numpy(double(x))
        if keras.backend.backend() == "tensorflow":
            # Off TensorFlow, Keras' own result_type maps float64 products to float32
            # (keras.layers.Dense's matmul too), so only TensorFlow computes in float64.
            assert out64.dtype == np.float64
        assert {w.dtype for w in double.weights if w.dtype != "int32"} == {"float64"}
        for w32, w64 in zip(single.weights, double.weights, strict=True):
            np.testing.assert_array_equal(numpy(w64), numpy(w32).astype(numpy(w64).dtype))
        np.testing.assert_allclose(out64, out32, rtol=1e-5, atol=1e-6)
