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
            return tf.linalg.matmul(self.phi, (self.constant_in - self.lam_out)[:, :, None] * b)
        return tf.linalg.matmul(self.phi_in, b) - tf.linalg.matmul(
            self.phi, self.lam_out[:, :, None] * b
        )

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
    return tf.linalg.matmul(a, b)


def matmul(a: Any, b: Any) -> Any:
    """Matrix product where either side may be a :class:`FrozenEigenvectorKernel`."""
    if isinstance(a, FrozenEigenvectorKernel) and isinstance(b, FrozenEigenvectorKernel):
        return a.right(b.dense())
    if isinstance(b, FrozenEigenvectorKernel):
        return b.left(a)
    if isinstance(a, FrozenEigenvectorKernel):
        return a.right(b)
    return dense_matmul(a, b)
