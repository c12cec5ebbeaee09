"""Spectral kernels with frozen eigenvectors, multiplied without being materialised.

With ``phi`` frozen, ``K = diag(lam_in) phi - phi diag(lam_out)``. Building ``K`` every step
and differentiating through it costs several passes over an ``n x m`` array per run; for the
deep and wide networks those passes, not the multiplications, dominate. Instead:

- ``lam_in`` equal to one constant ``c`` (the paper's layers after the first):
  ``K = phi diag(c - lam_out)``, a column scaling, so ``a K = (a phi) * s`` and
  ``K b = phi (s * b)`` with ``s = c - lam_out`` (no extra work at all);
- ``lam_in`` frozen but not constant (the paper's first layer of a multi-layer net):
  ``a K = a phi_in - (a phi) * lam_out`` and ``K b = phi_in b - phi (lam_out * b)`` with
  ``phi_in = diag(lam_in) phi`` computed once.

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
    phi_in: tf.Tensor | None = None  # (R, n, m): diag(lam_in) phi, when lam_in varies

    def left(self, a: Any) -> Any:
        """``a @ K`` for ``a`` of shape ``(R or 1, B, n)``."""
        product = dense_matmul(a, self.phi)
        if self.constant_in is not None:
            return product * (self.constant_in - self.lam_out)[:, None, :]
        return dense_matmul(a, self.phi_in) - product * self.lam_out[:, None, :]

    def right(self, b: Any) -> Any:
        """``K @ b`` for ``b`` of shape ``(R, m, p)``."""
        if self.constant_in is not None:
            return run_matmul(self.phi, (self.constant_in - self.lam_out)[:, :, None] * b)
        return run_matmul(self.phi_in, b) - run_matmul(self.phi, self.lam_out[:, :, None] * b)

    def dense(self) -> tf.Tensor:
        """The materialised ``(R, n, m)`` kernel."""
        if self.constant_in is not None:
            return self.phi * (self.constant_in - self.lam_out)[:, None, :]
        return self.phi_in - self.phi * self.lam_out[:, None, :]


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
    of one group). The result equals the batched product up to float rounding.
    """
    runs = a.shape[0]
    if runs is None or runs != b.shape[0] or runs == 1 or a.shape.rank != 3 or b.shape.rank != 3:
        return tf.linalg.matmul(a, b)
    return tf.stack([tf.linalg.matmul(x, y) for x, y in zip(tf.unstack(a), tf.unstack(b),
                                                              strict=True)])


def matmul(a: Any, b: Any) -> Any:
    """Matrix product where either side may be a :class:`FrozenEigenvectorKernel`."""
    if isinstance(a, FrozenEigenvectorKernel) and isinstance(b, FrozenEigenvectorKernel):
        return a.right(b.dense())
    if isinstance(b, FrozenEigenvectorKernel):
        return b.left(a)
    if isinstance(a, FrozenEigenvectorKernel):
        return a.right(b)
    return dense_matmul(a, b)
