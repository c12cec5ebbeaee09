"""Accounting for the gaps between the paper's numbers and ours.

The tools the notes page uses:

:func:`probe_tables`
    Each probe's effect on the Table 1 cells it touches.
:func:`gap_verdicts`
    For every Table 1 cell outside the spread, what each probe (one factor of the protocol
    changed, :mod:`spectral_nb.experiments.protocol.probes`) does to it: whether it brings the
    cell within the spread, closer to the paper, or not.
:func:`epoch_fluctuation`
    How much a run's test accuracy moves from epoch to epoch near the end of training,
    from the per-epoch histories in the records: the size of the noise a single
    final-epoch reading carries.
:func:`paper_value_crossing`, :func:`grid_end_fit`
    Where a sweep's curve reaches the paper's value, and whether one end of the sweep grid
    would give the paper's constrained and Train Lambda cells at once.
:func:`column_at_point`
    A whole Table 1 column read at one sweep point instead of each regime's best point.
:func:`gap_accounts`
    For every cell outside the spread, every finding above that accounts for its gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.protocol.paper_values import REGIME_ORDER, TABLE1
from .summaries import (
    SPREAD_FACTOR,
    compare,
    in_paper_convention,
    point_summary,
    probe_table,
    runs_frame,
)

#: Epochs at the end of a run over which :func:`epoch_fluctuation` measures the noise.
LAST_EPOCHS = 5


def probe_tables(
    frame: pd.DataFrame, probe_records: Mapping[str, Iterable[Mapping[str, Any]]],
    probes: Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """Per probe: its :func:`~.summaries.probe_table` against the probed study's runs.

    ``frame`` is a :func:`~.summaries.runs_frame` of the studies, ``probe_records`` maps a
    probe's name to its records and ``probes`` a name to its
    :class:`~spectral_nb.experiments.protocol.probes.Probe`.
    """
    return {
        name: probe_table(probe, frame[frame.study == probe.study],
                          runs_frame(probe_records[name]))
        for name, probe in probes.items()
    }


def gap_verdicts(cells: pd.DataFrame, probe_tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One row per (cell outside the spread, probe that touches it), with a verdict.

    Parameters
    ----------
    cells
        Table 1 as :func:`~.summaries.table1` returns it (``architecture``, ``regime``,
        ``paper``, ``mean``, ``std``, ``within_spread``).
    probe_tables
        :func:`~.summaries.probe_table` results.

    The verdict compares the probe's best with the paper: ``within the spread`` when
    ``|variant - paper| <= SPREAD_FACTOR * variant_std``; ``closer`` when the gap shrinks by
    more than the two standard errors of the shift; ``further`` when it grows by as much;
    ``no change`` otherwise. A cell no probe touches gets one row with ``change = None``.
    """
    probes = [t for t in probe_tables if not t.empty]
    every = pd.concat(probes, ignore_index=True) if probes else pd.DataFrame()
    rows = []
    for cell in cells[~cells.within_spread].itertuples():
        touching = (
            every[(every.architecture == cell.architecture) & (every.regime == cell.regime)]
            if not every.empty else every
        )
        base = {
            "architecture": cell.architecture, "regime": cell.regime, "paper": cell.paper,
            "ours": cell.mean, "ours_std": cell.std, "gap": cell.mean - cell.paper,
        }
        if touching.empty:
            rows.append(base | {"change": None, "changed": np.nan, "changed_gap": np.nan,
                                "verdict": "not probed"})
            continue
        for probe in touching.itertuples():
            changed_gap = probe.variant - cell.paper
            rows.append(
                base | {
                    "change": probe.change, "changed": probe.variant,
                    "changed_gap": changed_gap,
                    "verdict": _verdict(cell.mean - cell.paper, changed_gap, probe),
                }
            )
    return pd.DataFrame(rows)


def _verdict(gap: float, changed_gap: float, probe: Any) -> str:
    if abs(changed_gap) <= SPREAD_FACTOR * probe.variant_std:
        return "within the spread"
    n = max(int(probe.n_seeds), 1)
    noise = 2 * np.hypot(probe.protocol_std, probe.variant_std) / np.sqrt(n)
    if abs(gap) - abs(changed_gap) > noise:
        return "closer"
    if abs(changed_gap) - abs(gap) > noise:
        return "further"
    return "no change"


def epoch_fluctuation(
    records: Iterable[Mapping[str, Any]], last_epochs: int = LAST_EPOCHS, below: float = np.nan
) -> pd.DataFrame:
    """Per run: test-accuracy range and standard deviation over its last epochs (percent).

    Columns: ``study``, ``point``, ``eigenvalues``, ``regime``, ``convention``, ``seed``,
    ``final``, ``last_min``, ``last_max``, ``last_range``, ``last_std`` and
    ``share_below``, the fraction of those last readings under ``below`` (e.g. the paper's
    value; NaN when no threshold is given).
    """
    rows = []
    for record in records:
        spec = record["spec"]
        tail = 100 * np.asarray(record["history"]["test_accuracy"][-last_epochs:])
        rows.append(
            {
                "study": record["study"], "point": spec.get("tags", {}).get("point", ""),
                "eigenvalues": spec.get("tags", {}).get("eigenvalues"),
                "regime": spec["regime"], "convention": spec["convention"],
                "seed": spec["seed"], "final": float(tail[-1]),
                "last_min": float(tail.min()), "last_max": float(tail.max()),
                "last_range": float(np.ptp(tail)), "last_std": float(tail.std(ddof=1))
                if len(tail) > 1 else 0.0,
                "share_below": float((tail < below).mean()) if np.isfinite(below) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def fluctuation_by_point(fluctuation: pd.DataFrame) -> pd.DataFrame:
    """:func:`epoch_fluctuation` averaged over seeds per sweep point, smallest network first."""
    keys = ["study", "point", "eigenvalues", "regime", "convention"]
    return (
        fluctuation.groupby(keys, sort=False)
        .agg(final=("final", "mean"), last_range=("last_range", "mean"),
             last_std=("last_std", "mean"), share_below=("share_below", "mean"),
             n_seeds=("seed", "count"))
        .reset_index()
        .sort_values("eigenvalues", kind="stable")
        .reset_index(drop=True)
    )


def paper_value_crossing(summary: pd.DataFrame, paper: float) -> dict[str, Any] | None:
    """Where a sweep's mean accuracy curve crosses the paper's value, if it does.

    ``summary`` holds one regime's :func:`~.summaries.point_summary` rows. The crossing is
    interpolated linearly in log(eigenvalue count), the x-axis of the figures, between the
    first two neighbouring points on either side of ``paper``. Returns the interpolated
    ``eigenvalues`` and the labels of the two points (``from_point``, ``to_point``, in sweep
    order), or ``None`` when the whole curve lies on one side.
    """
    curve = summary.sort_values("eigenvalues")
    xs = np.log(curve["eigenvalues"].to_numpy(dtype=float))
    ys = curve["mean"].to_numpy(dtype=float) - paper
    for k in range(len(ys) - 1):
        if ys[k] == 0 or ys[k] * ys[k + 1] < 0:
            t = 0.0 if ys[k] == 0 else ys[k] / (ys[k] - ys[k + 1])
            return {
                "eigenvalues": float(np.exp(xs[k] + t * (xs[k + 1] - xs[k]))),
                "from_point": curve["point"].iloc[k], "to_point": curve["point"].iloc[k + 1],
            }
    return None


def curve_value_at(curve: pd.DataFrame, eigenvalues: float, column: str = "mean") -> float:
    """``column`` of a :func:`~.summaries.regime_curve` read at ``eigenvalues``.

    Interpolated linearly in log(eigenvalue count), as :func:`paper_value_crossing` does.
    """
    return float(np.interp(np.log(eigenvalues),
                           np.log(curve["eigenvalues"].to_numpy(dtype=float)),
                           curve[column].to_numpy(dtype=float)))


def grid_end_fit(
    constrained: pd.DataFrame, train_lambda: pd.DataFrame, paper_constrained: float,
    paper_lambda: float,
) -> dict[str, Any] | None:
    """Would a sweep grid ending where our constrained curve reaches the paper's value also give
    the paper's Train Lambda cell?

    Table 1 is the best point of a grid the paper does not list; if the grid's end were the
    whole story, one end would fit both cells. Returns ``None`` when our constrained curve
    never reaches ``paper_constrained``; otherwise the crossing (:func:`paper_value_crossing`),
    our Train Lambda mean and std read there (``lambda_there``, ``lambda_std_there``) and
    ``fits``: ``|lambda_there - paper_lambda| <= SPREAD_FACTOR * lambda_std_there`` (Table 1
    gives no spread, so ours at that point is the whole spread).
    """
    crossing = paper_value_crossing(constrained, paper_constrained)
    if crossing is None:
        return None
    there = curve_value_at(train_lambda, crossing["eigenvalues"])
    std_there = curve_value_at(train_lambda, crossing["eigenvalues"], "std")
    return crossing | {
        "lambda_there": there, "lambda_std_there": std_there,
        "fits": bool(abs(there - paper_lambda) <= SPREAD_FACTOR * std_there),
    }


def closing_changes(verdicts: pd.DataFrame, architecture: str, regime: str) -> list[str]:
    """The probes' changes that bring one :func:`gap_verdicts` cell within the spread."""
    rows = verdicts[(verdicts.architecture == architecture) & (verdicts.regime == regime)
                    & (verdicts.verdict == "within the spread")]
    return list(rows.change)


def column_at_point(frame: pd.DataFrame, architecture: str, point: str) -> pd.DataFrame:
    """Every regime of one Table 1 column read at one sweep point, beside the paper's cell.

    Table 1 takes each regime's best point; a reading at a single network (the grid's largest,
    say) tests whether one network accounts for the whole column. ``frame`` is a
    :func:`~.summaries.runs_frame` of MNIST runs of one study or probe (paper convention and
    direct runs are used). Returns one row per regime found at ``point``, in the paper's
    order: ``regime``, ``paper``, ``mean``, ``std``, ``n_seeds``, ``difference``,
    ``within_spread`` (Table 1 gives no spread, so ours is the whole spread).
    """
    runs = frame[(frame.point == point) & in_paper_convention(frame)]
    summary = point_summary(runs.assign(study="-")).set_index("regime")
    rows = []
    for regime in REGIME_ORDER:
        if regime not in summary.index:
            continue
        at = summary.loc[regime]
        paper = TABLE1[(architecture, regime)]
        rows.append(
            {"regime": regime, "paper": paper, "mean": float(at["mean"]),
             "std": float(at["std"]), "n_seeds": int(at["n_seeds"])}
            | compare(paper, 0.0, float(at["mean"]), float(at["std"]))
        )
    return pd.DataFrame(rows)


def gap_accounts(
    cells: pd.DataFrame,
    verdicts: pd.DataFrame,
    grid_fits: Mapping[str, Mapping[str, Any] | None],
    unconstrained_curves: Mapping[str, pd.DataFrame],
    column_readings: Mapping[str, str],
) -> pd.DataFrame:
    """Every Table 1 cell outside the spread with the findings that account for its gap.

    Parameters
    ----------
    cells
        Table 1 as :func:`~.summaries.table1` returns it.
    verdicts
        :func:`gap_verdicts`; a probe whose change brings the cell within the spread counts.
    grid_fits
        Per architecture, :func:`grid_end_fit` (or ``None``); a fit counts for the
        constrained cell.
    unconstrained_curves
        Per architecture, the unconstrained :func:`~.summaries.regime_curve`; the cell counts
        as a noisy curve when the paper's value lies within the range of our means.
    column_readings
        Per architecture, a description of a one-network reading under which the whole
        column lies within the spread (:func:`column_at_point`); it counts for every cell.

    Returns the cells outside the spread with an ``accounts`` column (a list, empty when the
    gap stays open).
    """
    outside = cells[~cells.within_spread].copy()
    accounts = []
    for cell in outside.itertuples():
        found = [f"probe: {change}"
                 for change in closing_changes(verdicts, cell.architecture, cell.regime)]
        fit = grid_fits.get(cell.architecture)
        if cell.regime == "constrained" and fit is not None and fit["fits"]:
            found.append(f"the grid's end (between {fit['from_point']} and {fit['to_point']})")
        curve = unconstrained_curves.get(cell.architecture)
        if (cell.regime == "unconstrained" and curve is not None
                and curve["mean"].min() <= cell.paper <= curve["mean"].max()):
            found.append("a noisy curve falling with width: the paper's value lies on ours")
        if cell.architecture in column_readings:
            found.append(column_readings[cell.architecture])
        accounts.append(found)
    outside["accounts"] = accounts
    return outside.reset_index(drop=True)
