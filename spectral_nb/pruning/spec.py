"""One pruning run: train a network once, then prune it at every fraction (a spec kind).

A :class:`PruningSpec` names a *strategy* of Buffoni et al. (2022) and everything its result
depends on. Training happens once per spec; the pruned networks are evaluated right after,
while the trained parameters are in memory, at every fraction and for every ranking that
applies, and some of them are trained again:

``post``   full spectral training (eigenvalues and eigenvectors: Train Λ, Φ), then prune.
           ``retrain_fractions``: the pruned network's eigenvectors (and eigenvalues) are
           trained again from the pruned parameters (the paper's "eigenvectors retrained
           after pruning").
``pre``    train the eigenvalues only (Train Λ: the eigenvectors stay at their random draw),
           prune by eigenvalue, then train the smaller network (eigenvalues and
           eigenvectors) from the pruned parameters, at every ``retrain_fractions``.
``dense``  the direct-space baseline: an ordinary network (weights and biases) trained as
           usual, its nodes ranked by incoming connectivity; ``retrain_fractions``: the
           pruned network's weights are trained again (the control for ``post``'s).

The rankings each strategy is evaluated with are fixed by the strategy (:data:`RANKINGS`):
both spectral strategies under ``eigenvalue``, ``connectivity`` and ``random``; ``dense``
under ``connectivity`` and ``random`` (its nodes have no eigenvalue).

The spec's identity (``hash``) includes ``kind = "pruning"``, so it can never collide with a
fully connected :class:`~spectral_nb.experiments.protocol.spec.RunSpec` of the same fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..experiments.protocol.spec import (
    CLASSES,
    CONVENTIONS,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    INPUT_SIZE,
    RunSpec,
    SpecIdentity,
    need,
)
from ..experiments.protocol.spec import group_key as run_group_key
from .selection import SCOPES, removed_count

STRATEGIES: tuple[str, ...] = ("post", "pre", "dense")
# Regime of the first training of each strategy.
BASE_REGIME: dict[str, str] = {
    "post": "train_lambda_phi", "pre": "train_lambda", "dense": "unconstrained",
}
# Regime of the network trained again after pruning.
RETRAIN_REGIME: dict[str, str] = {
    "post": "train_lambda_phi", "pre": "train_lambda_phi", "dense": "unconstrained",
}
# Rankings evaluated on each strategy's trained network; the first one is the strategy's own
# (the one its retrained networks are pruned with). ``eigenvalue_out``/``eigenvalue_in`` are
# the eigenvalue ranking under combine="out"/"in" (the product rule's two halves).
SPECTRAL_RANKINGS = ("eigenvalue", "eigenvalue_out", "eigenvalue_in", "connectivity", "random")
RANKINGS: dict[str, tuple[str, ...]] = {
    "post": SPECTRAL_RANKINGS,
    "pre": SPECTRAL_RANKINGS,
    "dense": ("connectivity", "random"),
}
# With the authors' pruning parametrisation (convention "zero_in") every input eigenvalue is
# 0, so the product rule and the input half score every node 0: a node is ranked by the
# eigenvalue of the layer that produces it (combine="out"), as their code does.
ZERO_IN_RANKINGS = ("eigenvalue_out", "connectivity", "random")
# Fields added after records were first committed: left out of a spec's identity (and of its
# dict) while they hold their default, so every earlier record keeps its hash.
OPTIONAL_FIELDS: dict[str, Any] = {"optimizer": "adamax", "use_bias": True,
                                   "retrain_ranking": None, "scopes": ["layer"]}
# ranking name -> (rank, combine) arguments of spectral_nb.prune
PRUNE_ARGUMENTS: dict[str, tuple[str, str]] = {
    "eigenvalue": ("eigenvalue", "product"),
    "eigenvalue_out": ("eigenvalue", "out"),
    "eigenvalue_in": ("eigenvalue", "in"),
    "connectivity": ("connectivity", "product"),
    "random": ("random", "product"),
}
RANDOM_SEED_OFFSET = 1000  # the random ranking of seed s draws from seed 1000 + s
# Seconds per pruned network evaluated on the 10,000 test images (784-500-10, 2-core CPU).
SECONDS_PER_EVALUATION = 0.15


@dataclass(frozen=True)
class PruningSpec(SpecIdentity):
    """Train one network with a pruning strategy; prune it at every fraction.

    Parameters
    ----------
    dataset
        ``mnist`` or ``fashion_mnist``.
    sizes
        Node counts, input first: ``(784, 500, 10)`` is the paper's Fig. 3 network.
    hidden_activations
        One per hidden layer (``relu`` in the paper).
    strategy
        ``post``, ``pre`` or ``dense`` (module docstring).
    seed
        Seed of the training run (initial draw and data order, as in ``RunSpec``); the random
        ranking uses ``1000 + seed``.
    fractions
        Shares of every hidden layer's nodes removed, evaluated without retraining
        (``0.0`` first: the unpruned network).
    retrain_fractions
        Fractions (a subset of ``fractions``) at which the pruned network is trained again
        for ``retrain_epochs`` (0: the unpruned network trained on, as the pre-training
        strategy's reference).
    convention
        Eigenvalue convention of the spectral runs (``paper`` or ``authors_code``).
    learning_rate, batch_size, epochs, train_size, test_size, optimizer
        As in ``RunSpec`` (``adamax`` or ``adam``).
    retrain_epochs
        Epochs of every retraining.
    use_bias
        Whether the dense strategy's layers have biases (``False``: none, as in the authors'
        pruning code; spectral layers never have one).
    retrain_ranking
        The ranking whose pruned networks are trained again (``None``: the strategy's own,
        the first of :attr:`rankings`); ``"random"`` gives the control of the same retraining
        from randomly chosen nodes.
    scopes
        How every fraction is cut (``spectral_nb.prune``'s ``scope``), ``layer`` first: the
        same share of every hidden layer (``layer``, the record's ``test_accuracy``) and, with
        ``global``, one threshold over the pooled scores of all hidden layers, which may
        empty a layer (the network then computes a constant, and is evaluated as such).
        Retrained networks are always cut per layer.
    """

    kind: ClassVar[str] = "pruning"
    fields_name: ClassVar[str] = "pruning-spec"

    dataset: str
    sizes: tuple[int, ...]
    hidden_activations: tuple[str, ...]
    strategy: str
    seed: int = 0
    fractions: tuple[float, ...] = (0.0,)
    retrain_fractions: tuple[float, ...] = ()
    convention: str = "paper"
    learning_rate: float = 0.01
    batch_size: int = 300
    epochs: int = 20
    retrain_epochs: int = 20
    train_size: int | None = None
    test_size: int | None = None
    optimizer: str = "adamax"
    use_bias: bool = True
    retrain_ranking: str | None = None
    scopes: tuple[str, ...] = ("layer",)
    tags: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        object.__setattr__(self, "hidden_activations", tuple(self.hidden_activations))
        for name in ("fractions", "retrain_fractions"):
            object.__setattr__(self, name, tuple(float(f) for f in getattr(self, name)))
        object.__setattr__(self, "scopes", tuple(self.scopes))
        _validate(self)

    # ------------------------------------------------------------------ derived runs
    @property
    def rankings(self) -> tuple[str, ...]:
        if self.convention == "zero_in" and self.strategy != "dense":
            return ZERO_IN_RANKINGS
        return RANKINGS[self.strategy]

    @property
    def retrained_ranking(self) -> str:
        """The ranking that picks the nodes of every retrained network."""
        return self.retrain_ranking or self.rankings[0]

    def base_run(self) -> RunSpec:
        """The engine run that trains the network before any pruning."""
        return RunSpec(
            dataset=self.dataset, sizes=self.sizes, hidden_activations=self.hidden_activations,
            regime=BASE_REGIME[self.strategy],
            convention=self.convention if self.strategy != "dense" else "paper",
            seed=self.seed, learning_rate=self.learning_rate, batch_size=self.batch_size,
            epochs=self.epochs, train_size=self.train_size, test_size=self.test_size,
            optimizer=self.optimizer, use_bias=self.use_bias or self.strategy != "dense",
        )

    def pruned_sizes(self, fraction: float) -> tuple[int, ...]:
        """Layer sizes after removing ``fraction`` of every hidden layer's nodes."""
        hidden = (n - removed_count(fraction, n) for n in self.sizes[1:-1])
        return (self.sizes[0], *hidden, self.sizes[-1])

    def retrain_run(self, sizes: tuple[int, ...]) -> RunSpec:
        """The engine run that trains the pruned network of layer sizes ``sizes`` again."""
        return self.base_run().replace(
            sizes=tuple(sizes), regime=RETRAIN_REGIME[self.strategy], epochs=self.retrain_epochs
        )

    # ------------------------------------------------------------------ identity
    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in ("sizes", "hidden_activations", "fractions", "retrain_fractions", "scopes"):
            data[name] = list(data[name])
        for name, default in OPTIONAL_FIELDS.items():
            if data[name] == default:
                del data[name]
        return data


def group_key(spec: PruningSpec) -> Hashable:
    """Specs with equal keys share one engine program for their base runs (and their
    retrainings, fraction by fraction)."""
    return ("pruning", run_group_key(spec.base_run()), spec.fractions,
            spec.retrain_fractions, spec.retrain_epochs, spec.retrained_ranking, spec.scopes)


def estimate_seconds(specs: Sequence[PruningSpec]) -> float:
    """A rough time for ``specs`` on a 2-core CPU: their engine trainings (the fully
    connected runs' estimate) plus the pruned evaluations."""
    from ..experiments.records import estimate_seconds as run_seconds

    runs = []
    for spec in specs:
        runs.append(spec.base_run())
        runs.extend(spec.retrain_run(spec.pruned_sizes(f)) for f in spec.retrain_fractions)
    evaluations = sum(len(s.fractions) * len(s.rankings) * len(s.scopes) for s in specs)
    return run_seconds(runs) + SECONDS_PER_EVALUATION * evaluations


def _validate(spec: PruningSpec) -> None:
    need(spec.dataset in DATASETS, f"Unknown dataset {spec.dataset!r}; choose from {DATASETS}.")
    need(
        spec.strategy in STRATEGIES,
        f"Unknown strategy {spec.strategy!r}; choose from {STRATEGIES}.",
    )
    need(
        len(spec.sizes) >= 3 and spec.sizes[0] == INPUT_SIZE and spec.sizes[-1] == CLASSES,
        f"sizes must run from {INPUT_SIZE} inputs through at least one hidden layer to "
        f"{CLASSES} classes (there is nothing to prune otherwise), got {spec.sizes}.",
    )
    need(
        len(spec.hidden_activations) == len(spec.sizes) - 2,
        f"{len(spec.sizes) - 2} hidden layers need as many hidden_activations, got "
        f"{spec.hidden_activations}.",
    )
    bad = [a for a in spec.hidden_activations if a not in HIDDEN_ACTIVATIONS]
    need(not bad, f"Unknown activations {bad}; choose from {HIDDEN_ACTIVATIONS}.")
    need(
        spec.convention in CONVENTIONS,
        f"Unknown convention {spec.convention!r}; choose from {CONVENTIONS}.",
    )
    need(
        spec.strategy != "dense" or spec.convention == "paper",
        "The dense strategy has no eigenvalue convention; leave convention='paper'.",
    )
    need(
        bool(spec.fractions) and spec.fractions[0] == 0.0,
        f"fractions must start at 0.0, the unpruned network every pruned one is compared "
        f"with, got {spec.fractions}.",
    )
    need(
        all(0.0 <= f < 1.0 for f in spec.fractions),
        f"Every fraction must lie in [0, 1), got {spec.fractions}.",
    )
    need(
        list(spec.fractions) == sorted(set(spec.fractions)),
        f"fractions must be increasing and distinct, got {spec.fractions}.",
    )
    need(
        set(spec.retrain_fractions) <= set(spec.fractions),
        f"retrain_fractions {spec.retrain_fractions} must be members of fractions "
        f"{spec.fractions}.",
    )
    for hidden in spec.sizes[1:-1]:
        need(
            removed_count(max(spec.fractions), hidden) < hidden,
            f"The largest fraction {max(spec.fractions)} removes every node of a hidden layer "
            f"of {hidden}; use smaller fractions.",
        )
    need(spec.epochs >= 1 and spec.retrain_epochs >= 1, "epochs must be positive.")
    need(
        spec.use_bias or spec.strategy == "dense",
        "use_bias=False applies to the dense strategy (spectral layers have no bias).",
    )
    need(
        spec.retrain_ranking is None or spec.retrain_ranking in spec.rankings,
        f"retrain_ranking {spec.retrain_ranking!r} is not one of this strategy's rankings "
        f"{spec.rankings}.",
    )
    need(
        bool(spec.scopes) and spec.scopes[0] == "layer" and set(spec.scopes) <= set(SCOPES)
        and len(set(spec.scopes)) == len(spec.scopes),
        f"scopes must start with 'layer' (the record's test_accuracy) and list distinct "
        f"members of {SCOPES}, got {spec.scopes}.",
    )
    # the base run validates the rest (learning rate, batch size, subsets)
    spec.base_run()
