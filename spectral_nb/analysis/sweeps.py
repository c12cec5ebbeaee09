"""Reading a sweep: one regime against another point by point, and each study's best.

Works on :func:`~.summaries.point_summary` frames (one row per sweep point, regime and
convention; ``mean`` in percent). Spectral rows in the authors'-code convention are left
out, as in the paper's figures.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .labels import ARCHITECTURE_LABELS, REGIME_ORDER
from .summaries import in_paper_convention, point_summary, table1

__all__ = ["first_within", "regime_gaps", "study_overview", "widest_per_depth"]


def regime_gaps(
    summary: pd.DataFrame, regime: str = "train_lambda", reference: str = "unconstrained"
) -> pd.DataFrame:
    """Per sweep point (sorted by eigenvalue count): both means and ``gap`` = reference - regime.

    Paper-convention spectral rows and baselines only; points where either is missing are
    left out.
    """
    frame = summary[in_paper_convention(summary)]
    ours = frame[frame.regime == regime].set_index("point")
    ref = frame[frame.regime == reference].set_index("point")
    common = ours.index.intersection(ref.index)
    if common.empty:
        raise ValueError(f"No sweep points with both {regime!r} and {reference!r}.")
    joined = pd.DataFrame(
        {
            "eigenvalues": ours.loc[common, "eigenvalues"].astype(int),
            "mean": ours.loc[common, "mean"],
            "reference_mean": ref.loc[common, "mean"],
        }
    ).sort_values("eigenvalues")
    joined["gap"] = joined["reference_mean"] - joined["mean"]
    joined.index.name = "point"
    return joined


def first_within(
    summary: pd.DataFrame,
    regime: str = "train_lambda",
    reference: str = "unconstrained",
    tolerance: float = 0.5,
) -> dict[str, Any] | None:
    """The smallest eigenvalue count at which ``regime`` is within ``tolerance`` points of
    ``reference`` (at the same sweep point), or ``None`` if it never is.

    Returns the point, its eigenvalue count, both means and the gap (reference - regime).
    """
    gaps = regime_gaps(summary, regime, reference)
    close = gaps[gaps["gap"] <= tolerance]
    if close.empty:
        return None
    row = close.iloc[0]
    return {
        "point": row.name, "eigenvalues": int(row["eigenvalues"]), "mean": float(row["mean"]),
        "reference_mean": float(row["reference_mean"]), "gap": float(row["gap"]),
    }


def widest_per_depth(summary: pd.DataFrame) -> dict[int, str]:
    """Per depth ``l`` of a deep-study summary (with ``depth``): the point with most eigenvalues."""
    widest = summary.sort_values("eigenvalues").groupby("depth")["point"].last().sort_index()
    return {int(depth): point for depth, point in widest.items()}


def study_overview(frame: pd.DataFrame, dataset: str, column: str = "accuracy") -> pd.DataFrame:
    """A Table-1-like summary of one dataset including the perceptron.

    The perceptron has a single point; for the swept studies the best mean over the explored
    range is taken (as :func:`~.summaries.table1` does). Paper-convention spectral runs only;
    no paper column.
    """
    frame = frame[(frame["dataset"] == dataset) & in_paper_convention(frame)]
    if frame.empty:
        raise ValueError(f"No {dataset} runs to summarise.")
    parts = []
    perceptron = frame[frame["study"] == "perceptron"]
    if not perceptron.empty:
        summary = point_summary(perceptron, column)
        summary = summary.assign(architecture="perceptron", best_point=summary["point"])
        parts.append(summary)
    swept = frame[frame["study"] != "perceptron"]
    if not swept.empty:
        parts.append(table1(swept, dataset, column))
    out = pd.concat(parts, ignore_index=True)
    order = {a: i for i, a in enumerate(ARCHITECTURE_LABELS)}
    out = out.sort_values(
        ["architecture", "regime"],
        key=lambda c: c.map(order) if c.name == "architecture" else c.map(REGIME_ORDER.index),
    )
    return out[["architecture", "regime", "mean", "std", "n_seeds", "best_point"]].reset_index(
        drop=True
    )
