"""Every study the book runs, by name, and the profile a chapter resolves to.

A study name is one of the paper's studies (``perceptron``, ``wide``, ``deep``,
``nonlinear``), a probe (``probe_<name>``), or a study registered by another part of the
package (the CNN chapter's ``cnn_*``, the pruning chapter's ``pruning_*``) through
:data:`EXTRA_STUDIES`: a name prefix mapped to the dotted path of its ``build(name, dataset,
profile) -> Study`` function, imported only when such a study is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from ..profiles import PROFILES, resolve
from .protocol.probes import PROBE_PREFIX, PROBES, build_probe
from .protocol.studies import STUDIES, Study, build_study

# name prefix -> "module:function" building such a study (registered by their owners).
EXTRA_STUDIES: dict[str, str] = {}


def _builder(name: str) -> Callable[[str, str, str], Study]:
    if name in STUDIES:
        return build_study
    if name.startswith(PROBE_PREFIX):
        return build_probe
    for prefix, target in EXTRA_STUDIES.items():
        if name.startswith(prefix):
            module, function = target.split(":")
            return getattr(importlib.import_module(module), function)
    raise ValueError(f"Unknown study {name!r}; choose from {', '.join(names())}.")


def build(name: str, dataset: str = "mnist", profile: str = "quick") -> Study:
    """The runs of study ``name`` on ``dataset`` under ``profile``."""
    return _builder(name)(name, dataset, profile)


def names() -> tuple[str, ...]:
    """The paper's studies and the probes (registered studies are listed by their owners)."""
    return (*STUDIES, *(PROBE_PREFIX + name for name in PROBES))


def records_complete(studies: Iterable[tuple[str, str]], profile: str = "paper") -> bool:
    """Whether every run of every ``(study, dataset)`` has a record under ``profile``."""
    from .store import ResultsStore, default_root

    store = ResultsStore(default_root(profile))
    studies = tuple(studies)
    return bool(studies) and all(
        store.has(study.name, spec)
        for study in (build(name, dataset, profile) for name, dataset in studies)
        for spec in study.specs
    )


def resolve_profile(profile: str = "auto", studies: Iterable[tuple[str, str]] = ()) -> str:
    """The profile a chapter runs: ``auto`` is ``paper`` when all ``studies``' paper records
    are stored, else ``quick``; ``SPECTRAL_NB_PROFILE`` overrides (see :mod:`..profiles`)."""
    studies = tuple(studies)
    return resolve(profile, lambda: records_complete(studies, "paper"))


__all__ = ["PROFILES", "build", "names", "records_complete", "resolve_profile"]
