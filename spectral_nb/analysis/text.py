"""How numbers and findings read on a page: ``mean ± std``, signed differences, notes.

Every formatter returns text (``"–"`` for a missing value), so that tables and sentences of
the book write the same quantity the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["Note", "format_pm", "interval", "joined", "signed", "yes_no"]


class Note(str):
    """A sentence shown in place of a table (e.g. when a profile did not train a comparison).

    A ``str`` that Jupyter displays as Markdown (no quotes), so a cell can ``display`` a
    function's result whether it is a table or a note.
    """

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def format_pm(mean: float, std: float, digits: int = 1) -> str:
    """``"92.3 ± 0.1"``; ``"–"`` for a missing mean."""
    if mean is None or not np.isfinite(mean):
        return "–"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def interval(low: float, high: float, digits: int) -> str:
    """``"[91.2, 93.4]"``; for a single seed (no interval) ``"– (one seed)"``."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "– (one seed)"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def signed(value: float, digits: int) -> str:
    """``"+0.42"`` or ``"-1.30"``; ``"–"`` for a missing value."""
    return f"{value:+.{digits}f}" if np.isfinite(value) else "–"


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def joined(items: Iterable[str], separator: str = ", ", empty: str = "none") -> str:
    """The items joined by ``separator``; ``empty`` when there are none."""
    return separator.join(items) or empty
