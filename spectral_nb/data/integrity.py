"""sha256 helpers and the array check shared by the cache and every source."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from .errors import VerificationError
from .registry import ARRAY_KEYS, DatasetSpec


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(arr: np.ndarray) -> str:
    """Return the content hash of ``arr``: sha256 of its C-contiguous bytes."""
    return sha256_bytes(memoryview(np.ascontiguousarray(arr)).cast("B"))


def require_sha256(data: bytes, expected: str, what: str) -> bytes:
    """Return ``data`` if its sha256 is ``expected``, else raise.

    Parameters
    ----------
    data : bytes
        The payload to check, before it is parsed in any way.
    expected : str
        Known hex sha256.
    what : str
        Human-readable description used in the error message.

    Raises
    ------
    VerificationError
        If the hash differs.
    """
    actual = sha256_bytes(data)
    if actual != expected:
        raise VerificationError(
            f"{what}: sha256 mismatch (got {actual[:16]}..., expected {expected[:16]}...)"
        )
    return data


def array_problems(spec: DatasetSpec, arrays: Mapping[str, np.ndarray]) -> list[str]:
    """List every way ``arrays`` differ from the verified dataset ``spec``.

    Returns
    -------
    list of str
        Empty when keys, dtypes, shapes and content hashes all match.
    """
    problems = []
    if set(arrays) != set(ARRAY_KEYS):
        return [f"keys {sorted(arrays)} != {sorted(ARRAY_KEYS)}"]
    for key in ARRAY_KEYS:
        arr = arrays[key]
        if arr.dtype != np.uint8:
            problems.append(f"{key}: dtype {arr.dtype} != uint8")
        elif arr.shape != spec.shapes[key]:
            problems.append(f"{key}: shape {arr.shape} != {spec.shapes[key]}")
        elif content_sha256(arr) != spec.content_sha256[key]:
            problems.append(f"{key}: content sha256 mismatch")
    return problems


def require_arrays(spec: DatasetSpec, arrays: Mapping[str, np.ndarray], what: str) -> None:
    """Raise :class:`VerificationError` unless ``arrays`` are exactly dataset ``spec``."""
    problems = array_problems(spec, arrays)
    if problems:
        raise VerificationError(f"{what}: " + "; ".join(problems))
