"""The engine's matrix products: frozen-eigenvector kernels in factored form, one GEMM per run.

A spectral layer's kernel is :func:`spectral_nb.operators.spectral_kernel`,

    K = phi * (lam_in[:, None] - lam_out[None, :]) = diag(lam_in) phi - phi diag(lam_out).

With ``phi`` frozen the engine never needs ``K`` itself, only the products a step takes with it,
``a K`` (forward) and ``K b`` (gradients, folded biases). Building ``K`` every step and
differentiating through it costs several passes over an ``n x m`` array per run, which for the
deep and wide networks dominate the step; the right-hand side of the identity above factors
those products through ``phi`` instead (:class:`FrozenEigenvectorKernel`):

- ``lam_in`` equal to one constant ``c`` (the paper's layers after the first):
  ``K = phi diag(s)`` with ``s = c - lam_out``, a column scaling, so ``a K = (a phi) * s`` and
  ``K b = phi (s * b)``, at the cost of a product with ``phi`` alone;
- ``lam_in`` frozen but not constant (the paper's first layer of a multi-layer net):
  ``K b = lam_in * (phi b) - phi (lam_out * b)``, one product of ``phi`` against ``b`` and
  ``lam_out * b`` side by side, so ``phi`` is read from memory once per product (a thin
  product is bound by that reading); and
  ``a K = (lam_in * a) phi - (a phi) * lam_out``;
- a wide ``b`` (more than :data:`THIN_OUTPUTS` columns, the non-linear network's 120) makes
  ``K b`` bound by arithmetic, which the side-by-side form doubles: there ``K`` is built with
  :func:`~spectral_nb.operators.spectral_kernel` and multiplied once.

Every rewriting is exact; results agree with the built kernel to float rounding. Products over
the run axis are one 2-D GEMM per run (:func:`run_matmul`), thin ones shaped for the CPU's GEMM
(:func:`thin_output_matmul`). Measurements behind these choices: ``docs/performance.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tensorflow as tf

from ...operators import spectral_kernel


@dataclass
class FrozenEigenvectorKernel:
    """``K = spectral_kernel(phi, lam_in, lam_out)`` for ``R`` runs, ``phi`` constant.

    Holds the factors, never ``K``: :meth:`left` and :meth:`right` multiply through them.
    """

    phi: tf.Tensor  # (R, n, m)
    lam_out: tf.Tensor  # (R, m)
    constant_in: tf.Tensor | None = None  # (R, 1): lam_in == c for every input node
    lam_in: tf.Tensor | None = None  # (R, n): frozen input eigenvalues, when they vary

    def __post_init__(self) -> None:
        if (self.constant_in is None) == (self.lam_in is None):
            raise ValueError("Give exactly one of constant_in (lam_in == c) and lam_in.")

    def left(self, a: Any) -> Any:
        """``a @ K`` for ``a`` of shape ``(R or 1, B, n)``."""
        if self.constant_in is not None:
            return dense_matmul(a, self.phi) * (self.constant_in - self.lam_out)[:, None, :]
        if a.shape[0] == 1 and self.phi.shape[0] != 1:  # the same inputs for every run
            return dense_matmul(a, self.dense())
        scaled = a * self.lam_in[:, None, :]
        return run_matmul(scaled, self.phi) - run_matmul(a, self.phi) * self.lam_out[:, None, :]

    def right(self, b: Any) -> Any:
        """``K @ b`` for ``b`` of shape ``(R, m, p)``."""
        if self.constant_in is not None:
            return run_matmul(self.phi, (self.constant_in - self.lam_out)[:, :, None] * b)
        columns = b.shape[-1]
        if not _is_thin(b):  # arithmetic-bound: one product with the built kernel is cheaper
            return run_matmul(self.dense(), b)
        both = run_matmul(self.phi, tf.concat([b, self.lam_out[:, :, None] * b], axis=-1))
        # split, not two slices: a slice's gradient zero-fills the whole (R, n, 2p) product,
        # split's gradient is one concatenation
        phi_b, phi_lam_b = tf.split(both, [columns, columns], axis=-1)
        return self.lam_in[:, :, None] * phi_b - phi_lam_b

    def dense(self) -> tf.Tensor:
        """The built ``(R, n, m)`` kernel (a constant ``lam_in`` of shape ``(R, 1)`` broadcasts)."""
        lam_in = self.constant_in if self.constant_in is not None else self.lam_in
        return spectral_kernel(self.phi, lam_in, self.lam_out)


def dense_matmul(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """``a @ b`` over the run axis; one shared ``a`` (leading axis 1) becomes a single GEMM.

    Evaluating every run on the same test images broadcasts ``(1, B, n)`` against
    ``(R, n, m)``; as one ``(B, n) @ (n, R m)`` product it avoids copying the images R times.
    """
    if a.shape[0] == 1 and b.shape[0] != 1:
        return tf.einsum("bn,rnm->rbm", a[0], b)
    return run_matmul(a, b)


def run_matmul(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """``a @ b`` for ``(R, n, k)`` and ``(R, k, m)``: one 2-D product per run, stacked.

    TF's CPU ``BatchMatMul`` is slower than separate ``MatMul`` ops for this engine's thin
    products (``m`` of 10 outputs), forward and backward. The graph grows with ``R``, which is
    small (the runs of one group). Thin products (``m <= THIN_OUTPUTS``) go through
    :func:`thin_output_matmul`. Other shapes (no run axis, unknown or unequal ``R``, one run)
    use the batched product. The result equals it up to float rounding.
    """
    runs = a.shape[0]
    if runs is None or runs != b.shape[0] or runs == 1 or a.shape.rank != 3 or b.shape.rank != 3:
        return tf.linalg.matmul(a, b)
    product = thin_output_matmul if _is_thin(b) else tf.linalg.matmul
    return tf.stack([product(x, y) for x, y in zip(tf.unstack(a), tf.unstack(b), strict=True)])


# Widest output of a product whose kernel gradient is taken in the transposed orientation.
THIN_OUTPUTS = 32
# Thin products are computed with their output columns padded to a multiple of this.
COLUMN_MULTIPLE = 8


def _is_thin(b: tf.Tensor) -> bool:
    m = b.shape[-1]
    return m is not None and m <= THIN_OUTPUTS


@tf.custom_gradient
def thin_output_matmul(a: tf.Tensor, b: tf.Tensor) -> tuple[tf.Tensor, Any]:
    """``a @ b`` for 2-D ``a`` ``(n, k)`` and thin ``b`` ``(k, m)``, shaped for a fast CPU GEMM.

    Two exact rearrangements:

    - forward, ``b`` gets zero columns up to a multiple of :data:`COLUMN_MULTIPLE` and the
      product's extra columns are dropped: TF's CPU GEMM is slow for column counts that are
      not a multiple of 8;
    - backward, the kernel gradient ``a^T g`` (``(k, n) @ (n, m)``, what TF's ``MatMul``
      gradient computes) is taken as the transpose of ``g^T a`` (``(m, n) @ (n, k)``): the
      same numbers, faster for thin ``m``, then one transpose of ``m k`` entries. Wide outputs
      gain nothing, hence :data:`THIN_OUTPUTS`.

    The input gradient ``g b^T`` stays as TF has it; where ``a`` needs no gradient (data,
    frozen eigenvectors) that branch is pruned from the compiled step.
    """

    def gradient(upstream: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        grad_a = tf.linalg.matmul(upstream, b, transpose_b=True)
        grad_b = tf.transpose(tf.linalg.matmul(upstream, a, transpose_a=True))
        return grad_a, grad_b

    m = b.shape[-1]
    padding = -m % COLUMN_MULTIPLE
    if padding:
        return tf.linalg.matmul(a, tf.pad(b, [[0, 0], [0, padding]]))[:, :m], gradient
    return tf.linalg.matmul(a, b), gradient


def matmul(a: Any, b: Any) -> Any:
    """Matrix product where either side may be a :class:`FrozenEigenvectorKernel`."""
    if isinstance(a, FrozenEigenvectorKernel) and isinstance(b, FrozenEigenvectorKernel):
        return a.right(b.dense())
    if isinstance(b, FrozenEigenvectorKernel):
        return b.left(a)
    if isinstance(a, FrozenEigenvectorKernel):
        return a.right(b)
    return dense_matmul(a, b)
