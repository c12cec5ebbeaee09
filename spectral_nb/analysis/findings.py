"""What chapters 2 to 6 conclude, as values to glue into their prose.

Each function returns a dict ``name -> value`` that a chapter glues under its own prefix
(``perceptron_``, ``wide_``, ...). Values are text formatted for the page (``"91.0"``,
``"+0.22"``), whole counts as ``int``, and words chosen from the numbers (``"above"`` or
``"below"``), so that no cell of a chapter decides how a result reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.protocol.paper_values import PERCEPTRON
from .labels import ARCHITECTURE_LABELS, regime_label
from .records import learning_curves
from .summaries import SPREAD_FACTOR, in_paper_convention, regime_curve
from .sweeps import first_within, regime_gaps
from .weights import mean_kurtosis, weight_distances

__all__ = [
    "deep_findings", "distance_findings", "fashion_findings", "kurtosis_findings",
    "last_epoch_gains", "nonlinear_findings", "overfitting_findings", "perceptron_findings",
    "ranking_findings", "table1_findings", "trained_parameters", "weight_findings",
    "wide_findings",
]

PERCEPTRON_WEIGHTS = 784 * 10  # the 784 x 10 map every MNIST network computes in the end


def _lead(summary: pd.DataFrame) -> pd.Series:
    """Train Λ minus the constrained network of equal budget, per sweep point."""
    return regime_gaps(summary, "constrained", "train_lambda")["gap"]


def trained_parameters(frame: pd.DataFrame) -> dict[str, str]:
    """``params_<regime>``: each regime's trained parameter count (its first run), ``"8,634"``."""
    counts = frame.groupby("regime")["trainable_parameters"].first()
    return {f"params_{regime}": f"{count:,}" for regime, count in counts.items()}


def perceptron_findings(table: pd.DataFrame) -> dict[str, Any]:
    """The perceptron's accuracies beside the paper's (:func:`~.summaries.perceptron_table`).

    Per regime ``mean_``, ``std_`` and ``paper_``; how many rows lie within the spread; and
    the three comparisons of the chapter: Train Λ against the constrained network (``above``
    or ``below``, and by how much, beside the paper's lead), Train Λ, Φ against the dense
    layer, and the dense layer against Train Λ.
    """
    by_regime = table.set_index("regime")
    out: dict[str, Any] = {}
    for regime, row in by_regime.iterrows():
        paper, paper_std = PERCEPTRON[regime]
        out[f"mean_{regime}"] = f"{row['mean']:.1f}"
        out[f"std_{regime}"] = f"{row['std']:.1f}"
        out[f"paper_{regime}"] = f"{paper:g} ± {paper_std:g}"
    gap = by_regime.loc["train_lambda", "mean"] - by_regime.loc["constrained", "mean"]
    paper_gap = PERCEPTRON["train_lambda"][0] - PERCEPTRON["constrained"][0]
    phi_gap = by_regime.loc["train_lambda_phi", "mean"] - by_regime.loc["unconstrained", "mean"]
    dense_gap = by_regime.loc["unconstrained", "mean"] - by_regime.loc["train_lambda", "mean"]
    return out | {
        "spread_factor": f"{SPREAD_FACTOR:g}",
        "within": int(table["within_spread"].sum()),
        "rows": len(table),
        "lambda_vs_constrained": "above" if gap > 0 else "below",
        "lambda_constrained_gap": f"{abs(gap):.1f}",
        "paper_lambda_constrained_gap": f"{paper_gap:g}",
        "phi_vs_dense": f"{phi_gap:+.2f}",
        "dense_lambda_gap": f"{dense_gap:.1f}",
    }


def last_epoch_gains(
    records: Iterable[Mapping[str, Any]], regimes: Iterable[str] = ("train_lambda", "unconstrained")
) -> dict[str, str]:
    """``last_gain_<regime>``: the change of mean test accuracy in the last epoch (points).

    ``"–"`` when a single epoch was trained (there is no change to read).
    """
    curves = learning_curves(records)
    out = {}
    for regime in regimes:
        part = curves[(curves.regime == regime) & in_paper_convention(curves)]
        last = part["mean"].diff().iloc[-1]
        out[f"last_gain_{regime}"] = "–" if np.isnan(last) else f"{last:+.2f}"
    return out


def weight_findings(
    records: Iterable[Mapping[str, Any]], point: str | None = None
) -> dict[str, str]:
    """How far Train Λ's and the constrained network's weights are from the dense layer's.

    ``tv_lambda`` and ``tv_constrained``: total-variation distances between standardised
    distributions (:func:`~.weights.weight_distances`, at ``point`` if given); ``tv_closer``:
    whether Train Λ's are ``closer to`` the dense layer's than the constrained network's.
    """
    distances = weight_distances(records, point)
    lam, constrained = distances["train_lambda"], distances["constrained"]
    return {
        "tv_lambda": f"{lam:.2f}",
        "tv_constrained": f"{constrained:.2f}",
        "tv_closer": "closer to" if lam < constrained else "no closer to",
    }


def kurtosis_findings(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``kurtosis_<regime>``: the mean excess kurtosis of each compared regime's weights."""
    return {f"kurtosis_{r}": f"{v:.1f}" for r, v in mean_kurtosis(records).items()}


def distance_findings(distances: pd.DataFrame) -> dict[str, int]:
    """At how many depths of :func:`~.weights.weight_distance_table` Train Λ is the closer."""
    closer = distances["Train Λ vs unconstrained"] < distances["constrained vs unconstrained"]
    return {"tv_closer": int(closer.sum()), "tv_depths": len(closer)}


def wide_findings(summary: pd.DataFrame, tolerance: float) -> dict[str, Any]:
    """Does Train Λ of the wide network reach the unconstrained network, and from where?

    ``match_sentence`` says where Train Λ first comes within ``tolerance`` points (or, if it
    never does, where it comes closest); ``at_*`` give the budget of that first point within
    tolerance (the widest network if none is) against the perceptron's weights and the wide
    network's; ``largest_*`` read the widest network; ``flat_sentence`` how the two fully
    trained regimes move with N₂.
    """
    gaps = regime_gaps(summary, "train_lambda", "unconstrained")
    match = first_within(summary, "train_lambda", "unconstrained", tolerance)
    largest = gaps.iloc[-1]
    if match is None:
        sentence = (
            f"Within the explored range Train Λ does not come within {tolerance:g} points of "
            f"the unconstrained network; the gap is smallest, {gaps['gap'].min():.2f} points, "
            f"at {gaps['gap'].idxmin()}."
        )
        at = gaps.iloc[-1]
    else:
        sentence = (
            f"Train Λ first comes within {tolerance:g} points of the unconstrained network at "
            f"{match['point']}, with {match['eigenvalues']:,} trained eigenvalues "
            f"({match['mean']:.1f} % against {match['reference_mean']:.1f} %)."
        )
        at = gaps.loc[match["point"]]
    n2 = int(str(at.name).split("=")[1])
    eigenvalues = int(at["eigenvalues"])
    lead = _lead(summary)
    moves = []
    for regime in ("unconstrained", "train_lambda_phi"):
        part = regime_curve(summary, regime)
        first, last = part.iloc[0], part.iloc[-1]
        moves.append(
            f"{regime_label(regime)} goes from {first['mean']:.1f} % at {first['point']} to "
            f"{last['mean']:.1f} % at {last['point']}"
        )
    return {
        "tolerance": f"{tolerance:g}",
        "largest_point": largest.name,
        "largest_gap": f"{largest['gap']:.2f}",
        "largest_lambda": f"{largest['mean']:.1f}",
        "largest_dense": f"{largest['reference_mean']:.1f}",
        "match_sentence": sentence,
        "at_point": at.name,
        "at_eigenvalues": f"{eigenvalues:,}",
        "perceptron_weights": f"{PERCEPTRON_WEIGHTS:,}",
        "at_share_perceptron": f"{100 * eigenvalues / PERCEPTRON_WEIGHTS:.0f}",
        "at_share_wide": f"{100 * eigenvalues / (784 * n2 + n2 * 10):.2f}",
        "lambda_beats_constrained": int((lead > 0).sum()),
        "points": len(lead),
        "flat_sentence": "In our runs " + ", and ".join(moves) + ".",
    }


def deep_findings(summary: pd.DataFrame, table: pd.DataFrame) -> dict[str, Any]:
    """Train Λ of the deep networks against the constrained and unconstrained networks.

    ``summary`` is the deep study's point summary with ``depth``; ``table`` its Table 1.
    """
    lead = _lead(summary)
    behind = regime_gaps(summary, "train_lambda", "unconstrained")["gap"]
    best = summary[in_paper_convention(summary)]
    best = best.loc[best.groupby(["regime", "depth"])["mean"].idxmax()]
    lam = best[best.regime == "train_lambda"].set_index("depth")["mean"]
    return {
        "lambda_beats_constrained": int((lead > 0).sum()),
        "points": len(lead),
        "lead_min": f"{lead.min():+.1f}",
        "lead_max": f"{lead.max():+.1f}",
        "behind_min": f"{behind.min():.1f}",
        "behind_min_point": behind.idxmin(),
        "best_depth_lambda": int(lam.idxmax()),
        "best_lambda": f"{lam.max():.1f}",
        "within": int(table["within_spread"].sum()),
        "rows": len(table),
    }


def nonlinear_findings(summary: pd.DataFrame) -> dict[str, Any]:
    """The non-linear sweep: Train Λ against the constrained network, Train Λ, Φ against the
    unconstrained network, and Train Λ's distance to it at the widest point."""
    lead = _lead(summary)
    phi = regime_gaps(summary, "unconstrained", "train_lambda_phi")["gap"]
    behind = regime_gaps(summary, "train_lambda", "unconstrained")["gap"]
    return {
        "lambda_beats_constrained": int((lead > 0).sum()),
        "points": len(lead),
        "phi_min": f"{phi.min():+.2f}",
        "phi_max": f"{phi.max():+.2f}",
        "lambda_behind_last": f"{behind.iloc[-1]:.1f}",
        "last_point": behind.index[-1],
    }


def overfitting_findings(gap_summary: pd.DataFrame) -> dict[str, str]:
    """Generalisation gaps at the widest network (``gap_widest_<regime>``), and whether Train
    Λ's is ``smaller`` than the unconstrained network's."""
    widest = gap_summary[in_paper_convention(gap_summary)]
    widest = widest[widest.eigenvalues == widest.eigenvalues.max()].set_index("regime")["mean"]
    out = {f"gap_widest_{regime}": f"{value:.2f}" for regime, value in widest.items()}
    smaller = widest["train_lambda"] < widest["unconstrained"]
    return out | {"gap_smaller": "smaller" if smaller else "not smaller"}


def table1_findings(final: pd.DataFrame, best: pd.DataFrame) -> dict[str, Any]:
    """Our Table 1 against the paper's: cells within the spread, mean and largest difference,
    and how much the best epoch adds to the final one (mean and largest)."""
    difference = final["difference"]
    paired = final.merge(best, on=["architecture", "regime"], suffixes=("", "_best"))
    delta = paired["mean_best"] - paired["mean"]
    return {
        "within": int(final["within_spread"].sum()),
        "rows": len(final),
        "mean_abs_difference": f"{difference.abs().mean():.2f}",
        "max_abs_difference": f"{difference.abs().max():.2f}",
        "best_minus_final_mean": f"{delta.mean():.2f}",
        "best_minus_final_max": f"{delta.max():.2f}",
    }


def ranking_findings(ranking: pd.DataFrame) -> dict[str, int]:
    """For how many architectures of :func:`~.tables.ranking_agreement` the order is the paper's."""
    return {"same_order": int((ranking["same order"] == "yes").sum()),
            "architectures": len(ranking)}


def fashion_findings(fashion: pd.DataFrame, mnist: pd.DataFrame) -> dict[str, Any]:
    """Fashion-MNIST against MNIST, from two :func:`~.sweeps.study_overview` tables.

    ``drop_<regime>``: MNIST minus Fashion-MNIST averaged over the architectures; how often
    Train Λ beats the constrained network; the range of Train Λ, Φ minus the unconstrained
    network; and the architecture where Train Λ comes closest to the unconstrained network.
    """
    paired = fashion.merge(mnist, on=["architecture", "regime"], suffixes=("", "_mnist"))
    paired["drop"] = paired["mean_mnist"] - paired["mean"]
    out: dict[str, Any] = {
        f"drop_{regime}": f"{value:.1f}"
        for regime, value in paired.groupby("regime")["drop"].mean().items()
    }
    by = fashion.pivot(index="architecture", columns="regime", values="mean")
    phi_gap = by["train_lambda_phi"] - by["unconstrained"]
    lam_gap = by["unconstrained"] - by["train_lambda"]
    return out | {
        "lambda_beats_constrained": int((by["train_lambda"] > by["constrained"]).sum()),
        "architectures": len(by),
        "phi_min": f"{phi_gap.min():+.1f}",
        "phi_max": f"{phi_gap.max():+.1f}",
        "lambda_gap_min": f"{lam_gap.min():.1f}",
        "lambda_gap_min_arch": ARCHITECTURE_LABELS[lam_gap.idxmin()],
    }
