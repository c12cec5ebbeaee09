"""Display tables of the experiment chapters: frames of text, ready to show on a page.

Each function takes the numbers of :mod:`.summaries` (or :mod:`.sweeps`) and returns a
``DataFrame`` whose cells read as the book prints them (``92.3 ± 0.1``, ``+0.42``, ``yes``),
with the regimes and architectures under their display names (:mod:`.labels`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import (
    REGIME_ORDER,
    SPECTRAL,
    architecture_label,
    cell_name,
    network_label,
    regime_label,
)
from .summaries import in_paper_convention
from .text import Note, format_pm, interval, signed, yes_no

__all__ = [
    "convention_display", "convention_view", "dataset_comparison", "deep_networks",
    "parameter_table", "perceptron_display", "ranking_agreement", "sweep_display",
    "table1_display", "table1_grid",
]


def perceptron_display(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The :func:`~.summaries.perceptron_table` as a readable table, one row per regime."""
    if table.empty:
        raise ValueError("Empty perceptron table; run the perceptron study first.")
    return pd.DataFrame(
        {
            "regime": [regime_label(r) for r in table["regime"]],
            "paper (%)": [f"{p:g} ± {s:g}" for p, s in zip(table["paper"], table["paper_std"],
                                                           strict=True)],
            "ours (%), mean ± std": [
                format_pm(m, s, digits) for m, s in zip(table["mean"], table["std"], strict=True)
            ],
            "ours, 95 % interval": [
                interval(lo, hi, digits)
                for lo, hi in zip(table["ci95_low"], table["ci95_high"], strict=True)
            ],
            "seeds": table["n_seeds"].astype(int).to_numpy(),
            "difference (points)": [signed(d, digits) for d in table["difference"]],
            "within spread": [yes_no(w) for w in table["within_spread"]],
        }
    ).set_index("regime")


def table1_display(
    final: pd.DataFrame, best_epoch: pd.DataFrame | None = None, digits: int = 2
) -> pd.DataFrame:
    """:func:`~.summaries.table1` as a readable table, one row per cell.

    Rows are named by regime when the table holds one architecture, else by cell
    (``non-linear / Train Λ``), so that the table stays narrow enough for a page.

    Columns: the paper's cell, our final-epoch mean ± std, its difference to the paper and
    whether that lies within the spread, and the sweep point of our best mean. With
    ``best_epoch`` (the same table computed on ``best_epoch_accuracy``) two more columns give
    the best-epoch value and how much it exceeds the final-epoch one. A ``seeds`` column
    appears only where the cells' seed counts differ.
    """
    if final.empty:
        raise ValueError("Empty Table 1; run the wide, deep and non-linear studies first.")
    has_paper = final["paper"].notna().any()
    if final["architecture"].nunique() == 1:
        out = pd.DataFrame({"regime": [regime_label(r) for r in final["regime"]]})
    else:
        out = pd.DataFrame({"cell": [cell_name(a, r) for a, r in zip(
            final["architecture"], final["regime"], strict=True)]})
    if has_paper:
        out["paper (%)"] = [f"{p:.1f}" if np.isfinite(p) else "–" for p in final["paper"]]
    out["final epoch (%)"] = [
        format_pm(m, s, digits) for m, s in zip(final["mean"], final["std"], strict=True)
    ]
    if has_paper:
        out["final − paper (points)"] = [signed(d, digits) for d in final["difference"]]
        out["within spread"] = [yes_no(w) for w in final["within_spread"]]
    if final["n_seeds"].nunique() > 1:
        out["seeds"] = final["n_seeds"].astype(int).to_numpy()
    out["best point"] = final["best_point"].to_numpy()
    if best_epoch is not None and not best_epoch.empty:
        merged = final.merge(
            best_epoch, on=["architecture", "regime"], how="left", suffixes=("", "_best")
        )
        out["best epoch (%)"] = [
            format_pm(m, s, digits)
            for m, s in zip(merged["mean_best"], merged["std_best"], strict=True)
        ]
        out["best − final (points)"] = [
            signed(b - f, digits) for b, f in zip(merged["mean_best"], merged["mean"], strict=True)
        ]
    return out.set_index(out.columns[0])


def table1_grid(table: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """Table 1 in the paper's layout: regimes as rows, architectures as columns.

    Cells read ``ours (paper)`` where the paper has a value, else ``ours``.
    """
    if table.empty:
        raise ValueError("Empty Table 1; run the wide, deep and non-linear studies first.")
    cells = {}
    for row in table.itertuples():
        ours = f"{row.mean:.{digits}f}"
        paper = getattr(row, "paper", np.nan)
        cells[(regime_label(row.regime), architecture_label(row.architecture))] = (
            f"{ours} ({paper:.1f})" if np.isfinite(paper) else ours
        )
    grid = pd.Series(cells).unstack()
    rows = [regime_label(r) for r in REGIME_ORDER if regime_label(r) in grid.index]
    columns = [architecture_label(a) for a in dict.fromkeys(table["architecture"])]
    grid = grid.loc[rows, columns]
    grid.index.name = "regime"
    return grid


def sweep_display(summary: pd.DataFrame, digits: int = 1, group: str | None = None) -> pd.DataFrame:
    """One row per sweep point (by eigenvalue count), one ``mean ± std`` column per regime.

    Paper-convention spectral rows and baselines only; ``group`` (e.g. ``depth``) becomes
    the first index level, and a deep-study point is then named by its network alone. A
    ``seeds`` column appears only where the points' seed counts differ.
    """
    frame = summary[in_paper_convention(summary)]
    if frame.empty:
        raise ValueError("No sweep points to tabulate.")
    frame = frame.assign(
        cell=[format_pm(m, s, digits) for m, s in zip(frame["mean"], frame["std"], strict=True)]
    )
    index = [group, "point", "eigenvalues"] if group else ["point", "eigenvalues"]
    table = frame.pivot_table(index=index, columns="regime", values="cell", aggfunc="first")
    table = table.reset_index().sort_values([*([group] if group else []), "eigenvalues"])
    seeds = frame.groupby("point")["n_seeds"].min()
    table["seeds"] = table["point"].map(seeds).astype(int)
    regimes = [r for r in REGIME_ORDER if r in table.columns]
    columns = [*regimes, "seeds"] if table["seeds"].nunique() > 1 else regimes
    if group:
        table["point"] = [network_label(p) for p in table["point"]]
    table = table.set_index(index)[columns]
    table.columns = [regime_label(r) + " (%)" if r in regimes else r for r in columns]
    table.columns.name = None
    return table


def parameter_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Trained parameters per sweep point (rows, by eigenvalue count) and regime (columns).

    ``frame`` is a :func:`~.summaries.runs_frame`; each regime's first run at a point counts.
    """
    table = frame.pivot_table(
        index=["point", "eigenvalues"], columns="regime", values="trainable_parameters",
        aggfunc="first",
    ).sort_index(level="eigenvalues")
    table = table[[r for r in REGIME_ORDER if r in table.columns]]
    table.columns = [regime_label(r) for r in table.columns]
    table.columns.name = "trained parameters"
    return table


def deep_networks(frame: pd.DataFrame) -> pd.DataFrame:
    """The deep study's networks (depth ``l`` and layer sizes) and their trained eigenvalues.

    ``frame`` is a :func:`~.summaries.runs_frame` with ``depth`` (:func:`~.records.add_depth`).
    """
    points = (
        frame.groupby(["depth", "point"])
        .agg(eigenvalues=("eigenvalues", "first"))
        .reset_index()
        .sort_values(["depth", "eigenvalues"])
    )
    return pd.DataFrame(
        {
            "l (layers of nodes)": points["depth"].to_numpy(),
            "network": [network_label(p).replace("-", " → ") for p in points["point"]],
            "trained eigenvalues": points["eigenvalues"].to_numpy(),
        }
    ).set_index(["l (layers of nodes)", "network"])


def dataset_comparison(
    overview: pd.DataFrame, other: pd.DataFrame, names: tuple[str, str], digits: int = 1
) -> pd.DataFrame:
    """Two :func:`~.sweeps.study_overview` tables side by side, with their difference.

    One row per architecture and regime; a ``seeds`` column appears only where the seed
    counts differ.
    """
    if overview.empty or other.empty:
        raise ValueError("Both overviews need at least one row.")
    merged = overview.merge(other, on=["architecture", "regime"], how="left", suffixes=("", "_o"))
    first, second = names
    out = pd.DataFrame(
        {
            "architecture": [architecture_label(a) for a in merged["architecture"]],
            "regime": [regime_label(r) for r in merged["regime"]],
            f"{first} (%)": [
                format_pm(m, s, digits) for m, s in zip(merged["mean"], merged["std"], strict=True)
            ],
            f"{second} (%)": [
                format_pm(m, s, digits)
                for m, s in zip(merged["mean_o"], merged["std_o"], strict=True)
            ],
            f"{first} − {second} (points)": [
                signed(a - b, digits)
                for a, b in zip(merged["mean"], merged["mean_o"], strict=True)
            ],
        }
    )
    if merged["n_seeds"].nunique() > 1:
        out["seeds"] = merged["n_seeds"].astype(int).to_numpy()
    out[f"best point ({first})"] = merged["best_point"].to_numpy()
    return out.set_index(["architecture", "regime"])


def ranking_agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Per architecture of a Table 1 (rows): each regime's rank, the paper's and ours.

    Cells read ``paper / ours`` (1 = best); ``same order`` says whether the two rankings
    agree for every regime.
    """
    if table.empty or table["paper"].isna().all():
        raise ValueError("A Table 1 with paper values is needed to compare rankings.")
    rows = []
    for architecture, part in table.groupby("architecture", sort=False):
        paper = part.sort_values("paper", ascending=False)["regime"].tolist()
        ours = part.sort_values("mean", ascending=False)["regime"].tolist()
        row = {"architecture": architecture_label(architecture)}
        for regime in (r for r in REGIME_ORDER if r in paper):
            row[regime_label(regime)] = f"{paper.index(regime) + 1} / {ours.index(regime) + 1}"
        rows.append(row | {"same order": yes_no(paper == ours)})
    out = pd.DataFrame(rows).set_index("architecture")
    out.columns.name = "rank, paper / ours"
    return out


def convention_display(summary: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """Spectral regimes under the paper's and the authors' code convention, side by side.

    One row per sweep point, one ``mean ± std`` column per regime and convention.
    """
    frame = summary[summary["regime"].isin(SPECTRAL)]
    if not (frame["convention"] == "authors_code").any():
        raise ValueError("No authors_code runs (the paper profile trains them).")
    frame = frame.assign(
        column=[regime_label(r, c) + " (%)" for r, c in zip(frame.regime, frame.convention,
                                                           strict=True)],
        cell=[format_pm(m, s, digits) for m, s in zip(frame["mean"], frame["std"], strict=True)],
    )
    table = frame.pivot_table(
        index=["point", "eigenvalues"], columns="column", values="cell", aggfunc="first"
    ).sort_index(level="eigenvalues")
    order = [regime_label(r, c) + " (%)" for r in SPECTRAL for c in ("paper", "authors_code")]
    table = table[[c for c in order if c in table.columns]]
    table.columns.name = None
    return table


def convention_view(summary: pd.DataFrame, profile: str, digits: int = 2) -> pd.DataFrame | Note:
    """:func:`convention_display`, or a note saying that ``profile`` trains one convention only."""
    if (summary["convention"] == "authors_code").any():
        return convention_display(summary, digits)
    return Note(f"The {profile} profile trains the paper's convention only.")
