r"""How important is a hidden node? Three rankings: eigenvalue, connectivity, random.

The eigenvalue of a node
------------------------
Let node ``j`` be produced by a spectral layer ``P`` and read by a spectral layer ``R``
(kernels in Keras orientation ``(inputs, units)``, :mod:`spectral_nb.layers.spectral`):

.. math::

    W^P_{ij} = \phi^P_{ij}\,(\lambda^{P,in}_i - \lambda^{P,out}_j), \qquad
    W^R_{jk} = \phi^R_{jk}\,(\lambda^{R,in}_j - \lambda^{R,out}_k).

Node ``j`` enters its incoming links only through its *output* eigenvalue of ``P``,
:math:`\lambda^{P,out}_j`, and its outgoing links only through its *input* eigenvalue of
``R``, :math:`\lambda^{R,in}_j`; everything else is eigenvectors and the eigenvalues of the
nodes at the other end. Take the incoming side. If the input eigenvalues of ``P`` all equal
one number ``c`` (the paper's setting: the first layer's are frozen near ``c = 0``, drawn in
U[-0.01, 0.01]; this book's deeper layers hold them at ``c = 1``), then

.. math::

    W^P_{:,j} = (c - \lambda^{P,out}_j)\,\phi^P_{:,j},

the node's random eigenvector column scaled by :math:`|\lambda^{P,out}_j - c|`. With
``c = 0`` that is :math:`|\lambda_j|`, the paper's score: a node with a small eigenvalue
receives almost nothing and can go. In general we use the root-mean-square of the
eigenvalue factors of the node's links,

.. math::

    g^{out}_j = \sqrt{\operatorname{mean}_i\,(\lambda^{P,in}_i - \lambda^{P,out}_j)^2}
              = \sqrt{(\lambda^{P,out}_j - \bar\lambda^{P,in})^2
                      + \operatorname{var}\lambda^{P,in}},
    \qquad
    g^{in}_j = \sqrt{(\lambda^{R,in}_j - \bar\lambda^{R,out})^2
                     + \operatorname{var}\lambda^{R,out}},

which is exactly :math:`|\lambda_j - c|` when the other side is held at ``c``. Unlike the raw
:math:`|\lambda_j|` it does not change when one constant is added to all eigenvalues of a
layer, a shift that leaves the layer's kernel, and so the network, unchanged
(:func:`spectral_nb.operators.direct_kernel`): a score of a node should be a property of
the function the network computes, not of that gauge. (Raw :math:`|\lambda_j|` ranks a node
of a layer whose inputs sit at ``c = 1`` backwards: :math:`\lambda_j = 1` is a dead node.)

A node with both eigenvalues
----------------------------
When ``P`` and ``R`` are both spectral the node has both gains. With a positively
homogeneous activation (ReLU, linear; :math:`f(a z) = a f(z)` for ``a > 0``) and both other
sides constant, the node's whole contribution to the next pre-activations is

.. math::

    f\bigl((c_P - \lambda^{P,out}_j)\,\phi^P_{:,j}\cdot x\bigr)\,W^R_{j,:}
    = g^{out}_j\,g^{in}_j\;
      f\bigl(\pm\phi^P_{:,j}\cdot x\bigr)\,(\pm\phi^R_{j,:}),

so the **rule** (``combine="product"``, the default) is: the score of a node is the product
of its two gains, and a side that is not spectral (``Dense``, ``ConstrainedDense``: no
eigenvalue there) contributes a factor one. Either gain near zero makes the node silent, and
the product sees both. ``combine="out"`` uses the producer's eigenvalue only (the one the
paper counts as the node's in its Train Λ experiments, and the only one that moves when the
next layer's input eigenvalues are held constant, as in this book's paper convention, where
both rules rank alike); ``combine="in"`` the reader's only (what the authors' PyTorch
pruning code ranks by). A hidden layer with no spectral layer on either side has no
eigenvalue, and ranking it by eigenvalue is an error.

The direct-space baseline and the control
-----------------------------------------
``connectivity``: the absolute incoming connectivity of the node,
:math:`\sum_i |W^P_{ij}|` over the direct kernel of the producing layer (the bias is not a
connection), the baseline of Buffoni et al. (2022). ``random``: independent U[0, 1) scores
from ``seed``, the control every ranking has to beat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from ..layers import ConstrainedDense, Spectral
from ..operators import spectral_kernel
from .chain import Chain, model_chain
from .errors import PruningError

RANKINGS: tuple[str, ...] = ("eigenvalue", "connectivity", "random")
COMBINE_RULES: tuple[str, ...] = ("product", "out", "in")

Parameters = Mapping[str, np.ndarray]


def layer_parameters(layer: keras.layers.Layer) -> dict[str, np.ndarray]:
    """A dense-like layer's arrays in the engine's format (float64).

    ``Spectral``: ``eigenvectors``, ``eigenvalues_in``, ``eigenvalues_out`` (and ``bias``);
    ``Dense`` and ``ConstrainedDense``: the direct ``kernel`` and ``bias`` (zeros if none).
    """

    def array(value: Any) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)

    if isinstance(layer, Spectral):
        params = {
            "eigenvectors": array(layer.eigenvectors),
            "eigenvalues_in": array(layer.eigenvalues_in),
            "eigenvalues_out": array(layer.eigenvalues_out),
        }
        if layer.bias is not None:
            params["bias"] = array(layer.bias)
        return params
    if isinstance(layer, ConstrainedDense):
        kernel = array(layer.direct_kernel())
    elif isinstance(layer, keras.layers.Dense):
        kernel = array(layer.kernel)
    else:
        raise PruningError(f"Layer '{layer.name}' ({type(layer).__name__}) is not dense-like.")
    bias = array(layer.bias) if layer.bias is not None else np.zeros(kernel.shape[1])
    return {"kernel": kernel, "bias": bias}


def is_spectral(params: Parameters) -> bool:
    return "eigenvalues_out" in params


def direct_kernel(params: Parameters) -> np.ndarray:
    """The ``(inputs, units)`` kernel of a layer given by its arrays."""
    if is_spectral(params):
        return spectral_kernel(
            params["eigenvectors"], params["eigenvalues_in"], params["eigenvalues_out"]
        )
    return np.asarray(params["kernel"], dtype=np.float64)


def eigenvalue_gain(node: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``sqrt(mean_k (node[j] - other[k])**2)`` for every ``j``: the RMS eigenvalue factor of
    the links between node ``j`` and the nodes at the other end (exact, without the matrix)."""
    node = np.asarray(node, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    return np.sqrt((node - other.mean()) ** 2 + other.var())


def eigenvalue_scores(
    producer: Parameters, reader: Parameters, combine: str = "product", name: str = "hidden"
) -> np.ndarray:
    """Eigenvalue score of each node made by ``producer`` and read by ``reader``.

    ``name`` (the producing layer's) only appears in error messages.
    """
    _check_choice("combine", combine, COMBINE_RULES)
    out_gain = (
        eigenvalue_gain(producer["eigenvalues_out"], producer["eigenvalues_in"])
        if is_spectral(producer) else None
    )
    in_gain = (
        eigenvalue_gain(reader["eigenvalues_in"], reader["eigenvalues_out"])
        if is_spectral(reader) else None
    )
    if out_gain is None and in_gain is None:
        raise PruningError(
            f"The nodes of layer '{name}' have no eigenvalue: neither the layer that makes them "
            "nor the one that reads them is Spectral. Rank them with rank='connectivity' (or "
            "'random'), or build those layers as Spectral."
        )
    if combine == "out":
        if out_gain is None:
            raise PruningError(
                f"combine='out' needs layer '{name}' to be Spectral (it is not); use "
                "combine='in' or 'product'."
            )
        return out_gain
    if combine == "in":
        if in_gain is None:
            raise PruningError(
                f"combine='in' needs the layer reading the nodes of '{name}' to be Spectral "
                "(it is not); use combine='out' or 'product'."
            )
        return in_gain
    scores = np.ones_like(out_gain if out_gain is not None else in_gain)
    for gain in (out_gain, in_gain):
        if gain is not None:
            scores = scores * gain
    return scores


def connectivity_scores(producer: Parameters) -> np.ndarray:
    """``sum_i |W[i, j]|``: the absolute incoming connectivity of each node."""
    return np.abs(direct_kernel(producer)).sum(axis=0)


def hidden_scores(
    params: Sequence[Parameters],
    rank: str = "eigenvalue",
    *,
    combine: str = "product",
    seed: int | None = None,
    names: Sequence[str] | None = None,
    only: Sequence[bool] | None = None,
) -> list[np.ndarray | None]:
    """Scores of the hidden nodes of a chain given by each dense-like layer's arrays.

    Parameters
    ----------
    params
        One dict per dense-like layer, in order (the engine's ``RunResult.parameters`` or
        :func:`layer_parameters`); the last is the output layer.
    rank
        ``eigenvalue``, ``connectivity`` or ``random``.
    combine
        For ``eigenvalue``: ``product`` (default), ``out`` or ``in`` (module docstring).
    seed
        Seed of the ``random`` ranking (one generator, layers drawn in order).
    names
        Layer names for error messages.
    only
        One flag per hidden layer: score only these (the others get ``None``), so that a
        layer left whole need not have an eigenvalue.

    Returns
    -------
    list
        One float64 array of length ``units`` per hidden layer (``len(params) - 1``).
    """
    _check_choice("rank", rank, RANKINGS)
    _check_choice("combine", combine, COMBINE_RULES)
    n_hidden = len(params) - 1
    names = list(names) if names is not None else [f"layer {k}" for k in range(len(params))]
    only = list(only) if only is not None else [True] * n_hidden
    rng = np.random.default_rng(seed)
    scores: list[np.ndarray | None] = []
    for k in range(n_hidden):
        producer, reader = params[k], params[k + 1]
        units = direct_kernel(producer).shape[1] if not is_spectral(producer) else len(
            producer["eigenvalues_out"]
        )
        if rank == "random":
            draw = rng.random(units)  # drawn for every layer, so a layer's draw never depends
            scores.append(draw if only[k] else None)  # on which other layers are pruned
            continue
        if not only[k]:
            scores.append(None)
        elif rank == "eigenvalue":
            scores.append(eigenvalue_scores(producer, reader, combine, names[k]))
        else:
            scores.append(connectivity_scores(producer))
    return scores


def chain_scores(
    chain: Chain,
    rank: str = "eigenvalue",
    *,
    combine: str = "product",
    seed: int | None = None,
    only: Sequence[bool] | None = None,
) -> dict[str, np.ndarray | None]:
    """:func:`hidden_scores` of a validated chain, keyed by the producing layer's name."""
    dense = chain.dense_layers
    params = [layer_parameters(layer) for layer in dense]
    names = [layer.name for layer in dense]
    scores = hidden_scores(params, rank, combine=combine, seed=seed, names=names, only=only)
    return dict(zip(names[:-1], scores, strict=True))


def node_scores(
    model: keras.Model,
    rank: str = "eigenvalue",
    *,
    combine: str = "product",
    seed: int | None = None,
) -> dict[str, np.ndarray]:
    """The score of every hidden node of ``model``, for ranking and plotting.

    Parameters
    ----------
    model
        A built Sequential or functional chain of ``Spectral``/``Dense``/``ConstrainedDense``
        layers (see :mod:`spectral_nb.pruning.chain`).
    rank
        ``eigenvalue`` (the node's eigenvalue gain, module docstring), ``connectivity`` (sum
        of the absolute incoming weights) or ``random``.
    combine
        How a node with both an output eigenvalue (of the layer making it) and an input
        eigenvalue (of the layer reading it) is scored: ``product`` of the two gains
        (default), ``out`` or ``in``.
    seed
        Seed of the ``random`` ranking.

    Returns
    -------
    dict
        Producing layer name -> float64 array of shape ``(units,)``, in model order; the
        output layer is absent (its nodes are never pruned). Lower scores are pruned first.
    """
    scores = chain_scores(model_chain(model), rank, combine=combine, seed=seed)
    return {name: value for name, value in scores.items() if value is not None}


def _check_choice(what: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise PruningError(f"Unknown {what} {value!r}; choose from {', '.join(choices)}.")
