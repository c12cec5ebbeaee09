"""Spectral pruning (Buffoni et al., Sci. Rep. 12, 11201, 2022): rank hidden nodes, cut them out.

``prune(model, 0.7)`` removes the 70 % of every hidden layer's nodes with the smallest
eigenvalue (:mod:`.scores`) and returns the smaller Keras model (:mod:`.surgery`);
``node_scores(model)`` gives the ranking for plots; :mod:`.search` finds the smallest
network within an accuracy drop on a validation split. :mod:`.chain` says which models
qualify, :mod:`.selection` how fractions become nodes. The study and the chapter's helpers
(``study``, ``tables``, ``plots``) are imported on their own, as they need the engine.
"""

from .chain import EmptyLayerError, PruningError, model_chain
from .scores import RANKINGS, layer_parameters, node_scores
from .search import SearchResult, Split, accuracy, smallest_within, validation_split
from .selection import keep_masks
from .surgery import prune, remove_nodes

__all__ = [
    "RANKINGS",
    "EmptyLayerError",
    "PruningError",
    "SearchResult",
    "Split",
    "accuracy",
    "keep_masks",
    "layer_parameters",
    "model_chain",
    "node_scores",
    "prune",
    "remove_nodes",
    "smallest_within",
    "validation_split",
]
