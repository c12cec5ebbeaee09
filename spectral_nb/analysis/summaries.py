"""From run records to the book's tables: per-run frame, per-point statistics, Table 1."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.protocol.paper_values import ARCHITECTURES, PERCEPTRON, REGIME_ORDER, TABLE1
from ..experiments.protocol.studies import ARCHITECTURE_OF_STUDY
from .labels import SPECTRAL, convention_of

SPREAD_FACTOR = 2.0  # "within the spread": |difference| <= 2 x combined standard deviation


def runs_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per run; accuracies in percent."""
    rows = []
    for record in records:
        spec, tags = record["spec"], record["spec"].get("tags", {})
        history = record["history"]
        test = np.asarray(history["test_accuracy"]) * 100
        halves = (
            history.get("test_accuracy_first_half", [np.nan])[-1] * 100,
            history.get("test_accuracy_second_half", [np.nan])[-1] * 100,
        )
        rows.append(
            {
                "dataset": spec["dataset"],
                "study": record["study"],
                "point": tags.get("point", ""),
                "eigenvalues": _eigenvalue_count(spec, tags),
                "regime": spec["regime"],
                "convention": convention_of(record),
                "seed": spec["seed"],
                "trainable_parameters": record["trainable_parameters"],
                "accuracy": float(test[-1]),
                "best_epoch_accuracy": float(test.max()),
                "best_epoch": int(test.argmax()) + 1,
                "accuracy_half_a": halves[0],
                "accuracy_half_b": halves[1],
                "epochs": spec["epochs"],
                "wall_time_s": record["wall_time_s"],
                "device": record.get("device"),
                "variant": tags.get("variant", "protocol"),
            }
        )
    return pd.DataFrame(rows)


def _eigenvalue_count(spec: dict[str, Any], tags: dict[str, Any]) -> int | None:
    """Eigenvalues the run trains (its own convention); for direct runs, the matched budget.

    The x-axis of the paper's figures. Under the authors'-code convention a spectral run
    trains input and output eigenvalues of every layer, more than the paper's count.
    """
    if spec["regime"] in SPECTRAL and spec.get("convention") == "authors_code":
        sizes = spec["sizes"]
        return sum(sizes[k] + sizes[k + 1] for k in range(len(sizes) - 1))
    return tags.get("eigenvalues")


def t_quantile_975(dof: int) -> float:
    """Two-sided 95 % Student-t quantile."""
    if dof < 1:
        return float("nan")
    from scipy import stats

    return float(stats.t.ppf(0.975, dof))


def point_summary(frame: pd.DataFrame, column: str = "accuracy") -> pd.DataFrame:
    """Mean, std, seed count and 95 % interval of ``column`` per sweep point and regime."""
    keys = ["dataset", "study", "point", "eigenvalues", "regime", "convention"]
    grouped = frame.groupby(keys, sort=False)[column]
    out = grouped.agg(mean="mean", std="std", n_seeds="count").reset_index()
    out["std"] = out["std"].fillna(0.0)
    half = [
        t_quantile_975(n - 1) * s / np.sqrt(n) if n > 1 else np.nan
        for n, s in zip(out["n_seeds"], out["std"], strict=True)
    ]
    out["ci95_low"] = out["mean"] - np.asarray(half)
    out["ci95_high"] = out["mean"] + np.asarray(half)
    return out


def compare(paper: float, paper_std: float, mean: float, std: float) -> dict[str, Any]:
    """Difference to the paper and whether it lies within ``SPREAD_FACTOR`` combined stds."""
    if np.isnan(paper):
        return {"difference": np.nan, "within_spread": False}
    combined = float(np.hypot(paper_std, std))
    difference = mean - paper
    return {
        "difference": difference,
        "within_spread": bool(abs(difference) <= SPREAD_FACTOR * combined) if combined else False,
    }


def in_paper_convention(frame: pd.DataFrame) -> pd.Series:
    """Row mask: spectral runs in the paper's eigenvalue convention, and every direct run.

    Direct-space runs have no convention (``"-"`` in :func:`runs_frame`); they belong to both.
    """
    return frame["convention"].isin(["paper", "-"])


def regime_curve(summary: pd.DataFrame, regime: str) -> pd.DataFrame:
    """One regime's :func:`point_summary` rows in the paper convention, smallest network first."""
    rows = summary[(summary.regime == regime) & in_paper_convention(summary)]
    return rows.sort_values("eigenvalues", kind="stable")


def perceptron_table(frame: pd.DataFrame, dataset: str = "mnist") -> pd.DataFrame:
    """The paper's four perceptron numbers beside ours (paper convention).

    The paper's numbers are for MNIST; for another dataset the paper columns are NaN.
    """
    summary = point_summary(frame[(frame.study == "perceptron") & (frame.dataset == dataset)])
    summary = summary[in_paper_convention(summary)]
    rows = []
    for regime in REGIME_ORDER:
        found = summary[summary.regime == regime]
        if found.empty:
            continue
        row = found.iloc[0]
        paper, paper_std = PERCEPTRON[regime] if dataset == "mnist" else (np.nan, np.nan)
        rows.append(
            {
                "regime": regime, "paper": paper, "paper_std": paper_std,
                "mean": row["mean"], "std": row["std"], "n_seeds": int(row["n_seeds"]),
                "ci95_low": row["ci95_low"], "ci95_high": row["ci95_high"],
                **compare(paper, paper_std, row["mean"], row["std"]),
            }
        )
    return pd.DataFrame(rows)


def table1(frame: pd.DataFrame, dataset: str = "mnist", column: str = "accuracy") -> pd.DataFrame:
    """Best mean accuracy over the explored range, per architecture and regime, beside the paper.

    Spectral regimes use the paper's eigenvalue convention. ``column`` selects final-epoch
    (``accuracy``, the primary number) or best-epoch accuracy (``best_epoch_accuracy``).
    """
    frame = frame[(frame.dataset == dataset) & in_paper_convention(frame)]
    summary = point_summary(frame, column)
    rows = []
    for study, architecture in ARCHITECTURE_OF_STUDY.items():
        for regime in REGIME_ORDER:
            found = summary[(summary.study == study) & (summary.regime == regime)]
            if found.empty:
                continue
            best = found.loc[found["mean"].idxmax()]
            paper = TABLE1[(architecture, regime)] if dataset == "mnist" else np.nan
            rows.append(
                {
                    "architecture": architecture, "regime": regime, "paper": paper,
                    "mean": best["mean"], "std": best["std"], "n_seeds": int(best["n_seeds"]),
                    "best_point": best["point"],
                    **compare(paper, 0.0, best["mean"], best["std"]),
                }
            )
    return _in_table1_order(pd.DataFrame(rows))


def _in_table1_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows by the paper's architecture order, then regime order."""
    if table.empty:
        return table
    order = {a: i for i, a in enumerate(ARCHITECTURES)}
    return table.sort_values(
        ["architecture", "regime"],
        key=lambda c: c.map(order) if c.name == "architecture" else c.map(REGIME_ORDER.index),
    ).reset_index(drop=True)


def expected_runs(studies: Iterable[Any], recorded: Any) -> pd.DataFrame:
    """One row per run that ``studies`` ask for: ``dataset``, ``study``, ``regime``,
    ``convention`` and ``recorded`` (``recorded(spec)``: whether it has a valid record)."""
    rows = []
    for study in studies:
        for spec in study.specs:
            entry = spec.to_dict()
            rows.append(
                {
                    "dataset": entry["dataset"], "study": study.name, "regime": entry["regime"],
                    "convention": convention_of({"spec": entry}),
                    "recorded": bool(recorded(spec)),
                }
            )
    return pd.DataFrame(rows, columns=["dataset", "study", "regime", "convention", "recorded"])


def table1_coverage(
    frame: pd.DataFrame, expected: pd.DataFrame, dataset: str = "mnist",
    column: str = "accuracy",
) -> pd.DataFrame:
    """:func:`table1` with every cell the studies ask for and what each cell rests on.

    ``expected`` is :func:`expected_runs` of the wide, deep and non-linear studies. Each
    cell gets ``point`` (the sweep point of its best mean), ``n_seeds`` (the runs it
    averages) and ``missing`` (its runs without a valid record). A cell with a missing run
    is *incomplete*: its best point could move once the run is recorded, so ``point``,
    ``mean``, ``std`` and ``n_seeds`` are left empty rather than shown from a subset.
    """
    found = table1(frame, dataset, column) if not frame.empty else pd.DataFrame()
    wanted = expected[(expected.dataset == dataset) & in_paper_convention(expected)]
    rows = []
    for study, architecture in ARCHITECTURE_OF_STUDY.items():
        for regime in REGIME_ORDER:
            cell = wanted[(wanted.study == study) & (wanted.regime == regime)]
            if cell.empty:
                continue
            missing = int((~cell["recorded"].astype(bool)).sum())
            best = (
                found[(found.architecture == architecture) & (found.regime == regime)]
                if not found.empty else found
            )
            paper = TABLE1[(architecture, regime)] if dataset == "mnist" else np.nan
            row: dict[str, Any] = {"architecture": architecture, "regime": regime,
                                   "paper": paper, "mean": np.nan, "std": np.nan,
                                   "n_seeds": pd.NA, "point": "", "missing": missing}
            if not missing and not best.empty:
                chosen = best.iloc[0]
                row |= {"mean": chosen["mean"], "std": chosen["std"],
                        "n_seeds": int(chosen["n_seeds"]), "point": chosen["best_point"]}
            rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        table["n_seeds"] = table["n_seeds"].astype("Int64")
    return _in_table1_order(table)


def table1_cross_fitted(frame: pd.DataFrame, dataset: str = "mnist") -> pd.DataFrame:
    """Table 1 without selecting on the numbers it reports.

    Picking the best sweep point on the test set and reporting that same test accuracy is
    optimistic. Here the point is chosen on one half of the test images and its accuracy is
    reported on the other half, both ways round, and the two are averaged
    (``cross_fitted``). ``optimism`` is how much the naive best exceeds it.
    """
    frame = frame[(frame.dataset == dataset) & in_paper_convention(frame)]
    half_a = point_summary(frame, "accuracy_half_a")
    half_b = point_summary(frame, "accuracy_half_b")
    naive = table1(frame, dataset)
    rows = []
    for study, architecture in ARCHITECTURE_OF_STUDY.items():
        for regime in REGIME_ORDER:
            a = half_a[(half_a.study == study) & (half_a.regime == regime)]
            b = half_b[(half_b.study == study) & (half_b.regime == regime)]
            if a.empty or a["mean"].isna().all():
                continue
            chosen_on_a = a["mean"].to_numpy().argmax()
            chosen_on_b = b["mean"].to_numpy().argmax()
            fitted = 0.5 * (b["mean"].iloc[chosen_on_a] + a["mean"].iloc[chosen_on_b])
            best = naive[(naive.architecture == architecture) & (naive.regime == regime)]
            rows.append(
                {
                    "architecture": architecture, "regime": regime,
                    "paper": best["paper"].iloc[0], "best_on_test": best["mean"].iloc[0],
                    "cross_fitted": fitted, "optimism": best["mean"].iloc[0] - fitted,
                }
            )
    return pd.DataFrame(rows)


def probe_table(
    probe: Any, study_frame: pd.DataFrame, probe_frame: pd.DataFrame, dataset: str = "mnist"
) -> pd.DataFrame:
    """A probe's effect on Table 1: the protocol's best beside the changed runs' best.

    Parameters
    ----------
    probe
        A :class:`~spectral_nb.experiments.protocol.probes.Probe`.
    study_frame, probe_frame
        :func:`runs_frame` of the probed study's records and of the probe's records.

    Both bests are taken over the same sweep points (the probe's), except for a probe with
    extra points, whose changed runs are the study's grid *and* the extra points. Columns:
    the paper's cell, ``protocol`` (mean, std, point), ``variant`` (mean, std, point),
    ``shift = variant - protocol`` and whether each lies within the spread of the paper.
    """
    def usable(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[
            (frame.dataset == dataset) & frame.regime.isin(probe.regimes)
            & in_paper_convention(frame)
        ]

    base, changed = usable(study_frame), usable(probe_frame)
    base = base[base.study == probe.study]
    if not probe.extra_points:
        base = base[base.point.isin(set(changed.point))]
    rows = []
    for label, _ in probe.variants:
        variant = changed[changed.variant == label]
        if probe.extra_points:
            variant = pd.concat([base, variant], ignore_index=True)
        for regime in REGIME_ORDER:
            if regime not in probe.regimes:
                continue
            before = _best_point(base[base.regime == regime])
            after = _best_point(variant[variant.regime == regime])
            if before is None or after is None:
                continue
            paper = TABLE1[(probe.architecture, regime)] if dataset == "mnist" else np.nan
            rows.append(
                {
                    "architecture": probe.architecture, "regime": regime, "change": label,
                    "paper": paper,
                    "protocol": before["mean"], "protocol_std": before["std"],
                    "protocol_point": before["point"],
                    "variant": after["mean"], "variant_std": after["std"],
                    "variant_point": after["point"], "n_seeds": int(after["n_seeds"]),
                    "shift": after["mean"] - before["mean"],
                    "protocol_within": compare(paper, 0.0, before["mean"], before["std"])[
                        "within_spread"],
                    "variant_within": compare(paper, 0.0, after["mean"], after["std"])[
                        "within_spread"],
                }
            )
    return pd.DataFrame(rows)


def _best_point(frame: pd.DataFrame) -> pd.Series | None:
    """The sweep point with the highest mean accuracy over seeds, with its statistics."""
    if frame.empty:
        return None
    summary = point_summary(frame.assign(study="-"))
    return summary.loc[summary["mean"].idxmax()]
