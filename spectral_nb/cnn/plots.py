"""Figures of the CNN chapter (``book/07_cnn.ipynb``): drawing only, from frames and images."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..analysis.labels import DATASET_LABELS
from .speedups import PAPER_SPEEDUPS

METHOD_STYLE = {
    "spectral": {"color": "C0", "marker": "o", "label": "spectral pooling"},
    "average": {"color": "C2", "marker": "s", "label": "average pooling"},
    "max": {"color": "C3", "marker": "^", "label": "max pooling"},
}
DATASET_TITLE = {
    "natural": "natural images (scikit-image samples)",
    "fashion_mnist": "Fashion-MNIST test images",
}


def plot_information_preservation(frame: pd.DataFrame) -> Figure:
    """Mean relative error (band: +- one standard deviation over images) versus fraction kept."""
    datasets = list(dict.fromkeys(frame["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.2 * len(datasets), 4), sharey=True,
                             squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        sub = frame[frame["dataset"] == dataset]
        stats = sub.groupby(["method", "setting"], as_index=False).agg(
            fraction=("fraction", "mean"), mean=("error", "mean"), std=("error", "std")
        )
        for method, style in METHOD_STYLE.items():
            s = stats[stats["method"] == method].sort_values("fraction")
            if s.empty:
                continue
            std = s["std"].fillna(0.0)
            ax.plot(s["fraction"], s["mean"], marker=style["marker"], color=style["color"],
                    label=style["label"], ms=4, lw=1.5 if method == "spectral" else 0.8)
            ax.fill_between(s["fraction"], s["mean"] - std, s["mean"] + std,
                            color=style["color"], alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("fraction of parameters kept (pooled size / input size)")
        ax.set_title(DATASET_TITLE.get(dataset, dataset))
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(r"relative error $\|x - x'\| / \|x\|$")
    axes[0, 0].legend()
    fig.tight_layout()
    return fig


def plot_reconstructions(
    image: np.ndarray, reconstructions: dict[str, tuple[np.ndarray, float]], title: str = ""
) -> Figure:
    """An image beside its reconstructions (``name -> (image, relative error)``).

    The reconstructions come from :func:`spectral_nb.cnn.studies.reconstructions`.
    """
    m, n = image.shape
    fig, axes = plt.subplots(1, 1 + len(reconstructions), figsize=(12, 3.4))
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"original {m}x{n}")
    for ax, (name, (rec, err)) in zip(axes[1:], reconstructions.items(), strict=True):
        ax.imshow(np.clip(rec, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{name}\nerror {err:.3f}")
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
        fig.tight_layout(rect=(0, 0, 1, 0.92))
    else:
        fig.tight_layout()
    return fig


def plot_classification(frame: pd.DataFrame) -> Figure:
    """Test accuracy per pooling (one point per seed, bar = mean), one panel per dataset."""
    datasets = list(dict.fromkeys(frame["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 3.6), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        sub = frame[frame["dataset"] == dataset]
        sns.barplot(sub, x="pooling", y="test_accuracy", ax=ax, errorbar=None, color="0.85")
        sns.stripplot(sub, x="pooling", y="test_accuracy", ax=ax, color="k", size=5)
        low = sub["test_accuracy"].min()
        ax.set_ylim(max(0.0, low - 0.05), min(1.0, sub["test_accuracy"].max() + 0.02))
        ax.set_xlabel("pooling")
        ax.set_ylabel("test accuracy")
        ax.set_title(DATASET_LABELS.get(dataset, dataset))
    fig.tight_layout()
    return fig


def plot_loss_curves(curves: pd.DataFrame, x: str = "epoch") -> Figure:
    """Training loss (fixed training subset) of spatial and spectral filters, per kernel size.

    Thin lines: seeds; the dotted line marks the spatial model's mean final loss.
    """
    sizes = list(dict.fromkeys(curves["kernel_size"]))
    fig, axes = plt.subplots(1, len(sizes), figsize=(5 * len(sizes), 3.8), squeeze=False)
    colors = {"spatial": "C3", "spectral": "C0"}
    for ax, size in zip(axes[0], sizes, strict=True):
        sub = curves[curves["kernel_size"] == size]
        for (param, _seed), run in sub.groupby(["parametrisation", "seed"]):
            ax.plot(run[x], run["loss"], color=colors[param], lw=1, alpha=0.8)
        finals = sub[sub["parametrisation"] == "spatial"].groupby("seed")["loss"].last()
        ax.axhline(finals.mean(), color="0.4", ls=":", lw=1)
        for param, color in colors.items():
            ax.plot([], [], color=color, label=f"{param} filters")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("epochs" if x == "epoch" else "training seconds")
        ax.set_ylabel("training loss (cross-entropy)")
        ax.set_title(f"{size} filters, Adam")
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.tight_layout()
    return fig


PAPER_NETS = ("Deep", "Generic", "Sp. Pool")  # the order of PAPER_SPEEDUPS' values


def plot_speedup_growth(summary: pd.DataFrame) -> Figure:
    """Adam's speed-up (epochs) against filter size: one line per seed, the paper's beside.

    ``summary`` is :func:`spectral_nb.cnn.speedups.optimisation_frames`' first frame; seeds
    whose spectral model never reached the target leave a gap.
    """
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    size = summary["kernel_size"].str.split("x").str[0].astype(int)
    for seed, sub in summary.assign(size=size).groupby("seed"):
        ax.plot(sub["size"], sub["speedup_epochs"], marker="o", color="C0", lw=1, alpha=0.8,
                label="this chapter, one line per seed" if seed == summary["seed"].min() else None)
    paper_sizes = [int(k.split("x")[0]) for k in PAPER_SPEEDUPS]
    ends: dict[float, list[str]] = {}  # nets ending at one value share one label
    for i, net in enumerate(PAPER_NETS):
        values = [PAPER_SPEEDUPS[k][i] for k in PAPER_SPEEDUPS]
        ax.plot(paper_sizes, values, marker="s", color="0.55", lw=0.8, ls="--",
                label="paper (Deep, Generic, Sp. Pool nets)" if i == 0 else None)
        ends.setdefault(values[-1], []).append(net)
    for value, nets in ends.items():
        ax.annotate(", ".join(nets), (paper_sizes[-1], value), xytext=(5, 0),
                    textcoords="offset points", fontsize=7, color="0.4", va="center")
    ax.axhline(1.0, color="0.3", lw=0.8, ls=":")
    ax.set_xticks(sorted(set(size) | set(paper_sizes)))
    ax.set_xticklabels([f"{k}x{k}" for k in ax.get_xticks()])
    ax.set_xlabel("filter size")
    ax.set_ylabel("speed-up (spatial / spectral epochs)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right", bbox_to_anchor=(1.0, 0.66))
    fig.tight_layout()
    return fig
