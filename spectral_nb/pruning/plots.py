"""Figures of the pruning chapter: accuracy against nodes removed, and which nodes survive.

Drawing only: the numbers come from :mod:`.tables` (records) and :mod:`.scores`. The
strategies keep the colours of the regimes they train in the other chapters (post-training
is Train Λ, Φ green, the eigenvalue-only pre-training Train Λ blue, the direct-space network
grey); random nodes are orange. Helpers take an optional ``ax`` and return it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .selection import lowest, removed_count
from .tables import CURVES, MAIN_CURVES, curve

# Okabe-Ito colours, as in spectral_nb.plots.experiments.
COLORS: dict[str, str] = {
    "post": "#009E73", "pre": "#0072B2", "dense": "#444444", "random": "#E69F00",
    "post_connectivity": "#CC79A7", "post_eigenvalue_out": "#56B4E9",
    "post_eigenvalue_in": "#D55E00", "pre_not_retrained": "#0072B2",
    "dense_random": "#999999", "post_retrained": "#009E73", "dense_retrained": "#444444",
}
MARKERS: dict[str, str] = {
    "post": "s", "pre": "o", "dense": "D", "random": "v", "post_connectivity": "P",
    "post_eigenvalue_out": ">", "post_eigenvalue_in": "<", "pre_not_retrained": "o",
    "dense_random": "v", "post_retrained": "s", "dense_retrained": "D",
}
DASHED = {"pre_not_retrained", "post_retrained", "dense_retrained", "dense_random"}


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.5, 4.8)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def plot_curves(
    summary: pd.DataFrame,
    dataset: str,
    network: str,
    names: Sequence[str] = MAIN_CURVES,
    ax: Axes | None = None,
    reference: Mapping[str, tuple[float, float]] | None = None,
    title: str | None = None,
) -> Axes:
    """Mean accuracy against the share of hidden nodes removed, shaded by the
    semi-dispersion over seeds; ``reference`` maps a curve name to a paper point
    ``(fraction, accuracy %)``, drawn as an open star of the curve's colour."""
    ax = _axes(ax)
    drawn = 0
    for name in names:
        try:
            part = curve(summary, dataset, network, name)
        except KeyError:
            continue
        x = 100 * np.asarray(part.index, dtype=float)
        mean, half = part["mean"].to_numpy(), part["semi_dispersion"].to_numpy()
        color = COLORS[name]
        ax.plot(x, mean, marker=MARKERS[name], markersize=4, color=color,
                linestyle="--" if name in DASHED else "-", label=CURVES[name].label)
        ax.fill_between(x, mean - half, mean + half, color=color, alpha=0.18, linewidth=0)
        drawn += 1
    if not drawn:
        raise ValueError(f"No curve of {list(names)} for {dataset} {network}.")
    for name, (fraction, value) in (reference or {}).items():
        ax.plot(100 * fraction, value, marker="*", markersize=14, markerfacecolor="none",
                markeredgecolor=COLORS[name], markeredgewidth=1.5, linestyle="none",
                label=f"paper: {CURVES[name].label}")
    ax.set_xlabel("hidden nodes removed")
    ax.set_ylabel("test accuracy (%)")
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_score_histogram(
    scores: Sequence[np.ndarray],
    fraction: float,
    ax: Axes | None = None,
    bins: int = 40,
    xlabel: str = "node score",
    title: str | None = None,
) -> Axes:
    """Histogram of the node scores of several networks (one array each), split into the
    nodes a ``fraction`` removes from each network (its lowest scores) and those it keeps;
    the dotted lines mark each network's cut."""
    ax = _axes(ax, (7.0, 4.0))
    kept, removed, cuts = [], [], []
    for values in scores:
        values = np.asarray(values, dtype=float)
        gone = lowest(values, removed_count(fraction, len(values)))
        kept.append(values[~gone])
        removed.append(values[gone])
        if gone.any():
            cuts.append(values[gone].max())
    edges = np.histogram_bin_edges(np.concatenate([*kept, *removed]), bins=bins)
    ax.hist(np.concatenate(removed), bins=edges, color="#D55E00", alpha=0.75,
            label=f"removed at {fraction:.0%}")
    ax.hist(np.concatenate(kept), bins=edges, color="#009E73", alpha=0.75, label="kept")
    for cut in cuts:
        ax.axvline(cut, color="black", linestyle=":", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("nodes")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_gain_scatter(out_gain: np.ndarray, in_gain: np.ndarray, fraction: float,
                      ax: Axes | None = None, title: str | None = None) -> Axes:
    """Each node's two eigenvalue gains (output of the layer making it, input of the layer
    reading it), coloured by whether the product rule keeps it at ``fraction``."""
    ax = _axes(ax, (5.2, 4.4))
    out_gain, in_gain = np.asarray(out_gain, float), np.asarray(in_gain, float)
    gone = lowest(out_gain * in_gain, removed_count(fraction, len(out_gain)))
    ax.scatter(out_gain[~gone], in_gain[~gone], s=8, color="#009E73", label="kept")
    ax.scatter(out_gain[gone], in_gain[gone], s=8, color="#D55E00",
               label=f"removed at {fraction:.0%}")
    ax.set_xlabel("output-eigenvalue gain $g^{out}$")
    ax.set_ylabel("input-eigenvalue gain $g^{in}$")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_authors_beside_ours(
    ours: pd.DataFrame,
    theirs: pd.DataFrame,
    network: str,
    epochs: int,
    activation: str,
    theirs_network: str = "784-2000-10",
    names: Sequence[str] = ("dense", "post", "pre"),
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """The authors' curves (:func:`.authors.authors_results`: mean, shaded semi-dispersion,
    dashed, open markers) and ours of the same methods (:func:`.authors_runs.ours_summary`,
    solid, filled markers) for one activation, on the same axes."""
    from .authors import LABELS

    ax = _axes(ax)
    for name in names:
        color = COLORS[name]
        key = (theirs_network, activation, name)
        if key in theirs.index.droplevel("fraction"):
            part = theirs.loc[key]
            part = part[part.index < 1.0]  # their pre-training data has a 100 % point
            x = 100 * np.asarray(part.index, dtype=float)
            mean, half = part["mean"].to_numpy(), part["semi_dispersion"].to_numpy()
            ax.plot(x, mean, marker=MARKERS[name], markersize=4, color=color, linestyle="--",
                    markerfacecolor="none", label=f"authors: {LABELS[name]}")
            ax.fill_between(x, mean - half, mean + half, color=color, alpha=0.10, linewidth=0)
        key = (network, activation, epochs, name)
        if key in ours.index.droplevel("fraction"):
            part = ours.loc[key]
            x = 100 * np.asarray(part.index, dtype=float)
            mean, half = part["mean"].to_numpy(), part["semi_dispersion"].to_numpy()
            ax.plot(x, mean, marker=MARKERS[name], markersize=5, color=color, linestyle="-",
                    label=f"ours: {LABELS[name]}")
            ax.fill_between(x, mean - half, mean + half, color=color, alpha=0.22, linewidth=0)
    ax.set_xlabel("hidden nodes removed")
    ax.set_ylabel("test accuracy (%)")
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=7, loc="lower left")
    ax.set_title(title or activation, fontsize=10)
    return ax
