"""Offline-first, hash-verified MNIST and Fashion-MNIST.

>>> from spectral_nb.data import load
>>> (x_train, y_train), (x_test, y_test) = load("mnist")  # doctest: +SKIP

Each dataset is cached as one ``<name>.npz`` (see :mod:`spectral_nb.data.cache` for where).
Every load checks the cached arrays against known content hashes; a corrupt cache file is
deleted and fetched again. Fetching tries several sources in order (see
:mod:`spectral_nb.data.sources`) and verifies every payload by sha256 before parsing it.

Command line: ``python -m spectral_nb.data fetch all|mnist|fashion_mnist``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from .cache import ENV_VAR, default_cache_dir, read_cache, resolve_cache_dir, write_cache
from .errors import CorruptCacheError, DataError, SourceError, UnknownDatasetError
from .registry import DATASETS, get_spec
from .sources import fetch_arrays

__all__ = [
    "DATASETS",
    "ENV_VAR",
    "DataError",
    "UnknownDatasetError",
    "available",
    "default_cache_dir",
    "fetch",
    "load",
]

Split = tuple[np.ndarray, np.ndarray]


def available() -> tuple[str, ...]:
    """Return the names of the supported datasets."""
    return tuple(DATASETS)


def _report(message: str) -> None:
    print(f"[spectral_nb.data] {message}", file=sys.stderr, flush=True)


def _fix_command(name: str) -> str:
    return f"`make data` or `python -m spectral_nb.data fetch {name}`"


def _ensure(
    name: str, cache_dir: str | os.PathLike[str] | None, force: bool
) -> tuple[Path, dict[str, np.ndarray]]:
    """Return ``(path, arrays)`` for a verified cache, fetching it when needed."""
    spec = get_spec(name)
    directory = resolve_cache_dir(cache_dir)
    path = directory / spec.filename
    corrupt: CorruptCacheError | None = None
    if not force:
        try:
            return path, read_cache(path, spec)
        except FileNotFoundError:
            _report(f"{name}: no cache at {path}; fetching")
        except CorruptCacheError as exc:
            corrupt = exc
            _report(f"{name}: invalid cache file {exc}; deleting it and fetching again")
            path.unlink(missing_ok=True)
    try:
        arrays = fetch_arrays(name, directory, _report)
    except SourceError as exc:
        lead = (
            f"cache file {path} was corrupt and has been deleted ({corrupt}); refetching failed"
            if corrupt is not None
            else f"no verified cache file {path} and it could not be fetched"
        )
        raise DataError(f"{lead}.\n{exc}\nThen run {_fix_command(name)}.") from None
    write_cache(path, arrays)
    _report(f"{name}: wrote {path}")
    return path, arrays


def fetch(
    name: str, cache_dir: str | os.PathLike[str] | None = None, *, force: bool = False
) -> Path:
    """Make sure a verified cache file for ``name`` exists, and return its path.

    A valid cache makes this a quick check (the arrays are hashed, nothing is downloaded).

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"fashion_mnist"``.
    cache_dir : str or os.PathLike, optional
        Cache directory; default from :func:`default_cache_dir`.
    force : bool
        Fetch again even if the cache is valid.

    Returns
    -------
    Path
        The verified ``<cache_dir>/<name>.npz``.

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not supported (the message lists the valid names).
    DataError
        If no source could deliver verified data; the message lists every source tried.
    """
    return _ensure(name, cache_dir, force)[0]


def load(name: str, cache_dir: str | os.PathLike[str] | None = None) -> tuple[Split, Split]:
    """Load a dataset as uint8 numpy arrays, fetching it first if the cache is missing.

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"fashion_mnist"``.
    cache_dir : str or os.PathLike, optional
        Cache directory. Default: ``$SPECTRAL_NB_DATA``, else ``<repo>/data`` in a source
        checkout, else ``~/.cache/spectral_nb``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuple of numpy.ndarray
        uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,), in the
        standard order.

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not supported (the message lists the valid names).
    DataError
        If the cache is missing or corrupt and cannot be fetched; the message names the
        file and the fix command.
    """
    arrays = _ensure(name, cache_dir, force=False)[1]
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
