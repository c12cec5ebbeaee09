"""Named parameter profiles: how big every study of the book is run.

``smoke``  every study exercised in seconds on tiny subsets (CI, nbval).
``quick``  fewer seeds, sweep points and epochs: the whole book within a laptop CPU's reach.
``paper``  the papers' full protocols (5 seeds, every sweep point, full data).
``auto``   what a chapter asks for by default: ``paper`` where the paper-profile records the
           chapter needs are all stored (committed records are read, never retrained), else
           ``quick``. Nothing else selects ``paper``: a GPU alone does not.

The environment variable ``SPECTRAL_NB_PROFILE`` overrides the profile a notebook asks for
(``make test`` runs every chapter under ``smoke``).

This module is a leaf: it imports nothing from ``spectral_nb``, and every profile-dependent
setting of every study lives here, as plain data. Whether a chapter's records are stored is
asked one level up, by :func:`spectral_nb.experiments.catalog.resolve_profile`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

PROFILES: tuple[str, ...] = ("smoke", "quick", "paper")
AUTO = "auto"
ENV_VAR = "SPECTRAL_NB_PROFILE"

T = TypeVar("T")


def validate(profile: str) -> str:
    """Return ``profile`` if it names a profile, else raise a ``ValueError`` listing them."""
    if profile not in PROFILES:
        raise ValueError(
            f"Unknown profile {profile!r}. Valid profiles: {', '.join(PROFILES)} "
            f"(or {AUTO!r} where a notebook resolves it)."
        )
    return profile


def resolve(profile: str = AUTO, have_records: Callable[[], bool] | None = None) -> str:
    """The profile to run: the environment override, else ``profile`` with ``auto`` resolved.

    ``auto`` becomes ``paper`` when ``have_records()`` says every paper-profile record needed
    is stored, else ``quick``.
    """
    chosen = os.environ.get(ENV_VAR) or profile
    if chosen == AUTO:
        return "paper" if have_records is not None and have_records() else "quick"
    return validate(chosen)


def settings(table: Mapping[str, T], profile: str) -> T:
    """``table[profile]``, or a ``ValueError`` naming the valid profiles."""
    validate(profile)
    return table[profile]


# ------------------------------------------------------------------ fully connected studies
@dataclass(frozen=True)
class StudySettings:
    """Size of the paper's fully connected studies (and their probes) under one profile."""

    seeds: int
    epochs: int
    train_size: int | None  # first examples only (None: all)
    test_size: int | None
    conventions: tuple[str, ...]  # eigenvalue conventions of the spectral runs
    max_points: int | None  # at most this many points per sweep, evenly spread (None: all)


STUDY_SETTINGS: dict[str, StudySettings] = {
    "smoke": StudySettings(1, 1, 2000, 1000, ("paper",), 2),
    "quick": StudySettings(3, 5, None, None, ("paper",), 4),
    "paper": StudySettings(5, 20, None, None, ("paper", "authors_code"), None),
}
# Under smoke and quick a probe keeps at most this many of its study's points (paper: its own).
PROBE_REDUCED_POINTS = 2


# ------------------------------------------------------------------ CNN chapter
NATURAL_IMAGES: tuple[str, ...] = ("camera", "astronaut", "coffee", "chelsea", "brick", "grass")


@dataclass(frozen=True)
class CnnSettings:
    """Sizes of the CNN chapter's studies under one profile (see ``spectral_nb.cnn.studies``).

    The classification and optimisation studies share one training protocol (``seeds`` ...
    ``batch_size``), so a run both ask for is trained once.
    """

    info_images: int  # Fashion-MNIST test images in the information-preservation study
    natural_images: tuple[str, ...]
    clf_datasets: tuple[str, ...]  # datasets of the classification study
    seeds: tuple[int, ...]
    epochs: int
    train_size: int | None  # random training images per run (None: all 60 000)
    test_size: int | None  # first test images (None: all 10 000)
    eval_size: int  # fixed training subset on which each run's loss curve is measured
    evals_per_epoch: int
    # The optimisation study's filter sizes: the paper's 3 x 3 and 5 x 5, whose speed-up it
    # reports growing, and 7 x 7, the least that shows whether the growth continues.
    kernel_sizes: tuple[int, ...] = (3, 5, 7)
    filters: tuple[int, ...] = (16, 32)
    batch_size: int = 64


CNN_SETTINGS: dict[str, CnnSettings] = {
    "smoke": CnnSettings(
        info_images=32, natural_images=("camera", "coffee"), clf_datasets=("fashion_mnist",),
        seeds=(0,), epochs=1, train_size=512, test_size=512, eval_size=256, evals_per_epoch=2,
        filters=(8, 16),
    ),
    "quick": CnnSettings(
        info_images=500, natural_images=NATURAL_IMAGES, clf_datasets=("fashion_mnist",),
        seeds=(0, 1), epochs=4, train_size=10000, test_size=5000, eval_size=1000,
        evals_per_epoch=4,
    ),
    "paper": CnnSettings(
        info_images=5000, natural_images=NATURAL_IMAGES,
        clf_datasets=("fashion_mnist", "mnist"), seeds=(0, 1, 2), epochs=6, train_size=None,
        test_size=None, eval_size=5000, evals_per_epoch=4,
    ),
}


# ------------------------------------------------------------------ pruning chapter
@dataclass(frozen=True)
class PruningSettings:
    """Sizes of the pruning chapter's studies (Buffoni et al. 2022) under one profile."""

    seeds: int
    epochs: int  # of every first training
    retrain_epochs: int  # of every training after pruning
    train_size: int | None  # first examples only (None: all)
    test_size: int | None
    fractions: tuple[float, ...]  # shares of each hidden layer's nodes removed, 0 first
    retrain_fractions: tuple[float, ...]  # where the pre-training strategy trains the pruned net
    deep_retrain_fractions: tuple[float, ...]  # where the 3-hidden-layer nets are retrained
    demo_epochs: int = 5  # the chapter's own Keras example: epochs of model.fit
    demo_train_size: int | None = None  # its training examples (None: all)
    timing_repeats: int = 7  # passes over the test set per network when timing inference


_PRUNING_FRACTIONS = tuple(round(0.05 * k, 2) for k in range(20))  # 0, 5 %, ..., 95 %

PRUNING_SETTINGS: dict[str, PruningSettings] = {
    "smoke": PruningSettings(1, 1, 1, 2000, 1000, (0.0, 0.5, 0.7, 0.9), (0.5, 0.9), (0.7,),
                             demo_epochs=1, demo_train_size=2000, timing_repeats=2),
    "quick": PruningSettings(
        2, 5, 5, None, None, (*(round(0.1 * k, 1) for k in range(10)), 0.95),
        (0.3, 0.5, 0.7, 0.9), (0.7,), demo_epochs=3, timing_repeats=5,
    ),
    # the pre-training strategy retrains at every 10 % and at 95 % (each is a training run)
    "paper": PruningSettings(
        5, 20, 20, None, None, _PRUNING_FRACTIONS,
        (*(round(0.1 * k, 1) for k in range(1, 10)), 0.95), (0.7,), demo_epochs=10,
        timing_repeats=15,
    ),
}


@dataclass(frozen=True)
class AuthorsPruningSettings:
    """Size of the study of the authors' own pruning protocol (``pruning_authors``) under
    one profile: their parametrisation, Adam, no bias, three activations.

    The authors trained 100 epochs (retraining 20) on a 2000-node hidden layer; a smaller
    ``epochs`` is this profile's reduction, and ``epoch_curve`` retrains one seed's
    networks at several epoch counts to show where the reduced numbers sit on the way.
    """

    seeds: int
    epochs: int  # of every first training
    retrain_epochs: int  # of the pre-training strategy's retraining (the authors': 20)
    train_size: int | None
    test_size: int | None
    fractions: tuple[float, ...]  # evaluated without retraining, 0 first
    retrain_fractions: tuple[float, ...]  # where the pre-training strategy retrains
    control_fractions: tuple[float, ...]  # random nodes retrained; pruned size from scratch
    activations: tuple[str, ...]  # of the 784-500-10 network
    wide_seeds: int  # of the 784-2000-10 network (their data)
    wide_activations: tuple[str, ...]
    epoch_curve: tuple[int, ...]  # first-training epochs of one seed (relu, 784-500-10)
    # study pruning_authors_deep: 784-500-500-500-10 relu, cut per layer and globally
    deep_seeds: int = 1
    deep_fractions: tuple[float, ...] = (0.0, 0.05, 0.5, 0.7, 0.9)  # 0 first
    deep_retrain_fractions: tuple[float, ...] = (0.7,)  # where its pre-training retrains


AUTHORS_PRUNING_SETTINGS: dict[str, AuthorsPruningSettings] = {
    "smoke": AuthorsPruningSettings(
        1, 1, 1, 2000, 1000, (0.0, 0.05, 0.5, 0.7, 0.9), (0.05, 0.7), (0.7,),
        ("relu", "elu", "tanh"), 1, ("relu",), (2,),
    ),
    "quick": AuthorsPruningSettings(
        2, 3, 3, None, None, (0.0, 0.05, 0.5, 0.7, 0.9), (0.05, 0.5, 0.7, 0.9), (0.7,),
        ("relu", "elu", "tanh"), 1, ("relu",), (6,), deep_seeds=2,
    ),
    # Reduced to train on a CPU in under an hour (the chapter states it): 5 epochs (retraining
    # 5) instead of the authors' 100 (20), twelve fractions instead of nineteen, one seed of
    # the 2000-node network; one seed's relu networks also at 15, 30 and the authors' 100.
    "paper": AuthorsPruningSettings(
        5, 5, 5, None, None, (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
        (0.05, 0.5, 0.7, 0.9), (0.7,), ("relu", "elu", "tanh"), 1, ("relu", "elu", "tanh"),
        (5, 15, 30, 100), deep_seeds=5,
        deep_fractions=(0.0, 0.05, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9),
        deep_retrain_fractions=(0.05, 0.5, 0.7, 0.9),
    ),
}
