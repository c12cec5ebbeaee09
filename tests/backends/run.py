"""Run the backend-neutral tests once per Keras backend (``make backends``).

The Keras backend is fixed when Keras is first imported, so each backend gets its own pytest
process with ``KERAS_BACKEND`` set. TensorFlow and JAX are required (both are installed by
``make setup``); PyTorch runs when it is importable and is otherwise reported as skipped, with
the reason. Extra arguments go to pytest (``python tests/backends/run.py -x -k pool``).
Exit status: non-zero if any backend's run failed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIRED = ("tensorflow", "jax")
OPTIONAL = {"torch": "pip install torch==2.13.0 (the CPU wheel) to include it"}


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run(backend: str, pytest_args: list[str]) -> int:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE)]
    print(f"backends: {backend}: KERAS_BACKEND={backend} pytest {HERE.name}", flush=True)
    start = time.perf_counter()
    code = subprocess.call([*command, *pytest_args], env=env, cwd=HERE.parent.parent)
    status = "passed" if code == 0 else f"FAILED (exit {code})"
    print(f"backends: {backend}: {status} in {time.perf_counter() - start:.0f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    failed = []
    for backend in REQUIRED:
        if not available(backend):
            print(f"backends: {backend}: FAILED, not installed (make setup installs it)")
            failed.append(backend)
        elif run(backend, argv):
            failed.append(backend)
    for backend, hint in OPTIONAL.items():
        if not available(backend):
            print(f"backends: {backend}: SKIPPED, {backend} is not installed; {hint}")
        elif run(backend, argv):
            failed.append(backend)
    if failed:
        print(f"backends: failed under {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
