"""Figures of the experiment chapters (``book/02`` to ``book/06``): drawing only.

Every function takes run records or the frames of :mod:`spectral_nb.analysis` and an
optional matplotlib ``Axes`` (a new figure is made without one), draws, and returns the
axes; it raises ``ValueError`` when there is nothing to draw. The regime colours, markers
and line styles are defined once here so that every chapter draws "Train Λ" in the same
colour; the names come from :mod:`spectral_nb.analysis.labels`.
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

from ..analysis.labels import REGIME_ORDER, convention_of, network_label, regime_label
from ..analysis.records import learning_curves, select_records
from ..analysis.summaries import in_paper_convention
from ..analysis.weights import COMPARED, pooled_weight_density

__all__ = [
    "ACCURACY_LABEL", "CONVENTION_LINESTYLES", "axes_or_new", "EIGENVALUES_LABEL", "REGIME_COLORS",
    "REGIME_MARKERS", "plot_accuracy_vs_eigenvalues", "plot_learning_curves",
    "plot_regime_bars", "plot_weight_distributions", "plot_weight_panels", "regime_style",
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
GROUP_LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")
ACCURACY_LABEL = "test accuracy (%)"
EIGENVALUES_LABEL = "trained eigenvalues = constrained budget (N₂ + … + N_l)"


# --------------------------------------------------------------------------- styles
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


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    """``ax``, or the axes of a new figure of ``figsize`` when it is ``None``."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


# --------------------------------------------------------------------------- weights
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
    ax = axes_or_new(ax)
    by_key: dict[tuple[str, str], list] = {}
    for record in records:
        by_key.setdefault((record["spec"]["regime"], convention_of(record)), []).append(
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


def plot_weight_panels(
    records: Sequence[Mapping[str, Any]],
    points: Mapping[int, str],
    axes_row: Sequence[Axes],
    regimes: Sequence[str] = COMPARED,
) -> list[Axes]:
    """Standardised weight distributions (log density), one panel per depth's sweep point.

    ``points`` maps a depth ``l`` to a point of the deep study (e.g. each depth's widest
    network, :func:`~spectral_nb.analysis.sweeps.widest_per_depth`); each panel is drawn on
    the next of ``axes_row`` and titled ``l = 3: 784-2000-10``.
    """
    if len(axes_row) < len(points):
        raise ValueError(f"{len(points)} panels need as many axes, got {len(axes_row)}.")
    drawn = []
    for ax, (depth, point) in zip(axes_row, points.items(), strict=False):
        shown = select_records(records, regime=regimes, convention=["paper", "-"], point=point)
        drawn.append(plot_weight_distributions(
            shown, ax=ax, standardize=True, span_std=6, log=True,
            title=f"l = {depth}: {network_label(point)}",
        ))
    return drawn


# --------------------------------------------------------------------------- learning curves
def plot_learning_curves(
    records: Sequence[Mapping[str, Any]],
    ax: Axes | None = None,
    key: str = "test_accuracy",
    regimes: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Mean ``history[key]`` per epoch and regime; the band spans the seeds (min to max)."""
    curves = learning_curves(records, key)
    ax = axes_or_new(ax)
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
        A :func:`~spectral_nb.analysis.summaries.point_summary` frame (paper convention rows and
        baselines are drawn; ``authors_code`` rows are left out).
    group
        Optional column (e.g. ``depth`` from :func:`~spectral_nb.analysis.records.add_depth`)
        whose values get their own line style; points are joined only within a group.
        ``group_format`` makes the legend entry of a group (fields ``group`` and ``value``).
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
    ax = axes_or_new(ax)
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
    ax = axes_or_new(ax)
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
