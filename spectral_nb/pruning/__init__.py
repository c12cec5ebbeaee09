"""Spectral pruning (Buffoni et al., Sci. Rep. 12, 11201, 2022): rank hidden nodes, cut them out.

``prune(model, 0.7)`` removes the 70 % of every hidden layer's nodes with the smallest
eigenvalue (:mod:`.scores`) and returns the smaller Keras model (:mod:`.surgery`);
``node_scores(model)`` gives the ranking for plots; :mod:`.search` finds the smallest
network within an accuracy drop on a validation split. :mod:`.chain` says which models
qualify, :mod:`.selection` how fractions become nodes. The study (:mod:`.spec`,
:mod:`.training`, :mod:`.study`) and the chapter's helpers (:mod:`.tables`, :mod:`.plots`)
build on them.

Names are imported lazily, so reading a pruning spec or record does not load Keras.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "EmptyLayerError": ".errors",
    "PruningError": ".errors",
    "model_chain": ".chain",
    "RANKINGS": ".scores",
    "layer_parameters": ".scores",
    "node_scores": ".scores",
    "keep_masks": ".selection",
    "prune": ".surgery",
    "remove_nodes": ".surgery",
    "silenced_model": ".surgery",
    "SearchResult": ".search",
    "Split": ".search",
    "accuracy": ".search",
    "smallest_within": ".search",
    "validation_split": ".search",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'spectral_nb.pruning' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
