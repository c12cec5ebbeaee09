"""SpectralPooling2D, RandomizedResolution and SpectralConv2D layers, on every backend."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from backend_tools import cases, input_gradient, numpy, variable_gradients

from spectral_nb.cnn import (
    RandomizedResolution,
    SpectralConv2D,
    SpectralPooling2D,
    dft2,
    lowpass,
    spectral_pool,
    spectral_upsample,
)
from spectral_nb.cnn.dft import to_complex
from spectral_nb.cnn.randomized import lowpass_projector

RNG = np.random.default_rng(1506)


# --- SpectralPooling2D ----------------------------------------------------------------------


def test_pooling_layer_matches_function_and_infers_shapes() -> None:
    x = RNG.normal(size=(2, 9, 10, 3)).astype("float32")
    layer = SpectralPooling2D((4, 7))
    np.testing.assert_allclose(numpy(layer(x)), numpy(spectral_pool(x, (4, 7))), atol=1e-6)
    model = keras.Sequential([keras.Input((9, 10, 3)), layer])
    assert model.output_shape == (None, 4, 7, 3)
    assert SpectralPooling2D(5).output_size == (5, 5)


def test_pooling_layer_refuses_a_larger_output() -> None:
    with pytest.raises(ValueError, match="output size 9x9 exceeds the input size 8x8"):
        SpectralPooling2D(9)(np.zeros((1, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match="positive integers"):
        SpectralPooling2D((3, -1))


def test_pooling_layer_gradient_is_the_adjoint() -> None:
    layer = SpectralPooling2D((3, 4), dtype="float64")
    x = RNG.normal(size=(2, 7, 8, 2))
    g = RNG.normal(size=(2, 3, 4, 2))
    grad = input_gradient(lambda t: keras.ops.sum(keras.ops.multiply(layer(t), g)), x)
    expected = 12 / 56 * numpy(spectral_upsample(g, (7, 8)))
    np.testing.assert_allclose(grad, expected, atol=1e-13)


# --- RandomizedResolution -------------------------------------------------------------------


@pytest.mark.parametrize("size", [7, 8])
def test_lowpass_projector_equals_upsample_after_pool(size) -> None:
    x = RNG.normal(size=(2, size, size, 1))
    for keep in cases(range(1, size + 1), [1, 2, size // 2, size - 1, size]):
        expected = numpy(spectral_upsample(spectral_pool(x, keep), size))
        got = numpy(lowpass(x, keep, keep, check_real=True))
        np.testing.assert_allclose(got, expected, atol=1e-13)
        q = numpy(lowpass_projector(size, keep, "float64"))
        np.testing.assert_allclose(q @ q, q, atol=1e-15)
    np.testing.assert_allclose(numpy(lowpass_projector(size, size)), np.eye(size))


def test_randomized_resolution_is_identity_at_inference() -> None:
    x = RNG.normal(size=(2, 8, 8, 3)).astype("float32")
    layer = RandomizedResolution(0.3, seed=0)
    np.testing.assert_array_equal(numpy(layer(x)), x)
    np.testing.assert_array_equal(numpy(layer(x, training=False)), x)
    model = keras.Sequential([keras.Input((8, 8, 3)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("shape", [(9, 9), (8, 10)])
def test_randomized_resolution_in_training_is_a_real_low_pass_projection(shape) -> None:
    h, w = shape
    layer = RandomizedResolution(0.4, seed=3, dtype="float64")
    twin = RandomizedResolution(0.4, seed=3)  # same seed: the same draws, read off directly
    low = layer.lowest_sizes(h, w)
    assert low == (math.ceil(0.4 * h), math.ceil(0.4 * w))
    x = RNG.normal(size=(2, h, w, 2))
    freq_h, freq_w = np.abs(np.fft.fftfreq(h, 1 / h)), np.abs(np.fft.fftfreq(w, 1 / w))
    seen = set()
    for _ in range(12):
        y = numpy(layer(x, training=True))
        k_h, k_w = (int(numpy(k)) for k in twin.draw_sizes(h, w))
        assert low[0] <= k_h <= h and low[1] <= k_w <= w
        seen.add(k_h)
        np.testing.assert_allclose(y, numpy(lowpass(x, k_h, k_w, check_real=True)), atol=1e-13)
        spectrum = np.abs(to_complex(dft2(y)))
        assert np.all(spectrum[:, freq_h > k_h / 2] < 1e-12)
        assert np.all(spectrum[:, :, freq_w > k_w / 2] < 1e-12)
        if k_h < h or k_w < w:
            assert not np.allclose(y, x)
    assert len(seen) >= 3  # the cut-off really is random


def test_randomized_resolution_draws_are_seeded_and_full_fraction_is_identity() -> None:
    x = RNG.normal(size=(1, 12, 12, 1)).astype("float32")
    a, b = RandomizedResolution(0.2, seed=7), RandomizedResolution(0.2, seed=7)
    for _ in range(3):
        np.testing.assert_array_equal(numpy(a(x, training=True)), numpy(b(x, training=True)))
    full = RandomizedResolution(1.0, seed=1)
    np.testing.assert_allclose(numpy(full(x, training=True)), x, atol=1e-5)
    with pytest.raises(ValueError, match="min_fraction"):
        RandomizedResolution(0.0)


def test_randomized_resolution_trains_inside_fit() -> None:
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            RandomizedResolution(0.5, seed=0),
            SpectralPooling2D(4),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(
        RNG.normal(size=(16, 8, 8, 1)), RNG.integers(0, 2, 16), epochs=2, verbose=0
    )
    assert np.all(np.isfinite(history.history["loss"]))


# --- SpectralConv2D -------------------------------------------------------------------------


CONV_CASES = cases(
    [
        (3, 1, "same", (9, 9)),
        (5, 1, "valid", (11, 10)),
        ((3, 5), 2, "same", (12, 9)),
        (4, 1, "valid", (8, 8)),
        (1, 1, "same", (5, 6)),
        (2, 2, "valid", (7, 8)),
    ],
    [((3, 5), 2, "same", (12, 9)), (4, 1, "valid", (8, 8)), (1, 1, "same", (5, 6))],
)


@pytest.mark.parametrize(("kernel_size", "strides", "padding", "hw"), CONV_CASES)
def test_spectral_conv_equals_conv2d_on_the_same_filters(kernel_size, strides, padding, hw):
    cin, cout = int(RNG.integers(1, 4)), int(RNG.integers(1, 5))
    x = RNG.normal(size=(2, *hw, cin))
    conv = keras.layers.Conv2D(
        cout, kernel_size, strides=strides, padding=padding, dtype="float64",
        bias_initializer="random_normal", activation="relu",
    )
    expected = numpy(conv(x))
    spectral = SpectralConv2D.from_spatial(
        numpy(conv.kernel), numpy(conv.bias), strides=strides, padding=padding,
        dtype="float64", activation="relu",
    )
    got = numpy(spectral(x))
    assert got.shape == expected.shape == spectral.compute_output_shape(x.shape)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(numpy(spectral.spatial_kernel()), numpy(conv.kernel), atol=1e-14)
    assert spectral.count_params() == conv.count_params()
    coeffs = spectral.spectral_coefficients()
    np.testing.assert_allclose(coeffs, np.conj(np.roll(np.flip(coeffs, (0, 1)), 1, (0, 1))),
                               atol=1e-13)


def test_seeded_initializer_gives_the_same_initial_filters_as_conv2d() -> None:
    x = RNG.normal(size=(1, 6, 6, 2)).astype("float32")
    conv = keras.layers.Conv2D(3, 3, kernel_initializer=keras.initializers.GlorotUniform(5))
    spectral = SpectralConv2D(3, 3, kernel_initializer=keras.initializers.GlorotUniform(5))
    np.testing.assert_allclose(numpy(spectral(x)), numpy(conv(x)), atol=1e-5)
    kernel = RNG.normal(size=(3, 3, 2, 3))
    spectral.set_spatial_kernel(kernel)
    np.testing.assert_allclose(numpy(spectral.spatial_kernel()), kernel, atol=1e-6)
    with pytest.raises(ValueError, match="needs"):
        spectral.set_spatial_kernel(np.zeros((5, 5, 2, 3)))
    with pytest.raises(ValueError, match="filters"):
        SpectralConv2D(0, 3)
    with pytest.raises(ValueError, match="shape"):
        SpectralConv2D(3, 3, kernel_initializer=np.zeros((5, 5, 2, 3)))(x)


def test_sgd_takes_identical_steps_in_both_parametrisations() -> None:
    """The basis is orthogonal, so plain gradient descent cannot tell the two apart."""
    x = RNG.normal(size=(4, 7, 7, 2))
    target = RNG.normal(size=(4, 5, 5, 3))
    conv = keras.layers.Conv2D(3, 3, dtype="float64")
    conv.build(x.shape)
    spectral = SpectralConv2D.from_spatial(numpy(conv.kernel), dtype="float64")
    spectral.build(x.shape)
    for layer in (conv, spectral):
        optimizer = keras.optimizers.SGD(0.05)
        for _ in range(3):
            grads = variable_gradients(
                layer, lambda out: keras.ops.mean(keras.ops.subtract(out, target) ** 2), x
            )
            optimizer.apply(grads, layer.trainable_variables)
    np.testing.assert_allclose(numpy(spectral.spatial_kernel()), numpy(conv.kernel), atol=1e-13)


# --- saving ---------------------------------------------------------------------------------


def test_all_layers_round_trip_through_keras_files(tmp_path) -> None:
    inputs = keras.Input((12, 12, 1))
    h = SpectralConv2D(4, 3, padding="same", activation="relu")(inputs)
    h = RandomizedResolution(0.3, seed=2, implementation="matrix")(h)
    h = SpectralPooling2D((5, 6), implementation="matrix")(h)
    h = SpectralConv2D.from_spatial(RNG.normal(size=(5, 5, 4, 2)), padding="same")(h)
    h = SpectralPooling2D(2, norm="ortho")(h)
    outputs = keras.layers.Dense(3)(keras.layers.Flatten()(h))
    model = keras.Model(inputs, outputs)
    x = RNG.normal(size=(3, 12, 12, 1)).astype("float32")
    model.compile("adam", "mse")
    model.fit(x, RNG.normal(size=(3, 3)), epochs=1, verbose=0)
    path = tmp_path / "cnn.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    kinds = {type(layer).__name__ for layer in loaded.layers}
    assert {"SpectralConv2D", "RandomizedResolution", "SpectralPooling2D"} <= kinds
    assert loaded.layers[2].get_config()["min_fraction"] == 0.3


# --- the matrix implementation --------------------------------------------------------------


@pytest.mark.parametrize(("size_in", "size_out"), [((9, 8), (4, 5)), ((14, 14), (7, 7))])
@pytest.mark.parametrize("norm", ["intensity", "ortho"])
def test_matrix_pooling_equals_fft_pooling(size_in, size_out, norm) -> None:
    x = RNG.normal(size=(2, *size_in, 3))
    fft = SpectralPooling2D(size_out, norm=norm, dtype="float64")
    matrix = SpectralPooling2D(size_out, norm=norm, implementation="matrix", dtype="float64")
    np.testing.assert_allclose(numpy(matrix(x)), numpy(fft(x)), atol=1e-13)
    with pytest.raises(ValueError, match="implementation"):
        SpectralPooling2D(2, implementation="dct")


@pytest.mark.parametrize("shape", [(7, 7), (8, 10)])
def test_matrix_randomized_resolution_equals_fft(shape) -> None:
    x = RNG.normal(size=(2, *shape, 2))
    fft = RandomizedResolution(0.3, seed=4, dtype="float64")
    matrix = RandomizedResolution(0.3, seed=4, implementation="matrix", dtype="float64")
    for _ in range(5):
        np.testing.assert_allclose(
            numpy(matrix(x, training=True)), numpy(fft(x, training=True)), atol=1e-13
        )
    np.testing.assert_array_equal(numpy(matrix(x)), x)
