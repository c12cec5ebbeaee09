"""Every study the book runs, by name, and the profile a chapter resolves to.

A study name is one of the paper's studies (``perceptron``, ``wide``, ``deep``,
``nonlinear``), a probe (``probe_<name>``), or a study registered by another part of the
package (the CNN chapter's ``cnn_*``, the pruning chapter's ``pruning_*``) through
:data:`EXTRA_STUDIES`: a name prefix mapped to a module that defines ``STUDIES`` (its study
names) and ``build(name, dataset, profile) -> Study``, imported only when needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from ..profiles import PROFILES, resolve
from .protocol.probes import PROBE_PREFIX, PROBES, build_probe
from .protocol.studies import STUDIES, Study, build_study

# name prefix -> module defining STUDIES and build(name, dataset, profile) (registered by owners)
EXTRA_STUDIES: dict[str, str] = {
    "cnn_": "spectral_nb.cnn.studies",
    "pruning_": "spectral_nb.pruning.study",
}


def _builder(name: str) -> Callable[[str, str, str], Study]:
    if name in STUDIES:
        return build_study
    if name.startswith(PROBE_PREFIX):
        return build_probe
    for prefix, module in EXTRA_STUDIES.items():
        if name.startswith(prefix):
            return importlib.import_module(module).build
    raise ValueError(f"Unknown study {name!r}; choose from {', '.join(names())}.")


def build(name: str, dataset: str = "mnist", profile: str = "quick") -> Study:
    """The runs of study ``name`` on ``dataset`` under ``profile``."""
    return _builder(name)(name, dataset, profile)


def probe_names() -> tuple[str, ...]:
    """Every probe's study name (``probe_<name>``)."""
    return tuple(PROBE_PREFIX + name for name in PROBES)


def extra_names() -> tuple[str, ...]:
    """The studies registered in :data:`EXTRA_STUDIES` (CNN, pruning, ...)."""
    return tuple(
        name for module in EXTRA_STUDIES.values()
        for name in importlib.import_module(module).STUDIES
    )


def names() -> tuple[str, ...]:
    """Every study name: the paper's studies, the probes, then the registered studies."""
    return (*STUDIES, *probe_names(), *extra_names())


def records_complete(studies: Iterable[tuple[str, str]], profile: str = "paper") -> bool:
    """Whether every run of every ``(study, dataset)`` has a record under ``profile``."""
    from .store import ResultsStore, default_root

    store = ResultsStore(default_root(profile))
    studies = tuple(studies)
    return bool(studies) and all(
        store.has(spec)
        for study in (build(name, dataset, profile) for name, dataset in studies)
        for spec in study.specs
    )


def resolve_profile(profile: str = "auto", studies: Iterable[tuple[str, str]] = ()) -> str:
    """The profile a chapter runs: ``auto`` is ``paper`` when all ``studies``' paper records
    are stored, else ``quick``; ``SPECTRAL_NB_PROFILE`` overrides (see :mod:`..profiles`)."""
    studies = tuple(studies)
    return resolve(profile, lambda: records_complete(studies, "paper"))


__all__ = [
    "PROFILES", "build", "extra_names", "names", "probe_names", "records_complete",
    "resolve_profile",
]
