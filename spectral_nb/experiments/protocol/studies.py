"""The paper's experiments as named sweeps of run specifications, per profile.

Studies (each on ``mnist`` or ``fashion_mnist``):

``perceptron``  784 -> 10, the four regimes (Fig. 4).
``wide``        784 -> N2 -> 10, N2 swept (Fig. 5; Table 1 "linear wide").
``deep``        l = 3 (784 -> N2 -> 10, N2 in {20, 80, 100, 500, 800}), l = 4
                (784 -> 800 -> N3 -> 10, N3 in {100, 200, 400, 600}) and l = 5
                (784 -> 800 -> 600 -> 500 -> 10) (Fig. 6; Table 1 "linear deep").
``nonlinear``   784 -> N2 (linear) -> 120 (ReLU) -> 10, N2 swept (Fig. 7; Table 1 "non-linear").

The paper does not list its N2 grid for Figs. 5 and 7; we use 20 to 2000 on a roughly
logarithmic grid. Linear nets: AdaMax lr 0.03, batch 300; non-linear: lr 0.01, batch 800
(the paper gives 300 to 800; 800 is the authors' code default). 20 epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ...profiles import STUDY_SETTINGS, settings
from .spec import DATASETS, RunSpec, constrained_twin

STUDIES: tuple[str, ...] = ("perceptron", "wide", "deep", "nonlinear")
ARCHITECTURE_OF_STUDY = {"wide": "linear_wide", "deep": "linear_deep", "nonlinear": "nonlinear"}

WIDE_GRID = (20, 50, 100, 200, 500, 1000, 2000)
DEEP_POINTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    *(("l3", (784, n, 10)) for n in (20, 80, 100, 500, 800)),
    *(("l4", (784, 800, n, 10)) for n in (100, 200, 400, 600)),
    ("l5", (784, 800, 600, 500, 10)),
)
NONLINEAR_GRID = (20, 50, 100, 200, 500, 1000, 2000)


class NotOnDataset(ValueError):
    """A study asked for on a dataset it does not run on (the message names the ones it does)."""


class SweepPoint(NamedTuple):
    """One network of a sweep: its label in tables, layer sizes and hidden activations."""

    label: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]


@dataclass(frozen=True)
class Study:
    """A named sweep: the runs to do and where their records go."""

    name: str
    dataset: str
    profile: str
    specs: tuple[RunSpec, ...]

    def __len__(self) -> int:
        return len(self.specs)


def spread(points: tuple[SweepPoint, ...], keep: int | None) -> tuple[SweepPoint, ...]:
    """At most ``keep`` of ``points``, evenly spread and keeping both ends (``None``: all)."""
    if keep is None or len(points) <= keep:
        return points
    step = (len(points) - 1) / (keep - 1)
    return tuple(points[round(i * step)] for i in range(keep))


def nonlinear_point(n2: int) -> SweepPoint:
    """The non-linear network 784 -> n2 (linear) -> 120 (ReLU) -> 10."""
    return SweepPoint(f"N2={n2}", (784, n2, 120, 10), ("linear", "relu"))


def sweep_points(name: str) -> tuple[SweepPoint, ...]:
    """Every point of study ``name``'s sweep under the paper profile."""
    if name == "perceptron":
        return (SweepPoint("784-10", (784, 10), ()),)
    if name == "wide":
        return tuple(SweepPoint(f"N2={n}", (784, n, 10), ("linear",)) for n in WIDE_GRID)
    if name == "deep":
        return tuple(
            SweepPoint(
                f"{depth}:" + "-".join(map(str, sizes)), sizes, ("linear",) * (len(sizes) - 2)
            )
            for depth, sizes in DEEP_POINTS
        )
    if name == "nonlinear":
        return tuple(nonlinear_point(n) for n in NONLINEAR_GRID)
    raise ValueError(f"Unknown study {name!r}; choose from {', '.join(STUDIES)}.")


def study_points(name: str, profile: str) -> tuple[SweepPoint, ...]:
    """The points of study ``name`` that ``profile`` runs."""
    return spread(sweep_points(name), settings(STUDY_SETTINGS, profile).max_points)


def build_study(name: str, dataset: str = "mnist", profile: str = "quick") -> Study:
    """The run specifications of study ``name`` on ``dataset`` under ``profile``."""
    specs = specs_at_points(name, dataset, profile, study_points(name, profile))
    return Study(name=name, dataset=dataset, profile=profile, specs=specs)


def specs_at_points(
    name: str, dataset: str, profile: str,
    points: tuple[SweepPoint, ...],
) -> tuple[RunSpec, ...]:
    """Every regime's runs of study ``name`` at ``points`` (label, sizes, activations).

    Seeds, epochs, data subset and conventions come from ``profile`` (see
    :data:`spectral_nb.profiles.STUDY_SETTINGS`); the learning rate
    and batch size from the study (non-linear nets: 0.01 and 800, linear: 0.03 and 300).
    """
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; choose from {DATASETS}.")
    size = settings(STUDY_SETTINGS, profile)
    nonlinear = name == "nonlinear"
    specs: list[RunSpec] = []
    for label, sizes, activations in points:
        for seed in range(size.seeds):
            base = RunSpec(
                dataset=dataset, sizes=sizes, hidden_activations=activations,
                regime="train_lambda", seed=seed,
                learning_rate=0.01 if nonlinear else 0.03,
                batch_size=800 if nonlinear else 300,
                epochs=size.epochs, train_size=size.train_size,
                test_size=size.test_size,
            )
            tags: dict[str, Any] = {
                "study": name, "point": label,
                "eigenvalues": base.trainable_parameter_count(),
                "hidden_sizes": list(sizes[1:-1]),
            }
            for convention in size.conventions:
                for regime in ("train_lambda", "train_lambda_phi"):
                    specs.append(base.replace(regime=regime, convention=convention, tags=tags))
            specs.append(constrained_twin(base).replace(tags=tags))
            specs.append(base.replace(regime="unconstrained", tags=tags))
    return tuple(specs)
