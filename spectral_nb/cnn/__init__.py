"""Spectral representations for convolutional networks (Rippel, Snoek and Adams, 2015).

Layers and functions, written with ``keras.ops`` (every Keras backend): orthonormal 2-D DFT
helpers for NHWC tensors, exact spectral pooling, randomised resolution (frequency dropout)
and convolutions parametrised by the DFT of their filters.

The book's CNN chapter is built from the other modules: :mod:`.models` (the small CNN),
:mod:`.spec` and :mod:`.training` (its runs, recorded like every other run of the book),
:mod:`.studies` (which runs each study asks for, and the information-preservation
measurement), :mod:`.tables` (records to tables and findings), :mod:`.speedups`
(the optimisation study's speed-ups) and :mod:`.plots`.

Names are imported lazily, so reading CNN specs and records does not load Keras.
"""

from __future__ import annotations

from .._lazy import lazy_attributes

_LAZY = {
    "SpectralConv2D": ".conv",
    "spatial_to_spectral": ".conv",
    "spectral_to_spatial": ".conv",
    "dft2": ".dft",
    "idft2": ".dft",
    "spectral_pool": ".dft",
    "spectral_upsample": ".dft",
    "to_complex": ".dft",
    "SpectralPooling2D": ".pooling",
    "RandomizedResolution": ".randomized",
    "lowpass": ".randomized",
}

__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
