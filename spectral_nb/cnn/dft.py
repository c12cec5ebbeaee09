"""Orthonormal 2-D DFTs of NHWC tensors and the exact spectral truncation of real images.

Everything here is written with ``keras.ops``, so it runs under every Keras backend
(TensorFlow, JAX, PyTorch) and is differentiated by the backend's own autodiff.

Conventions
-----------
* Tensors are channels-last ``(batch, height, width, channels)``. ``keras.ops.fft2`` acts on
  the last two axes, so the helpers transpose to ``(batch, channels, height, width)`` inside.
* Keras has no complex tensors in its API: a complex value is the pair ``(real, imag)`` of two
  real tensors of one shape, as ``keras.ops.fft2`` takes and returns it. :func:`dft2`,
  :func:`idft2` and :func:`spectral_pool_complex` return such pairs; :func:`to_complex` turns
  one into a numpy complex array for inspection.
* The DFT is orthonormal: ``X[k, l] = (MN)^(-1/2) sum_{m,n} x[m, n] exp(-2 pi i (km/M + ln/N))``.
  It is unitary, so Parseval holds: ``||X|| = ||x||``. (``keras.ops.fft2`` is unnormalised and
  ``keras.ops.ifft2`` divides by ``MN``; the factors ``(MN)^(-1/2)`` and ``(MN)^(1/2)`` are
  applied here.)
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

The truncation ``C`` is a real ``H x M`` matrix (:func:`crop_matrix`: rows of the identity, and
``(e_h + e_-h) / sqrt(2)`` for the Nyquist row), and it acts on the real and the imaginary
part of the spectrum alike, so the code applies it as a real matrix product along each axis
(zero-padding is ``C^T``). Its entries are 0, 1 and ``1/sqrt(2)`` (times the amplitude factor
below, folded in): every output entry is one scaled input entry, or two for a Nyquist entry,
plus exact zeros, so the product rounds no more than slicing and scaling would.

Amplitude
---------
With orthonormal transforms on both grids a constant image ``c`` of size ``M x N`` would pool
to ``c sqrt(MN / HW)``. Spectral pooling as a layer keeps the intensity level (a constant image
pools to the same constant, as max and average pooling do), so by default the pooled image
is ``sqrt(HW / MN) P x`` (``norm="intensity"``); ``norm="ortho"`` gives ``P x`` itself.

Two routes to one map
---------------------
DFT, truncation and inverse DFT are linear and separable, so spectral pooling is also one real
``H x M`` and one real ``W x N`` matrix (:func:`pooling_matrices`, built in float64 through
numpy's FFT). The layers offer both: ``implementation="fft"`` transforms as the paper does,
``"matrix"`` applies the collapsed real matrices (:func:`apply_separable`). Both routes and
the numpy matrices they are checked against stay in this one module, beside the derivation
they implement, which is why it is longer than most.

Contractions use ``keras.ops.einsum`` on two-dimensional operands: it maps to one matrix
product on every backend, and Keras' PyTorch ``matmul`` and ``tensordot`` would compute
float64 inputs in float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

NORMS: tuple[str, ...] = ("intensity", "ortho")
# Half precision has no complex counterpart in every backend: transforms run in float32.
_FFT_DTYPES: dict[str, str] = {"float16": "float32", "bfloat16": "float32"}

Pair = tuple[Any, Any]


# ------------------------------------------------------------------ tensors and pairs
def _dtype(x: Any) -> str:
    return keras.backend.standardize_dtype(x.dtype)


def _is_complex(x: Any) -> bool:
    return _dtype(x).startswith("complex")


def _as_real(x: Any, name: str) -> Any:
    """``x`` as a real floating tensor; complex input is refused (a spectrum is a pair)."""
    if isinstance(x, np.ndarray) and np.iscomplexobj(x):
        raise TypeError(f"{name} expects a real image tensor, got a complex array.")
    x = ops.convert_to_tensor(x)
    if _is_complex(x):
        raise TypeError(f"{name} expects a real image tensor, got dtype {_dtype(x)}.")
    if not keras.backend.is_float_dtype(_dtype(x)):
        x = ops.cast(x, keras.config.floatx())
    return x


def as_pair(z: Any) -> Pair:
    """``(real, imag)`` tensors of ``z``: a pair, a complex array or tensor, or a real tensor."""
    if isinstance(z, tuple | list):
        if len(z) != 2:
            raise ValueError(
                f"A complex value is a pair (real, imag) of tensors, got {len(z)} items."
            )
        re, im = (ops.convert_to_tensor(t) for t in z)
        if tuple(re.shape) != tuple(im.shape):
            raise ValueError(
                f"Real and imaginary parts differ in shape: {tuple(re.shape)} and "
                f"{tuple(im.shape)}."
            )
        return re, ops.cast(im, _dtype(re))
    if isinstance(z, np.ndarray) and np.iscomplexobj(z):
        return ops.convert_to_tensor(z.real), ops.convert_to_tensor(z.imag)
    z = ops.convert_to_tensor(z)
    if _is_complex(z):
        return ops.real(z), ops.imag(z)
    if not keras.backend.is_float_dtype(_dtype(z)):
        z = ops.cast(z, keras.config.floatx())
    return z, ops.zeros_like(z)


def to_complex(z: Any) -> np.ndarray:
    """A pair ``(real, imag)`` (or anything :func:`as_pair` takes) as a numpy complex array."""
    re, im = as_pair(z)
    return ops.convert_to_numpy(re) + 1j * ops.convert_to_numpy(im)


def _check_rank4(x: Any, name: str) -> None:
    if len(x.shape) != 4:
        raise ValueError(
            f"{name} expects a 4-D channels-last tensor (batch, height, width, channels), "
            f"got shape {tuple(x.shape)}. Add a channel axis to single-channel images."
        )


def _to_nchw(x: Any) -> Any:
    return ops.transpose(x, (0, 3, 1, 2))


def _to_nhwc(x: Any) -> Any:
    return ops.transpose(x, (0, 2, 3, 1))


def _fft2_nchw(re: Any, im: Any) -> Pair:
    """Orthonormal DFT over the last two axes of a pair (static sizes), in the pair's dtype."""
    return _orthonormal(ops.fft2, re, im, lambda m, n: 1.0 / np.sqrt(m * n))


def _ifft2_nchw(re: Any, im: Any) -> Pair:
    """Orthonormal inverse DFT over the last two axes of a pair (static sizes)."""
    return _orthonormal(ops.ifft2, re, im, lambda m, n: np.sqrt(m * n))


def _orthonormal(transform: Any, re: Any, im: Any, scale: Any) -> Pair:
    """``transform`` of the pair times ``scale(m, n)``; half precision runs in float32 (no
    backend has a half-precision complex type) and comes back in its own dtype."""
    m, n = int(re.shape[-2]), int(re.shape[-1])
    dtype = _dtype(re)
    work = _FFT_DTYPES.get(dtype, dtype)
    out_re, out_im = transform((ops.cast(re, work), ops.cast(im, work)))
    factor = float(scale(m, n))
    return ops.cast(out_re * factor, dtype), ops.cast(out_im * factor, dtype)


def _spectrum_nchw(x: Any) -> tuple[Pair, str]:
    """Orthonormal DFT of a real NHWC tensor as an NCHW pair, and the dtype to return in."""
    dtype = _dtype(x)
    work = _FFT_DTYPES.get(dtype)
    if work:
        x = ops.cast(x, work)
    x = _to_nchw(x)
    return _fft2_nchw(x, ops.zeros_like(x)), dtype


def _along_last(x: Any, matrix: Any) -> Any:
    """``x @ matrix.T`` on the last axis (``matrix`` is ``(k, n)``), as one 2-D product."""
    shape = tuple(-1 if d is None else int(d) for d in x.shape[:-1])
    flat = ops.reshape(x, (-1, int(x.shape[-1])))
    out = ops.einsum("rn,kn->rk", flat, matrix)
    return ops.reshape(out, (*shape, int(matrix.shape[0])))


def _matmul_last2(re_im: Pair, left: Any, right: Any) -> Pair:
    """``left @ z @ right.T`` on the last two axes of both parts of a pair (real matrices)."""
    out = []
    for t in re_im:
        t = _along_last(t, right)
        t = ops.swapaxes(_along_last(ops.swapaxes(t, -1, -2), left), -1, -2)
        out.append(t)
    return out[0], out[1]


def dft2(x: Any) -> Pair:
    """Orthonormal 2-D DFT over the spatial axes of an NHWC tensor.

    Parameters
    ----------
    x
        Real tensor of shape ``(batch, height, width, channels)``, or a pair ``(real, imag)``
        (or a complex array) of that shape.

    Returns
    -------
    (real, imag)
        The spectrum as a pair of real tensors of the same shape, standard (DC-first)
        frequency ordering, in the input's float dtype.
    """
    re, im = as_pair(x)
    _check_rank4(re, "dft2")
    re, im = _fft2_nchw(_to_nchw(re), _to_nchw(im))
    return _to_nhwc(re), _to_nhwc(im)


def idft2(y: Any) -> Pair:
    """Orthonormal inverse 2-D DFT over the spatial axes of an NHWC spectrum (a pair out)."""
    re, im = as_pair(y)
    _check_rank4(re, "idft2")
    re, im = _ifft2_nchw(_to_nchw(re), _to_nchw(im))
    return _to_nhwc(re), _to_nhwc(im)


# ------------------------------------------------------------------ the real matrices (numpy)
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
    matrix, independently of the ``keras.ops`` transform route, which the tests compare it with.
    """
    c = crop_matrix(size_in, size_out)
    f_in = np.fft.fft(np.eye(size_in), axis=0, norm="ortho")
    f_out_inv = np.fft.ifft(np.eye(size_out), axis=0, norm="ortho")
    p = f_out_inv @ c @ f_in
    if np.max(np.abs(p.imag)) > 1e-12:  # pragma: no cover - guards the construction
        raise AssertionError("pooling matrix is not real")
    return p.real


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


def matmul_along(matrix: Any, x: Any, axis: int) -> Any:
    """``matrix @ x`` along ``axis`` of ``x``: that axis of size ``m`` becomes size ``k``.

    ``matrix`` is ``(k, m)``. One two-dimensional product between two transposes.
    """
    rank = len(x.shape)
    axis = axis % rank
    perm = (axis, *(i for i in range(rank) if i != axis))
    moved = ops.transpose(x, perm) if axis else x
    rest = tuple(moved.shape[1:])
    flat = ops.reshape(moved, (int(moved.shape[0]), -1))
    out = ops.einsum("km,mr->kr", matrix, flat)
    out = ops.reshape(out, (int(matrix.shape[0]), *(-1 if d is None else d for d in rest)))
    return ops.transpose(out, tuple(int(i) for i in np.argsort(perm))) if axis else out


def apply_separable(x: Any, matrix_h: Any, matrix_w: Any) -> Any:
    """``matrix_h @ x[b, :, :, c] @ matrix_w.T`` for every image and channel of an NHWC tensor.

    The matrices (numpy arrays or tensors) are cast to ``x``'s dtype.
    """
    x = ops.convert_to_tensor(x)
    dtype = _dtype(x)
    a = ops.cast(matrix_h, dtype)
    b = ops.cast(matrix_w, dtype)
    y = matmul_along(a, ops.transpose(x, (1, 0, 2, 3)), 0)  # (h, batch, n, channels)
    y = matmul_along(b, ops.transpose(y, (2, 0, 1, 3)), 0)  # (w, h, batch, channels)
    return ops.transpose(y, (2, 1, 0, 3))


# ------------------------------------------------------------------ arguments
def _as_size(
    size: int | Sequence[int], name: str = "output_size", owner: str = ""
) -> tuple[int, int]:
    """``size`` (``H`` or ``(H, W)``) as a pair of positive ints, or an error naming ``name``
    (prefixed by ``owner``, the layer or function that took it) and the fix."""
    if isinstance(size, int | np.integer) and not isinstance(size, bool | np.bool_):
        pair: Any = (size, size)
    else:
        try:
            pair = tuple(size)  # type: ignore[arg-type]
        except TypeError:
            pair = None
    if pair is None or len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) and v >= 1
        for v in pair
    ):
        prefix = f"{owner}: " if owner else ""
        raise ValueError(
            f"{prefix}{name} must be a positive integer or a pair (height, width) of positive "
            f"integers, e.g. {name}=14 or (14, 7); got {size!r}."
        )
    return int(pair[0]), int(pair[1])


def _spatial_size(x: Any, name: str) -> tuple[int, int]:
    h, w = x.shape[1], x.shape[2]
    if h is None or w is None:
        raise ValueError(
            f"{name} needs static spatial dimensions, got input shape {tuple(x.shape)}."
        )
    return int(h), int(w)


def _check_norm(norm: str, owner: str = "") -> str:
    if norm not in NORMS:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}norm must be one of {NORMS}, got {norm!r}.")
    return norm


# ------------------------------------------------------------------ real results
def real_part(z: Any, check: bool = False, rtol: float | None = None) -> Any:
    """Real part of a result that is real in exact arithmetic (a pair, or a complex array).

    With ``check=True`` first asserts ``max|Im z| <= rtol * max(max|z|, tiny)`` (default
    ``rtol = 64 eps`` of the real dtype), so a wrong frequency set fails loudly instead of
    being hidden. The check compares values, so it needs concrete tensors (eager execution,
    not inside a compiled function). Never use ``abs()``: it would also flip the sign of
    negative pixels.

    Raises
    ------
    ValueError
        If the imaginary part is above rounding level, or ``check`` is asked for inside a
        compiled function.
    """
    re, im = as_pair(z)
    if check:
        try:
            re_np, im_np = ops.convert_to_numpy(re), ops.convert_to_numpy(im)
        except Exception as error:  # symbolic (traced) tensors have no values yet
            raise ValueError(
                "check_real=True compares values, so it needs concrete tensors: call it "
                "eagerly, outside a compiled function (or leave check_real=False)."
            ) from error
        eps = float(np.finfo(re_np.dtype).eps)
        tol = (64.0 * eps) if rtol is None else float(rtol)
        scale = max(float(np.max(np.hypot(re_np, im_np), initial=0.0)), 1e-30)
        worst = float(np.max(np.abs(im_np), initial=0.0))
        if worst > tol * scale:
            raise ValueError(
                f"imaginary part {worst:.3g} above rounding level ({tol:.3g} x {scale:.3g}): "
                "the spectrum is not conjugate-symmetric"
            )
    return re


def spectral_pool_complex(
    x: Any, output_size: int | Sequence[int], norm: str = "intensity"
) -> Pair:
    """Spectral pooling before the real part is taken (an NHWC pair); for checks and tests."""
    x = _as_real(x, "spectral_pool")
    _check_rank4(x, "spectral_pool")
    m, n = _spatial_size(x, "spectral_pool")
    h, w = _as_size(output_size, owner="spectral_pool")
    if h > m or w > n:
        raise ValueError(
            f"Spectral pooling output size {h}x{w} exceeds the input size {m}x{n}: "
            "the output can have at most as many frequencies as the input."
        )
    _check_norm(norm)
    spectrum, dtype = _spectrum_nchw(x)
    work = _dtype(spectrum[0])
    scale = np.sqrt(h * w / (m * n)) if norm == "intensity" else 1.0
    left = ops.convert_to_tensor(crop_matrix(m, h) * scale, dtype=work)
    right = ops.convert_to_tensor(crop_matrix(n, w), dtype=work)
    re, im = _ifft2_nchw(*_matmul_last2(spectrum, left, right))
    return ops.cast(_to_nhwc(re), dtype), ops.cast(_to_nhwc(im), dtype)


def spectral_pool(
    x: Any,
    output_size: int | Sequence[int],
    norm: str = "intensity",
    check_real: bool = False,
) -> Any:
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
        Check that the imaginary part is at rounding level before it is discarded
        (eager tensors only, see :func:`real_part`).

    Returns
    -------
    tensor
        Real tensor ``(batch, H, W, channels)`` of the input's float dtype.
    """
    return real_part(spectral_pool_complex(x, output_size, norm), check=check_real)


def spectral_upsample(
    y: Any,
    output_size: int | Sequence[int],
    norm: str = "intensity",
    check_real: bool = False,
) -> Any:
    """Upsample real NHWC images by zero-padding their spectrum to ``output_size``.

    This is the pseudo-inverse of :func:`spectral_pool` with the same ``norm``: pooling an
    upsampled image returns it exactly, and ``spectral_upsample(spectral_pool(x))`` is the
    orthogonal projection of ``x`` onto the low-pass subspace. For ``norm="ortho"`` it is also
    the adjoint ``P^T``; for ``norm="intensity"`` the adjoint of pooling is ``(HW/MN)`` times it.
    """
    y = _as_real(y, "spectral_upsample")
    _check_rank4(y, "spectral_upsample")
    h, w = _spatial_size(y, "spectral_upsample")
    m, n = _as_size(output_size, owner="spectral_upsample")
    if m < h or n < w:
        raise ValueError(
            f"Spectral upsampling output size {m}x{n} is smaller than the input size {h}x{w}."
        )
    _check_norm(norm)
    spectrum, dtype = _spectrum_nchw(y)
    work = _dtype(spectrum[0])
    scale = np.sqrt(m * n / (h * w)) if norm == "intensity" else 1.0
    left = ops.convert_to_tensor(crop_matrix(m, h).T * scale, dtype=work)
    right = ops.convert_to_tensor(crop_matrix(n, w).T, dtype=work)
    re, im = _ifft2_nchw(*_matmul_last2(spectrum, left, right))
    return ops.cast(real_part((_to_nhwc(re), _to_nhwc(im)), check=check_real), dtype)
