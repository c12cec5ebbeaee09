"""Lazy package attributes (PEP 562): each public name is imported from its module on first use.

A package lists ``{name: module}`` (a module name relative to the package when it starts with
a dot) and binds the two functions :func:`lazy_attributes` returns to its own ``__getattr__``
and ``__dir__``. Importing the package then imports none of those modules, so reading records,
``python -m spectral_nb.data`` or the CLI's ``--help`` never start Keras or TensorFlow.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_attributes(
    package: str, table: Mapping[str, str], extra: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` serving the names of ``table``.

    ``extra`` are names the package defines itself, listed by ``__dir__`` beside the lazy ones.
    """
    names = sorted({*table, *extra})

    def __getattr__(name: str) -> Any:
        if name in table:
            return getattr(importlib.import_module(table[name], package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__
