"""Orthonormal DFT helpers and exact spectral pooling (spectral_nb.cnn.dft)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from spectral_nb.cnn import dft2, idft2, spectral_pool, spectral_upsample
from spectral_nb.cnn.dft import crop_matrix, pooling_matrix, real_part, spectral_pool_complex

EPS = np.finfo(np.float64).eps
RNG = np.random.default_rng(20150603)

# (input size, output size) pairs covering odd/even inputs and outputs, squares and rectangles.
SIZE_CASES = [
    ((8, 8), (4, 4)),
    ((8, 8), (3, 5)),
    ((9, 9), (4, 4)),
    ((9, 7), (5, 3)),
    ((10, 12), (6, 7)),
    ((7, 6), (2, 6)),
    ((6, 6), (1, 1)),
    ((11, 10), (11, 10)),
    ((12, 12), (11, 2)),
]


def images(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.normal(size=shape)


def inner(a: np.ndarray | tf.Tensor, b: np.ndarray | tf.Tensor) -> float:
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def test_dft2_is_orthonormal_numpy_fft_and_parseval() -> None:
    x = images((3, 9, 8, 2))
    spectrum = dft2(x).numpy()
    np.testing.assert_allclose(spectrum, np.fft.fft2(x, axes=(1, 2), norm="ortho"), atol=1e-12)
    assert np.linalg.norm(spectrum) == pytest.approx(np.linalg.norm(x), rel=1e-13)
    np.testing.assert_allclose(idft2(spectrum).numpy(), x, atol=1e-12)


def test_dft2_keeps_float32_as_complex64_and_rejects_3d() -> None:
    assert dft2(np.zeros((1, 4, 4, 1), np.float32)).dtype == tf.complex64
    with pytest.raises(ValueError, match="channels-last"):
        dft2(np.zeros((4, 4, 1)))


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_crop_matrix_is_a_coisometry_whose_transpose_zero_pads(size_in, size_out) -> None:
    for m, h in zip(size_in, size_out, strict=True):
        c = crop_matrix(m, h)
        np.testing.assert_allclose(c @ c.T, np.eye(h), atol=1e-15)
        p = pooling_matrix(m, h)
        np.testing.assert_allclose(p @ p.T, np.eye(h), atol=1e-13)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
@pytest.mark.parametrize("norm", ["intensity", "ortho"])
def test_pooled_image_is_real_before_the_real_part_is_taken(size_in, size_out, norm) -> None:
    x = images((2, *size_in, 3))
    z = spectral_pool_complex(x, size_out, norm=norm).numpy()
    assert z.shape == (2, *size_out, 3)
    assert np.max(np.abs(z.imag)) <= 16 * EPS * np.max(np.abs(z))
    np.testing.assert_array_equal(spectral_pool(x, size_out, norm=norm).numpy(), z.real)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_pooling_equals_separable_real_matrices(size_in, size_out) -> None:
    x = images((2, *size_in, 1))
    p_h, p_w = pooling_matrix(size_in[0], size_out[0]), pooling_matrix(size_in[1], size_out[1])
    expected = np.einsum("hm,bmnc,wn->bhwc", p_h, x, p_w)
    got = spectral_pool(x, size_out, norm="ortho").numpy()
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
    got = spectral_pool(x[None, ..., None], size_out, norm="ortho").numpy()[0, ..., 0]
    np.testing.assert_allclose(got, expected, atol=1e-13)


def test_even_output_keeps_the_nyquist_cosine_and_drops_the_sine() -> None:
    """1-D view: the frequency-h cosine of an M-grid maps to the h-grid's Nyquist mode."""
    m, h = 10, 4
    t = np.arange(m)
    cosine = np.sqrt(2.0 / m) * np.cos(2 * np.pi * (h // 2) * t / m)
    sine = np.sqrt(2.0 / m) * np.sin(2 * np.pi * (h // 2) * t / m)
    nyquist = (-1.0) ** np.arange(h) / np.sqrt(h)
    x = np.stack([np.outer(cosine, np.ones(m)) / np.sqrt(m), np.outer(sine, np.ones(m))])
    y = spectral_pool(x[..., None], (h, 1), norm="ortho").numpy()[..., 0]
    np.testing.assert_allclose(y[0, :, 0], nyquist, atol=1e-14)
    np.testing.assert_allclose(y[1], 0.0, atol=1e-14)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
@pytest.mark.parametrize("norm", ["intensity", "ortho"])
def test_pooling_is_a_projection(size_in, size_out, norm) -> None:
    x = images((2, *size_in, 2))
    pooled = spectral_pool(x, size_out, norm=norm)
    up = spectral_upsample(pooled, size_in, norm=norm)
    # pool o upsample = identity, so pool -> upsample -> pool equals pool ...
    np.testing.assert_allclose(spectral_pool(up, size_out, norm=norm).numpy(), pooled, atol=1e-13)
    # ... and upsample o pool is idempotent and self-adjoint: an orthogonal projector.
    again = spectral_upsample(spectral_pool(up, size_out, norm=norm), size_in, norm=norm)
    np.testing.assert_allclose(again.numpy(), up.numpy(), atol=1e-13)
    z = images((2, *size_in, 2))
    proj_z = spectral_upsample(spectral_pool(z, size_out, norm=norm), size_in, norm=norm)
    assert inner(up, z) == pytest.approx(inner(x, proj_z), rel=1e-12, abs=1e-12)
    # The residual is orthogonal to the band: ||x||^2 = ||proj x||^2 + ||x - proj x||^2.
    assert np.sum(x**2) == pytest.approx(np.sum(up**2) + np.sum((x - up) ** 2), rel=1e-12)


def test_band_limited_images_are_reproduced_exactly() -> None:
    m, n, h, w = 12, 10, 6, 5
    spectrum = np.zeros((m, n), complex)
    for k in range(-(h // 2) + 1, h // 2):
        for j in range(-(w // 2), w // 2 + 1):
            spectrum[k % m, j % n] = RNG.normal() + 1j * RNG.normal()
    x = np.fft.ifft2(spectrum).real[None, ..., None]  # real part = band-limited real image
    up = spectral_upsample(spectral_pool(x, (h, w)), (m, n)).numpy()
    np.testing.assert_allclose(up, x, atol=1e-14)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_constant_image_pools_to_the_same_constant(size_in, size_out) -> None:
    x = np.full((1, *size_in, 2), 3.25)
    np.testing.assert_allclose(spectral_pool(x, size_out).numpy(), 3.25, atol=1e-13)
    np.testing.assert_allclose(
        spectral_pool(x, size_out, norm="ortho").numpy(),
        3.25 * np.sqrt(np.prod(size_in) / np.prod(size_out)),
        atol=1e-12,
    )
    np.testing.assert_allclose(spectral_upsample(x[:, : size_out[0], : size_out[1]], size_in), 3.25)


@pytest.mark.parametrize(("size_in", "size_out"), SIZE_CASES)
def test_adjoint_is_spectral_zero_padding(size_in, size_out) -> None:
    x, y = images((2, *size_in, 3)), images((2, *size_out, 3))
    ratio = np.prod(size_out) / np.prod(size_in)
    lhs = inner(spectral_pool(x, size_out), y)
    rhs = inner(x, ratio * spectral_upsample(y, size_in).numpy())
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)
    lhs = inner(spectral_pool(x, size_out, norm="ortho"), y)
    assert lhs == pytest.approx(inner(x, spectral_upsample(y, size_in, norm="ortho")), rel=1e-12)


@pytest.mark.parametrize(("size_in", "size_out"), [((8, 8), (4, 4)), ((9, 7), (4, 5))])
def test_gradient_is_the_adjoint_numerically(size_in, size_out) -> None:
    x = tf.constant(images((1, *size_in, 2)))
    g = images((1, *size_out, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(spectral_pool(x, size_out) * g)
    grad = tape.gradient(loss, x).numpy()
    adjoint = np.prod(size_out) / np.prod(size_in) * spectral_upsample(g, size_in).numpy()
    np.testing.assert_allclose(grad, adjoint, atol=1e-13)
    theoretical, numerical = tf.test.compute_gradient(
        lambda t: spectral_pool(t, size_out), [x], delta=1e-6
    )
    np.testing.assert_allclose(theoretical[0], numerical[0], atol=1e-8)


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
    z = tf.complex(tf.ones((1, 2, 2, 1), tf.float64), 1e-3 * tf.ones((1, 2, 2, 1), tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="imaginary part"):
        real_part(z, check=True)
    np.testing.assert_array_equal(spectral_pool(images((1, 6, 6, 1)), 4, check_real=True).shape,
                                  (1, 4, 4, 1))
