"""Keras layers: the spectral dense layer and the direct-space constrained baseline."""

from .constrained import ConstrainedDense, choose_trainable_entries
from .scaled_tanh import ScaledTanh
from .spectral import Spectral

__all__ = ["ConstrainedDense", "ScaledTanh", "Spectral", "choose_trainable_entries"]
