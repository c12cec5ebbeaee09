"""spectral_nb: training neural networks in the spectral domain.

Keras layers whose weights are the eigenvalues and eigenvectors of each layer's transfer
operator (Giambagli et al., Nat. Commun. 12, 1330, 2021), direct-space baselines,
telescopic retraction, offline datasets and the experiment engine behind the book.

The layers are imported lazily, so ``python -m spectral_nb.data`` does not load TensorFlow.
The modules of the serialisable classes are imported as soon as Keras is, so that Keras
knows them by name and ``keras.saving.load_model`` reads a ``.keras`` file holding any of
them after a plain ``import spectral_nb``.
"""

from __future__ import annotations

from ._lazy import import_after, lazy_attributes
from ._version import __version__

_LAZY = {
    "Spectral": "spectral_nb.layers",
    "ConstrainedDense": "spectral_nb.layers",
    "ScaledTanh": "spectral_nb.layers",
    "retract": "spectral_nb.retraction",
    "SpectralPooling2D": "spectral_nb.cnn",
    "RandomizedResolution": "spectral_nb.cnn",
    "SpectralConv2D": "spectral_nb.cnn",
    "prune": "spectral_nb.pruning",
    "node_scores": "spectral_nb.pruning",
}

__all__ = [*_LAZY, "__version__"]
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, extra=["__version__"])

# Every module defining a class registered with keras.saving.register_keras_serializable.
SERIALISABLE_MODULES: tuple[str, ...] = (
    "spectral_nb.layers",  # Spectral, ConstrainedDense, ScaledTanh, ArrayInitializer
    "spectral_nb.cnn.conv",
    "spectral_nb.cnn.pooling",
    "spectral_nb.cnn.randomized",
)
import_after("keras", SERIALISABLE_MODULES)
