"""Display tables and a figure of the notes page's gap investigations (nothing trains).

Works on :func:`spectral_nb.experiments.probe_table`,
:func:`spectral_nb.analysis.gaps.gap_verdicts`,
:func:`spectral_nb.analysis.gaps.column_at_point` and
:func:`spectral_nb.analysis.gaps.epoch_fluctuation` frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .experiments import (
    ACCURACY_LABEL,
    ARCHITECTURE_LABELS,
    REGIME_LABELS,
    _axes,
    _signed,
    format_pm,
    learning_curves,
)

__all__ = ["column_display", "plot_epoch_noise", "probe_display", "verdict_display"]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def probe_display(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One readable row per probed cell: paper, protocol, changed run, shift."""
    rows = []
    for row in table.itertuples():
        rows.append(
            {
                "cell": f"{ARCHITECTURE_LABELS[row.architecture]} / {REGIME_LABELS[row.regime]}",
                "change": row.change,
                "paper (%)": "–" if np.isnan(row.paper) else f"{row.paper:.1f}",
                "protocol (%)": f"{format_pm(row.protocol, row.protocol_std, digits)} "
                f"at {row.protocol_point}",
                "changed (%)": f"{format_pm(row.variant, row.variant_std, digits)} "
                f"at {row.variant_point}",
                "shift (points)": _signed(row.shift, digits),
                "within spread": f"{_yes(row.protocol_within)} → {_yes(row.variant_within)}",
            }
        )
    return pd.DataFrame(rows)


def verdict_display(verdicts: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The cells outside the spread and what every probe does to each of them."""
    rows = []
    for row in verdicts.itertuples():
        probed = isinstance(row.change, str)
        rows.append(
            {
                "cell": f"{ARCHITECTURE_LABELS[row.architecture]} / {REGIME_LABELS[row.regime]}",
                "paper (%)": f"{row.paper:.1f}",
                "ours (%)": format_pm(row.ours, row.ours_std, digits),
                "gap (points)": _signed(row.gap, digits),
                "probe": row.change if probed else "–",
                "gap with the change": _signed(row.changed_gap, digits) if probed else "–",
                "verdict": row.verdict,
            }
        )
    return pd.DataFrame(rows)


def column_display(readings: Mapping[str, pd.DataFrame], digits: int = 2) -> pd.DataFrame:
    """One row per regime: the paper's cell and each reading's mean ± std, within or not.

    ``readings`` maps a column title (e.g. ``"batch 300"``) to a
    :func:`~spectral_nb.analysis.gaps.column_at_point` frame; regimes keep the first
    reading's order, and a regime a reading lacks shows a dash.
    """
    frames = list(readings.values())
    rows = []
    for regime, paper in zip(frames[0].regime, frames[0].paper, strict=True):
        row = {"regime": REGIME_LABELS[regime], "paper (%)": f"{paper:.1f}"}
        for title, frame in readings.items():
            at = frame[frame.regime == regime]
            row[f"{title} (%)"] = "–" if at.empty else (
                f"{format_pm(at['mean'].item(), at['std'].item(), digits)} "
                f"({'within' if at['within_spread'].item() else 'outside'})"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def plot_epoch_noise(
    records_by_point: Mapping[str, Sequence[Mapping[str, Any]]],
    paper_value: float,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Test accuracy per epoch at several sweep points, with the paper's value as a line.

    ``records_by_point`` maps a label (e.g. ``"N2=2000"``) to the runs at that point; each
    is drawn as its mean over seeds with a band from the lowest to the highest seed.
    """
    ax = _axes(ax)
    if not records_by_point:
        raise ValueError("No sweep points to draw.")
    shades = np.linspace(0.15, 0.7, len(records_by_point))
    for shade, (label, records) in zip(shades, records_by_point.items(), strict=True):
        curve = learning_curves(records)
        colour = str(shade)
        ax.plot(curve["epoch"], curve["mean"], color=colour, marker="o", markersize=3,
                label=f"{label} (mean of {int(curve['n_seeds'].max())} seeds)")
        ax.fill_between(curve["epoch"], curve["low"], curve["high"], color=colour, alpha=0.18,
                        linewidth=0)
    ax.axhline(paper_value, color="#D55E00", linestyle="--", linewidth=1.2,
               label=f"paper, Table 1 ({paper_value:.1f} %)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ACCURACY_LABEL)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or "Test accuracy per epoch (band: range over seeds)")
    ax.legend(fontsize="small")
    return ax
