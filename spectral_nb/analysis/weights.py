"""Distributions of the trained weights (the paper's Fig. 4 and the inset of Fig. 5).

Every run record carries a histogram of its retracted input-to-output map
(``record["retracted_weights"]``: ``histogram_edges``, ``histogram_counts``, ``mean``,
``std``, ``excess_kurtosis``, ``shape``). This module turns those histograms into densities,
pools the seeds of a regime onto one grid, and measures how far two regimes' distributions
are apart with the total-variation distance (0: the same distribution, 1: disjoint).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .labels import network_label
from .records import select_records

__all__ = [
    "COMPARED", "mean_kurtosis", "pooled_weight_density", "regime_weights",
    "weight_density", "weight_distance", "weight_distance_table", "weight_distances",
]

# The regimes whose weights the chapters compare, and the reference they are compared with.
COMPARED: tuple[str, ...] = ("train_lambda", "unconstrained", "constrained")


def weight_density(
    summary: Mapping[str, Any], standardize: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and density of one record's ``retracted_weights`` histogram.

    With ``standardize`` the edges are ``(w - mean) / std``, so that shapes of weight
    matrices with different scales compare.
    """
    edges = np.asarray(summary["histogram_edges"], dtype=float)
    counts = np.asarray(summary["histogram_counts"], dtype=float)
    if standardize:
        std = float(summary["std"]) or 1.0
        edges = (edges - float(summary["mean"])) / std
    total = counts.sum()
    if total <= 0:
        raise ValueError("Empty weight histogram.")
    return edges, counts / (total * np.diff(edges))


def pooled_weight_density(
    summaries: Sequence[Mapping[str, Any]],
    standardize: bool = False,
    bins: int = 80,
    limit: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Histograms of several runs re-binned onto one grid and pooled into one density.

    Each run's counts are spread uniformly within its own bins (its cumulative count is
    interpolated linearly at the new edges), so no mass is invented or lost inside the
    common range ``[-limit, limit]`` (default: the widest run's range). Mass outside it is
    left out of the picture but kept in the normalisation, so the density stays the
    fraction of all weights per unit of the x-axis.
    """
    runs = _cumulative(summaries, standardize)
    extent = max(float(np.max(np.abs(e))) for e, _ in runs)
    if limit is not None:
        extent = min(extent, float(limit))
    grid = np.linspace(-extent, extent, bins + 1)
    return grid, _mass_on(runs, grid) / np.diff(grid)


def _cumulative(
    summaries: Sequence[Mapping[str, Any]], standardize: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    if not summaries:
        raise ValueError("No weight summaries to pool.")
    runs = []
    for summary in summaries:
        edges, density = weight_density(summary, standardize)
        runs.append((edges, np.concatenate([[0.0], np.cumsum(density * np.diff(edges))])))
    return runs


def _mass_on(runs: list[tuple[np.ndarray, np.ndarray]], grid: np.ndarray) -> np.ndarray:
    """Fraction of all pooled weights in each bin of ``grid`` (runs weighted equally)."""
    mass = np.zeros(len(grid) - 1)
    for edges, cdf in runs:
        mass += np.diff(np.interp(grid, edges, cdf))
    return mass / len(runs)


def weight_distance(
    first: Sequence[Mapping[str, Any]],
    second: Sequence[Mapping[str, Any]],
    standardize: bool = True,
    bins: int = 200,
) -> float:
    """Total-variation distance (0: same distribution, 1: disjoint) between two pooled
    weight distributions, each given as ``retracted_weights`` summaries of its runs.

    Both are re-binned onto one grid spanning every run; with ``standardize`` the shapes
    are compared after removing each run's mean and scale.
    """
    a, b = _cumulative(first, standardize), _cumulative(second, standardize)
    extent = max(float(np.max(np.abs(e))) for e, _ in a + b)
    grid = np.linspace(-extent, extent, bins + 1)
    return float(0.5 * np.abs(_mass_on(a, grid) - _mass_on(b, grid)).sum())


def regime_weights(
    records: Iterable[Mapping[str, Any]], regime: str, point: str | None = None
) -> list[Mapping[str, Any]]:
    """The ``retracted_weights`` summaries of one regime's runs (paper convention or direct)."""
    chosen = select_records(records, regime=regime, convention=["paper", "-"], point=point)
    return [r["retracted_weights"] for r in chosen]


def weight_distances(
    records: Iterable[Mapping[str, Any]],
    point: str | None = None,
    regimes: Sequence[str] = ("train_lambda", "constrained"),
    reference: str = "unconstrained",
) -> dict[str, float]:
    """Per regime: the standardised :func:`weight_distance` of its runs to ``reference``'s."""
    records = list(records)
    other = regime_weights(records, reference, point)
    return {r: weight_distance(regime_weights(records, r, point), other) for r in regimes}


def mean_kurtosis(
    records: Iterable[Mapping[str, Any]], regimes: Sequence[str] = COMPARED
) -> dict[str, float]:
    """Per regime: the excess kurtosis of its trained weights, averaged over its runs."""
    records = list(records)
    return {
        r: float(np.mean([s["excess_kurtosis"] for s in regime_weights(records, r)]))
        for r in regimes
    }


def weight_distance_table(
    records: Iterable[Mapping[str, Any]], points: Mapping[int, str]
) -> pd.DataFrame:
    """Total-variation distances to the unconstrained network's weights at several points.

    ``points`` maps a depth ``l`` to a sweep point of the deep study (e.g. each depth's widest
    network); one row per depth, indexed by ``l`` and the network, rounded to 3 digits.
    """
    records = list(records)
    rows = []
    for depth, point in points.items():
        distances = weight_distances(records, point)
        rows.append(
            {
                "l": depth, "network": network_label(point),
                "Train Λ vs unconstrained": distances["train_lambda"],
                "constrained vs unconstrained": distances["constrained"],
            }
        )
    return pd.DataFrame(rows).set_index(["l", "network"]).round(3)
