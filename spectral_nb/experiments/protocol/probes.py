"""Probes: the paper's protocol with one factor changed, to explain a gap to the paper.

Each probe takes the runs of one study (the same points, seeds, epochs and data), changes
one thing the paper leaves open or states ambiguously, and trains them again. Comparing
the probe's records with the study's own shows how far that factor alone moves a Table 1
cell. Probes are studies as far as the runner and the results store are concerned: their
records live beside the study records, under ``<dataset>/probe_<name>/``.

``batch_size``         non-linear network with batches of 300 instead of 800 (the paper
                       gives "300 to 800").
``inner_eigenvalues``  deep linear networks, Train Λ, with the input eigenvalues of every
                       layer after the first frozen at their random draw, or tied to the
                       previous layer's output eigenvalues, instead of held at one.
``direct_init``        direct-space baselines (constrained, unconstrained) of the wide and
                       non-linear networks starting from the spectral run's initial operator
                       instead of Glorot-uniform kernels.
``constrained_split``  constrained baselines whose trainable weights are split per layer as
                       the eigenvalues are (N2 in layer 1, N3 in layer 2, ...) instead of
                       drawn from all the network's weights.
``range``              the non-linear sweep extended beyond N2 = 2000 (3000 and 4000) for the
                       two regimes still rising at the end of the grid.
``batch_size_deep``    deep linear networks, Train Λ, with batches of 800 (the other end of
                       the paper's range), alone and together with the inner eigenvalues
                       frozen at their draw.
``batch_and_init_nonlinear``
                       the non-linear unconstrained baseline with both changes that moved it
                       towards the paper at once: batches of 300 and the spectral start.

The last two are follow-ups: for the cells no single change brings within the spread, they
combine a second factor with the one that came closest, so one of their variants changes
two factors (its label names both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...profiles import PROBE_REDUCED_POINTS, validate
from .spec import RunSpec
from .studies import (
    ARCHITECTURE_OF_STUDY,
    Study,
    SweepPoint,
    build_study,
    nonlinear_point,
    specs_at_points,
    spread,
    study_points,
)

PROBE_PREFIX = "probe_"


def _per_layer_budget(spec: RunSpec) -> RunSpec:
    """The constrained run with its budget split per layer like the spectral eigenvalues."""
    twin = spec.replace(regime="train_lambda", constrained_budget=None, direct_init="glorot")
    return spec.replace(constrained_budget=twin.spectral_eigenvalue_counts())


@dataclass(frozen=True)
class Probe:
    """One factor changed in the runs of one study.

    Attributes
    ----------
    name
        Short name; records go to ``probe_<name>``.
    study
        The study whose runs are changed (its records are the comparison).
    regimes
        Regimes re-run (spectral ones under the paper convention only).
    variants
        ``(label, change)`` pairs; ``change`` maps a study spec to the probe's spec.
    question
        What the probe asks, in one sentence (shown in the book).
    extra_points
        For ``range``: points beyond the study's grid (trained unchanged).
    points
        Labels of the study's sweep points the probe re-runs under the ``paper`` profile
        (``None``: all). Chosen where Table 1's best values lie, plus a contrasting point:
        the probes cost CPU hours, and a cell is decided at its best point.
    """

    name: str
    study: str
    regimes: tuple[str, ...]
    variants: tuple[tuple[str, Callable[[RunSpec], RunSpec]], ...]
    question: str
    extra_points: tuple[SweepPoint, ...] = ()
    points: tuple[str, ...] | None = None

    @property
    def study_name(self) -> str:
        return PROBE_PREFIX + self.name

    @property
    def architecture(self) -> str:
        return ARCHITECTURE_OF_STUDY[self.study]


_DIRECT = ("constrained", "unconstrained")
_ALL = ("constrained", "train_lambda", "unconstrained", "train_lambda_phi")

PROBE_DEFINITIONS: tuple[Probe, ...] = (
    Probe(
        "batch_size", "nonlinear", _ALL,
        (("batch 300", lambda s: s.replace(batch_size=300)),),
        "Does the batch size, which the paper gives only as 300 to 800, move the non-linear "
        "network's cells?",
        points=("N2=200", "N2=2000"),
    ),
    Probe(
        "inner_eigenvalues", "deep", ("train_lambda",),
        (
            ("inner eigenvalues frozen at their draw",
             lambda s: s.replace(inner_eigenvalues="random")),
            ("inner eigenvalues tied to the previous layer",
             lambda s: s.replace(inner_eigenvalues="tied")),
        ),
        "Does how the input eigenvalues of the later layers are set, which the paper does "
        "not spell out, move the deep network's Train Λ cell?",
    ),
    Probe(
        "direct_init", "wide", _DIRECT,
        (("start from the spectral operator", lambda s: s.replace(direct_init="spectral")),),
        "Would the direct-space baselines of the wide network do worse or better if they "
        "started from the same random operator as the spectral runs?",
        points=("N2=20", "N2=2000"),
    ),
    Probe(
        "direct_init_nonlinear", "nonlinear", _DIRECT,
        (("start from the spectral operator", lambda s: s.replace(direct_init="spectral")),),
        "The same question for the non-linear network's baselines (every sweep point: the "
        "unconstrained network is best at a small one).",
    ),
    Probe(
        "constrained_split", "wide", ("constrained",),
        (("budget split per layer", _per_layer_budget),),
        "Does the constrained wide network do worse if its trainable weights are split per "
        "layer as the eigenvalues are, instead of drawn from all its weights?",
        points=("N2=1000", "N2=2000"),
    ),
    Probe(
        "constrained_split_nonlinear", "nonlinear", ("constrained",),
        (("budget split per layer", _per_layer_budget),),
        "The same question for the constrained non-linear network.",
        points=("N2=1000", "N2=2000"),
    ),
    Probe(
        "range", "nonlinear", ("constrained", "train_lambda"),
        (("N2 up to 4000", lambda s: s),),
        "Where do the non-linear curves that still rise at N2 = 2000 end if the sweep goes on?",
        extra_points=(nonlinear_point(3000), nonlinear_point(4000)),
    ),
    Probe(
        "batch_size_deep", "deep", ("train_lambda",),
        (
            ("batch 800", lambda s: s.replace(batch_size=800)),
            ("batch 800, inner eigenvalues frozen at their draw",
             lambda s: s.replace(batch_size=800, inner_eigenvalues="random")),
        ),
        "Does the other end of the paper's batch range (800 instead of 300), alone or with "
        "the later layers' input eigenvalues frozen at their draw, move the deep network's "
        "Train Λ cell?",
        points=("l4:784-800-400-10", "l4:784-800-600-10", "l5:784-800-600-500-10"),
    ),
    Probe(
        "batch_and_init_nonlinear", "nonlinear", ("unconstrained",),
        (("batch 300, start from the spectral operator",
          lambda s: s.replace(batch_size=300, direct_init="spectral")),),
        "Do the two changes that each lowered the unconstrained non-linear baseline, batches "
        "of 300 and the spectral start, bring it to the paper's value together?",
    ),
)
PROBES: dict[str, Probe] = {probe.name: probe for probe in PROBE_DEFINITIONS}


def get_probe(name: str) -> Probe:
    """The probe called ``name`` (with or without the ``probe_`` prefix)."""
    key = name.removeprefix(PROBE_PREFIX)
    if key not in PROBES:
        raise ValueError(f"Unknown probe {name!r}; choose from {', '.join(PROBES)}.")
    return PROBES[key]


def _selected(probe: Probe, spec: RunSpec) -> bool:
    return spec.regime in probe.regimes and spec.convention == "paper"


def comparison_specs(probe: Probe, dataset: str, profile: str) -> tuple[RunSpec, ...]:
    """The study's own runs the probe is compared with (same points, seeds and regimes)."""
    study = build_study(probe.study, dataset, profile)
    points = _probe_points(probe, profile)
    labels = {point.label for point in points}
    return tuple(s for s in study.specs if _selected(probe, s) and s.tags["point"] in labels)


def _probe_points(probe: Probe, profile: str) -> tuple[SweepPoint, ...]:
    """The study points a probe re-runs: its chosen ones under paper, two otherwise."""
    points = study_points(probe.study, profile)
    if profile != "paper":
        return spread(points, PROBE_REDUCED_POINTS)
    if probe.points is None:
        return points
    chosen = tuple(p for p in points if p.label in probe.points)
    if len(chosen) != len(probe.points):
        raise ValueError(f"Probe {probe.name!r} names points its study lacks: {probe.points}.")
    return chosen


def build_probe(name: str, dataset: str = "mnist", profile: str = "quick") -> Study:
    """The probe's runs as a :class:`Study` the runner trains and the store records."""
    validate(profile)
    probe = get_probe(name)
    specs: list[RunSpec] = []
    if probe.extra_points:
        extra = probe.extra_points if profile == "paper" else probe.extra_points[:1]
        for spec in specs_at_points(probe.study, dataset, profile, extra):
            if _selected(probe, spec):
                label, change = probe.variants[0]
                specs.append(_tagged(probe, change(spec), label))
    else:
        for spec in comparison_specs(probe, dataset, profile):
            for label, change in probe.variants:
                specs.append(_tagged(probe, change(spec), label))
    return Study(name=probe.study_name, dataset=dataset, profile=profile, specs=tuple(specs))


def _tagged(probe: Probe, spec: RunSpec, label: str) -> RunSpec:
    tags = dict(spec.tags, study=probe.study_name, variant=label, compared_with=probe.study)
    return spec.replace(tags=tags)
