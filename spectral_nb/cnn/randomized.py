"""Randomised resolution ("frequency dropout", Rippel, Snoek and Adams 2015, section 5.2)."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from ..layers._init_utils import check_seed
from .dft import (
    _as_real,
    _dtype,
    _ifft2_nchw,
    _matmul_last2,
    _spectrum_nchw,
    _to_nhwc,
    apply_separable,
    pooling_matrix,
    real_part,
    signed_frequencies,
)

IMPLEMENTATIONS: tuple[str, ...] = ("fft", "matrix")


def projector_stack(size: int) -> np.ndarray:
    """Spatial projectors ``P_k^T P_k`` onto the band of ``k`` frequencies, ``k = 1 .. size``.

    Shape ``(size, size, size)``, entry ``k - 1`` for cut-off ``k`` (float64, real, symmetric,
    idempotent), with ``P_k = pooling_matrix(size, k)``.
    """
    matrices = [pooling_matrix(size, k) for k in range(1, size + 1)]
    return np.stack([p.T @ p for p in matrices])


def lowpass_projector(size: int, keep: Any, dtype: str = "float32") -> Any:
    """Frequency-domain ``(size, size)`` matrix of the real low-pass projection keeping ``keep``.

    Equals ``C.T @ C`` for ``C = crop_matrix(size, keep)``: identity on the kept frequencies
    ``|k| < keep / 2``, and for even ``keep`` the projector onto ``e_{keep/2} + e_{-keep/2}``
    (the cosine at the new Nyquist frequency); zero elsewhere. The matrix is real (entries 0,
    1/2 and 1, exact in any float dtype) and acts on the real and imaginary parts of a
    spectrum alike. ``keep`` may be a tensor, so the cut-off can be drawn inside a compiled
    training step. ``keep == size`` gives the identity.
    """
    freqs = ops.convert_to_tensor(np.abs(signed_frequencies(size)), dtype="int32")
    keep = ops.cast(keep, "int32")
    half = ops.floor_divide(keep, 2)
    even = ops.equal(ops.mod(keep, 2), 0)
    passed = ops.where(even, ops.less(freqs, half), ops.less_equal(freqs, half))
    v = ops.one_hot(ops.mod(half, size), size, dtype=dtype) + ops.one_hot(
        ops.mod(size - half, size), size, dtype=dtype
    )
    fold = ops.outer(v, v) / ops.sum(v * v)
    return ops.diag(ops.cast(passed, dtype)) + ops.where(even, fold, ops.zeros_like(fold))


@keras.saving.register_keras_serializable(package="spectral_nb")
class RandomizedResolution(keras.layers.Layer):
    """Frequency dropout: during training keep a random low-pass band, identity at inference.

    At each training call one fraction ``u ~ U[min_fraction, 1]`` is drawn (shared by the
    batch, as in the paper's per-iteration draw) and the kept size is the integer
    ``k_h = ceil(min_fraction H) + floor(u' (H - ceil(min_fraction H) + 1))`` (``u'`` uniform on
    ``[0, 1)``, the same for both axes), i.e. uniform over ``ceil(cH) .. H``. Frequencies outside
    the central ``k_h x k_w`` block are zeroed with the exact real projection of
    :func:`spectral_nb.cnn.dft.crop_matrix` (even cut-offs keep the cosine of their Nyquist
    frequency), so the output is real, has the input's size and is the orthogonal projection
    of the input onto that band. ``training=False`` (the default outside ``fit``) returns the
    input unchanged.

    Parameters
    ----------
    min_fraction
        ``c`` in ``U[c H, H]``; in ``(0, 1]``. The paper's schedule is
        ``c_m = alpha + (m / M)(beta - alpha)`` with ``alpha ~ 0.30``, ``beta ~ 0.15``.
    seed
        Seed of the layer's random generator (reproducible draws).
    implementation
        ``"fft"`` (default): transform, project the spectrum, inverse transform.
        ``"matrix"``: the same projection as one real spatial matrix per axis, gathered from a
        precomputed stack (:func:`projector_stack`); faster on a CPU for small feature maps.
    """

    def __init__(
        self,
        min_fraction: float = 0.5,
        seed: int | None = None,
        implementation: str = "fft",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        if (
            isinstance(min_fraction, bool | np.bool_)
            or not isinstance(min_fraction, int | float | np.integer | np.floating)
            or not 0.0 < float(min_fraction) <= 1.0
        ):
            raise ValueError(
                f"{layer}: min_fraction must be a number in (0, 1], the smallest share of the "
                f"frequencies kept (e.g. min_fraction=0.3), got {min_fraction!r}."
            )
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"{layer}: implementation must be one of {IMPLEMENTATIONS}, "
                f"got {implementation!r}."
            )
        self.min_fraction = float(min_fraction)
        self.implementation = implementation
        self._stacks: tuple | None = None
        self.seed = check_seed(layer, seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if len(input_shape) != 4 or input_shape[1] is None or input_shape[2] is None:
            raise ValueError(
                "RandomizedResolution expects 4-D channels-last input with static height and "
                f"width, got shape {tuple(input_shape)}."
            )
        if self.implementation == "matrix":
            self._stacks = (projector_stack(input_shape[1]), projector_stack(input_shape[2]))

    def lowest_sizes(self, height: int, width: int) -> tuple[int, int]:
        """Smallest kept sizes ``(ceil(c H), ceil(c W))`` (at least 1)."""
        return (
            max(1, math.ceil(self.min_fraction * height - 1e-9)),
            max(1, math.ceil(self.min_fraction * width - 1e-9)),
        )

    def draw_sizes(self, height: int, width: int) -> tuple[Any, Any]:
        """Draw the kept sizes ``(k_h, k_w)`` (int32 scalar tensors) for one training step."""
        u = keras.random.uniform((), seed=self.seed_generator, dtype="float32")
        sizes = []
        for total, low in zip((height, width), self.lowest_sizes(height, width), strict=True):
            k = low + ops.cast(ops.floor(u * float(total - low + 1)), "int32")
            sizes.append(ops.minimum(k, total))
        return sizes[0], sizes[1]

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not training:
            return inputs
        m, n = int(inputs.shape[1]), int(inputs.shape[2])
        k_h, k_w = self.draw_sizes(m, n)
        if self.implementation == "matrix":
            stack_h, stack_w = self._stacks
            return apply_separable(
                inputs, ops.take(stack_h, k_h - 1, axis=0), ops.take(stack_w, k_w - 1, axis=0)
            )
        return lowpass(inputs, k_h, k_w)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "min_fraction": self.min_fraction,
                "seed": self.seed,
                "implementation": self.implementation,
            }
        )
        return config


def lowpass(x: Any, keep_h: Any, keep_w: Any, check_real: bool = False) -> Any:
    """Project real NHWC images onto the band of the central ``keep_h x keep_w`` frequencies.

    Same as ``spectral_upsample(spectral_pool(x, (keep_h, keep_w)), x.shape[1:3])`` but with
    the size kept fixed and ``keep_h``, ``keep_w`` allowed to be tensors.
    """
    x = _as_real(x, "lowpass")
    m, n = int(x.shape[1]), int(x.shape[2])
    spectrum, dtype = _spectrum_nchw(x)
    work = _dtype(spectrum[0])
    q_h = lowpass_projector(m, keep_h, work)
    q_w = lowpass_projector(n, keep_w, work)  # symmetric: q_w.T == q_w
    re, im = _ifft2_nchw(*_matmul_last2(spectrum, q_h, q_w))
    return ops.cast(real_part((_to_nhwc(re), _to_nhwc(im)), check=check_real), dtype)
