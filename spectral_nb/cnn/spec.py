"""Typed description of one CNN training run of chapter 7, validated and hashed for the store.

Both trained studies of the chapter are made of these runs: the classification study varies
the pooling, the optimisation study the filter parametrisation and size. A run trains one
network (:func:`~spectral_nb.cnn.models.build_cnn`) with Adam on batches in an order fixed by
its seed, measures the cross-entropy on a fixed subset of the training images as it goes (the
loss curve) and the test accuracy at the end; see :mod:`spectral_nb.cnn.training`. Two studies
that ask for the same run share its record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..data.registry import TEST_IMAGES, TRAIN_IMAGES
from ..experiments.protocol.spec import DATASETS, SpecIdentity, need

# Plain data, imported by the models too: reading specs and records loads neither Keras nor TF.
POOLINGS: tuple[str, ...] = ("max", "spectral", "spectral+rr")
PARAMETRISATIONS: tuple[str, ...] = ("spatial", "spectral")
IMPLEMENTATIONS: tuple[str, ...] = ("matrix", "fft")
#: The paper's randomised-resolution schedule: c_m = alpha + (m / M)(beta - alpha).
RR_ALPHA, RR_BETA = 0.30, 0.15
# Rough costs on a 2-core CPU, fitted to `python -m spectral_nb.cnn.bench --project paper`.
SECONDS_PER_IMAGE_MAC = 3e-11
SECONDS_PER_IMAGE = 2.5e-4


def rr_fractions(n_layers: int, alpha: float = RR_ALPHA, beta: float = RR_BETA) -> list[float]:
    """The paper's per-layer ``c_m = alpha + (m / M)(beta - alpha)``, ``m = 1 .. M``."""
    return [alpha + (m / n_layers) * (beta - alpha) for m in range(1, n_layers + 1)]


@dataclass(frozen=True)
class CnnSpec(SpecIdentity):
    """One training run of the chapter's small CNN on 28 x 28 grey-scale images.

    Parameters
    ----------
    dataset
        ``mnist`` or ``fashion_mnist``.
    pooling
        ``max``, ``spectral`` or ``spectral+rr`` (see :func:`~spectral_nb.cnn.models.build_cnn`).
    parametrisation
        ``spatial`` (``Conv2D``) or ``spectral`` (``SpectralConv2D``, started from the filters
        the ``spatial`` network of the same seed starts from, so both begin as one function).
    kernel_size, filters
        Square filter size and filters per convolution block.
    seed
        Initial weights, the random training subset (if any), the batch order, the subset the
        loss curve is measured on, and the draws of randomised resolution.
    epochs, batch_size, learning_rate
        Adam's schedule: ``epochs`` passes over the training images in batches (the last
        incomplete batch of each pass is dropped).
    train_size, test_size
        ``None``: every image. Otherwise ``train_size`` training images drawn at random
        (seeded by ``seed``) and the first ``test_size`` test images.
    eval_size, evals_per_epoch
        The loss curve: cross-entropy on ``eval_size`` training images (drawn with
        ``seed + 1``), measured ``evals_per_epoch`` times per epoch and once before training.
    implementation
        Of the spectral layers (``matrix`` or ``fft``); the same map, a different speed.
    tags
        Labels (study, point) that are not part of the run's identity.
    """

    kind: ClassVar[str] = "cnn"
    fields_name: ClassVar[str] = "CNN spec"

    dataset: str
    pooling: str = "max"
    parametrisation: str = "spatial"
    kernel_size: int = 3
    filters: tuple[int, ...] = (16, 32)
    seed: int = 0
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 1e-3
    train_size: int | None = None
    test_size: int | None = None
    eval_size: int = 1000
    evals_per_epoch: int = 1
    implementation: str = "matrix"
    tags: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", tuple(int(f) for f in self.filters))
        _validate(self)

    @property
    def label(self) -> str:
        """Short human label: pooling, parametrisation, filter size and seed."""
        k = self.kernel_size
        return f"{self.pooling} {self.parametrisation} {k}x{k} seed {self.seed}"

    # ------------------------------------------------------------------ identity
    def to_dict(self) -> dict[str, Any]:
        """Every field (tags included) as JSON-ready values; ``kind`` is stored beside it."""
        data = dataclasses.asdict(self)
        data["filters"] = list(self.filters)
        return data


def _validate(spec: CnnSpec) -> None:
    def positive_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1

    need(spec.dataset in DATASETS, f"Unknown dataset {spec.dataset!r}; choose from {DATASETS}.")
    need(spec.pooling in POOLINGS, f"Unknown pooling {spec.pooling!r}; choose from {POOLINGS}.")
    need(
        spec.parametrisation in PARAMETRISATIONS,
        f"Unknown parametrisation {spec.parametrisation!r}; choose from {PARAMETRISATIONS}.",
    )
    need(
        spec.implementation in IMPLEMENTATIONS,
        f"Unknown implementation {spec.implementation!r}; choose from {IMPLEMENTATIONS}.",
    )
    need(positive_int(spec.kernel_size), f"kernel_size must be a positive int, got "
         f"{spec.kernel_size!r}.")
    need(
        len(spec.filters) >= 1 and all(f >= 1 for f in spec.filters),
        f"filters needs at least one positive count per convolution block, got {spec.filters}.",
    )
    need(
        2 ** len(spec.filters) <= 28,
        f"{len(spec.filters)} pooling blocks halve 28 x 28 images below one pixel; use at most 4.",
    )
    for name in ("seed",):
        value = getattr(spec, name)
        need(isinstance(value, int) and value >= 0, f"{name} must be an int >= 0, got {value!r}.")
    for name in ("epochs", "batch_size", "eval_size", "evals_per_epoch"):
        value = getattr(spec, name)
        need(positive_int(value), f"{name} must be a positive int, got {value!r}.")
    need(spec.learning_rate > 0, f"learning_rate must be positive, got {spec.learning_rate}.")
    for name in ("train_size", "test_size"):
        value = getattr(spec, name)
        need(value is None or positive_int(value), f"{name} must be a positive int or None "
             f"(every image), got {value!r}.")
    need(
        spec.train_size is None or spec.train_size >= spec.batch_size,
        f"train_size {spec.train_size} is smaller than one batch of {spec.batch_size}.",
    )


def group_key(spec: CnnSpec) -> Hashable:
    """Runs on one dataset are trained by one process in turn (the images are loaded once)."""
    return ("cnn", spec.dataset)


def estimate_seconds(specs: Sequence[CnnSpec]) -> float:
    """A rough training time of ``specs`` on a 2-core CPU (for the runner's announcement).

    Proportional to the images a run processes (training passes, and the loss-curve and test
    evaluations at a third of the cost) and to the multiply-adds of its convolutions; the
    constant was measured with ``python -m spectral_nb.cnn.bench --project``.
    """
    total = 0.0
    for spec in specs:
        train, evaluated = image_passes(spec)
        images = spec.epochs * train + evaluated / 3
        total += SECONDS_PER_IMAGE_MAC * images * conv_macs(spec) + SECONDS_PER_IMAGE * images
    return total


def image_passes(spec: CnnSpec) -> tuple[int, int]:
    """``(train, evaluated)``: training images of one epoch, and images a run evaluates (the
    loss-curve points on ``eval_size`` training images, then the test set)."""
    train = spec.train_size or TRAIN_IMAGES
    evaluated = (spec.epochs * spec.evals_per_epoch + 1) * min(spec.eval_size, train)
    return train, evaluated + (spec.test_size or TEST_IMAGES)


def conv_macs(spec: CnnSpec) -> int:
    """Multiply-adds of the convolutions of one forward pass of one 28 x 28 image."""
    size, channels, macs = 28, 1, 0
    for filters in spec.filters:
        macs += size * size * spec.kernel_size**2 * channels * filters
        size, channels = -(-size // 2), filters
    return macs
