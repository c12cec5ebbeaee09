r"""Exact transfer operators of spectral learning in numpy (float64), and the kernel formula.

The Keras layer :class:`spectral_nb.layers.Spectral` computes its direct-space kernel in closed
form, :func:`spectral_kernel`. This package builds the matrices of Giambagli et al. (2021)
explicitly, so that the book can show them and the tests can check the layer against them.
It has two rooms, one per space the paper works in:

- :mod:`.compact`: one layer, ``n`` inputs and ``m`` outputs, in the compact ``(n + m)``-space:
  ``Phi``, ``Phi^-1 = 2I - Phi``, ``Lambda``, ``A = Phi Lambda Phi^-1``, and the derivation of
  the one formula ``W_ji = phi_ji (lam_in_j - lam_out_i)`` (:func:`spectral_kernel`), which
  every other part of the package imports;
- :mod:`.full_space`: a network of layers ``[N_1, ..., N_l]`` in the full ``N``-space: each
  ``A_k`` embedded, the cascade ``A_{l-1} ... A_1``, blocks, trimming, the retracted kernel
  ``W_1 ... W_{l-1}`` and the compact perceptron ``A_c``.

Conventions: ``phi`` is always in Keras orientation ``(inputs, units)`` (the paper's block is
its transpose); operators act on column vectors (``n_{k+1} = A_k n_k``), Keras layers on rows
(``y = x W``), and the two agree through the transpose: the out <- in block of ``A_k`` is
``W_k^T``. Use as ``from spectral_nb import operators as op``; every name is here.
"""

from __future__ import annotations

from .compact import (
    direct_kernel,
    eigenvalue_matrix,
    eigenvector_matrix,
    inverse_eigenvector_matrix,
    layer_parameters,
    spectral_kernel,
    transfer_operator,
)
from .full_space import (
    block,
    cascade,
    compact_perceptron,
    embed,
    full_space_operators,
    layer_slices,
    retracted_kernel,
    trim,
)

__all__ = [
    "block",
    "cascade",
    "compact_perceptron",
    "direct_kernel",
    "eigenvalue_matrix",
    "eigenvector_matrix",
    "embed",
    "full_space_operators",
    "inverse_eigenvector_matrix",
    "layer_parameters",
    "layer_slices",
    "retracted_kernel",
    "spectral_kernel",
    "transfer_operator",
    "trim",
]
