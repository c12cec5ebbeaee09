"""spectral_nb: training neural networks in the spectral domain.

Keras layers whose weights are the eigenvalues and eigenvectors of each layer's transfer
operator (Giambagli et al., Nat. Commun. 12, 1330, 2021), direct-space baselines,
telescopic retraction, offline datasets and the experiment engine behind the book.

The layers are imported lazily, so ``python -m spectral_nb.data`` does not load TensorFlow.
"""

from __future__ import annotations

from ._lazy import lazy_attributes

__version__ = "0.1.0"

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
