"""The experiment engine behind the book: specs, studies, fast training, records, summaries.

Typical use in a chapter::

    from spectral_nb.experiments import build_study, run_study, runs_frame, point_summary
    records = run_study(build_study("wide", "mnist", profile))
    summary = point_summary(runs_frame(records))

Names are imported lazily, so reading records (e.g. ``table1``) does not start TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "run_study": "runner",
    "REGIMES": "spec",
    "RunSpec": "spec",
    "SpecError": "spec",
    "constrained_twin": "spec",
    "ResultsStore": "store",
    "default_root": "store",
    "STUDIES": "studies",
    "Study": "studies",
    "build_study": "studies",
    "PROBES": "probes",
    "build_probe": "probes",
    "get_probe": "probes",
    "probe_table": "summaries",
    "perceptron_table": "summaries",
    "point_summary": "summaries",
    "runs_frame": "summaries",
    "table1": "summaries",
    "table1_cross_fitted": "summaries",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
