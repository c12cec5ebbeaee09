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

from .._lazy import lazy_attributes

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
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
