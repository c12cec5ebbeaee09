"""The smallest network within an accuracy drop, chosen on a validation split.

``SpectralTools.spectral_pretrain`` prunes 5 %, 10 %, ... of the nodes until the accuracy
on whatever data it is given falls by more than a threshold. If that data is the test set,
the test accuracy of the network it returns is no longer an estimate of anything: the
fraction was picked *because* it scored well there. Here the choice is made on a validation
split carved from the training set (:func:`validation_split`), so the test set stays
untouched until the chosen network is measured once.

The search evaluates every candidate fraction (the pruned evaluations are cheap next to
training) and returns the largest one whose validation accuracy is at most ``max_drop``
below the unpruned network's, with the whole curve, so a reader can see how sharp the
choice was. Fraction 0 (the unpruned network) always qualifies; a candidate that would
remove every node of some hidden layer is skipped (it is not in the curve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from .errors import EmptyLayerError, PruningError
from .selection import check_fraction
from .surgery import prune

DEFAULT_FRACTIONS: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(1, 20))


@dataclass(frozen=True)
class Split:
    """Training examples and a validation split carved from them (never the test set)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def validation_split(x: Any, y: Any, fraction: float = 0.1, seed: int = 0) -> Split:
    """Shuffle the training examples with ``seed`` and hold out ``fraction`` for validation.

    Train the network on ``split.x_train`` only; select with ``split.x_val``.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise PruningError(f"x has {len(x)} examples but y has {len(y)}; give matching arrays.")
    if isinstance(fraction, bool) or not 0.0 < float(fraction) < 1.0:
        raise PruningError(f"The validation fraction must lie in (0, 1), got {fraction!r}.")
    held = int(round(float(fraction) * len(x)))
    if held < 1 or held >= len(x):
        raise PruningError(
            f"A validation fraction of {fraction} of {len(x)} examples leaves an empty split; "
            "use more examples or another fraction."
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:held], order[held:]
    return Split(x[train], y[train], x[val], y[val])


def accuracy(model: keras.Model, x: Any, y: Any, batch_size: int = 1024) -> float:
    """Share of examples whose largest output is the label (``y``: integers or one-hot).

    Evaluated by calling the model on batches (no compiled predict function per model, so
    evaluating many pruned models does not retrace anything).
    """
    x, y = np.asarray(x), np.asarray(y)
    labels = y.argmax(axis=-1) if y.ndim == 2 else y
    hits = 0
    for start in range(0, len(x), batch_size):
        outputs = keras.ops.convert_to_numpy(model(x[start : start + batch_size], training=False))
        hits += int(np.sum(outputs.argmax(axis=-1) == labels[start : start + batch_size]))
    return hits / len(x)


@dataclass(frozen=True)
class SearchResult:
    """The chosen network and the validation curve behind the choice."""

    model: keras.Model
    fraction: float
    baseline_accuracy: float
    accuracy: float
    curve: tuple[tuple[float, float], ...]  # (fraction, validation accuracy), 0 first

    @property
    def drop(self) -> float:
        return self.baseline_accuracy - self.accuracy


def smallest_within(
    model: keras.Model,
    x_val: Any,
    y_val: Any,
    max_drop: float,
    *,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    rank: str = "eigenvalue",
    seed: int | None = None,
    scope: str = "layer",
    combine: str = "product",
    batch_size: int = 1024,
) -> SearchResult:
    """Prune as much as the validation accuracy allows.

    Parameters
    ----------
    model
        A trained chain (see :func:`spectral_nb.prune`), trained *without* ``x_val``.
    x_val, y_val
        The validation split (:func:`validation_split`), never the test set.
    max_drop
        Largest accepted fall in validation accuracy, as a share (``0.01``: one point).
    fractions
        Candidate fractions of hidden nodes to remove (default 5 %, 10 %, ..., 95 %).
    rank, seed, scope, combine
        As in :func:`spectral_nb.prune`.

    Returns
    -------
    SearchResult
        The pruned model with the largest qualifying fraction, its validation accuracy, the
        unpruned baseline and every candidate's validation accuracy.
    """
    if isinstance(max_drop, bool) or not 0.0 <= float(max_drop) < 1.0:
        raise PruningError(
            f"max_drop is a share of accuracy in [0, 1) (0.01 = one point), got {max_drop!r}."
        )
    candidates = sorted({check_fraction(f, "each of fractions") for f in fractions} - {0.0})
    baseline = accuracy(model, x_val, y_val, batch_size)
    best: tuple[float, float, keras.Model | None] = (0.0, baseline, None)
    curve = [(0.0, baseline)]
    for fraction in candidates:
        try:
            pruned = prune(model, fraction, rank=rank, seed=seed, scope=scope, combine=combine)
        except EmptyLayerError:
            continue  # a fraction this large would empty a hidden layer: not a network
        value = accuracy(pruned, x_val, y_val, batch_size)
        curve.append((fraction, value))
        if baseline - value <= max_drop:
            best = (fraction, value, pruned)
    fraction, value, chosen = best
    if chosen is None:  # nothing qualified: an unpruned copy, never the caller's own model
        chosen = prune(model, 0.0, rank=rank, seed=seed, scope=scope, combine=combine)
    return SearchResult(chosen, fraction, baseline, value, tuple(curve))
