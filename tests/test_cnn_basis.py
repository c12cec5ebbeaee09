"""The numpy matrices behind the CNN layers: truncation, pooling and the spectral filter basis.

Pure numpy, so they run once here; everything built with ``keras.ops`` is tested on every
backend in ``tests/backends/``.
"""

from __future__ import annotations

import numpy as np
import pytest

from spectral_nb.cnn import spatial_to_spectral, spectral_to_spatial
from spectral_nb.cnn.conv import half_spectrum, spectral_basis
from spectral_nb.cnn.dft import crop_matrix, pooling_matrix

RNG = np.random.default_rng(1506)


@pytest.mark.parametrize(
    ("size_in", "size_out"),
    [((8, 8), (4, 4)), ((9, 7), (5, 3)), ((7, 6), (2, 6)), ((6, 6), (1, 1)), ((12, 12), (11, 2))],
)
def test_crop_matrix_is_a_coisometry_whose_transpose_zero_pads(size_in, size_out) -> None:
    for m, h in zip(size_in, size_out, strict=True):
        c = crop_matrix(m, h)
        np.testing.assert_allclose(c @ c.T, np.eye(h), atol=1e-15)
        p = pooling_matrix(m, h)
        np.testing.assert_allclose(p @ p.T, np.eye(h), atol=1e-13)
    with pytest.raises(ValueError, match="between 1 and 4"):
        crop_matrix(4, 5)


@pytest.mark.parametrize(("kh", "kw"), [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (2, 3), (4, 5)])
def test_half_spectrum_counts_and_basis_is_orthogonal(kh, kw) -> None:
    self_conj, paired = half_spectrum(kh, kw)
    assert len(self_conj) + 2 * len(paired) == kh * kw
    assert len(self_conj) == (1 + (kh % 2 == 0)) * (1 + (kw % 2 == 0))
    b_re, b_im = spectral_basis(kh, kw)
    basis = np.concatenate([b_re, b_im], axis=1)
    np.testing.assert_allclose(basis.T @ basis, np.eye(kh * kw), atol=1e-14)


@pytest.mark.parametrize(("kh", "kw"), [(3, 3), (5, 5), (4, 4), (2, 5)])
def test_spatial_spectral_round_trip_is_exact(kh, kw) -> None:
    kernel = RNG.normal(size=(kh, kw, 3, 4))
    a, b = spatial_to_spectral(kernel)
    np.testing.assert_allclose(spectral_to_spatial(a, b, (kh, kw)), kernel, atol=1e-14)
    # The coordinates are the (sqrt 2 scaled) independent DFT coefficients.
    spectrum = np.fft.fft2(kernel, axes=(0, 1), norm="ortho")
    self_conj, paired = half_spectrum(kh, kw)
    for i, (u, v) in enumerate(self_conj):
        np.testing.assert_allclose(a[i], spectrum[u, v].real, atol=1e-14)
        np.testing.assert_allclose(spectrum[u, v].imag, 0.0, atol=1e-14)
    for i, (u, v) in enumerate(paired):
        np.testing.assert_allclose(a[len(self_conj) + i], np.sqrt(2) * spectrum[u, v].real,
                                   atol=1e-13)
        np.testing.assert_allclose(b[i], np.sqrt(2) * spectrum[u, v].imag, atol=1e-13)

