"""Backend-neutral tests: this folder runs once per Keras backend, one process each.

``python tests/backends/run.py`` (``make backends``, part of ``make test``) runs it under
TensorFlow, JAX and, when it is installed, PyTorch. A plain ``pytest tests`` skips the folder
(``norecursedirs`` in ``pyproject.toml``); ``KERAS_BACKEND=jax pytest tests/backends`` runs
one backend by hand.

Float64 is part of what is tested (exactness to rounding), and JAX computes in float32 unless
``JAX_ENABLE_X64`` is set before it is imported, so it is set here, before Keras loads JAX.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if os.environ.get("KERAS_BACKEND") == "jax":
    os.environ.setdefault("JAX_ENABLE_X64", "True")
