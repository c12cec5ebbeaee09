"""Orthonormal 2-D DFTs of NHWC tensors and the exact spectral truncation of real images.

Conventions
-----------
* Tensors are channels-last ``(batch, height, width, channels)``. ``tf.signal.fft2d`` acts on
  the last two axes, so the helpers transpose to ``(batch, channels, height, width)`` inside.
* The DFT is orthonormal: ``X[k, l] = (MN)^(-1/2) sum_{m,n} x[m, n] exp(-2 pi i (km/M + ln/N))``.
  It is unitary, so Parseval holds: ``||X|| = ||x||``.
* Spectra use numpy's standard ordering (DC at index 0). "The central ``H x W`` block of the
  DC-centred spectrum" is, in that ordering, the frequencies ``-floor(H/2) <= k <= (H-1)//2``.

Exact truncation along one axis (``M -> H``)
--------------------------------------------
For odd ``H`` the kept frequencies ``|k| <= (H-1)/2`` come in conjugate pairs and are copied.
For even ``H < M`` the output has one self-conjugate Nyquist entry ``Y[H/2]`` that must be
real, while the input carries two conjugate entries ``X[H/2]`` and ``X[-H/2]`` (two real degrees
of freedom: a cosine and a sine of frequency ``H/2``). The truncation keeps the cosine:

    Y[H/2] = (X[H/2] + X[-H/2]) / sqrt(2)        (= sqrt(2) Re X[H/2] for real x)

and its adjoint, the zero-padding, splits the entry evenly: ``X[+-H/2] = Y[H/2] / sqrt(2)``.
With these weights the real-linear map ``P = F_H^-1 C F_M`` satisfies ``P P^T = I`` (a
co-isometry), so ``P^T P`` is the orthogonal projector onto the real low-pass subspace and
``P`` is "a truncation whose adjoint is zero-padding". Simply taking ``Re X[H/2]`` (the usual
corner-case treatment) gives an operator with ``P P^T != I``; dropping the entry loses the
whole Nyquist direction of the output. In 2-D the map is the tensor product of the two
1-D maps, so the four corner entries are combined with weight 1/2 each.

Amplitude
---------
With orthonormal transforms on both grids a constant image ``c`` of size ``M x N`` would pool
to ``c sqrt(MN / HW)``. Spectral pooling as a layer keeps the intensity level (a constant image
pools to the same constant, as max and average pooling do), so by default the pooled image
is ``sqrt(HW / MN) P x`` (``norm="intensity"``); ``norm="ortho"`` gives ``P x`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

NORMS: tuple[str, ...] = ("intensity", "ortho")


def _complex_dtype(dtype: tf.DType) -> tf.DType:
    if dtype in (tf.complex64, tf.complex128):
        return dtype
    return tf.complex128 if dtype == tf.float64 else tf.complex64


def _real_dtype(dtype: tf.DType) -> tf.DType:
    return tf.float64 if dtype == tf.complex128 else tf.float32


def _check_rank4(x: tf.Tensor, name: str) -> None:
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(
            f"{name} expects a 4-D channels-last tensor (batch, height, width, channels), "
            f"got shape {tuple(x.shape)}. Add a channel axis to single-channel images."
        )


def _to_nchw(x: tf.Tensor) -> tf.Tensor:
    return tf.transpose(x, (0, 3, 1, 2))


def _to_nhwc(x: tf.Tensor) -> tf.Tensor:
    return tf.transpose(x, (0, 2, 3, 1))


def _fft2_nchw(x: tf.Tensor) -> tf.Tensor:
    """Orthonormal DFT over the last two axes (input cast to complex)."""
    if not x.dtype.is_complex:  # tf.complex, not tf.cast: its gradient is the real part, quietly
        x = tf.complex(x, tf.zeros_like(x))
    m, n = tf.shape(x)[-2], tf.shape(x)[-1]
    scale = tf.cast(tf.math.rsqrt(tf.cast(m * n, _real_dtype(x.dtype))), x.dtype)
    return tf.signal.fft2d(x) * scale


def _ifft2_nchw(y: tf.Tensor) -> tf.Tensor:
    """Orthonormal inverse DFT over the last two axes."""
    m, n = tf.shape(y)[-2], tf.shape(y)[-1]
    scale = tf.cast(tf.math.sqrt(tf.cast(m * n, _real_dtype(y.dtype))), y.dtype)
    return tf.signal.ifft2d(y) * scale


def dft2(x: Any) -> tf.Tensor:
    """Orthonormal 2-D DFT over the spatial axes of an NHWC tensor.

    Parameters
    ----------
    x
        Real or complex tensor of shape ``(batch, height, width, channels)``.

    Returns
    -------
    tf.Tensor
        Complex spectrum of the same shape, standard (DC-first) frequency ordering;
        ``complex128`` for ``float64``/``complex128`` input, else ``complex64``.
    """
    x = tf.convert_to_tensor(x)
    _check_rank4(x, "dft2")
    return _to_nhwc(_fft2_nchw(_to_nchw(x)))


def idft2(y: Any) -> tf.Tensor:
    """Orthonormal inverse 2-D DFT over the spatial axes of an NHWC spectrum (complex out)."""
    y = tf.convert_to_tensor(y)
    _check_rank4(y, "idft2")
    y = tf.cast(y, _complex_dtype(y.dtype))
    return _to_nhwc(_ifft2_nchw(_to_nchw(y)))


def signed_frequencies(size: int) -> np.ndarray:
    """Signed frequency of each index of a length-``size`` DFT (``0, 1, ..., -1``)."""
    idx = np.arange(size)
    return np.where(idx <= size // 2, idx, idx - size)


def crop_matrix(size_in: int, size_out: int) -> np.ndarray:
    """Real ``(size_out, size_in)`` matrix truncating a 1-D spectrum from ``size_in`` frequencies.

    Rows follow the standard ordering of a length-``size_out`` spectrum. Kept frequencies are
    copied; for even ``size_out < size_in`` the Nyquist row is ``(e_{h} + e_{-h}) / sqrt(2)``
    with ``h = size_out / 2`` (see the module docstring). ``C @ C.T`` is the identity, and the
    transpose ``C.T`` is the zero-padding adjoint.

    Raises
    ------
    ValueError
        If ``size_out`` is not in ``1 .. size_in``.
    """
    if not 1 <= size_out <= size_in:
        raise ValueError(
            f"Cannot truncate a spectrum of {size_in} frequencies to {size_out}: the output "
            f"size must be between 1 and {size_in}."
        )
    if size_out == size_in:
        return np.eye(size_in)
    matrix = np.zeros((size_out, size_in))
    freqs_out = signed_frequencies(size_out)
    for row, k in enumerate(freqs_out):
        if size_out % 2 == 0 and abs(k) == size_out // 2:
            h = size_out // 2
            matrix[row, h] = matrix[row, size_in - h] = 1.0 / np.sqrt(2.0)
        else:
            matrix[row, k % size_in] = 1.0
    return matrix


def pooling_matrix(size_in: int, size_out: int) -> np.ndarray:
    """The real ``(size_out, size_in)`` matrix of 1-D orthonormal spectral truncation ``P``.

    ``P = F_out^-1 C F_in`` computed in float64; ``P @ P.T == I``. Separable: the 2-D map of an
    image ``x`` (``M x N``) is ``P_h @ x @ P_w.T``. Built with numpy's FFT and the crop
    matrix, independently of the TensorFlow slicing code, which the tests compare it with.
    """
    c = crop_matrix(size_in, size_out)
    f_in = np.fft.fft(np.eye(size_in), axis=0, norm="ortho")
    f_out_inv = np.fft.ifft(np.eye(size_out), axis=0, norm="ortho")
    p = f_out_inv @ c @ f_in
    if np.max(np.abs(p.imag)) > 1e-12:  # pragma: no cover - guards the construction
        raise AssertionError("pooling matrix is not real")
    return p.real


def apply_separable(x: Any, matrix_h: Any, matrix_w: Any) -> tf.Tensor:
    """``matrix_h @ x[b, :, :, c] @ matrix_w.T`` for every image and channel of an NHWC tensor."""
    x = tf.convert_to_tensor(x)
    a = tf.cast(matrix_h, x.dtype)
    b = tf.cast(matrix_w, x.dtype)
    y = tf.tensordot(a, x, axes=[[1], [1]])  # (h, batch, n, channels)
    y = tf.tensordot(b, y, axes=[[1], [2]])  # (w, h, batch, channels)
    return tf.transpose(y, (2, 1, 0, 3))


def pooling_matrices(
    input_size: Sequence[int], output_size: Sequence[int], norm: str = "intensity"
) -> tuple[np.ndarray, np.ndarray]:
    """Real matrices ``(A_h, A_w)`` with ``spectral_pool(x) == A_h x A_w^T`` per image/channel.

    The DFT, the truncation and the inverse DFT are linear and separable, so the whole of
    :func:`spectral_pool` is one real ``H x M`` and one real ``W x N`` matrix, computed here in
    float64 through the FFT (:func:`pooling_matrix`, which checks the imaginary part). The
    ``norm="intensity"`` factor ``sqrt(HW/MN)`` is split between the two.
    """
    (m, n), (h, w) = input_size, output_size
    a_h, a_w = pooling_matrix(m, h), pooling_matrix(n, w)
    if _check_norm(norm) == "intensity":
        a_h, a_w = a_h * np.sqrt(h / m), a_w * np.sqrt(w / n)
    return a_h, a_w


def _as_size(size: int | Sequence[int], name: str = "output_size") -> tuple[int, int]:
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        return int(size), int(size)
    try:
        h, w = size  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an int or a pair (height, width), got {size!r}."
        ) from None
    for v in (h, w):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} entries must be positive integers, got {size!r}.")
    return int(h), int(w)


def _spatial_size(x: tf.Tensor, name: str) -> tuple[int, int]:
    h, w = x.shape[1], x.shape[2]
    if h is None or w is None:
        raise ValueError(
            f"{name} needs static spatial dimensions, got input shape {tuple(x.shape)}."
        )
    return int(h), int(w)


def _check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
    return norm


def _slice_axis(y: tf.Tensor, axis: int, start: int, stop: int) -> tf.Tensor:
    """``y[..., start:stop, ...]`` along ``axis``."""
    index = [slice(None)] * y.shape.rank
    index[axis] = slice(start, stop)
    return y[tuple(index)]


def _crop_axis(y: tf.Tensor, axis: int, size_out: int) -> tf.Tensor:
    """Apply :func:`crop_matrix` along ``axis`` by slicing (O(size), exact)."""
    size_in = y.shape[axis]
    if size_out == size_in:
        return y

    def take(start: int, stop: int) -> tf.Tensor:
        return _slice_axis(y, axis, start, stop)

    h = size_out // 2
    if size_out % 2:
        return tf.concat([take(0, h + 1), take(size_in - h, size_in)], axis=axis)
    nyquist = (take(h, h + 1) + take(size_in - h, size_in - h + 1)) * _inv_sqrt2(y.dtype)
    return tf.concat([take(0, h), nyquist, take(size_in - h + 1, size_in)], axis=axis)


def _pad_axis(y: tf.Tensor, axis: int, size_out: int) -> tf.Tensor:
    """Apply ``crop_matrix(size_out, size_in).T`` (spectral zero-padding) along ``axis``."""
    size_in = y.shape[axis]
    if size_out == size_in:
        return y

    def take(start: int, stop: int) -> tf.Tensor:
        return _slice_axis(y, axis, start, stop)

    h = size_in // 2
    zeros_shape = tf.tensor_scatter_nd_update(
        tf.shape(y), [[axis]], [size_out - size_in - (1 - size_in % 2)]
    )
    zeros = tf.zeros(zeros_shape, y.dtype)
    if size_in % 2:
        return tf.concat([take(0, h + 1), zeros, take(h + 1, size_in)], axis=axis)
    half = take(h, h + 1) * _inv_sqrt2(y.dtype)
    return tf.concat([take(0, h), half, zeros, half, take(h + 1, size_in)], axis=axis)


def _inv_sqrt2(dtype: tf.DType) -> tf.Tensor:
    return tf.constant(1.0 / np.sqrt(2.0), dtype=dtype)


def real_part(z: tf.Tensor, check: bool = False, rtol: float | None = None) -> tf.Tensor:
    """Real part of a result that is real in exact arithmetic.

    With ``check=True`` first asserts ``max|Im z| <= rtol * max(max|z|, tiny)`` (default
    ``rtol = 64 eps`` of the real dtype), so a wrong frequency set fails loudly instead of
    being hidden. Never use ``abs()``: it would also flip the sign of negative pixels.
    """
    if check:
        real_dtype = _real_dtype(z.dtype)
        eps = float(np.finfo(real_dtype.as_numpy_dtype).eps)
        tol = (64.0 * eps) if rtol is None else float(rtol)
        scale = tf.maximum(tf.reduce_max(tf.abs(z)), tf.constant(1e-30, real_dtype))
        tf.debugging.assert_less_equal(
            tf.reduce_max(tf.abs(tf.math.imag(z))),
            tf.cast(tol, real_dtype) * scale,
            message="imaginary part above rounding level: the spectrum is not conjugate-symmetric",
        )
    return tf.math.real(z)


def spectral_pool_complex(
    x: Any, output_size: int | Sequence[int], norm: str = "intensity"
) -> tf.Tensor:
    """Spectral pooling before the real part is taken (complex NHWC); for checks and tests."""
    x = tf.convert_to_tensor(x)
    _check_rank4(x, "spectral_pool")
    if x.dtype.is_complex:
        raise TypeError("spectral_pool expects a real image tensor.")
    m, n = _spatial_size(x, "spectral_pool")
    h, w = _as_size(output_size)
    if h > m or w > n:
        raise ValueError(
            f"Spectral pooling output size {h}x{w} exceeds the input size {m}x{n}: "
            "the output can have at most as many frequencies as the input."
        )
    y = _crop_axis(_crop_axis(_fft2_nchw(_to_nchw(x)), 2, h), 3, w)
    if _check_norm(norm) == "intensity":
        y = y * tf.cast(np.sqrt(h * w / (m * n)), y.dtype)
    return _to_nhwc(_ifft2_nchw(y))


def spectral_pool(
    x: Any,
    output_size: int | Sequence[int],
    norm: str = "intensity",
    check_real: bool = False,
) -> tf.Tensor:
    """Spectral pooling of real NHWC images to ``output_size`` (Rippel et al. 2015, Alg. 1).

    Parameters
    ----------
    x
        Real tensor ``(batch, M, N, channels)`` with static ``M``, ``N``.
    output_size
        ``H`` or ``(H, W)`` with ``1 <= H <= M`` and ``1 <= W <= N``; odd and even both exact.
    norm
        ``"intensity"`` (default): a constant image pools to the same constant, i.e. the
        output is ``sqrt(HW/MN) P x``. ``"ortho"``: ``P x`` with ``P P^T = I``.
    check_real
        Assert that the imaginary part is at rounding level before it is discarded.

    Returns
    -------
    tf.Tensor
        Real tensor ``(batch, H, W, channels)`` of the input's float dtype.
    """
    return real_part(spectral_pool_complex(x, output_size, norm), check=check_real)


def spectral_upsample(
    y: Any,
    output_size: int | Sequence[int],
    norm: str = "intensity",
    check_real: bool = False,
) -> tf.Tensor:
    """Upsample real NHWC images by zero-padding their spectrum to ``output_size``.

    This is the pseudo-inverse of :func:`spectral_pool` with the same ``norm``: pooling an
    upsampled image returns it exactly, and ``spectral_upsample(spectral_pool(x))`` is the
    orthogonal projection of ``x`` onto the low-pass subspace. For ``norm="ortho"`` it is also
    the adjoint ``P^T``; for ``norm="intensity"`` the adjoint of pooling is ``(HW/MN)`` times it.
    """
    y = tf.convert_to_tensor(y)
    _check_rank4(y, "spectral_upsample")
    h, w = _spatial_size(y, "spectral_upsample")
    m, n = _as_size(output_size)
    if m < h or n < w:
        raise ValueError(
            f"Spectral upsampling output size {m}x{n} is smaller than the input size {h}x{w}."
        )
    z = _pad_axis(_pad_axis(_fft2_nchw(_to_nchw(y)), 2, m), 3, n)
    if _check_norm(norm) == "intensity":
        z = z * tf.cast(np.sqrt(m * n / (h * w)), z.dtype)
    return real_part(_to_nhwc(_ifft2_nchw(z)), check=check_real)
