"""The on-disk cache: one verified ``<name>.npz`` per dataset.

Cache directory resolution (first match wins):

1. the explicit ``cache_dir`` argument;
2. the environment variable ``SPECTRAL_NB_DATA``;
3. ``<repo root>/data`` when the package sits in a source checkout (the parent of the
   package directory contains ``pyproject.toml``);
4. ``~/.cache/spectral_nb``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .errors import CorruptCacheError
from .integrity import array_problems
from .registry import ARRAY_KEYS, DatasetSpec

ENV_VAR = "SPECTRAL_NB_DATA"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../spectral_nb


def default_cache_dir() -> Path:
    """Return the cache directory used when no explicit one is given (see module docs)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data"
    return Path.home() / ".cache" / "spectral_nb"


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return ``cache_dir`` as a :class:`~pathlib.Path`, or the default cache directory."""
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def read_cache(path: Path, spec: DatasetSpec) -> dict[str, np.ndarray]:
    """Load and verify a cache file.

    Parameters
    ----------
    path : Path
        The ``.npz`` file.
    spec : DatasetSpec
        The dataset it must contain.

    Returns
    -------
    dict
        The four uint8 arrays, checked against the content hashes.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CorruptCacheError
        If the file cannot be read or any array differs from the known content.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib/ValueError/OSError: all "corrupt"
        raise CorruptCacheError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
    problems = array_problems(spec, arrays)
    if problems:
        raise CorruptCacheError(f"{path}: " + "; ".join(problems))
    return arrays


def write_cache(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` atomically (temporary file in the same directory + rename).

    The file is an uncompressed ``.npz`` so that loading is fast; readers never see a
    partially written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{key: arrays[key] for key in ARRAY_KEYS})
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
