"""The pruning errors (no imports: the spec and the selection rules use them without Keras)."""


class PruningError(ValueError):
    """A model, a fraction or a ranking that cannot be pruned, with the reason and the fix."""


class EmptyLayerError(PruningError):
    """A fraction that would remove every node of a hidden layer."""
