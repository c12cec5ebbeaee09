"""How regimes, architectures, conventions and sweep points are named on a page.

One home for the display names, so that every table, figure and sentence of the book calls
the same regime "Train Λ" and the same architecture "linear wide". The names of regimes are
the paper's (:mod:`spectral_nb.experiments.protocol.paper_values`); this module adds the
architectures, the authors'-code suffix and a few formatters of labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..experiments.protocol.paper_values import REGIME_LABELS, REGIME_ORDER
from ..experiments.protocol.spec import SPECTRAL_REGIMES

__all__ = [
    "ARCHITECTURE_LABELS", "CONVENTION_SUFFIX", "DATASET_LABELS", "REGIME_LABELS",
    "REGIME_ORDER", "SPECTRAL",
    "architecture_label", "cell_name", "convention_of", "network_label", "point_label",
    "regime_label",
]

ARCHITECTURE_LABELS: dict[str, str] = {
    "perceptron": "perceptron",
    "linear_wide": "linear wide",
    "linear_deep": "linear deep",
    "nonlinear": "non-linear",
}
CONVENTION_SUFFIX: dict[str, str] = {"authors_code": " (authors' code)"}
DATASET_LABELS: dict[str, str] = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
SPECTRAL: tuple[str, ...] = SPECTRAL_REGIMES


def regime_label(regime: str, convention: str = "paper") -> str:
    """The display name of a regime, e.g. ``Train Λ`` or ``Train Λ (authors' code)``."""
    if regime not in REGIME_LABELS:
        raise ValueError(f"Unknown regime {regime!r}; choose from {list(REGIME_LABELS)}.")
    return REGIME_LABELS[regime] + CONVENTION_SUFFIX.get(convention, "")


def architecture_label(architecture: str) -> str:
    """``linear_wide`` -> ``linear wide``; an unknown name is shown as it is."""
    return ARCHITECTURE_LABELS.get(architecture, architecture)


def cell_name(architecture: str, regime: str) -> str:
    """One Table 1 cell, e.g. ``non-linear / Train Λ``."""
    return f"{ARCHITECTURE_LABELS[architecture]} / {REGIME_LABELS[regime]}"


def point_label(point: str) -> str:
    """A width sweep point for prose: ``N2=2000`` -> ``N₂ = 2000`` (others unchanged)."""
    return point.replace("N2=", "N₂ = ")


def network_label(point: str) -> str:
    """The network of a deep-study point: ``l4:784-800-600-10`` -> ``784-800-600-10``."""
    return point.split(":", 1)[1] if ":" in point else point


def convention_of(record: Mapping[str, Any]) -> str:
    """A record's eigenvalue convention; ``"-"`` for the direct-space regimes, which have none."""
    spec = record["spec"]
    return spec["convention"] if spec["regime"] in SPECTRAL else "-"
