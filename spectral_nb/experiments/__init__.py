"""The experiment engine behind the book: specs, studies, fast training, runs and records.

Typical use in a chapter::

    from spectral_nb.analysis.summaries import point_summary, runs_frame
    from spectral_nb.experiments import build_study, resolve_profile, run_study
    profile = resolve_profile("auto", studies=[("wide", "mnist")])
    records = run_study(build_study("wide", "mnist", profile))
    summary = point_summary(runs_frame(records))

Names are imported lazily, so reading records (e.g. the CLI's ``list`` and ``table1``) does not
start TensorFlow.
"""

from __future__ import annotations

from .._lazy import lazy_attributes

_LAZY = {
    "run_study": ".runner",
    "run_specs": ".runner",
    "study_records": ".runner",
    "resolve_profile": ".catalog",
    "REGIMES": ".protocol.spec",
    "RunSpec": ".protocol.spec",
    "SpecError": ".protocol.spec",
    "constrained_twin": ".protocol.spec",
    "ResultsStore": ".store",
    "default_root": ".store",
    "STUDIES": ".protocol.studies",
    "Study": ".protocol.studies",
    "build_study": ".protocol.studies",
    "PROBES": ".protocol.probes",
    "build_probe": ".protocol.probes",
    "get_probe": ".protocol.probes",
}

__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
