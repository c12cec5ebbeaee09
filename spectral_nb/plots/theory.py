"""Small matrix pictures for the theory chapter (``book/01_theory.ipynb``).

Every picture uses one diverging colour map centred on zero (blue negative, red positive,
white zero), so a structural zero reads as blank paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

CMAP = "RdBu_r"


def _symmetric_limit(*matrices: np.ndarray) -> float:
    vmax = max(float(np.abs(np.asarray(m)).max()) for m in matrices)
    return vmax if vmax > 0 else 1.0


def show_matrix(
    ax: Axes,
    matrix: Any,
    sizes: Sequence[int] | None = None,
    title: str | None = None,
    vmax: float | None = None,
    layer_labels: Sequence[str] | None = None,
) -> AxesImage:
    """Draw a matrix with a zero-centred colour map and the layer boundaries.

    Parameters
    ----------
    ax
        Axes to draw on.
    matrix
        2-D array.
    sizes
        Layer sizes along both axes (rows are receiving nodes, columns sending nodes);
        draws grey boundaries and one tick per layer. ``None``: plain node indices.
    title
        Axes title.
    vmax
        Colour limit (``-vmax`` to ``vmax``); default the largest absolute entry.
    layer_labels
        Tick labels, one per layer (default ``"layer 1"``, ``"layer 2"``, ...).

    Returns
    -------
    matplotlib.image.AxesImage
        The image, for a colour bar.
    """
    matrix = np.asarray(matrix, dtype=float)
    vmax = _symmetric_limit(matrix) if vmax is None else vmax
    image = ax.imshow(matrix, cmap=CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
    if sizes is not None:
        edges = np.cumsum([0, *sizes])
        for edge in edges[1:-1]:
            ax.axhline(edge - 0.5, color="0.4", lw=0.8)
            ax.axvline(edge - 0.5, color="0.4", lw=0.8)
        centres = (edges[:-1] + edges[1:]) / 2 - 0.5
        labels = (
            list(layer_labels)
            if layer_labels is not None
            else [f"layer {k + 1}" for k in range(len(sizes))]
        )
        ax.set_xticks(centres, labels)
        ax.set_yticks(centres, labels, rotation=90, va="center")
        ax.tick_params(length=0)
        ax.set_xlabel("from node (column)")
        ax.set_ylabel("to node (row)")
    else:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    return image


def plot_factorisation(
    eigvecs: np.ndarray,
    eigvals: np.ndarray,
    inverse: np.ndarray,
    operator: np.ndarray,
    n: int,
    m: int,
) -> Figure:
    """``Phi . Lambda . (2I - Phi) = A`` as four pictures with the blocks named.

    Parameters
    ----------
    eigvecs, eigvals, inverse, operator
        The compact ``(n + m)``-space matrices ``Phi``, ``Lambda``, ``2I - Phi`` and ``A``.
    n, m
        Input and output layer sizes.
    """
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.8), constrained_layout=True)
    vmax = _symmetric_limit(eigvecs, eigvals, inverse, operator)
    titles = [
        r"$\Phi$ (eigenvectors)",
        r"$\Lambda$ (eigenvalues)",
        r"$\Phi^{-1} = 2I - \Phi$",
        r"$A = \Phi\,\Lambda\,\Phi^{-1}$",
    ]
    labels = [f"in ({n})", f"out ({m})"]
    for ax, matrix, title in zip(axes, (eigvecs, eigvals, inverse, operator), titles, strict=True):
        image = show_matrix(ax, matrix, (n, m), title, vmax=vmax, layer_labels=labels)
    notes = [
        [(n / 2, n + m / 2, r"$\phi^T$")],
        [(n / 2, n / 2, r"$\lambda^{in}$"), (n + m / 2, n + m / 2, r"$\lambda^{out}$")],
        [(n / 2, n + m / 2, r"$-\phi^T$")],
        [
            (n / 2, n / 2, r"diag $\lambda^{in}$"),
            (n / 2, n + m / 2, r"$W^T$"),
            (n + m / 2, n + m / 2, r"diag $\lambda^{out}$"),
            (n + m / 2, n / 2, "0"),
        ],
    ]
    for ax, marks in zip(axes, notes, strict=True):
        for x, y, text in marks:
            ax.text(
                x - 0.5,
                y - 0.5,
                text,
                ha="center",
                va="center",
                fontsize=11,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.6", "alpha": 0.85},
            )
    fig.colorbar(image, ax=axes, shrink=0.8, label="entry value")
    return fig


def plot_operators(
    matrices: Sequence[np.ndarray],
    titles: Sequence[str],
    sizes: Sequence[int] | Sequence[Sequence[int]],
    suptitle: str | None = None,
    layer_labels: Sequence[Sequence[str] | None] | None = None,
) -> Figure:
    """A row of operator pictures sharing one colour scale, each with its layer grid.

    Parameters
    ----------
    matrices
        Square matrices, one per panel.
    titles
        One title per panel.
    sizes
        Layer sizes shared by all panels, or one list of sizes per panel.
    suptitle
        Figure title.
    layer_labels
        Optional tick labels per panel (``None`` entries: ``"layer k"``).
    """
    panel_sizes = (
        [list(s) for s in sizes]
        if all(isinstance(s, Sequence) for s in sizes)
        else [list(sizes)] * len(matrices)
    )
    labels = list(layer_labels) if layer_labels is not None else [None] * len(matrices)
    fig, axes = plt.subplots(
        1, len(matrices), figsize=(4.2 * len(matrices), 4.2), constrained_layout=True
    )
    axes = np.atleast_1d(axes)
    vmax = _symmetric_limit(*matrices)
    for ax, matrix, title, grid, names in zip(
        axes, matrices, titles, panel_sizes, labels, strict=True
    ):
        image = show_matrix(ax, matrix, grid, title, vmax=vmax, layer_labels=names)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="entry value")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_states(
    states: Sequence[np.ndarray], labels: Sequence[str], sizes: Sequence[int]
) -> Figure:
    """The node activity ``n_1, A_1 n_1, ...`` as stacked strips over the ``N`` nodes.

    Each strip is scaled to its own largest entry, so that a small but non-zero activity
    stays visible; white means exactly zero.
    """
    states = np.asarray(states, dtype=float)
    scale = np.abs(states).max(axis=1, keepdims=True)
    scaled = states / np.where(scale > 0, scale, 1.0)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(states) + 1.6), constrained_layout=True)
    image = ax.imshow(scaled, cmap=CMAP, vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    edges = np.cumsum([0, *sizes])
    for edge in edges[1:-1]:
        ax.axvline(edge - 0.5, color="0.3", lw=1.2)
    for row in range(1, len(states)):
        ax.axhline(row - 0.5, color="white", lw=2)
    centres = (edges[:-1] + edges[1:]) / 2 - 0.5
    ax.set_xticks(centres, [f"layer {k + 1} ({s} nodes)" for k, s in enumerate(sizes)])
    ax.set_yticks(range(len(states)), labels)
    ax.set_xlabel("node of the full space")
    ax.set_title("Node activity after each step of the cascade (blank: zero)")
    fig.colorbar(image, ax=ax, label="activity / largest |activity| of the row")
    return fig


def plot_kernel_changes(
    changes: Sequence[np.ndarray], titles: Sequence[str], suptitle: str | None = None
) -> Figure:
    """Pictures of ``|Delta W|`` (Keras orientation: rows = inputs, columns = units).

    Each panel is scaled to its own largest change, so the picture shows *which* weights
    move; white means exactly unchanged.
    """
    fig, axes = plt.subplots(
        1, len(changes), figsize=(3.0 * len(changes) + 1.0, 3.9), constrained_layout=True
    )
    axes = np.atleast_1d(axes)
    for ax, change, title in zip(axes, changes, titles, strict=True):
        magnitude = np.abs(np.asarray(change, dtype=float))
        peak = magnitude.max()
        image = ax.imshow(
            magnitude / (peak if peak > 0 else 1.0),
            cmap="Greys",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        ax.set_title(title)
        ax.set_xlabel("output unit $i$")
        ax.set_ylabel("input node $j$")
        ax.set_xticks(range(magnitude.shape[1]))
        ax.set_yticks(range(magnitude.shape[0]))
        for edge in np.arange(magnitude.shape[1] - 1) + 0.5:
            ax.axvline(edge, color="0.85", lw=0.6)
        for edge in np.arange(magnitude.shape[0] - 1) + 0.5:
            ax.axhline(edge, color="0.85", lw=0.6)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=r"$|\Delta W_{ji}|$ / largest change")
    if suptitle:
        fig.suptitle(suptitle)
    return fig
