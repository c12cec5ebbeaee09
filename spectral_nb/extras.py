"""The package's optional parts and a clear error when one is not installed.

``pip install spectral_nb`` brings the layers (Keras and numpy only). The experiment engine
needs TensorFlow and the data tools, declared as the ``experiments`` extra; the chapters need
the ``colab`` extra; the book build the ``book`` extra (see ``pyproject.toml``).
"""

from __future__ import annotations

import importlib.util

DIST = "spectral_nb"


class MissingExtraError(ModuleNotFoundError):
    """A module an optional part of the package needs is not installed."""


def install_command(extra: str) -> str:
    """The pip command that installs ``extra``."""
    return f'pip install "{DIST}[{extra}]"'


def require(module: str, extra: str, needed_by: str = "the experiment engine") -> None:
    """Raise :class:`MissingExtraError` (one line: what is missing, how to install it)
    unless ``module`` can be imported."""
    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(
            f"{needed_by} needs {module}, which is not installed: {install_command(extra)}",
            name=module,
        )


__all__ = ["MissingExtraError", "install_command", "require"]
