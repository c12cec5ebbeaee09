"""Spectral representations for convolutional networks (Rippel, Snoek and Adams, 2015).

Orthonormal 2-D DFT helpers for NHWC tensors, exact spectral pooling, randomised resolution
(frequency dropout) and convolutions parametrised by the DFT of their filters. The
experiments of the book's CNN chapter live in :mod:`spectral_nb.cnn.experiments`.
"""

from .conv import SpectralConv2D, spatial_to_spectral, spectral_to_spatial
from .dft import dft2, idft2, spectral_pool, spectral_upsample
from .pooling import SpectralPooling2D
from .randomized import RandomizedResolution, lowpass

__all__ = [
    "RandomizedResolution",
    "SpectralConv2D",
    "SpectralPooling2D",
    "dft2",
    "idft2",
    "lowpass",
    "spatial_to_spectral",
    "spectral_pool",
    "spectral_to_spatial",
    "spectral_upsample",
]
