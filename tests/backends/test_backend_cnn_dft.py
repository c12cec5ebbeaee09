"""Orthonormal DFT helpers and exact spectral pooling (spectral_nb.cnn.dft), on every backend."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from backend_tools import cases, input_gradient, numpy

from spectral_nb.cnn import dft2, idft2, spectral_pool, spectral_upsample
from spectral_nb.cnn.dft import (
    pooling_matrix,
    real_part,
    spectral_pool_complex,
    to_complex,
)

EPS = np.finfo(np.float64).eps
RNG = np.random.default_rng(20150603)

# (input size, output size) pairs covering odd/even inputs and outputs, squares and rectangles;
# the reduced list (backends other than TensorFlow) still has even->odd, odd->even, even->even,
# odd->odd and an axis left unchanged.
SIZE_CASES = cases(
    [
        ((8, 8), (4, 4)),
        ((8, 8), (3, 5)),
        ((9, 9), (4, 4)),
        ((9, 7), (5, 3)),
        ((10, 12), (6, 7)),
        ((7, 6), (2, 6)),
        ((6, 6), (1, 1)),
        ((11, 10), (11, 10)),
        ((12, 12), (11, 2)),
    ],
    [((8, 8), (3, 5)), ((9, 9), (4, 4)), ((9, 7), (5, 3)), ((10, 12), (6, 7)), ((7, 6), (2, 6))],
)


def images(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.normal(size=shape)


def inner(a, b) -> float:
    return float(np.sum(numpy(a) * numpy(b)))


def test_dft2_is_orthonormal_numpy_fft_and_parseval() -> None:
    x = images((3, 9, 8, 2))
    spectrum = to_complex(dft2(x))
    np.testing.assert_allclose(spectrum, np.fft.fft2(x, axes=(1, 2), norm="ortho"), atol=1e-12)
    assert np.linalg.norm(spectrum) == pytest.approx(np.linalg.norm(x), rel=1e-13)
    np.testing.assert_allclose(to_complex(idft2(spectrum)), x, atol=1e-12)
    np.testing.assert_allclose(to_complex(idft2(dft2(x))), x, atol=1e-12)


def test_dft2_keeps_the_float_dtype_and_rejects_3d() -> None:
    re, im = dft2(np.zeros((1, 4, 4, 1), np.float32))
    assert keras.backend.standardize_dtype(re.dtype) == "float32"
    assert keras.backend.standardize_dtype(im.dtype) == "float32"
    x = RNG.random((2, 6, 5, 3))
    half = dft2(x.astype(np.float16))  # no half-precision complex type: computed in float32
    assert [keras.backend.standardize_dtype(t.dtype) for t in half] == ["float16", "float16"]
    back = numpy(idft2(half)[0]).astype(np.float64)
    assert keras.backend.standardize_dtype(idft2(half)[0].dtype) == "float16"
    np.testing.assert_allclose(back, x, atol=2e-3)
    with pytest.raises(ValueError, match="channels-last"):
        dft2(np.zeros((4, 4, 1)))
    with pytest.raises(TypeError, match="real image"):
        spectral_pool(np.zeros((1, 4, 4, 1), complex), 2)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
@pytest.mark.parametrize("norm", ["intensity", "ortho"])
def test_pooled_image_is_real_before_the_real_part_is_taken(size_in, size_out, norm) -> None:
    x = images((2, *size_in, 3))
    z = to_complex(spectral_pool_complex(x, size_out, norm=norm))
    assert z.shape == (2, *size_out, 3)
    assert np.max(np.abs(z.imag)) <= 16 * EPS * np.max(np.abs(z))
    np.testing.assert_array_equal(numpy(spectral_pool(x, size_out, norm=norm)), z.real)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_pooling_equals_separable_real_matrices(size_in, size_out) -> None:
    x = images((2, *size_in, 1))
    p_h, p_w = pooling_matrix(size_in[0], size_out[0]), pooling_matrix(size_in[1], size_out[1])
    expected = np.einsum("hm,bmnc,wn->bhwc", p_h, x, p_w)
    got = numpy(spectral_pool(x, size_out, norm="ortho"))
    np.testing.assert_allclose(got, expected, atol=1e-13)


@pytest.mark.parametrize(("size_in", "size_out"), [((9, 9), (5, 3)), ((8, 10), (3, 7))])
def test_odd_outputs_match_an_independent_centred_crop(size_in, size_out) -> None:
    """For odd output sizes there is no corner case: fftshift, crop the centre, ifftshift."""
    x = images((1, *size_in, 1))[0, ..., 0]
    shifted = np.fft.fftshift(np.fft.fft2(x, norm="ortho"))
    (m, n), (h, w) = size_in, size_out
    top, left = m // 2 - h // 2, n // 2 - w // 2
    block = shifted[top : top + h, left : left + w]
    expected = np.fft.ifft2(np.fft.ifftshift(block), norm="ortho").real
    got = numpy(spectral_pool(x[None, ..., None], size_out, norm="ortho"))[0, ..., 0]
    np.testing.assert_allclose(got, expected, atol=1e-13)


def test_even_output_keeps_the_nyquist_cosine_and_drops_the_sine() -> None:
    """1-D view: the frequency-h cosine of an M-grid maps to the h-grid's Nyquist mode."""
    m, h = 10, 4
    t = np.arange(m)
    cosine = np.sqrt(2.0 / m) * np.cos(2 * np.pi * (h // 2) * t / m)
    sine = np.sqrt(2.0 / m) * np.sin(2 * np.pi * (h // 2) * t / m)
    nyquist = (-1.0) ** np.arange(h) / np.sqrt(h)
    x = np.stack([np.outer(cosine, np.ones(m)) / np.sqrt(m), np.outer(sine, np.ones(m))])
    y = numpy(spectral_pool(x[..., None], (h, 1), norm="ortho"))[..., 0]
    np.testing.assert_allclose(y[0, :, 0], nyquist, atol=1e-14)
    np.testing.assert_allclose(y[1], 0.0, atol=1e-14)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
@pytest.mark.parametrize("norm", ["intensity", "ortho"])
def test_pooling_is_a_projection(size_in, size_out, norm) -> None:
    x = images((2, *size_in, 2))
    pooled = spectral_pool(x, size_out, norm=norm)
    up = spectral_upsample(pooled, size_in, norm=norm)
    # pool o upsample = identity, so pool -> upsample -> pool equals pool ...
    np.testing.assert_allclose(
        numpy(spectral_pool(up, size_out, norm=norm)), numpy(pooled), atol=1e-13
    )
    # ... and upsample o pool is idempotent and self-adjoint: an orthogonal projector.
    again = spectral_upsample(spectral_pool(up, size_out, norm=norm), size_in, norm=norm)
    np.testing.assert_allclose(numpy(again), numpy(up), atol=1e-13)
    z = images((2, *size_in, 2))
    proj_z = spectral_upsample(spectral_pool(z, size_out, norm=norm), size_in, norm=norm)
    assert inner(up, z) == pytest.approx(inner(x, proj_z), rel=1e-12, abs=1e-12)
    # The residual is orthogonal to the band: ||x||^2 = ||proj x||^2 + ||x - proj x||^2.
    up = numpy(up)
    assert np.sum(x**2) == pytest.approx(np.sum(up**2) + np.sum((x - up) ** 2), rel=1e-12)


def test_band_limited_images_are_reproduced_exactly() -> None:
    m, n, h, w = 12, 10, 6, 5
    spectrum = np.zeros((m, n), complex)
    for k in range(-(h // 2) + 1, h // 2):
        for j in range(-(w // 2), w // 2 + 1):
            spectrum[k % m, j % n] = RNG.normal() + 1j * RNG.normal()
    x = np.fft.ifft2(spectrum).real[None, ..., None]  # real part = band-limited real image
    up = numpy(spectral_upsample(spectral_pool(x, (h, w)), (m, n)))
    np.testing.assert_allclose(up, x, atol=1e-14)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_constant_image_pools_to_the_same_constant(size_in, size_out) -> None:
    x = np.full((1, *size_in, 2), 3.25)
    np.testing.assert_allclose(numpy(spectral_pool(x, size_out)), 3.25, atol=1e-13)
    np.testing.assert_allclose(
        numpy(spectral_pool(x, size_out, norm="ortho")),
        3.25 * np.sqrt(np.prod(size_in) / np.prod(size_out)),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        numpy(spectral_upsample(x[:, : size_out[0], : size_out[1]], size_in)), 3.25
    )


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_adjoint_is_spectral_zero_padding(size_in, size_out) -> None:
    x, y = images((2, *size_in, 3)), images((2, *size_out, 3))
    ratio = np.prod(size_out) / np.prod(size_in)
    lhs = inner(spectral_pool(x, size_out), y)
    rhs = inner(x, ratio * numpy(spectral_upsample(y, size_in)))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)
    lhs = inner(spectral_pool(x, size_out, norm="ortho"), y)
    assert lhs == pytest.approx(inner(x, spectral_upsample(y, size_in, norm="ortho")), rel=1e-12)


@pytest.mark.parametrize(("size_in", "size_out"), [((8, 8), (4, 4)), ((9, 7), (4, 5))])
def test_gradient_is_the_adjoint_numerically(size_in, size_out) -> None:
    x = images((1, *size_in, 2))
    g = images((1, *size_out, 2))

    def loss(t):
        return keras.ops.sum(keras.ops.multiply(spectral_pool(t, size_out), g))

    grad = input_gradient(loss, x)
    adjoint = np.prod(size_out) / np.prod(size_in) * numpy(spectral_upsample(g, size_in))
    np.testing.assert_allclose(grad, adjoint, atol=1e-13)
    # Central differences along random directions agree with the autodiff gradient.
    for _ in range(3):
        d = images(x.shape)
        step = 1e-6
        numerical = (float(numpy(loss(x + step * d))) - float(numpy(loss(x - step * d)))) / (
            2 * step
        )
        assert numerical == pytest.approx(float(np.sum(grad * d)), rel=1e-7, abs=1e-9)


def test_sizes_are_checked_with_helpful_messages() -> None:
    with pytest.raises(ValueError, match="5x9 exceeds the input size 4x9"):
        spectral_pool(np.zeros((1, 4, 9, 1)), (5, 9))
    with pytest.raises(ValueError, match="smaller than the input size"):
        spectral_upsample(np.zeros((1, 4, 4, 1)), 3)
    with pytest.raises(ValueError, match="positive integers"):
        spectral_pool(np.zeros((1, 4, 4, 1)), (0, 2))
    with pytest.raises(ValueError, match="norm"):
        spectral_pool(np.zeros((1, 4, 4, 1)), 2, norm="backward")


def test_real_part_check_catches_a_non_hermitian_spectrum() -> None:
    z = (np.ones((1, 2, 2, 1)), 1e-3 * np.ones((1, 2, 2, 1)))
    with pytest.raises(ValueError, match="imaginary part"):
        real_part(z, check=True)
    np.testing.assert_array_equal(numpy(real_part(z)), z[0])
    assert tuple(spectral_pool(images((1, 6, 6, 1)), 4, check_real=True).shape) == (1, 4, 4, 1)
