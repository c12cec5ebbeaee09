"""Named parameter profiles of the book's notebooks and the experiment engine.

``smoke``: every study exercised in seconds on tiny subsets (CI, nbval).
``quick``: the whole book on 2 CPU cores in about a quarter of an hour.
``paper``: the paper's full protocol (5 seeds, every sweep point, full data).
``auto``: ``paper`` where its run records are all present or a GPU is visible, else ``quick``.

The environment variable ``SPECTRAL_NB_PROFILE`` overrides the profile a notebook asks for;
``make test`` uses it to run every chapter under ``smoke``.
"""

from __future__ import annotations

import os

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


def resolve(profile: str = "auto") -> str:
    """The profile to run: the environment override, else ``profile`` (``auto`` resolved)."""
    chosen = os.environ.get(ENV_VAR) or profile
    if chosen == "auto":
        return "paper" if _gpu_available() else "quick"
    return validate(chosen)


def _gpu_available() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
