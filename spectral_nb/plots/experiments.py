"""Figures and display tables of the experiment chapters (``book/02`` to ``book/06``).

Everything here works on run records (the dicts of :func:`spectral_nb.experiments.run_study`)
or on the frames of :mod:`spectral_nb.analysis.summaries`; nothing trains. The regime
colours, markers and labels are defined once here so that every chapter draws
"Train Λ" in the same colour.

Plot helpers take an optional ``ax`` (a new figure is made without one) and return the axes;
they raise ``ValueError`` when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..analysis.summaries import in_paper_convention
from ..experiments.protocol.paper_values import REGIME_LABELS, REGIME_ORDER

__all__ = [
    "ARCHITECTURE_LABELS", "CONVENTION_LINESTYLES", "REGIME_COLORS", "REGIME_LABELS",
    "REGIME_MARKERS", "REGIME_ORDER", "add_depth", "convention_display", "first_within",
    "format_pm", "overfitting_frame", "ranking_agreement",
    "learning_curves", "perceptron_display", "plot_accuracy_vs_eigenvalues",
    "plot_learning_curves", "plot_regime_bars", "plot_weight_distributions",
    "pooled_weight_density", "regime_gaps", "regime_label", "regime_style", "run_description",
    "dataset_comparison", "select_records", "study_overview", "sweep_display", "table1_display",
    "table1_grid", "weight_density", "weight_distance",
]

# Okabe-Ito colours (readable with the common colour-vision deficiencies).
REGIME_COLORS: dict[str, str] = {
    "train_lambda": "#0072B2",  # blue
    "train_lambda_phi": "#009E73",  # green
    "constrained": "#D55E00",  # vermillion
    "unconstrained": "#444444",  # dark grey
}
REGIME_MARKERS: dict[str, str] = {
    "train_lambda": "o",
    "train_lambda_phi": "s",
    "constrained": "^",
    "unconstrained": "D",
}
# Spectral runs under the authors' code convention are drawn dashed.
CONVENTION_LINESTYLES: dict[str, str] = {"paper": "-", "-": "-", "authors_code": "--"}
CONVENTION_SUFFIX: dict[str, str] = {"authors_code": " (authors' code)"}
GROUP_LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")
ARCHITECTURE_LABELS: dict[str, str] = {
    "perceptron": "perceptron",
    "linear_wide": "linear wide",
    "linear_deep": "linear deep",
    "nonlinear": "non-linear",
}
ACCURACY_LABEL = "test accuracy (%)"
EIGENVALUES_LABEL = "trained eigenvalues = constrained budget (N₂ + … + N_l)"


# --------------------------------------------------------------------------- styles
def regime_label(regime: str, convention: str = "paper") -> str:
    """The display name of a regime, e.g. ``Train Λ`` or ``Train Λ (authors' code)``."""
    if regime not in REGIME_LABELS:
        raise ValueError(f"Unknown regime {regime!r}; choose from {list(REGIME_LABELS)}.")
    return REGIME_LABELS[regime] + CONVENTION_SUFFIX.get(convention, "")


def regime_style(regime: str, convention: str = "paper") -> dict[str, str]:
    """Matplotlib keyword arguments (colour, marker, line style, label) of a regime."""
    return {
        "color": REGIME_COLORS[regime],
        "marker": REGIME_MARKERS[regime],
        "linestyle": CONVENTION_LINESTYLES.get(convention, "-"),
        "label": regime_label(regime, convention),
    }


def _regimes_present(values: Iterable[str], regimes: Sequence[str] | None) -> list[str]:
    present = set(values)
    wanted = REGIME_ORDER if regimes is None else regimes
    return [r for r in wanted if r in present]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def _convention(record: Mapping[str, Any]) -> str:
    spec = record["spec"]
    return spec["convention"] if spec["regime"] in ("train_lambda", "train_lambda_phi") else "-"


# --------------------------------------------------------------------------- records
def select_records(
    records: Iterable[Mapping[str, Any]],
    *,
    regime: str | Sequence[str] | None = None,
    convention: str | Sequence[str] | None = None,
    point: str | Sequence[str] | None = None,
    dataset: str | None = None,
) -> list[Mapping[str, Any]]:
    """The records matching every given filter (``convention`` is ``"-"`` for baselines)."""

    def wanted(value: Any, choice: str | Sequence[str] | None) -> bool:
        if choice is None:
            return True
        return value == choice if isinstance(choice, str) else value in choice

    return [
        r
        for r in records
        if wanted(r["spec"]["regime"], regime)
        and wanted(_convention(r), convention)
        and wanted(r["spec"].get("tags", {}).get("point", ""), point)
        and (dataset is None or r["spec"]["dataset"] == dataset)
    ]


def run_description(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What the records are: run count, seeds, epochs, training and test examples, devices.

    Sizes of ``None`` (the whole split) are replaced by the split's size from the dataset
    registry. Values that differ between records are joined as text (``"5, 20"``).
    """
    from ..data.registry import get_spec

    records = list(records)
    if not records:
        raise ValueError("No run records to describe; run the study first.")

    def joined(values: Iterable[Any]) -> Any:
        unique = sorted(set(values), key=str)
        return unique[0] if len(unique) == 1 else ", ".join(map(str, unique))

    def size(spec: Mapping[str, Any], key: str, array: str) -> int:
        value = spec.get(key)
        return int(value) if value is not None else get_spec(spec["dataset"]).shapes[array][0]

    specs = [r["spec"] for r in records]
    return {
        "runs": len(records),
        "seeds": len({s["seed"] for s in specs}),
        "epochs": joined(s["epochs"] for s in specs),
        "train_examples": joined(f"{size(s, 'train_size', 'x_train'):,}" for s in specs),
        "test_examples": joined(f"{size(s, 'test_size', 'x_test'):,}" for s in specs),
        "devices": joined(r.get("device") or "unknown" for r in records),
        "wall_time_s": float(sum(r.get("wall_time_s") or 0.0 for r in records)),
    }


def add_depth(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``depth`` (the l of the deep study, from point tags ``l3:...``)."""
    out = frame.copy()
    depth = out["point"].astype(str).str.extract(r"^l(\d+):", expand=False)
    if depth.isna().any():
        bad = sorted(out.loc[depth.isna(), "point"].astype(str).unique())
        raise ValueError(f"Points without a depth prefix 'l<k>:': {bad}.")
    out["depth"] = depth.astype(int)
    return out


# --------------------------------------------------------------------------- weights
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


def plot_weight_distributions(
    records: Sequence[Mapping[str, Any]],
    ax: Axes | None = None,
    regimes: Sequence[str] | None = None,
    standardize: bool = False,
    span_std: float | None = None,
    log: bool = False,
    title: str | None = None,
) -> Axes:
    """Density of the entries of the retracted input-to-output map, one curve per regime.

    Seeds are pooled (see :func:`pooled_weight_density`); the legend gives each regime's
    mean excess kurtosis over its runs (0 for a Gaussian). ``span_std`` limits the x-range
    to that many standard deviations (of the widest drawn regime, for raw weights); the
    tails beyond it are left out of the picture, not out of the normalisation.
    """
    ax = _axes(ax)
    by_key: dict[tuple[str, str], list] = {}
    for record in records:
        by_key.setdefault((record["spec"]["regime"], _convention(record)), []).append(
            record["retracted_weights"]
        )
    keys = [
        (regime, convention)
        for regime in _regimes_present((k[0] for k in by_key), regimes)
        for convention in ("paper", "-", "authors_code")
        if (regime, convention) in by_key
    ]
    if not keys:
        raise ValueError("No records of the requested regimes to draw weight distributions of.")
    limit = None
    peak = 0.0
    if span_std is not None:
        widest = max(float(s["std"]) for key in keys for s in by_key[key])
        limit = span_std if standardize else span_std * widest
    for regime, convention in keys:
        summaries = by_key[(regime, convention)]
        edges, density = pooled_weight_density(summaries, standardize, limit=limit)
        peak = max(peak, float(density.max()))
        kurtosis = np.mean([s["excess_kurtosis"] for s in summaries])
        style = regime_style(regime, convention)
        ax.stairs(
            density, edges, color=style["color"], linestyle=style["linestyle"], linewidth=1.6,
            label=f"{style['label']} (excess kurtosis {kurtosis:.1f})",
        )
    shape = "×".join(map(str, by_key[keys[0]][0]["shape"]))
    if standardize:
        ax.set_xlabel(f"(weight − mean) / std, {shape} retracted map (dimensionless)")
        ax.set_ylabel("density (per std)")
    else:
        ax.set_xlabel(f"weight value, {shape} retracted map (a.u.)")
        ax.set_ylabel("density (per unit weight)")
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, 1.4 * peak)  # room for the legend above the curves
    ax.set_title(title or "Distribution of the trained weights")
    ax.legend(fontsize="small", loc="best" if log else "upper right")
    return ax


# --------------------------------------------------------------------------- learning curves
def learning_curves(
    records: Iterable[Mapping[str, Any]], key: str = "test_accuracy"
) -> pd.DataFrame:
    """Per regime, convention and epoch: mean, min and max over seeds of ``history[key]``.

    Accuracies are converted to percent; the loss is left as it is.
    """
    rows = []
    for record in records:
        values = np.asarray(record["history"][key], dtype=float)
        if "accuracy" in key:
            values = values * 100
        for epoch, value in enumerate(values, start=1):
            rows.append(
                {
                    "regime": record["spec"]["regime"], "convention": _convention(record),
                    "seed": record["spec"]["seed"], "epoch": epoch, "value": value,
                }
            )
    if not rows:
        raise ValueError("No records to draw learning curves of.")
    frame = pd.DataFrame(rows)
    return (
        frame.groupby(["regime", "convention", "epoch"], sort=False)["value"]
        .agg(mean="mean", low="min", high="max", n_seeds="count")
        .reset_index()
    )


def plot_learning_curves(
    records: Sequence[Mapping[str, Any]],
    ax: Axes | None = None,
    key: str = "test_accuracy",
    regimes: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Mean ``history[key]`` per epoch and regime; the band spans the seeds (min to max)."""
    curves = learning_curves(records, key)
    ax = _axes(ax)
    drawn = 0
    for regime in _regimes_present(curves["regime"], regimes):
        for convention in ("paper", "-", "authors_code"):
            part = curves[(curves.regime == regime) & (curves.convention == convention)]
            if part.empty:
                continue
            style = regime_style(regime, convention)
            ax.plot(part["epoch"], part["mean"], markersize=5, **style)
            if (part["n_seeds"] > 1).any():
                ax.fill_between(
                    part["epoch"], part["low"], part["high"], color=style["color"], alpha=0.15,
                    linewidth=0,
                )
            drawn += 1
    if not drawn:
        raise ValueError("No records of the requested regimes to draw learning curves of.")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ACCURACY_LABEL if "accuracy" in key else key.replace("_", " "))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or "Learning curves (band: range over seeds)")
    ax.legend(fontsize="small")
    return ax


# --------------------------------------------------------------------------- sweeps
def _error(frame: pd.DataFrame, error: str) -> np.ndarray:
    if error == "ci95":
        low = (frame["mean"] - frame["ci95_low"]).fillna(0.0).to_numpy()
        high = (frame["ci95_high"] - frame["mean"]).fillna(0.0).to_numpy()
        return np.vstack([low, high])
    if error == "std":
        return np.vstack([frame["std"].to_numpy()] * 2)
    raise ValueError(f"error must be 'ci95' or 'std', got {error!r}.")


def plot_accuracy_vs_eigenvalues(
    summary: pd.DataFrame,
    ax: Axes | None = None,
    regimes: Sequence[str] | None = None,
    group: str | None = None,
    group_format: str = "{group} = {value}",
    error: str = "ci95",
    reference: Mapping[str, float] | None = None,
    reference_label: str = "paper, Table 1 (best over its range)",
    dodge: float = 0.012,
    ylabel: str = ACCURACY_LABEL,
    title: str | None = None,
) -> Axes:
    """Mean accuracy against the eigenvalue count (log x), one line per regime.

    Parameters
    ----------
    summary
        A :func:`~spectral_nb.experiments.point_summary` frame (paper convention rows and
        baselines are drawn; ``authors_code`` rows are left out).
    group
        Optional column (e.g. ``depth`` from :func:`add_depth`) whose values get their own
        line style; points are joined only within a group. ``group_format`` makes the
        legend entry of a group (fields ``group`` and ``value``).
    error
        ``ci95`` (Student-t 95 % interval; no bar for a single seed) or ``std``.
    ylabel
        The y-axis label (the summarised column need not be the accuracy).
    reference
        Regime -> accuracy drawn as a dotted horizontal line in the regime's colour.
    dodge
        Regimes are shifted by this many decades from each other so that their error bars
        do not hide each other (the true x of every point is its eigenvalue count).
    """
    frame = summary[in_paper_convention(summary)]
    present = _regimes_present(frame["regime"], regimes)
    if frame.empty or not present:
        raise ValueError("No sweep points of the requested regimes to plot.")
    ax = _axes(ax)
    groups = sorted(frame[group].unique()) if group else [None]
    if len(groups) > len(GROUP_LINESTYLES):
        raise ValueError(f"At most {len(GROUP_LINESTYLES)} groups, got {len(groups)}.")
    for index, regime in enumerate(present):
        style = regime_style(regime)
        shift = 10 ** (dodge * (index - (len(present) - 1) / 2))
        for gi, value in enumerate(groups):
            part = frame[frame.regime == regime]
            if group:
                part = part[part[group] == value]
            part = part.sort_values("eigenvalues")
            if part.empty:
                continue
            ax.errorbar(
                part["eigenvalues"].to_numpy(dtype=float) * shift, part["mean"],
                yerr=_error(part, error), color=style["color"], marker=style["marker"],
                linestyle=GROUP_LINESTYLES[gi], capsize=3, markersize=5, linewidth=1.4,
                label=style["label"] if gi == 0 else None,
            )
    if reference:
        for regime in present:
            if regime in reference and np.isfinite(reference[regime]):
                ax.axhline(
                    reference[regime], color=REGIME_COLORS[regime], linestyle=":", linewidth=1.2,
                    alpha=0.8,
                )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    if ylabel == ACCURACY_LABEL:
        # Intervals from few seeds can reach past 0 % or 100 %; an accuracy cannot.
        drawn = frame[frame.regime.isin(present)]
        spread = _error(drawn, error)
        low = float(np.nanmin(drawn["mean"].to_numpy() - spread[0]))
        high = float(np.nanmax(drawn["mean"].to_numpy() + spread[1]))
        values = [low, high, *(v for v in (reference or {}).values() if np.isfinite(v))]
        low, high = min(values), max(values)
        pad = 0.04 * max(high - low, 1.0)
        ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad))
    ax.set_xlabel(EIGENVALUES_LABEL)
    ax.set_ylabel(ylabel)
    bars = "95 % interval" if error == "ci95" else "± 1 std"
    ax.set_title(title or f"Test accuracy against trained eigenvalues (bars: {bars})")
    handles, labels = ax.get_legend_handles_labels()
    if reference:
        handles.append(Line2D([], [], color="0.3", linestyle=":"))
        labels.append(reference_label)
    if group:
        for gi, value in enumerate(groups):
            handles.append(Line2D([], [], color="0.3", linestyle=GROUP_LINESTYLES[gi]))
            labels.append(group_format.format(group=group, value=value))
    ax.legend(handles, labels, fontsize="small")
    return ax


def plot_regime_bars(
    table: pd.DataFrame,
    ax: Axes | None = None,
    error: str = "std",
    title: str | None = None,
) -> Axes:
    """Our mean accuracy per regime as bars (± std or 95 % interval), the paper's as diamonds.

    ``table`` needs ``regime``, ``mean`` and ``std`` (and ``ci95_low``/``ci95_high`` for
    ``error="ci95"``); optional ``paper`` and ``paper_std`` columns add the paper's values,
    and an optional ``convention`` column keeps the paper-convention rows only.
    """
    if "convention" in table:
        table = table[in_paper_convention(table)]
    present = _regimes_present(table["regime"], None)
    if not present:
        raise ValueError("No regimes to draw bars of.")
    table = table.set_index("regime").loc[present].reset_index()
    ax = _axes(ax)
    x = np.arange(len(present))
    yerr = _error(table, error)
    bars = "± 1 std" if error == "std" else "95 % interval"
    ax.bar(
        x, table["mean"], yerr=yerr, width=0.6, capsize=4,
        color=[REGIME_COLORS[r] for r in present], alpha=0.85,
    )
    handles = [Patch(facecolor="0.55", label=f"this book (mean, {bars})")]
    if "paper" in table and table["paper"].notna().any():
        paper_std = table["paper_std"] if "paper_std" in table else None
        handles.append(
            ax.errorbar(
                x + 0.17, table["paper"], yerr=paper_std, fmt="D", color="black",
                markerfacecolor="white", capsize=4, markersize=7, label="paper (mean ± spread)",
            )
        )
    ax.set_xticks(x, [regime_label(r) for r in present])
    ax.set_ylabel(ACCURACY_LABEL)
    lows = [table["mean"].to_numpy() - yerr[0]]
    if "paper" in table:
        lows.append(table["paper"].to_numpy(dtype=float))
    low = float(np.nanmin(np.concatenate(lows)))
    ax.set_ylim(max(0.0, np.floor(low / 5) * 5 - 5), 100)
    ax.set_title(title or f"Accuracy per regime (bars: {bars} over seeds)")
    ax.legend(handles=handles, fontsize="small", loc="upper left")
    return ax


# --------------------------------------------------------------------------- tables
def format_pm(mean: float, std: float, digits: int = 1) -> str:
    """``"92.3 ± 0.1"``; ``"–"`` for a missing mean."""
    if mean is None or not np.isfinite(mean):
        return "–"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _interval(low: float, high: float, digits: int) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "– (one seed)"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def _signed(value: float, digits: int) -> str:
    return f"{value:+.{digits}f}" if np.isfinite(value) else "–"


def perceptron_display(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """The :func:`~spectral_nb.experiments.perceptron_table` as a readable table."""
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
                _interval(lo, hi, digits)
                for lo, hi in zip(table["ci95_low"], table["ci95_high"], strict=True)
            ],
            "seeds": table["n_seeds"].astype(int).to_numpy(),
            "difference (points)": [_signed(d, digits) for d in table["difference"]],
            "within spread": ["yes" if w else "no" for w in table["within_spread"]],
        }
    )


def table1_display(
    final: pd.DataFrame, best_epoch: pd.DataFrame | None = None, digits: int = 2
) -> pd.DataFrame:
    """:func:`~spectral_nb.experiments.table1` as a readable table.

    With ``best_epoch`` (the same table computed on ``best_epoch_accuracy``) two more
    columns give the best-epoch value and how much it exceeds the final-epoch one.
    """
    if final.empty:
        raise ValueError("Empty Table 1; run the wide, deep and non-linear studies first.")
    has_paper = final["paper"].notna().any()
    out = pd.DataFrame(
        {
            "architecture": [ARCHITECTURE_LABELS.get(a, a) for a in final["architecture"]],
            "regime": [regime_label(r) for r in final["regime"]],
        }
    )
    if has_paper:
        out["paper (%)"] = [f"{p:.1f}" if np.isfinite(p) else "–" for p in final["paper"]]
    out["ours, final epoch (%)"] = [
        format_pm(m, s, digits) for m, s in zip(final["mean"], final["std"], strict=True)
    ]
    out["seeds"] = final["n_seeds"].astype(int).to_numpy()
    out["best point"] = final["best_point"].to_numpy()
    if has_paper:
        out["difference (points)"] = [_signed(d, digits) for d in final["difference"]]
        out["within spread"] = ["yes" if w else "no" for w in final["within_spread"]]
    if best_epoch is not None and not best_epoch.empty:
        merged = final.merge(
            best_epoch, on=["architecture", "regime"], how="left", suffixes=("", "_best")
        )
        out["ours, best epoch (%)"] = [
            format_pm(m, s, digits)
            for m, s in zip(merged["mean_best"], merged["std_best"], strict=True)
        ]
        out["best − final (points)"] = [
            _signed(b - f, digits) for b, f in zip(merged["mean_best"], merged["mean"], strict=True)
        ]
    return out


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
        cells[(regime_label(row.regime), ARCHITECTURE_LABELS.get(row.architecture,
                                                                 row.architecture))] = (
            f"{ours} ({paper:.1f})" if np.isfinite(paper) else ours
        )
    grid = pd.Series(cells).unstack()
    rows = [regime_label(r) for r in REGIME_ORDER if regime_label(r) in grid.index]
    columns = [ARCHITECTURE_LABELS.get(a, a) for a in dict.fromkeys(table["architecture"])]
    grid = grid.loc[rows, columns]
    grid.index.name = "regime"
    return grid


def study_overview(frame: pd.DataFrame, dataset: str, column: str = "accuracy") -> pd.DataFrame:
    """A Table-1-like summary of one dataset including the perceptron.

    The perceptron has a single point; for the swept studies the best mean over the explored
    range is taken (as :func:`~spectral_nb.experiments.table1` does). Paper-convention
    spectral runs only; no paper column.
    """
    from ..experiments import point_summary, table1

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


def sweep_display(summary: pd.DataFrame, digits: int = 1, group: str | None = None) -> pd.DataFrame:
    """One row per sweep point (by eigenvalue count), one ``mean ± std`` column per regime.

    Paper-convention spectral rows and baselines only; ``group`` (e.g. ``depth``) becomes
    the first index level.
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
    table = table.set_index(index)[[*regimes, "seeds"]]
    table.columns = [*(regime_label(r) + " (%)" for r in regimes), "seeds"]
    table.columns.name = None
    return table


def dataset_comparison(
    overview: pd.DataFrame, other: pd.DataFrame, names: tuple[str, str], digits: int = 1
) -> pd.DataFrame:
    """Two :func:`study_overview` tables side by side, with their difference in points."""
    if overview.empty or other.empty:
        raise ValueError("Both overviews need at least one row.")
    merged = overview.merge(other, on=["architecture", "regime"], how="left", suffixes=("", "_o"))
    first, second = names
    return pd.DataFrame(
        {
            "architecture": [ARCHITECTURE_LABELS.get(a, a) for a in merged["architecture"]],
            "regime": [regime_label(r) for r in merged["regime"]],
            f"{first} (%)": [
                format_pm(m, s, digits) for m, s in zip(merged["mean"], merged["std"], strict=True)
            ],
            f"{second} (%)": [
                format_pm(m, s, digits)
                for m, s in zip(merged["mean_o"], merged["std_o"], strict=True)
            ],
            f"{first} − {second} (points)": [
                _signed(a - b, digits)
                for a, b in zip(merged["mean"], merged["mean_o"], strict=True)
            ],
            "seeds": merged["n_seeds"].astype(int).to_numpy(),
            "best point": merged["best_point"].to_numpy(),
        }
    )


def overfitting_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """:func:`~spectral_nb.experiments.runs_frame` plus over-fitting measures, in points.

    ``train_accuracy``: final-epoch training accuracy (%), as accumulated over the last
    epoch's mini-batches; ``generalisation_gap``: that minus the final test accuracy;
    ``drop_from_best``: best-epoch minus final-epoch test accuracy (how much was lost by
    training on after the best epoch).
    """
    from ..experiments import runs_frame

    if not records:
        raise ValueError("No records to measure over-fitting on.")
    frame = runs_frame(records)
    frame["train_accuracy"] = [100 * r["history"]["train_accuracy"][-1] for r in records]
    frame["generalisation_gap"] = frame["train_accuracy"] - frame["accuracy"]
    frame["drop_from_best"] = frame["best_epoch_accuracy"] - frame["accuracy"]
    return frame


def ranking_agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Per architecture of a Table 1: the regimes ranked by the paper and by us, best first."""
    if table.empty or table["paper"].isna().all():
        raise ValueError("A Table 1 with paper values is needed to compare rankings.")
    rows = []
    for architecture, part in table.groupby("architecture", sort=False):
        paper = part.sort_values("paper", ascending=False)["regime"].tolist()
        ours = part.sort_values("mean", ascending=False)["regime"].tolist()
        rows.append(
            {
                "architecture": ARCHITECTURE_LABELS.get(architecture, architecture),
                "paper, best first": " > ".join(regime_label(r) for r in paper),
                "ours, best first": " > ".join(regime_label(r) for r in ours),
                "same order": "yes" if paper == ours else "no",
            }
        )
    return pd.DataFrame(rows)


def convention_display(summary: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """Spectral regimes under the paper's and the authors' code convention, side by side.

    One row per sweep point, one ``mean ± std`` column per regime and convention.
    """
    frame = summary[summary["regime"].isin(["train_lambda", "train_lambda_phi"])]
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
    order = [
        regime_label(r, c) + " (%)"
        for r in ("train_lambda", "train_lambda_phi")
        for c in ("paper", "authors_code")
    ]
    table = table[[c for c in order if c in table.columns]]
    table.columns.name = None
    return table
