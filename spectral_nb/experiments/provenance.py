"""Where and with what a run was produced: device, versions, git commit."""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path


@functools.lru_cache(maxsize=1)
def provenance() -> dict[str, str | None]:
    import keras
    import numpy
    import tensorflow as tf

    from .. import __version__

    return {
        "device": device_description(),
        "spectral_nb": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "git_commit": git_commit(),
    }


def device_description() -> str:
    """The accelerator TensorFlow uses, or the CPU model and core count."""
    import os

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}"
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"CPU: {model}, {os.cpu_count()} cores"


def git_commit() -> str | None:
    """The checkout's HEAD commit; ``+modified`` is appended when the package's own files
    differ from it, so a record never claims a commit that lacks the code that made it.

    Git runs with ``--no-optional-locks``: ``status`` then never takes the index lock, so a
    training process killed meanwhile cannot leave ``.git/index.lock`` behind."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True,
            timeout=5, check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        modified = bool(git("status", "--porcelain", "--", "spectral_nb"))
    except (OSError, subprocess.SubprocessError):
        return None
    if not commit:
        return None
    return commit + ("+modified" if modified else "")
