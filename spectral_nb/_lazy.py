"""Lazy package attributes (PEP 562), and imports that wait for another module's import.

A package lists ``{name: module}`` (a module name relative to the package when it starts with
a dot) and binds the two functions :func:`lazy_attributes` returns to its own ``__getattr__``
and ``__dir__``. Importing the package then imports none of those modules, so reading records,
``python -m spectral_nb.data`` or the CLI's ``--help`` never start Keras or TensorFlow.

Keras finds a saved layer's class by its registered name (``"spectral_nb>Spectral"``), which
exists only once the module defining the class has run. :func:`import_after` imports such
modules the moment Keras itself is imported (at once if it already is), so a ``.keras`` file
loads after a plain ``import spectral_nb`` while the package alone still loads no Keras.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec


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


class _ImportAfter:
    """A ``sys.meta_path`` finder that finds nothing itself: when ``trigger`` is imported it
    wraps the loader the other finders return, so ``modules`` are imported right after
    ``trigger`` has run. (Not an ``importlib.abc.MetaPathFinder``: importing that module
    alone would cost more than the rest of ``import spectral_nb``.)"""

    def __init__(self, trigger: str, modules: Sequence[str]) -> None:
        self.trigger = trigger
        self.modules = tuple(modules)

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.trigger:
            return None
        _remove(self)  # one shot; also keeps the search below from finding this finder
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
            return spec  # pragma: no cover - a built-in, frozen or legacy module: left alone
        exec_module = loader.exec_module
        modules = self.modules

        def exec_then_import(module: ModuleType) -> None:
            try:
                exec_module(module)
            finally:
                del loader.exec_module  # back to the loader's own method
            _import_all(modules)

        loader.exec_module = exec_then_import
        return spec


def _remove(finder: _ImportAfter) -> None:
    try:
        sys.meta_path.remove(finder)
    except ValueError:  # pragma: no cover - removed by another thread meanwhile
        pass


def _import_all(modules: Iterable[str]) -> None:
    for name in modules:
        importlib.import_module(name)


def import_after(trigger: str, modules: Sequence[str]) -> None:
    """Import ``modules`` (absolute names) as soon as the module ``trigger`` is imported.

    At once if ``trigger`` is already imported; otherwise right after its first import,
    wherever it comes from, and never if it is never imported. Calling it again for the same
    pair adds no second hook.
    """
    if trigger in sys.modules:
        _import_all(modules)
        return
    pending = [
        f for f in sys.meta_path
        if isinstance(f, _ImportAfter) and (f.trigger, f.modules) == (trigger, tuple(modules))
    ]
    if not pending:
        sys.meta_path.insert(0, _ImportAfter(trigger, modules))
