"""Named parameter profiles of the book's notebooks and the experiment engine.

``smoke``: every study exercised in seconds on tiny subsets (CI, nbval).
``quick``: the whole book on 2 CPU cores in about 20 minutes (measured: 19 min of execution).
``paper``: the paper's full protocol (5 seeds, every sweep point, full data).
``auto``: ``paper`` where a GPU is visible or the paper-profile run records a chapter needs
are all present (committed records are reused, not retrained), else ``quick``.

The environment variable ``SPECTRAL_NB_PROFILE`` overrides the profile a notebook asks for;
``make test`` uses it to run every chapter under ``smoke``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

PROFILES: tuple[str, ...] = ("smoke", "quick", "paper")
ENV_VAR = "SPECTRAL_NB_PROFILE"


def validate(profile: str) -> str:
    """Return ``profile`` if it names a profile, else raise a ``ValueError`` listing them."""
    if profile not in PROFILES:
        raise ValueError(
            f"Unknown profile {profile!r}. Valid profiles: {', '.join(PROFILES)} "
            "(or 'auto' where a notebook resolves it)."
        )
    return profile


def resolve(profile: str = "auto", studies: Iterable[tuple[str, str]] = ()) -> str:
    """The profile to run: the environment override, else ``profile`` with ``auto`` resolved.

    Parameters
    ----------
    profile
        ``smoke``, ``quick``, ``paper`` or ``auto``.
    studies
        ``(study, dataset)`` pairs a chapter needs (a probe counts as a study, named
        ``probe_<name>``); ``auto`` picks ``paper`` when all their paper-profile records are
        stored (or a GPU is visible), else ``quick``.
    """
    chosen = os.environ.get(ENV_VAR) or profile
    if chosen == "auto":
        studies = tuple(studies)
        if _gpu_available() or (studies and _paper_records_complete(studies)):
            return "paper"
        return "quick"
    return validate(chosen)


def _paper_records_complete(studies: tuple[tuple[str, str], ...]) -> bool:
    from .experiments.protocol.probes import PROBE_PREFIX, build_probe
    from .experiments.protocol.studies import build_study
    from .experiments.store import ResultsStore, default_root

    store = ResultsStore(default_root("paper"))
    for name, dataset in studies:
        build = build_probe if name.startswith(PROBE_PREFIX) else build_study
        if not all(store.has(name, spec) for spec in build(name, dataset, "paper").specs):
            return False
    return True


def _gpu_available() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
