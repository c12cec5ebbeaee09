"""Which nodes go: fractions per layer or across the network, turned into keep-masks.

A fraction ``f`` of a layer of ``n`` nodes removes ``floor(f n + 1/2)`` of them (the nearest
whole number, halves rounded up, so 70 % of 500 is 350 however ``0.7 * 500`` rounds in
floating point), those with the lowest scores. Ties at the cut go by position: among equal
scores the node with the lower index goes first (a stable sort), so the choice is
deterministic.

``scope="layer"`` applies the fraction to every hidden layer separately (or a fraction per
layer, by name or in order); ``scope="global"`` pools the scores of all hidden layers and
removes the fraction of *all* hidden nodes with the lowest scores, wherever they are (the
percentile cut of the authors' ``SpectralTools``): layers whose scores are small lose more.
Scores are then compared across layers, which is meaningful for eigenvalue gains and random
scores but mixes scales for connectivity (a sum over a layer's fan-in).

A fraction must lie in ``[0, 1)``, and no layer may lose every node: a network with an empty
hidden layer computes a constant. :func:`global_keep` gives the masks of the global cut
without that check, for a study that measures what the authors' global cut does (it can
empty a layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import EmptyLayerError, PruningError

SCOPES: tuple[str, ...] = ("layer", "global")
Fraction = float | Mapping[str, float] | Sequence[float]


def check_fraction(value: Any, where: str = "fraction") -> float:
    """``value`` as a float in ``[0, 1)``, or an error saying so."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise PruningError(f"{where} must be a number in [0, 1), got {value!r}.")
    value = float(value)
    if not 0.0 <= value < 1.0 or math.isnan(value):
        raise PruningError(
            f"{where} must lie in [0, 1) (the share of hidden nodes removed; 0.7 removes 70 %), "
            f"got {value!r}."
        )
    return value


def removed_count(fraction: float, units: int) -> int:
    """How many of ``units`` nodes a fraction removes: the nearest whole number."""
    return int(math.floor(fraction * units + 0.5))


def layer_fractions(fraction: Fraction, hidden: Sequence[str]) -> list[float]:
    """One checked fraction per hidden layer, from a number, a mapping or a sequence."""
    if isinstance(fraction, Mapping):
        unknown = sorted(set(fraction) - set(hidden))
        if unknown:
            raise PruningError(
                f"fraction names layers {unknown} that make no hidden nodes; hidden layers are "
                f"{list(hidden)} (the output layer is never pruned)."
            )
        return [check_fraction(fraction.get(name, 0.0), f"fraction[{name!r}]") for name in hidden]
    if isinstance(fraction, Sequence) and not isinstance(fraction, str):
        if len(fraction) != len(hidden):
            raise PruningError(
                f"fraction lists {len(fraction)} values but the model has {len(hidden)} hidden "
                f"layers {list(hidden)}; give one per hidden layer, or a mapping by name."
            )
        return [check_fraction(f, f"fraction[{k}]") for k, f in enumerate(fraction)]
    value = check_fraction(fraction)
    return [value] * len(hidden)


def lowest(scores: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of the ``count`` lowest scores (ties: lower index first)."""
    order = np.argsort(scores, kind="stable")
    removed = np.zeros(len(scores), dtype=bool)
    removed[order[:count]] = True
    return removed


def global_keep(scores: Mapping[str, np.ndarray], fraction: float) -> dict[str, np.ndarray]:
    """The keep-masks of one threshold over the pooled scores of all hidden layers
    (``scope="global"``), a layer left with no node included: :func:`keep_masks` refuses
    such a cut; a study that measures it evaluates the emptied network as what it is."""
    names = list(scores)
    pooled = np.concatenate([np.asarray(scores[name]) for name in names])
    removed = lowest(pooled, removed_count(check_fraction(fraction), len(pooled)))
    bounds = np.cumsum([0, *(len(scores[name]) for name in names)])
    return {name: ~removed[bounds[k] : bounds[k + 1]] for k, name in enumerate(names)}


def keep_masks(
    scores: Mapping[str, np.ndarray | None], fraction: Fraction, scope: str = "layer"
) -> dict[str, np.ndarray]:
    """Which nodes of each hidden layer stay: ``name -> bool array`` (True = kept).

    Parameters
    ----------
    scores
        Hidden layer name -> node scores, in model order (``None``: a layer left whole).
        A NaN or infinite score (weights gone non-finite) is an error naming the layer.
    fraction
        ``scope="layer"``: a number for every hidden layer, a mapping ``name -> fraction``
        (missing layers: 0) or a sequence with one value per hidden layer.
        ``scope="global"``: one number, the share of all hidden nodes removed.
    scope
        ``layer`` or ``global`` (module docstring).
    """
    if scope not in SCOPES:
        raise PruningError(f"Unknown scope {scope!r}; choose from {', '.join(SCOPES)}.")
    names = list(scores)
    for name in names:  # argsort puts NaN last: a node scored NaN would always be kept
        bad = np.flatnonzero(~np.isfinite(scores[name])) if scores[name] is not None else []
        if len(bad):
            raise PruningError(
                f"Layer '{name}' has {len(bad)} node score(s) that are NaN or infinite (nodes "
                f"{bad[:5].tolist()}{'...' if len(bad) > 5 else ''}): the weights of that layer "
                "or of the layer reading its nodes are not finite, as after a diverged training. "
                "Prune a model whose weights are finite (retrain it, e.g. with a smaller "
                "learning rate)."
            )
    if scope == "global":
        if isinstance(fraction, Mapping | Sequence) and not isinstance(fraction, str):
            raise PruningError(
                "scope='global' takes one fraction of all hidden nodes; per-layer fractions "
                "need scope='layer'."
            )
        missing = [name for name in names if scores[name] is None]
        if missing:
            raise PruningError(f"scope='global' needs scores for every hidden layer; {missing} "
                               "have none.")
        masks = global_keep(scores, check_fraction(fraction))
    else:
        fractions = layer_fractions(fraction, names)
        masks = {}
        for name, value in zip(names, fractions, strict=True):
            layer_scores = scores[name]
            if layer_scores is None:
                if value > 0:
                    raise PruningError(f"Layer '{name}' has no scores but a fraction {value}.")
                continue
            masks[name] = ~lowest(layer_scores, removed_count(value, len(layer_scores)))
    for name, keep in masks.items():
        if not keep.any():
            raise EmptyLayerError(
                f"This fraction removes all {len(keep)} nodes of layer '{name}', which would "
                "leave the network computing a constant. Use a smaller fraction for it (below "
                f"{(len(keep) - 0.5) / len(keep):.4g}), or scope='layer' if the global cut "
                "emptied it."
            )
    return masks
