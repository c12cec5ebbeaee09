"""Convolution whose filters are parametrised by their DFT coefficients (Rippel et al. 2015).

Parametrisation
---------------
A real ``kh x kw`` filter has a conjugate-symmetric orthonormal DFT ``X`` (``X[-k] = conj X[k]``).
Its ``kh kw`` real degrees of freedom are, over the independent half-spectrum,

* one real coordinate ``a_k = X[k]`` for each self-conjugate frequency (``k = -k``: the DC
  and, for even sizes, the Nyquist rows/columns' self-conjugate entries), which are real;
* two coordinates ``a_k = sqrt(2) Re X[k]`` and ``b_k = sqrt(2) Im X[k]`` for one frequency
  ``k`` of each conjugate pair ``{k, -k}``.

The layer stores ``a`` (weight ``spectral_real``) and ``b`` (weight ``spectral_imag``); the
spatial kernel is ``K = B_re a + B_im b`` with fixed real matrices whose columns are the inverse
DFTs of the unit coordinate spectra. The ``sqrt(2)`` makes ``B = [B_re, B_im]`` orthogonal, so
this is only a rotation of the weight space: the model is exactly a ``Conv2D`` with kernel
``K``, plain gradient descent takes identical steps in both parametrisations, and every
difference in training comes from the optimiser's per-coordinate scaling (Adam's), which is
what the paper's speed-up is about. Storing the full complex array and symmetrising would
carry ``kh kw`` redundant numbers; storing the half-spectrum without the ``sqrt(2)`` would not
be a rotation. Keeping everything real also avoids complex variables in Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import keras
import numpy as np
from keras import ops

from ..layers._dense_base import deserialize_layer_config
from ..layers._init_utils import check_flag, initial_value, is_integer, resolve_initializer


def _pair(value: int | Sequence[int], name: str, owner: str = "SpectralConv2D") -> tuple[int, int]:
    """``value`` (``k`` or ``(kh, kw)``) as a pair of positive ints, or an error naming ``name``."""
    if is_integer(value):
        pair: Any = (value, value)
    else:
        try:
            pair = tuple(value)  # type: ignore[arg-type]
        except TypeError:
            pair = None
    if pair is None or len(pair) != 2 or not all(is_integer(v) and v >= 1 for v in pair):
        raise ValueError(
            f"{owner}: {name} must be a positive integer or a pair of positive integers "
            f"(height, width), e.g. {name}=3 or (3, 5); got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def half_spectrum(kh: int, kw: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Independent frequencies of a real ``kh x kw`` filter.

    Returns
    -------
    self_conjugate, paired
        Index pairs ``(u, v)`` (standard DFT ordering) of the self-conjugate frequencies and of
        one representative of each conjugate pair; ``len(self) + 2 len(paired) == kh kw``.
        Representatives lie in the ``rfft2`` half-plane ``v <= kw // 2``.
    """
    self_conj: list[tuple[int, int]] = []
    paired: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for v in range(kw // 2 + 1):
        for u in range(kh):
            if (u, v) in seen:
                continue
            partner = ((-u) % kh, (-v) % kw)
            seen.update({(u, v), partner})
            (self_conj if partner == (u, v) else paired).append((u, v))
    return self_conj, paired


@lru_cache(maxsize=32)
def spectral_basis(kh: int, kw: int) -> tuple[np.ndarray, np.ndarray]:
    """Real basis matrices ``(B_re, B_im)`` with rows indexed by the flattened ``kh x kw`` filter.

    ``B_re`` has one column per self-conjugate frequency followed by one per pair (the real
    coordinates ``a``), ``B_im`` one column per pair (the imaginary coordinates ``b``).
    ``[B_re, B_im]`` is an orthogonal ``kh kw x kh kw`` matrix (float64).
    """
    self_conj, paired = half_spectrum(kh, kw)
    size = kh * kw

    def column(spectrum: np.ndarray) -> np.ndarray:
        spatial = np.fft.ifft2(spectrum, norm="ortho")
        if np.max(np.abs(spatial.imag)) > 1e-12:  # pragma: no cover - guards the construction
            raise AssertionError("basis filter is not real")
        return spatial.real.reshape(size)

    re_cols, im_cols = [], []
    for u, v in self_conj:
        spec = np.zeros((kh, kw), complex)
        spec[u, v] = 1.0
        re_cols.append(column(spec))
    for u, v in paired:
        pu, pv = (-u) % kh, (-v) % kw
        spec = np.zeros((kh, kw), complex)
        spec[u, v] = spec[pu, pv] = 1.0 / np.sqrt(2.0)
        re_cols.append(column(spec))
        spec = np.zeros((kh, kw), complex)
        spec[u, v], spec[pu, pv] = 1j / np.sqrt(2.0), -1j / np.sqrt(2.0)
        im_cols.append(column(spec))
    b_re = np.stack(re_cols, axis=1)
    b_im = np.stack(im_cols, axis=1) if im_cols else np.zeros((size, 0))
    return b_re, b_im


def spatial_to_spectral(kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``(a, b)`` of a spatial kernel ``(kh, kw, in, out)``: ``B^T vec(K)``."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4:
        raise ValueError(
            f"Expected a Conv2D kernel of shape (kh, kw, in, out), got shape {kernel.shape}."
        )
    kh, kw, cin, cout = kernel.shape
    b_re, b_im = spectral_basis(kh, kw)
    flat = kernel.reshape(kh * kw, cin * cout)
    a = (b_re.T @ flat).reshape(-1, cin, cout)
    b = (b_im.T @ flat).reshape(-1, cin, cout)
    return a, b


def spectral_to_spatial(a: Any, b: Any, kernel_size: int | Sequence[int]) -> np.ndarray:
    """Spatial kernel ``(kh, kw, in, out)`` from coordinates ``(a, b)`` (numpy, float64)."""
    kh, kw = _pair(kernel_size, "kernel_size", "spectral_to_spatial")
    b_re, b_im = spectral_basis(kh, kw)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cin, cout = a.shape[1:]
    flat = b_re @ a.reshape(a.shape[0], -1) + b_im @ b.reshape(b.shape[0], -1)
    return flat.reshape(kh, kw, cin, cout)


@keras.saving.register_keras_serializable(package="spectral_nb")
class SpectralConv2D(keras.layers.Layer):
    """2-D convolution (channels-last) with filters stored as conjugate-symmetric DFT coefficients.

    The forward pass is ``keras.ops.conv`` with the kernel :meth:`spatial_kernel`, so the model
    is identical to :class:`keras.layers.Conv2D`; only the trainable coordinates differ (see the
    module docstring). Weights: ``spectral_real`` ``(n_re, in, out)``, ``spectral_imag``
    ``(n_im, in, out)`` (absent for ``1 x 1`` filters), ``bias`` ``(out,)``.

    Parameters
    ----------
    filters, kernel_size, strides, padding, dilation_rate, activation, use_bias
        As in :class:`keras.layers.Conv2D`.
    kernel_initializer
        Initializer of the *spatial* kernel ``(kh, kw, in, out)``; the spectral coordinates
        start at its transform, so a seeded initializer gives the same initial filters as a
        ``Conv2D``. An array of that shape initialises from given spatial filters (see also
        :meth:`from_spatial` and :meth:`set_spatial_kernel`).
    bias_initializer
        Initializer of the bias.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        if not is_integer(filters) or filters < 1:
            raise ValueError(
                f"{layer}: filters must be a positive integer (the number of output channels, "
                f"e.g. filters=32), got {filters!r}."
            )
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", layer)
        self.strides = _pair(strides, "strides", layer)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", layer)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{layer}: `strides > 1` not supported in conjunction with `dilation_rate > 1` "
                f"(as in keras.layers.Conv2D). Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}; keep one of them at 1."
            )
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}.")
        self.padding = padding.lower()
        self.activation = keras.activations.get(activation)
        self.use_bias = check_flag(layer, "use_bias", use_bias)
        self.kernel_initializer = resolve_initializer(kernel_initializer, "kernel")
        self.bias_initializer = resolve_initializer(bias_initializer, "bias")
        self.input_spec = keras.layers.InputSpec(ndim=4)

    @classmethod
    def from_spatial(cls, kernel: Any, bias: Any = None, **kwargs: Any) -> SpectralConv2D:
        """A layer whose initial filters are the spatial ``kernel`` ``(kh, kw, in, out)``.

        ``bias`` (optional) sets the initial bias; other keyword arguments go to the
        constructor (``strides``, ``padding``, ``activation``...).
        """
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim != 4:
            raise ValueError(
                f"from_spatial expects a kernel of shape (kh, kw, in, out), got {kernel.shape}."
            )
        if bias is not None:
            kwargs["bias_initializer"] = np.asarray(bias)
        layer = cls(
            filters=kernel.shape[3],
            kernel_size=kernel.shape[:2],
            kernel_initializer=kernel,
            **kwargs,
        )
        # The serialised initializer holds float32 values; a float64 layer starts exactly.
        layer._exact_initial = (kernel, None if bias is None else np.asarray(bias, np.float64))
        return layer

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                "SpectralConv2D expects 4-D channels-last input with a known channel count, "
                f"got shape {tuple(input_shape)}."
            )
        self.compute_output_shape(input_shape)  # a kernel larger than the input fails here
        cin = int(input_shape[-1])
        kh, kw = self.kernel_size
        b_re, b_im = spectral_basis(kh, kw)
        spatial_shape = (kh, kw, cin, self.filters)
        cache: dict[str, np.ndarray] = {}
        exact = getattr(self, "_exact_initial", (None, None))

        def coordinates() -> tuple[np.ndarray, np.ndarray]:
            if "a" not in cache:
                kernel = exact[0]
                if kernel is None or kernel.shape != spatial_shape:
                    kernel = initial_value(self.kernel_initializer, spatial_shape, "kernel")
                cache["a"], cache["b"] = spatial_to_spectral(ops.convert_to_numpy(kernel))
            return cache["a"], cache["b"]

        def bias_value(shape: tuple[int, ...], dtype: Any = None) -> Any:
            value = exact[1]
            if value is None or value.shape != tuple(shape):
                value = initial_value(self.bias_initializer, shape, "bias")
            return ops.cast(value, dtype or self.variable_dtype)

        self.spectral_real = self.add_weight(
            name="spectral_real",
            shape=(b_re.shape[1], cin, self.filters),
            initializer=lambda shape, dtype=None: ops.convert_to_tensor(
                coordinates()[0], dtype=dtype
            ),
        )
        self.spectral_imag = None
        if b_im.shape[1]:
            self.spectral_imag = self.add_weight(
                name="spectral_imag",
                shape=(b_im.shape[1], cin, self.filters),
                initializer=lambda shape, dtype=None: ops.convert_to_tensor(
                    coordinates()[1], dtype=dtype
                ),
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=bias_value,
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: cin})

    def spatial_kernel(self) -> Any:
        """The equivalent :class:`keras.layers.Conv2D` kernel ``(kh, kw, in, out)``."""
        kh, kw = self.kernel_size
        cin = self.spectral_real.shape[1]
        # The fixed basis takes the dtype the weights are read in: the variable dtype, or the
        # compute dtype inside ``call`` under a mixed precision policy, where Keras autocasts
        # the variables (as it does the kernel of a Conv2D). It is converted from the float64
        # matrices, rounded once.
        dtype = self.spectral_real.dtype
        b_re, b_im = spectral_basis(kh, kw)
        # einsum, not tensordot: Keras' PyTorch tensordot computes float64 in float32.
        flat = ops.einsum(
            "fk,kio->fio", ops.convert_to_tensor(b_re, dtype=dtype), self.spectral_real
        )
        if self.spectral_imag is not None:
            flat = flat + ops.einsum(
                "fk,kio->fio", ops.convert_to_tensor(b_im, dtype=dtype), self.spectral_imag
            )
        return ops.reshape(flat, (kh, kw, cin, self.filters))

    def spectral_coefficients(self) -> np.ndarray:
        """The full complex orthonormal DFT of each filter, ``(kh, kw, in, out)`` (numpy)."""
        kernel = ops.convert_to_numpy(self.spatial_kernel()).astype(np.float64)
        return np.fft.fft2(kernel, axes=(0, 1), norm="ortho")

    def set_spatial_kernel(self, kernel: Any) -> None:
        """Assign the filters from a spatial kernel ``(kh, kw, in, out)`` (after ``build``)."""
        kernel = np.asarray(kernel)
        expected = (*self.kernel_size, self.spectral_real.shape[1], self.filters)
        if kernel.shape != expected:
            raise ValueError(f"Kernel has shape {kernel.shape}, the layer needs {expected}.")
        a, b = spatial_to_spectral(kernel)
        self.spectral_real.assign(a.astype(self.variable_dtype))
        if self.spectral_imag is not None:
            self.spectral_imag.assign(b.astype(self.variable_dtype))

    def call(self, inputs: Any) -> Any:
        outputs = ops.conv(
            inputs,
            ops.cast(self.spatial_kernel(), inputs.dtype),
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format="channels_last",
        )
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple:
        """``(batch, out_h, out_w, filters)``; an empty output is an error, in Conv2D's words."""
        out = []
        for size, k, s, d in zip(
            input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate, strict=True
        ):
            if size is None:
                out.append(None)
            elif self.padding == "same":
                out.append(-(-size // s))
            else:
                out.append((size - d * (k - 1) - 1) // s + 1)
        if any(n is not None and n <= 0 for n in out):
            extent = tuple(
                d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation_rate, strict=True)
            )
            kernel_shape = (*self.kernel_size, input_shape[-1], self.filters)
            raise ValueError(
                f"{type(self).__name__}: Computed output size would be zero or negative. "
                f"Received `inputs shape={tuple(input_shape)}`, `kernel shape={kernel_shape}`, "
                f"`dilation_rate={self.dilation_rate}`, `strides={self.strides}`, "
                f"`padding={self.padding}`. The kernel spans {extent[0]}x{extent[1]} pixels, "
                f"more than the {input_shape[1]}x{input_shape[2]} input: use a smaller "
                "kernel_size (or dilation_rate), padding='same', or a larger input."
            )
        return (input_shape[0], *out, self.filters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "dilation_rate": list(self.dilation_rate),
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> SpectralConv2D:
        return cls(
            **deserialize_layer_config(config, ("kernel_initializer", "bias_initializer"))
        )
