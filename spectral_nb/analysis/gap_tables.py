"""Display tables of the notes page's gap investigations (text cells, nothing trains).

Works on :func:`~.summaries.probe_table`, :func:`~.gaps.gap_verdicts`,
:func:`~.gaps.column_at_point`, :func:`~.gaps.fluctuation_by_point` and
:func:`~.gaps.gap_accounts` frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .gaps import LAST_EPOCHS, paper_value_crossing
from .labels import REGIME_LABELS, REGIME_ORDER, cell_name
from .summaries import regime_curve
from .text import format_pm, signed, yes_no

__all__ = [
    "column_display", "crossing_table", "gap_summary_table", "noise_table", "probe_display",
    "probe_overview", "verdict_display",
]


def probe_overview(
    probes: Mapping[str, Any], probe_records: Mapping[str, Sequence]
) -> pd.DataFrame:
    """One row per probe (the index): the study it changes, its question and its run count."""
    return pd.DataFrame(
        [
            {"probe": name, "study changed": probe.study, "question": probe.question,
             "runs": len(probe_records[name])}
            for name, probe in probes.items()
        ]
    ).set_index("probe")


def probe_display(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One readable row per probed cell (the index): paper, protocol, changed run, shift."""
    rows = []
    for row in table.itertuples():
        rows.append(
            {
                "cell": cell_name(row.architecture, row.regime),
                "change": row.change,
                "paper (%)": "–" if np.isnan(row.paper) else f"{row.paper:.1f}",
                "protocol (%)": f"{format_pm(row.protocol, row.protocol_std, digits)} "
                f"at {row.protocol_point}",
                "changed (%)": f"{format_pm(row.variant, row.variant_std, digits)} "
                f"at {row.variant_point}",
                "shift (points)": signed(row.shift, digits),
                "within spread": f"{yes_no(row.protocol_within)} → {yes_no(row.variant_within)}",
            }
        )
    return pd.DataFrame(rows).set_index("cell")


def verdict_display(verdicts: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The cells outside the spread and what every probe does to each of them.

    The cell, the paper's value, ours, the gap and the probe form the index, so that a cell
    probed several times is named once.
    """
    rows = []
    for row in verdicts.itertuples():
        probed = isinstance(row.change, str)
        rows.append(
            {
                "cell": cell_name(row.architecture, row.regime),
                "paper (%)": f"{row.paper:.1f}",
                "ours (%)": format_pm(row.ours, row.ours_std, digits),
                "gap (points)": signed(row.gap, digits),
                "probe": row.change if probed else "–",
                "gap with the change": signed(row.changed_gap, digits) if probed else "–",
                "verdict": row.verdict,
            }
        )
    return pd.DataFrame(rows).set_index(["cell", "paper (%)", "ours (%)", "gap (points)", "probe"])


def crossing_table(
    summaries: Mapping[str, pd.DataFrame], paper: Mapping[tuple[str, str], float]
) -> pd.DataFrame:
    """Per architecture and regime: the paper's cell, our curve's ends, where it meets the cell.

    ``summaries`` maps an architecture to the :func:`~.summaries.point_summary` of its sweep;
    ``paper`` is the paper's Table 1 (``(architecture, regime) -> accuracy``). Indexed by cell.
    """
    rows = []
    for architecture, summary in summaries.items():
        for regime in REGIME_ORDER:
            curve, paper_value = regime_curve(summary, regime), paper[(architecture, regime)]
            crossing = paper_value_crossing(curve, paper_value)
            rows.append({
                "cell": cell_name(architecture, regime),
                "paper (%)": f"{paper_value:.1f}",
                "ours, first to last point (%)":
                    f"{curve['mean'].iloc[0]:.2f} → {curve['mean'].iloc[-1]:.2f}",
                "our curve reaches the paper's value": "never" if crossing is None else
                f"between {crossing['from_point']} and {crossing['to_point']}",
            })
    return pd.DataFrame(rows).set_index("cell")


def column_display(readings: Mapping[str, pd.DataFrame], digits: int = 2) -> pd.DataFrame:
    """One row per regime (the index): the paper's cell and each reading's mean ± std, within or
    not.

    ``readings`` maps a column title (e.g. ``"batch 300"``) to a
    :func:`~.gaps.column_at_point` frame; regimes keep the first reading's order, and a
    regime a reading lacks shows a dash.
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
    return pd.DataFrame(rows).set_index("regime")


def noise_table(
    noise: pd.DataFrame, paper: float, last_epochs: int = LAST_EPOCHS
) -> pd.DataFrame:
    """A :func:`~.gaps.fluctuation_by_point` frame for the page (indexed by sweep point), with
    ``paper`` as threshold and the epoch window ``last_epochs`` it was measured over; a
    ``seeds`` column appears only where the seed counts differ."""
    out = pd.DataFrame(
        {
            "point": noise["point"].to_numpy(),
            "final epoch (%)": [f"{v:.2f}" for v in noise["final"]],
            f"range over the last {last_epochs} epochs (points)": [
                f"{v:.2f}" for v in noise["last_range"]],
            f"share of those readings below {paper:.1f} %": [
                f"{v:.2f}" for v in noise["share_below"]],
        }
    )
    if noise["n_seeds"].nunique() > 1:
        out.insert(1, "seeds", noise["n_seeds"].to_numpy())
    return out.set_index("point")


def gap_summary_table(accounts: pd.DataFrame) -> pd.DataFrame:
    """:func:`~.gaps.gap_accounts` for the page: one row per cell (the index), ``open`` where
    nothing accounts for its gap."""
    columns = ["cell", "paper (%)", "ours (%)", "gap (points)", "accounted for by"]
    return pd.DataFrame(
        [
            {"cell": cell_name(cell.architecture, cell.regime), "paper (%)": f"{cell.paper:.1f}",
             "ours (%)": f"{cell.mean:.2f} ± {cell.std:.2f}",
             "gap (points)": f"{cell.difference:+.2f}",
             "accounted for by": "; ".join(cell.accounts) or "open"}
            for cell in accounts.itertuples()
        ],
        columns=columns,
    ).set_index("cell")
