r"""A network in the full ``N``-space: embedded operators, cascades, trimming, ``A_c``.

For layer sizes ``[N_1, ..., N_l]`` and ``N = sum N_k``, the compact operator ``A_k`` of the
layer pair ``(k, k + 1)`` (:func:`spectral_nb.operators.compact.transfer_operator`) is embedded
into an ``N x N`` matrix (:func:`embed`): its four blocks are placed on the rows and columns of
the nodes of layers ``k`` and ``k + 1``, and every other node gets a diagonal entry ``rest`` and
no link. Equivalently ``Phi_k`` is the ``N x N`` identity with ``phi_k^T`` in block
``(k + 1, k)`` and ``Lambda_k`` holds ``lam_in`` on layer ``k``, ``lam_out`` on layer ``k + 1``
and ``rest`` elsewhere.

The cascade
-----------
``A_k`` links only layer ``k`` to layer ``k + 1``: on a vector supported on layer ``k`` its
out <- in block is ``W_k^T``. Applied in order to an input ``n_1`` supported on layer 1, the
cascade ``A_{l-1} ... A_1`` carries ``x`` forward one layer per operator, so its block from
layer 1 to layer ``l`` is ``W_{l-1}^T ... W_1^T = (W_1 W_2 \cdots W_{l-1})^T`` whatever ``rest``
is:

* ``rest = 0`` (default): the eigenvalues of the other nodes are zero, so each step forgets
  everything but layers ``k`` and ``k + 1``; an input supported on layer 1 is funnelled forward
  and the cascade ends supported on the last two layers.
* ``rest = 1``: the other nodes are carried along unchanged (identity). Trimmed to the input and
  output nodes (:func:`trim`), the cascade is then exactly the compact perceptron

  .. math::

      A_c = \begin{pmatrix} \operatorname{diag}(\lambda^{in}_1) & 0 \\
                            (W_1 W_2 \cdots W_{l-1})^T &
                            \operatorname{diag}(\lambda^{out}_{l-1}) \end{pmatrix},

  which :func:`compact_perceptron` builds from the closed form, without ``N x N`` matrices.

Layer indices ``k`` are **0-based**: operator ``k`` links ``sizes[k]`` to ``sizes[k + 1]``
(the paper's ``A^{(k+1)}``). Every ``phis[k]`` is in Keras orientation ``(N_k, N_{k+1})``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .compact import check_triplet, direct_kernel, transfer_operator

__all__ = [
    "block",
    "cascade",
    "compact_perceptron",
    "embed",
    "full_space_operators",
    "layer_slices",
    "retracted_kernel",
    "trim",
]


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers, got {sizes}.")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"Layer sizes must be positive integers, got {sizes}.")
    return [int(s) for s in sizes]


def layer_slices(sizes: Sequence[int]) -> list[slice]:
    """The node indices of each layer in the full ``N``-space (``N = sum(sizes)``).

    Parameters
    ----------
    sizes
        Layer sizes ``[N_1, ..., N_l]``, input layer first.

    Returns
    -------
    list of slice
        ``slices[k]`` selects the nodes of layer ``k`` (0-based).
    """
    sizes = _check_sizes(sizes)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def embed(operator: Any, sizes: Sequence[int], k: int, rest: float = 0.0) -> np.ndarray:
    r"""Place the compact operator of layer pair ``(k, k + 1)`` in the full ``N``-space.

    The four ``(N_k + N_{k+1})``-space blocks of ``operator`` go to the rows and columns of
    the nodes of layers ``k`` and ``k + 1``; every other node ``v`` gets ``A[v, v] = rest``
    and no link. Equivalently, ``Phi_k`` is the ``N x N`` identity with ``phi_k^T`` in block
    ``(k + 1, k)``, and ``Lambda_k`` holds ``lam_in`` on layer ``k``, ``lam_out`` on layer
    ``k + 1`` and ``rest`` elsewhere.

    Parameters
    ----------
    operator
        Compact operator, shape ``(sizes[k] + sizes[k + 1],) * 2`` (from
        :func:`transfer_operator`).
    sizes
        Layer sizes ``[N_1, ..., N_l]``.
    k
        0-based index of the operator: it links layer ``k`` to layer ``k + 1``
        (``0 <= k <= len(sizes) - 2``).
    rest
        Eigenvalue of the nodes outside layers ``k`` and ``k + 1``. ``0`` (default) erases
        them, funnelling the signal forward; ``1`` carries them along unchanged. The out <- in
        block of a cascade does not depend on it.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(N, N)``.
    """
    sizes = _check_sizes(sizes)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < len(sizes) - 1:
        raise ValueError(
            f"k must be an integer in [0, {len(sizes) - 2}] for {len(sizes)} layers, got {k!r}."
        )
    operator = np.asarray(operator, dtype=np.float64)
    size = sizes[k] + sizes[k + 1]
    if operator.shape != (size, size):
        raise ValueError(
            f"Operator {k} links layers of sizes {sizes[k]} and {sizes[k + 1]}, so it must have "
            f"shape ({size}, {size}); got {operator.shape}."
        )
    slices = layer_slices(sizes)
    nodes = np.r_[slices[k], slices[k + 1]]
    full = np.diag(np.full(sum(sizes), float(rest)))
    full[np.ix_(nodes, nodes)] = operator
    return full


def full_space_operators(
    phis: Sequence[Any],
    lams_in: Sequence[Any],
    lams_out: Sequence[Any],
    rest: float = 0.0,
) -> list[np.ndarray]:
    """The ``N x N`` operators ``A_1, ..., A_{l-1}`` of a network of spectral layers.

    Parameters
    ----------
    phis, lams_in, lams_out
        Per layer pair, in order: eigenvector blocks in Keras orientation
        (``phis[k].shape == (N_k, N_{k+1})``) and the input and output eigenvalues.
    rest
        Eigenvalue of the nodes outside each operator's two layers (see :func:`embed`).

    Returns
    -------
    list of numpy.ndarray
        One ``(N, N)`` array per layer pair.
    """
    sizes = _chain_sizes(phis, lams_in, lams_out)
    return [
        embed(transfer_operator(phi, lam_in, lam_out), sizes, k, rest=rest)
        for k, (phi, lam_in, lam_out) in enumerate(zip(phis, lams_in, lams_out, strict=True))
    ]


def cascade(operators: Sequence[Any]) -> np.ndarray:
    r"""The linear cascade ``A_{l-1} ... A_2 A_1`` (the first operator acts first).

    Parameters
    ----------
    operators
        Square matrices of one shape, in the order they act: ``operators[0]`` is ``A_1``.

    Returns
    -------
    numpy.ndarray
        The product ``operators[-1] @ ... @ operators[0]``, so that
        ``n_l = cascade(operators) @ n_1``.
    """
    operators = [np.asarray(a, dtype=np.float64) for a in operators]
    if not operators:
        raise ValueError("cascade() needs at least one operator.")
    shape = operators[0].shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"Operators must be square matrices, the first has shape {shape}.")
    for k, a in enumerate(operators):
        if a.shape != shape:
            raise ValueError(
                f"All operators must share one shape {shape} (embed them in the full space "
                f"first); operator {k} has shape {a.shape}."
            )
    product = operators[0]
    for a in operators[1:]:
        product = a @ product
    return product


def _full_space_matrix(matrix: Any, sizes: Sequence[int]) -> tuple[np.ndarray, list[slice]]:
    """``matrix`` as float64, checked to be N x N with N = sum(sizes), and the layer slices."""
    sizes = _check_sizes(sizes)
    matrix = np.asarray(matrix, dtype=np.float64)
    total = sum(sizes)
    if matrix.shape != (total, total):
        raise ValueError(
            f"Expected an N x N matrix with N = sum(sizes) = {total}, got shape {matrix.shape}."
        )
    return matrix, layer_slices(sizes)


def block(matrix: Any, sizes: Sequence[int], row_layer: int, col_layer: int) -> np.ndarray:
    """The block of an ``N x N`` matrix linking layer ``col_layer`` to layer ``row_layer``.

    Parameters
    ----------
    matrix
        Array of shape ``(N, N)`` with ``N = sum(sizes)``.
    sizes
        Layer sizes.
    row_layer, col_layer
        0-based layer indices (negative counts from the end). Rows are the receiving nodes.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(sizes[row_layer], sizes[col_layer])``.
    """
    matrix, slices = _full_space_matrix(matrix, sizes)
    return matrix[slices[row_layer], slices[col_layer]]


def trim(matrix: Any, sizes: Sequence[int]) -> np.ndarray:
    """Keep only the rows and columns of the input and output nodes of an ``N x N`` matrix.

    Parameters
    ----------
    matrix
        Array of shape ``(N, N)``.
    sizes
        Layer sizes ``[N_1, ..., N_l]``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(N_1 + N_l, N_1 + N_l)``.
    """
    matrix, slices = _full_space_matrix(matrix, sizes)
    nodes = np.r_[slices[0], slices[-1]]
    return matrix[np.ix_(nodes, nodes)]


def _chain_sizes(phis: Sequence[Any], lams_in: Sequence[Any], lams_out: Sequence[Any]) -> list[int]:
    phis, lams_in, lams_out = list(phis), list(lams_in), list(lams_out)
    if not phis:
        raise ValueError("Give at least one layer (phis is empty).")
    if not len(phis) == len(lams_in) == len(lams_out):
        raise ValueError(
            f"phis, lams_in and lams_out must have one entry per layer pair; got "
            f"{len(phis)}, {len(lams_in)} and {len(lams_out)}."
        )
    sizes: list[int] = []
    for k, (phi, lam_in, lam_out) in enumerate(zip(phis, lams_in, lams_out, strict=True)):
        phi, _, _ = check_triplet(phi, lam_in, lam_out)
        if sizes and phi.shape[0] != sizes[-1]:
            raise ValueError(
                f"Layer pair {k} takes {phi.shape[0]} inputs, but pair {k - 1} gives "
                f"{sizes[-1]} units: phis must chain, phis[k].shape[1] == phis[k + 1].shape[0]."
            )
        if not sizes:
            sizes.append(phi.shape[0])
        sizes.append(phi.shape[1])
    return sizes


def retracted_kernel(
    phis: Sequence[Any], lams_in: Sequence[Any], lams_out: Sequence[Any]
) -> np.ndarray:
    """The kernel ``W_1 W_2 ... W_{l-1}`` of a linear cascade, Keras orientation ``(N_1, N_l)``.

    Parameters
    ----------
    phis, lams_in, lams_out
        Per layer pair, as in :func:`full_space_operators`.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(N_1, N_l)``; ``x @ K`` is the retracted perceptron.
    """
    _chain_sizes(phis, lams_in, lams_out)
    kernel = None
    for phi, lam_in, lam_out in zip(phis, lams_in, lams_out, strict=True):
        w = direct_kernel(phi, lam_in, lam_out)
        kernel = w if kernel is None else kernel @ w
    return kernel


def compact_perceptron(
    phis: Sequence[Any], lams_in: Sequence[Any], lams_out: Sequence[Any]
) -> np.ndarray:
    r"""The compact perceptron ``A_c`` of a linear cascade, size ``(N_1 + N_l)^2``.

    .. math::

        A_c = \begin{pmatrix} \operatorname{diag}(\lambda^{in}_1) & 0 \\
                              (W_1 W_2 \cdots W_{l-1})^T &
                              \operatorname{diag}(\lambda^{out}_{l-1}) \end{pmatrix}

    This is the full-space cascade built with ``rest = 1`` trimmed to the input and output
    nodes (:func:`trim`); it is computed here from the closed form, without ``N x N``
    matrices. Its out <- in block is the transpose of the kernel that
    :func:`spectral_nb.retraction.fuse` returns for the corresponding Keras layers.

    Parameters
    ----------
    phis
        Eigenvector blocks in Keras orientation, ``phis[k].shape == (N_k, N_{k+1})``.
    lams_in, lams_out
        Input and output eigenvalues of each layer pair.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(N_1 + N_l, N_1 + N_l)``.
    """
    sizes = _chain_sizes(phis, lams_in, lams_out)
    n_in, n_out = sizes[0], sizes[-1]
    a_c = np.zeros((n_in + n_out, n_in + n_out))
    a_c[:n_in, :n_in] = np.diag(np.asarray(lams_in[0], dtype=np.float64))
    a_c[n_in:, n_in:] = np.diag(np.asarray(lams_out[-1], dtype=np.float64))
    a_c[n_in:, :n_in] = retracted_kernel(phis, lams_in, lams_out).T
    return a_c
