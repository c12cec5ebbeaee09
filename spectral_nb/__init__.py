"""spectral_nb: training neural networks in the spectral domain.

Keras layers whose weights are the eigenvalues and eigenvectors of each layer's transfer
operator (Giambagli et al., Nat. Commun. 12, 1330, 2021), direct-space baselines,
telescopic retraction, offline datasets and the experiment engine behind the book.
"""

from .layers import ConstrainedDense, Spectral
from .retraction import retract

__version__ = "0.1.0"

__all__ = ["ConstrainedDense", "Spectral", "__version__", "retract"]
