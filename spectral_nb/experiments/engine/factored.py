"""Spectral kernels with frozen eigenvectors, multiplied in the cheapest exact form.

With ``phi`` frozen, ``K = diag(lam_in) phi - phi diag(lam_out)``. Building ``K`` every step
and differentiating through it costs several passes over an ``n x m`` array per run; for the
deep and wide networks those passes, not the multiplications, dominate. Instead:

- ``lam_in`` equal to one constant ``c`` (the paper's layers after the first):
  ``K = phi diag(c - lam_out)``, a column scaling, so ``a K = (a phi) * s`` and
  ``K b = phi (s * b)`` with ``s = c - lam_out`` (no extra work at all);
- ``lam_in`` frozen but not constant (the paper's first layer of a multi-layer net):
  ``K b = lam_in * (phi b) - phi (lam_out * b)``, one product of ``phi`` against ``b`` and
  ``lam_out * b`` side by side, so that ``phi`` is read from memory once per step instead
  of twice: with thin ``b`` (10 columns) the product is bound by that reading, ``phi``
  being 3 MB per run of the wide network. A wide ``b`` (the non-linear network's 120
  columns) makes the product bound by arithmetic, which the side-by-side form doubles;
  there ``K`` is built and multiplied once (an epoch 11 % faster). For a batch ``a``,
  ``a K = (lam_in * a) phi - (a phi) * lam_out``: two products bound by arithmetic. (Stacking
  the two left operands into one product of twice the rows changes the rounding, which a
  relu network under AdaMax amplified past the tied-eigenvalue test's tolerance.)

Both are exact rewritings; results agree with the materialised kernel to float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tensorflow as tf


@dataclass
class FrozenEigenvectorKernel:
    """``K = diag(lam_in) phi - phi diag(lam_out)`` for ``R`` runs, ``phi`` constant."""

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
        # split, not two slices: a slice's gradient zero-fills the whole (R, n, 2p) product
        # (two such passes took 6 % of a wide-network epoch); split's is one concatenation
        phi_b, phi_lam_b = tf.split(both, [columns, columns], axis=-1)
        return self.lam_in[:, :, None] * phi_b - phi_lam_b

    def dense(self) -> tf.Tensor:
        """The materialised ``(R, n, m)`` kernel."""
        if self.constant_in is not None:
            return self.phi * (self.constant_in - self.lam_out)[:, None, :]
        return self.phi * (self.lam_in[:, :, None] - self.lam_out[:, None, :])


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

    TF's CPU ``BatchMatMul`` is slow for the thin products of this engine (an ``m`` of 10
    outputs): on a 2-core CPU, separate per-run ``MatMul`` ops, forward and backward, took
    1.3 to 1.5 times less time for ``(300, 784) @ (784, 10)``, ``(784, 1000) @ (1000, 10)``
    and ``(784, 800) @ (800, 10)``, 1.2 times less for ``(800, 1000) @ (1000, 120)``, and the
    same for ``(800, 784) @ (784, 1000)``. The graph grows with R, which is small (the runs
    of one group). Thin products (``m <= THIN_OUTPUTS``) take their gradient through
    :func:`thin_output_matmul`. The result equals the batched product up to float rounding.
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

    Two exact rearrangements, each measured on a 2-core AVX2 CPU for the engine's shapes
    (batches ``(300, 784)``; eigenvector blocks ``(784, 1000)``, ``(784, 800)``,
    ``(800, 600)``, ``(600, 500)``; ``m`` of 10 or 20):

    - forward, ``b`` gets zero columns up to a multiple of :data:`COLUMN_MULTIPLE` and the
      product's extra columns are dropped: TF's CPU GEMM is slow for column counts that are
      not a multiple of 8 (``(300, 784) @ (784, m)`` took 125, 249, 250 and 154 us for
      ``m`` = 8, 10, 12, 16); with the forward padded, forward and backward together took
      13 to 25 % less time;
    - backward, the kernel gradient ``a^T g`` (``(k, n) @ (n, m)``, what TF's ``MatMul``
      gradient computes) is taken as the transpose of ``g^T a`` (``(m, n) @ (n, k)``): the
      same numbers, 1.7 to 3 times faster, then one transpose of ``m k`` entries. Wide
      outputs (``m`` = 120) gain nothing, hence :data:`THIN_OUTPUTS`.

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
