"""The experiment engine behind the book: specs, studies, fast training, records, summaries.

Typical use in a chapter::

    from spectral_nb.experiments import build_study, run_study, runs_frame, point_summary
    records = run_study(build_study("wide", "mnist", profile))
    summary = point_summary(runs_frame(records))
"""

from .runner import run_study
from .spec import REGIMES, RunSpec, SpecError, constrained_twin
from .store import ResultsStore, default_root
from .studies import STUDIES, Study, build_study
from .summaries import perceptron_table, point_summary, runs_frame, table1

__all__ = [
    "REGIMES", "STUDIES", "ResultsStore", "RunSpec", "SpecError", "Study", "build_study",
    "constrained_twin", "default_root", "perceptron_table", "point_summary", "run_study",
    "runs_frame", "table1",
]
