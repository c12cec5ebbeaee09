"""Typed description of one training run, validated on construction and hashed for the store."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

REGIMES: tuple[str, ...] = ("train_lambda", "train_lambda_phi", "constrained", "unconstrained")
SPECTRAL_REGIMES: tuple[str, ...] = ("train_lambda", "train_lambda_phi")
# "zero_in" is the parametrisation of the authors' pruning code: one eigenvalue per node, input
# eigenvalues exactly 0 and frozen (W = -phi diag(lam_out)), phi ~ U[-0.2, 0.2],
# lam_out ~ U[-0.5, 0.5].
CONVENTIONS: tuple[str, ...] = ("paper", "authors_code", "zero_in")
DATASETS: tuple[str, ...] = ("mnist", "fashion_mnist")
HIDDEN_ACTIVATIONS: tuple[str, ...] = ("linear", "relu", "tanh", "tanh_beta", "elu")
# Keras' defaults for both: beta_1 0.9, beta_2 0.999, epsilon 1e-7 (engine.trainer).
OPTIMIZERS: tuple[str, ...] = ("adamax", "adam")
# Readings of the paper for the input eigenvalues of layers after the first (paper convention):
# held at one, frozen at their random draw, or shared with the previous layer's outputs.
INNER_EIGENVALUES: tuple[str, ...] = ("one", "random", "tied")
# Initial kernels of direct-space runs: Glorot-uniform (Keras' default), or the initial
# kernel of the matching Train Lambda run (the paper's spectral draw, as one N x N operator).
DIRECT_INITS: tuple[str, ...] = ("glorot", "spectral")
# Fields added after records were first committed: left out of a spec's identity (and of its
# dict) while they hold their default, so every earlier record keeps its hash.
OPTIONAL_FIELDS: dict[str, Any] = {
    "inner_eigenvalues": "one", "direct_init": "glorot", "use_bias": True,
}
INPUT_SIZE = 784
CLASSES = 10


class SpecError(ValueError):
    """A run specification that cannot be trained, with the reason and the fix."""


def identity_hash(identity: dict[str, Any]) -> str:
    """Stable 16-hex-digit hash of a spec's identity: SHA-256 of its compact, key-sorted JSON."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def need(condition: bool, message: str) -> None:
    """A :class:`SpecError` with ``message`` (the problem and its fix) unless ``condition``."""
    if not condition:
        raise SpecError(message)


class SpecIdentity:
    """Identity shared by the frozen spec dataclasses of every run kind.

    A subclass defines ``kind``, ``to_dict()`` (every field, tags included, as JSON-ready
    values) and ``fields_name`` (how errors name it). ``hash`` covers everything but the tags,
    plus the kind when ``kind_in_hash`` (the ``fc`` specs predate kinds and keep their hashes).
    """

    kind: ClassVar[str]
    fields_name: ClassVar[str]
    kind_in_hash: ClassVar[bool] = True

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """The spec of :meth:`to_dict`'s output (a ``kind`` key, if present, must match)."""
        data = dict(data)
        kind = data.pop("kind", cls.kind)
        if kind != cls.kind:
            raise SpecError(
                f"A {cls.__name__} has kind {cls.kind!r}, got {kind!r}; read it with the spec "
                "type of its own kind (spectral_nb.experiments.kinds)."
            )
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - known
        if unknown:
            raise SpecError(
                f"Unknown {cls.fields_name} fields {sorted(unknown)}; known: {sorted(known)}."
            )
        return cls(**data)

    @functools.cached_property
    def hash(self) -> str:
        """Stable 16-hex-digit identity of everything that affects the result (computed once
        per spec: specs are frozen)."""
        identity = self.to_dict()
        identity.pop("tags")
        if self.kind_in_hash:
            identity["kind"] = self.kind
        return identity_hash(identity)

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class RunSpec(SpecIdentity):
    """One training run of a fully connected network on flattened 28 x 28 images.

    Parameters
    ----------
    sizes
        Node counts of every layer, input first: ``(784, 10)`` is the perceptron,
        ``(784, N2, 120, 10)`` the paper's non-linear network.
    hidden_activations
        Activation after each hidden layer (``len(sizes) - 2`` entries): ``linear``,
        ``relu``, ``tanh`` or ``tanh_beta`` (tanh(beta x) with a trainable beta per layer).
        The last layer always gives logits for softmax cross-entropy.
    regime
        ``train_lambda``, ``train_lambda_phi``, ``constrained`` or ``unconstrained``.
    convention
        Which eigenvalues a spectral run trains and how it is initialised:
        ``paper`` (the paper's counting, e.g. N2 + N3 + N4 for the non-linear net;
        eigenvectors U[-0.5, 0.5], eigenvalues U[-0.01, 0.01]), ``authors_code``
        (input and output eigenvalues of every layer, Glorot eigenvectors, eigenvalues
        U[-0.5, 0.5], as in the authors' public code) or ``zero_in`` (the authors' pruning
        code: every layer's input eigenvalues exactly 0 and frozen, so ``W = -phi
        diag(lam_out)`` and each node has one eigenvalue; eigenvectors U[-0.2, 0.2],
        output eigenvalues U[-0.5, 0.5]).
    optimizer
        ``adamax`` or ``adam`` (Keras' defaults for the moments and epsilon).
    constrained_budget
        For ``constrained`` runs: trainable weights per layer, a random split of the
        matching spectral run's eigenvalue count drawn by :func:`constrained_twin`; never
        typed by hand.
    train_size, test_size
        Use only the first examples (``None``: all); for smoke runs.
    inner_eigenvalues
        For ``paper``-convention spectral runs of two or more layers, the input eigenvalues
        of every layer after the first: ``one`` (held at one, the default), ``random``
        (frozen at their U[-0.01, 0.01] draw, like the first layer's) or ``tied`` (each
        node keeps one eigenvalue: layer k+1's input eigenvalues *are* layer k's trained
        output eigenvalues). All three train the same number of eigenvalues.
    direct_init
        For direct-space runs: ``glorot`` (Keras' default, zero biases) or ``spectral``
        (each kernel starts as the matching paper-convention Train Λ run's initial kernel
        ``phi * (lam_in - lam_out)``, as if the same operator were trained entry by entry).
    """

    kind: ClassVar[str] = "fc"  # see spectral_nb.experiments.kinds; not part of the hash
    fields_name: ClassVar[str] = "run-spec"
    kind_in_hash: ClassVar[bool] = False

    dataset: str
    sizes: tuple[int, ...]
    hidden_activations: tuple[str, ...]
    regime: str
    convention: str = "paper"
    seed: int = 0
    optimizer: str = "adamax"
    learning_rate: float = 0.03
    batch_size: int = 300
    epochs: int = 20
    constrained_budget: tuple[int, ...] | None = None
    train_size: int | None = None
    test_size: int | None = None
    inner_eigenvalues: str = "one"
    direct_init: str = "glorot"
    use_bias: bool = True
    tags: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        object.__setattr__(self, "hidden_activations", tuple(self.hidden_activations))
        if self.constrained_budget is not None:
            object.__setattr__(
                self, "constrained_budget", tuple(int(k) for k in self.constrained_budget)
            )
        _validate(self)

    # ------------------------------------------------------------------ derived facts
    @property
    def n_layers(self) -> int:
        """Number of weight layers (transfer operators)."""
        return len(self.sizes) - 1

    @property
    def is_spectral(self) -> bool:
        return self.regime in SPECTRAL_REGIMES

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation after every weight layer; the last is ``linear`` (logits)."""
        return (*self.hidden_activations, "linear")

    def trainable_sets(self, layer: int) -> dict[str, bool]:
        """Which parameter sets of weight layer ``layer`` (0-based) are trained."""
        if self.is_spectral:
            return {
                "eigenvectors": self.regime == "train_lambda_phi",
                "eigenvalues_in": self._trains_input_eigenvalues(),
                "eigenvalues_out": True,
            }
        return {"kernel": True, "bias": self.regime == "unconstrained" and self.use_bias}

    def _trains_input_eigenvalues(self) -> bool:
        if self.convention == "zero_in":
            return False
        return self.convention == "authors_code" or self.n_layers == 1

    def spectral_eigenvalue_counts(self) -> tuple[int, ...]:
        """Trained eigenvalues per layer of the spectral twin (the constrained budget)."""
        counts = []
        both = self._trains_input_eigenvalues()
        for k in range(self.n_layers):
            counts.append(self.sizes[k + 1] + (self.sizes[k] if both else 0))
        return tuple(counts)

    def trainable_parameter_count(self) -> int:
        """Exact number of trained scalars (the x-axis of the paper's figures)."""
        total = 0
        for k in range(self.n_layers):
            n, m = self.sizes[k], self.sizes[k + 1]
            sets = self.trainable_sets(k)
            if self.is_spectral:
                total += sets["eigenvectors"] * n * m
                total += sets["eigenvalues_in"] * n + sets["eigenvalues_out"] * m
            elif self.regime == "constrained":
                total += self.constrained_budget[k]
            else:
                total += n * m + m * self.use_bias
        total += sum(a == "tanh_beta" for a in self.hidden_activations)
        return total

    # ------------------------------------------------------------------ identity
    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["sizes"] = list(self.sizes)
        data["hidden_activations"] = list(self.hidden_activations)
        if self.constrained_budget is not None:
            data["constrained_budget"] = list(self.constrained_budget)
        for name, default in OPTIONAL_FIELDS.items():
            if data[name] == default:
                del data[name]
        return data



def group_key(spec: RunSpec) -> tuple:
    """Runs with equal keys can be trained together in one program (the engine's group):
    same data, shapes, trained sets and optimiser settings; seeds and regimes' draws differ."""
    trained_sets = tuple(tuple(spec.trainable_sets(k).items()) for k in range(spec.n_layers))
    return (
        spec.dataset, spec.sizes, spec.hidden_activations, spec.is_spectral, trained_sets,
        spec.optimizer, spec.learning_rate, spec.batch_size, spec.epochs, spec.train_size,
        spec.test_size, spec.inner_eigenvalues == "tied", spec.use_bias,
    )


def constrained_twin(spectral: RunSpec) -> RunSpec:
    """The constrained direct-space run with as many trainable weights as ``spectral`` trains.

    As in the paper, the trainable weights are a random subset of *all* the network's
    weights (a new one per seed), as many as the eigenvalues the spectral run trains
    (794 for the perceptron, N2 + N3 for the wide net). The subset's split over layers is
    drawn here (multivariate hypergeometric, seeded by the run's seed) and stored in
    ``constrained_budget``; each layer then draws its entries (``initial_parameters``).
    """
    if spectral.regime != "train_lambda":
        raise SpecError("The constrained budget is matched to a 'train_lambda' run.")
    total = sum(spectral.spectral_eigenvalue_counts())
    weights = [spectral.sizes[k] * spectral.sizes[k + 1] for k in range(spectral.n_layers)]
    rng = np.random.default_rng([spectral.seed, 4211])
    split = rng.multivariate_hypergeometric(weights, total)
    return spectral.replace(regime="constrained", constrained_budget=tuple(int(k) for k in split))


def _validate(spec: RunSpec) -> None:
    need(spec.dataset in DATASETS, f"Unknown dataset {spec.dataset!r}; choose from {DATASETS}.")
    need(spec.regime in REGIMES, f"Unknown regime {spec.regime!r}; choose from {REGIMES}.")
    need(
        spec.convention in CONVENTIONS,
        f"Unknown convention {spec.convention!r}; choose from {CONVENTIONS}.",
    )
    need(
        spec.optimizer in OPTIMIZERS,
        f"Unknown optimizer {spec.optimizer!r}; choose from {OPTIMIZERS}.",
    )
    need(len(spec.sizes) >= 2, f"sizes needs an input and an output layer, got {spec.sizes}.")
    need(all(s >= 1 for s in spec.sizes), f"Layer sizes must be positive, got {spec.sizes}.")
    need(
        spec.sizes[0] == INPUT_SIZE and spec.sizes[-1] == CLASSES,
        f"sizes must chain from {INPUT_SIZE} inputs (28 x 28 pixels) to {CLASSES} classes, "
        f"got {spec.sizes}.",
    )
    need(
        len(spec.hidden_activations) == len(spec.sizes) - 2,
        f"{len(spec.sizes) - 2} hidden layers need as many hidden_activations, "
        f"got {spec.hidden_activations}.",
    )
    bad = [a for a in spec.hidden_activations if a not in HIDDEN_ACTIVATIONS]
    need(not bad, f"Unknown activations {bad}; choose from {HIDDEN_ACTIVATIONS}.")
    need(spec.epochs >= 1, f"epochs must be positive, got {spec.epochs}.")
    need(spec.batch_size >= 1, f"batch_size must be positive, got {spec.batch_size}.")
    need(spec.learning_rate > 0, f"learning_rate must be positive, got {spec.learning_rate}.")
    for name in ("train_size", "test_size"):
        value = getattr(spec, name)
        need(value is None or value >= 1, f"{name} must be positive or None, got {value}.")
    need(
        spec.inner_eigenvalues in INNER_EIGENVALUES,
        f"Unknown inner_eigenvalues {spec.inner_eigenvalues!r}; choose from {INNER_EIGENVALUES}.",
    )
    need(
        spec.inner_eigenvalues == "one"
        or (spec.is_spectral and spec.convention == "paper" and spec.n_layers >= 2),
        f"inner_eigenvalues={spec.inner_eigenvalues!r} applies to paper-convention spectral "
        "runs of two or more layers only; leave it at 'one' for this run.",
    )
    need(
        spec.direct_init in DIRECT_INITS,
        f"Unknown direct_init {spec.direct_init!r}; choose from {DIRECT_INITS}.",
    )
    need(
        spec.direct_init == "glorot" or not spec.is_spectral,
        f"direct_init={spec.direct_init!r} applies to direct-space runs (constrained, "
        "unconstrained) only; spectral runs are initialised by their convention.",
    )
    need(
        isinstance(spec.use_bias, bool) and (spec.use_bias or not spec.is_spectral),
        f"use_bias={spec.use_bias!r}: give True or False, and leave it True for spectral runs "
        "(spectral layers have no bias).",
    )
    need(
        spec.use_bias or spec.regime == "unconstrained",
        "use_bias=False applies to unconstrained runs only (constrained runs train no bias).",
    )
    if spec.regime == "constrained":
        need(
            spec.constrained_budget is not None and len(spec.constrained_budget) == spec.n_layers,
            "A constrained run needs one budget per layer; derive it with constrained_twin() "
            "from the matching train_lambda run.",
        )
        for k, budget in enumerate(spec.constrained_budget):
            cap = spec.sizes[k] * spec.sizes[k + 1]
            need(0 <= budget <= cap, f"Layer {k} budget {budget} exceeds its {cap} weights.")
    else:
        need(
            spec.constrained_budget is None,
            f"constrained_budget only applies to constrained runs, not {spec.regime!r}.",
        )
