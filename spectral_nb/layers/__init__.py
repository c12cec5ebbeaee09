"""Keras layers: the spectral dense layer and the direct-space constrained baseline."""

from .constrained import ConstrainedDense, choose_trainable_entries
from .spectral import Spectral

__all__ = ["ConstrainedDense", "Spectral", "choose_trainable_entries"]
