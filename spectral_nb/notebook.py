"""``glue`` for the chapters, with or without the book's Sphinx toolchain.

A chapter quotes its numbers in prose through ``{glue:text}`` roles, which the book build
(MyST-NB) fills from values the notebook *glued*. ``myst_nb`` comes with the Sphinx toolchain,
which a reader running a chapter on Colab or in plain Jupyter does not need, so the chapters
import :func:`glue` from here:

- where ``myst_nb`` is importable (``make book``, nbval), this is ``myst_nb.glue`` itself, and
  the built pages are exactly what they were;
- elsewhere it keeps the value in :data:`GLUED` and, with ``display=True``, shows it plainly;
  with ``display=False`` it shows nothing (the prose that quotes it is only rendered in the
  book).

``SPECTRAL_NB_GLUE_LOG=<file>`` makes the fallback also append each glued value to that file as
one JSON line ``{"name": ..., "value": ...}``; ``make colab-check`` reads it to see what a
chapter glued where ``myst_nb`` is absent.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

LOG_ENV = "SPECTRAL_NB_GLUE_LOG"
GLUED: dict[str, Any] = {}  # what the fallback glued in this process, by name


def have_myst_nb() -> bool:
    """Whether ``myst_nb`` (the book's toolchain) can be imported here."""
    return importlib.util.find_spec("myst_nb") is not None


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`name``` roles (see the module docs)."""
    if have_myst_nb():
        from myst_nb import glue as myst_glue

        myst_glue(name, value, display=display)
        return
    GLUED[name] = value
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"name": name, "value": value}, default=str) + "\n")
    if display:
        from IPython.display import display as show

        show(value)


__all__ = ["GLUED", "LOG_ENV", "glue", "have_myst_nb"]
