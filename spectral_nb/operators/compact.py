r"""One layer in the compact ``(n + m)``-space: ``Phi``, ``Lambda``, ``A`` and the kernel formula.

A layer links ``n`` input nodes to ``m`` output nodes. Its eigenvector block ``phi`` is given
in **Keras orientation**, shape ``(n, m)`` = ``(inputs, units)``, exactly like the
``eigenvectors`` weight of :class:`spectral_nb.layers.Spectral`; the paper writes the same
block transposed, ``P = phi^T`` (``m x n``: rows are output nodes, columns input nodes), and
that is where it sits in the square matrices. Operators act on column vectors,
``n_{k+1} = A n_k``, as in the paper; Keras acts on row vectors, ``y = x W``.

The derivation
--------------
.. math::

    \Phi = \begin{pmatrix} I_n & 0 \\ P & I_m \end{pmatrix}, \qquad
    \Lambda = \begin{pmatrix} L_{in} & 0 \\ 0 & L_{out} \end{pmatrix}, \qquad
    L_{in} = \operatorname{diag}(\lambda^{in}),\ L_{out} = \operatorname{diag}(\lambda^{out}).

The block ``P`` is nilpotent (``(\Phi - I)^2 = 0``), so ``\Phi (2I - \Phi) = I - (\Phi - I)^2
= I``: the inverse is ``\Phi^{-1} = 2I - \Phi``, with ``-P`` in place of ``P``. Then

.. math::

    \Phi \Lambda = \begin{pmatrix} L_{in} & 0 \\ P L_{in} & L_{out} \end{pmatrix}, \qquad
    A = \Phi \Lambda (2I - \Phi)
      = \begin{pmatrix} L_{in} & 0 \\ P L_{in} - L_{out} P & L_{out} \end{pmatrix}.

The out <- in block has entries ``(P L_in - L_out P)_{ij} = P_{ij} (\lambda^{in}_j -
\lambda^{out}_i)``. On an input ``(x, 0)`` the output block of ``A (x, 0)`` is that block times
``x``: a dense layer ``y = x W`` whose kernel is the block transposed, ``W = (P L_in - L_out P)^T``,

.. math::

    W_{ji} = \phi_{ji}\,(\lambda^{in}_j - \lambda^{out}_i),

the one formula of spectral learning, :func:`spectral_kernel`. Adding one constant to every
eigenvalue leaves it unchanged (shift invariance). Everything in the package that needs a
layer's kernel imports :func:`spectral_kernel`; :func:`transfer_operator` builds ``A`` by the
matrix product itself, so the tests can check the formula against the product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "check_triplet",
    "direct_kernel",
    "eigenvalue_matrix",
    "eigenvector_matrix",
    "inverse_eigenvector_matrix",
    "layer_parameters",
    "spectral_kernel",
    "transfer_operator",
]


def spectral_kernel(phi: Any, lam_in: Any, lam_out: Any) -> Any:
    r"""The direct-space kernel ``W = phi * (lam_in - lam_out)``, Keras orientation.

    .. math::

        W[\ldots, j, i] = \phi[\ldots, j, i]\,(\lambda^{in}[\ldots, j] - \lambda^{out}[\ldots, i])

    the transpose of the out <- in block of ``Phi Lambda (2I - Phi)`` (derived in the module
    docstring). Pure arithmetic and indexing, so it works unchanged on numpy arrays, TF, JAX
    and torch tensors and Keras variables, in their own dtype.

    Parameters
    ----------
    phi
        Eigenvectors, shape ``(..., n, m)`` = ``(..., inputs, units)``.
    lam_in
        Input eigenvalues, shape ``(..., n)``; a last axis of length 1 (one eigenvalue shared
        by every input node) broadcasts.
    lam_out
        Output eigenvalues, shape ``(..., m)``.

    Leading ("runs") axes broadcast as in elementwise arithmetic.

    Returns
    -------
    The kernel, shape ``(..., n, m)``; ``x @ W`` is the layer's linear map.
    """
    return phi * (lam_in[..., :, None] - lam_out[..., None, :])


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _as_phi(phi: Any) -> np.ndarray:
    phi = np.asarray(phi, dtype=np.float64)
    if phi.ndim != 2:
        raise ValueError(
            f"phi must be a 2-D array of shape (inputs, units) (Keras orientation), "
            f"got shape {phi.shape}."
        )
    if 0 in phi.shape:
        raise ValueError(f"phi must have at least one input and one unit, got shape {phi.shape}.")
    return phi


def _as_eigenvalues(values: Any, size: int, name: str, phi_axis: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.shape[0] != size:
        raise ValueError(
            f"{name} must be a 1-D array of length {size} (the {phi_axis} of phi), "
            f"got shape {values.shape}."
        )
    return values


def check_triplet(phi: Any, lam_in: Any, lam_out: Any) -> tuple[np.ndarray, ...]:
    """``(phi, lam_in, lam_out)`` of one layer as float64 arrays, shapes ``(n, m), (n,), (m,)``.

    Raises ``ValueError`` naming the array whose shape does not fit.
    """
    phi = _as_phi(phi)
    n, m = phi.shape
    lam_in = _as_eigenvalues(lam_in, n, "lam_in", "number of rows, i.e. inputs,")
    lam_out = _as_eigenvalues(lam_out, m, "lam_out", "number of columns, i.e. units,")
    return phi, lam_in, lam_out


# --------------------------------------------------------------------------------------------
# the matrices
# --------------------------------------------------------------------------------------------
def eigenvector_matrix(phi: Any) -> np.ndarray:
    r"""The eigenvector matrix ``Phi`` of one layer in the compact ``(n + m)``-space.

    .. math::

        \Phi = \begin{pmatrix} I_n & 0 \\ \phi^T & I_m \end{pmatrix}

    Its columns are the (non-orthogonal) eigenvectors of the transfer operator.

    Parameters
    ----------
    phi
        Eigenvector block in Keras orientation, shape ``(n, m)`` = ``(inputs, units)``
        (the layer's ``eigenvectors`` weight). It is placed transposed, as the ``m x n``
        sub-diagonal block (rows: output nodes, columns: input nodes).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n + m, n + m)``.
    """
    phi = _as_phi(phi)
    n, m = phi.shape
    matrix = np.eye(n + m)
    matrix[n:, :n] = phi.T
    return matrix


def inverse_eigenvector_matrix(phi: Any) -> np.ndarray:
    r"""The exact inverse ``Phi^-1 = 2I - Phi``.

    The sub-diagonal block is nilpotent (``(Phi - I)^2 = 0``), so
    ``Phi (2I - Phi) = 2 Phi - Phi^2 = I - (Phi - I)^2 = I`` with no numerical inversion.

    Parameters
    ----------
    phi
        Eigenvector block in Keras orientation, shape ``(n, m)``.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n + m, n + m)``.
    """
    eigvecs = eigenvector_matrix(phi)
    return 2.0 * np.eye(eigvecs.shape[0]) - eigvecs


def eigenvalue_matrix(lam_in: Any, lam_out: Any) -> np.ndarray:
    r"""The diagonal eigenvalue matrix ``Lambda = diag(lam_in, lam_out)``.

    Parameters
    ----------
    lam_in, lam_out
        1-D arrays: eigenvalues of the input nodes (``n``) then of the output nodes (``m``).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n + m, n + m)``.
    """
    lam_in = np.asarray(lam_in, dtype=np.float64)
    lam_out = np.asarray(lam_out, dtype=np.float64)
    if lam_in.ndim != 1 or lam_out.ndim != 1:
        raise ValueError(
            f"lam_in and lam_out must be 1-D, got shapes {lam_in.shape} and {lam_out.shape}."
        )
    return np.diag(np.concatenate([lam_in, lam_out]))


def direct_kernel(phi: Any, lam_in: Any, lam_out: Any) -> np.ndarray:
    r"""The direct-space kernel of one layer, checked and in float64.

    .. math::

        W_{ji} = \phi_{ji}\,(\lambda^{in}_j - \lambda^{out}_i)

    :func:`spectral_kernel` after checking the three shapes: the transpose of the out <- in
    block of :func:`transfer_operator`, and what ``Spectral.direct_kernel()`` computes.

    Parameters
    ----------
    phi
        Eigenvector block, shape ``(n, m)``.
    lam_in
        Eigenvalues of the ``n`` input nodes.
    lam_out
        Eigenvalues of the ``m`` output nodes.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n, m)``; ``x @ W`` is the layer's linear map.
    """
    return spectral_kernel(*check_triplet(phi, lam_in, lam_out))


def transfer_operator(phi: Any, lam_in: Any, lam_out: Any) -> np.ndarray:
    r"""The transfer operator of one layer, ``A = Phi Lambda (2I - Phi)``.

    .. math::

        A = \begin{pmatrix} \operatorname{diag}(\lambda^{in}) & 0 \\
                            W^T & \operatorname{diag}(\lambda^{out}) \end{pmatrix}

    built by the matrix product itself (not from the closed form), so comparing it with
    :func:`spectral_kernel` is a real check. ``A Phi = Phi Lambda``: the columns of ``Phi``
    are eigenvectors with eigenvalues ``(lam_in, lam_out)``.

    Parameters
    ----------
    phi
        Eigenvector block in Keras orientation, shape ``(n, m)``.
    lam_in
        Eigenvalues of the ``n`` input nodes (the first diagonal block of ``Lambda``).
    lam_out
        Eigenvalues of the ``m`` output nodes (the second diagonal block).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n + m, n + m)``; ``A[n:, :n]`` equals ``W.T``.
    """
    phi, lam_in, lam_out = check_triplet(phi, lam_in, lam_out)
    eigvecs = eigenvector_matrix(phi)
    return eigvecs @ eigenvalue_matrix(lam_in, lam_out) @ (2.0 * np.eye(len(eigvecs)) - eigvecs)


def layer_parameters(layer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(phi, lam_in, lam_out)`` of a built ``Spectral`` layer, as float64 numpy arrays.

    Parameters
    ----------
    layer
        A built :class:`spectral_nb.layers.Spectral` layer.

    Returns
    -------
    tuple of numpy.ndarray
        ``phi`` in Keras orientation ``(inputs, units)``, ``lam_in`` and ``lam_out``.
    """
    if not all(hasattr(layer, name) for name in ("eigenvectors", "eigenvalues_in")):
        raise ValueError(
            f"layer_parameters() needs a built Spectral layer, got {type(layer).__name__}"
            + ("" if getattr(layer, "built", True) else " that is not built yet")
            + "."
        )
    return tuple(
        np.asarray(getattr(layer, name), dtype=np.float64)
        for name in ("eigenvectors", "eigenvalues_in", "eigenvalues_out")
    )
