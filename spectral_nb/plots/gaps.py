"""The figure of the notes page's gap investigations: test accuracy per epoch (drawing only).

Works on run records grouped by sweep point (e.g.
:func:`spectral_nb.analysis.gap_findings.noise_panels`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..analysis.records import learning_curves
from .experiments import ACCURACY_LABEL, axes_or_new

__all__ = ["plot_epoch_noise"]


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
    ax = axes_or_new(ax)
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
