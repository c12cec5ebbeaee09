"""spectral_nb: training neural networks in the spectral domain.

Keras layers whose weights are the eigenvalues and eigenvectors of each layer's transfer
operator (Giambagli et al., Nat. Commun. 12, 1330, 2021), direct-space baselines,
telescopic retraction, offline datasets and the experiment engine behind the book.

The layers are imported lazily, so ``python -m spectral_nb.data`` does not load TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'spectral_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
