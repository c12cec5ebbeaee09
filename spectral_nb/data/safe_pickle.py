"""A restricted unpickler that can only rebuild plain numpy arrays.

Used for the classic ``mnist.pkl.gz``, and only after its sha256 has been verified: the
allow-list is a second line of defence, not the first.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` only resolves numpy array reconstruction globals."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed") from None


def restricted_loads(data: bytes, encoding: str = "latin1") -> Any:
    """Unpickle ``data`` allowing only numpy arrays, dtypes and builtin containers.

    Parameters
    ----------
    data : bytes
        The pickle stream (already hash-verified by the caller).
    encoding : str
        Passed to :class:`pickle.Unpickler`; ``latin1`` reads Python 2 numpy pickles.

    Raises
    ------
    pickle.UnpicklingError
        If the stream references any other global.
    """
    return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()
