"""The package's version: the one place it is written.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``) into the distribution's metadata,
``spectral_nb.__version__`` re-exports it, and the run records store it as their provenance.
``CITATION.cff``'s ``version``, the newest release heading of ``CHANGELOG.md`` and the release
tag (``v`` + this version) must equal it: ``tests/test_packaging.py`` and the release workflow
check them. The module imports nothing, so reading the version never starts Keras.
"""

__version__ = "0.1.0"
