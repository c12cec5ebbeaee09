"""The pruning chapter's studies: which pruning runs, per dataset and profile.

``pruning_one_hidden``    784 -> 500 -> 10, ReLU (the paper's Fig. 3), on MNIST and
                          Fashion-MNIST: the three strategies (``post``, ``pre``, ``dense``)
                          at every fraction; the pre-training strategy's pruned networks are
                          trained again at ``retrain_fractions`` (and at 0).
``pruning_three_hidden``  784 -> 500 -> 500 -> 500 -> 10, ReLU, on Fashion-MNIST: ``post``
                          and ``dense`` at every fraction, both trained again after removing
                          70 % (the paper's 70 % figures; the paper's text does not give the
                          hidden sizes, so we keep its one-hidden-layer width).
``pruning_variants``      784 -> 500 -> 10 on Fashion-MNIST, what else was tried where ours
                          differ from the paper: the eigenvalue-only network and the full
                          spectral one in the paper's own convention (input eigenvalues frozen
                          near zero, eigenvectors U[-0.5, 0.5]) and the eigenvalue-only one
                          at learning rate 0.03; every fraction, no retraining.
``pruning_authors``       the authors' own protocol, as their code ran it (``../shared`` notes
                          restated on the chapter page): spectral layers with input eigenvalues
                          exactly 0 (convention ``zero_in``), nodes ranked by the producing
                          layer's eigenvalue, no bias in the dense network, Adam at 1e-3,
                          batches of 200, relu / elu / tanh, on Fashion-MNIST. Per activation,
                          784 -> 500 -> 10 (the paper's caption): ``post`` and ``dense`` at
                          every fraction, ``pre`` retrained at ``retrain_fractions``; the
                          controls at ``control_fractions`` (the same retraining from randomly
                          chosen nodes, and a network of the pruned size trained from scratch
                          for the retraining's epochs); one seed's relu networks at the
                          ``epoch_curve`` epoch counts; 784 -> 2000 -> 10 (the authors' data)
                          with ``wide_seeds`` seeds. Sizes per profile:
                          :data:`spectral_nb.profiles.AUTHORS_PRUNING_SETTINGS`.
``pruning_authors_deep``  the same protocol on 784 -> 500 -> 500 -> 500 -> 10, relu (the
                          authors' three-hidden-layer data): ``dense``, ``post`` and ``pre``
                          (retrained at ``deep_retrain_fractions``, cut per layer),
                          ``deep_seeds`` seeds, every ``deep_fractions`` cut both ways: the
                          same share of every hidden layer (``scope="layer"``) and one
                          threshold over all hidden layers (``scope="global"``, as the
                          authors cut their dense network), with the nodes each layer keeps.

Protocol choices the paper leaves open (stated on the chapter page): AdaMax with the main
paper's non-linear learning rate 0.01, batches of 300, 20 epochs for every training and
retraining; spectral runs in the convention of the authors' public code (input and output
eigenvalues of every layer trained, Glorot eigenvectors, eigenvalues U[-0.5, 0.5]); the same
fraction removed from every hidden layer; retraining starts from the pruned parameters and
trains eigenvalues and eigenvectors (spectral) or weights and biases (dense).
"""

from __future__ import annotations

from typing import NamedTuple

from ..experiments.protocol.studies import NotOnDataset, Study
from ..profiles import AUTHORS_PRUNING_SETTINGS, PRUNING_SETTINGS, AuthorsPruningSettings, settings
from .selection import removed_count
from .spec import PruningSpec

ONE_HIDDEN = (784, 500, 10)
THREE_HIDDEN = (784, 500, 500, 500, 10)
CONVENTION = "authors_code"
LEARNING_RATE = 0.01
BATCH_SIZE = 300


class Variant(NamedTuple):
    """One kind of network in a study: strategy, convention, learning rate, retrained?"""

    strategy: str
    convention: str = CONVENTION
    learning_rate: float = LEARNING_RATE
    retrain: str = "none"  # "none", "pre" (retrain_fractions and 0) or "deep" (70 %)


class Plan(NamedTuple):
    sizes: tuple[int, ...]
    datasets: tuple[str, ...]
    variants: tuple[Variant, ...]


PLANS: dict[str, Plan] = {
    "pruning_one_hidden": Plan(
        ONE_HIDDEN, ("fashion_mnist", "mnist"),
        (Variant("post"), Variant("pre", retrain="pre"), Variant("dense", "paper")),
    ),
    "pruning_three_hidden": Plan(
        THREE_HIDDEN, ("fashion_mnist",),
        (Variant("post", retrain="deep"), Variant("dense", "paper", retrain="deep")),
    ),
    "pruning_variants": Plan(
        ONE_HIDDEN, ("fashion_mnist",),
        (Variant("pre", "paper"), Variant("post", "paper"), Variant("pre", learning_rate=0.03)),
    ),
}
AUTHORS_STUDY = "pruning_authors"
AUTHORS_DEEP_STUDY = "pruning_authors_deep"
STUDIES: tuple[str, ...] = (*PLANS, AUTHORS_STUDY, AUTHORS_DEEP_STUDY)
DEEP_SCOPES = ("layer", "global")
# The authors' pruning protocol (their public code): Adam, learning rate, batch.
AUTHORS_OPTIMIZER, AUTHORS_LEARNING_RATE, AUTHORS_BATCH_SIZE = "adam", 1e-3, 200
WIDE = (784, 2000, 10)
# Roles of the runs of pruning_authors (the tag ``role``).
AUTHORS_ROLES = ("post", "dense", "pre", "pre_random", "scratch")


def authors_spec(
    role: str, sizes: tuple[int, ...], activation: str, seed: int, epochs: int,
    s: AuthorsPruningSettings, dataset: str = "fashion_mnist",
) -> PruningSpec:
    """One run of ``pruning_authors``: ``role`` is one of :data:`AUTHORS_ROLES`."""
    if role not in AUTHORS_ROLES:
        raise ValueError(f"Unknown role {role!r}; choose from {AUTHORS_ROLES}.")
    strategy = {"pre_random": "pre", "scratch": "post"}.get(role, role)
    fractions, retrain = s.fractions, ()
    if role == "pre":
        retrain = s.retrain_fractions
    elif role == "pre_random":
        fractions = retrain = (0.0, *s.control_fractions)
    elif role == "scratch":
        fractions = (0.0,)
    return PruningSpec(
        dataset=dataset, sizes=sizes, hidden_activations=(activation,) * (len(sizes) - 2),
        strategy=strategy, seed=seed, fractions=fractions, retrain_fractions=retrain,
        convention="paper" if strategy == "dense" else "zero_in",
        learning_rate=AUTHORS_LEARNING_RATE, batch_size=AUTHORS_BATCH_SIZE,
        epochs=epochs, retrain_epochs=s.retrain_epochs, train_size=s.train_size,
        test_size=s.test_size, optimizer=AUTHORS_OPTIMIZER,
        use_bias=strategy != "dense", retrain_ranking="random" if role == "pre_random" else None,
        tags={"study": AUTHORS_STUDY, "role": role, "activation": activation,
              "network": "-".join(map(str, sizes)), "epochs": epochs},
    )


def _authors_specs(dataset: str, s: AuthorsPruningSettings) -> list[PruningSpec]:
    specs: list[PruningSpec] = []
    for activation in s.activations:
        for role in ("post", "dense", "pre", "pre_random"):
            specs.extend(authors_spec(role, ONE_HIDDEN, activation, seed, s.epochs, s, dataset)
                         for seed in range(s.seeds))
        for fraction in s.control_fractions:
            kept = ONE_HIDDEN[1] - removed_count(fraction, ONE_HIDDEN[1])
            for seed in range(s.seeds):
                spec = authors_spec("scratch", (784, kept, 10), activation, seed,
                                    s.retrain_epochs, s, dataset)
                specs.append(spec.replace(tags={**spec.tags, "as_fraction": fraction,
                                                "network": "-".join(map(str, ONE_HIDDEN))}))
    for epochs in (e for e in s.epoch_curve if e != s.epochs):  # s.epochs: the runs above
        for role in ("post", "dense", "pre"):
            spec = authors_spec(role, ONE_HIDDEN, "relu", 0, epochs, s, dataset)
            specs.append(spec.replace(tags={**spec.tags, "epoch_curve": True}))
    for activation in s.wide_activations:
        for role in ("post", "dense", "pre"):
            specs.extend(authors_spec(role, WIDE, activation, seed, s.epochs, s, dataset)
                         for seed in range(s.wide_seeds))
    return specs


def _authors_deep_specs(dataset: str, s: AuthorsPruningSettings) -> list[PruningSpec]:
    specs = []
    for role in ("dense", "post", "pre"):
        for seed in range(s.deep_seeds):
            spec = authors_spec(role, THREE_HIDDEN, "relu", seed, s.epochs, s, dataset)
            specs.append(spec.replace(
                fractions=s.deep_fractions,
                retrain_fractions=s.deep_retrain_fractions if role == "pre" else (),
                scopes=DEEP_SCOPES, tags={**spec.tags, "study": AUTHORS_DEEP_STUDY},
            ))
    return specs


def build(name: str, dataset: str = "fashion_mnist", profile: str = "quick") -> Study:
    """The pruning runs of study ``name`` on ``dataset`` under ``profile``."""
    if name in (AUTHORS_STUDY, AUTHORS_DEEP_STUDY):
        if dataset != "fashion_mnist":
            raise NotOnDataset(f"Study {name!r} runs on fashion_mnist only, not {dataset!r}.")
        s = settings(AUTHORS_PRUNING_SETTINGS, profile)
        make = _authors_specs if name == AUTHORS_STUDY else _authors_deep_specs
        return Study(name, dataset, profile, tuple(make(dataset, s)))
    if name not in PLANS:
        raise ValueError(f"Unknown pruning study {name!r}; choose from {', '.join(STUDIES)}.")
    plan = PLANS[name]
    if dataset not in plan.datasets:
        raise NotOnDataset(
            f"Study {name!r} runs on {', '.join(plan.datasets)} only, not {dataset!r}."
        )
    s = settings(PRUNING_SETTINGS, profile)
    retrain = {"none": (), "pre": (0.0, *s.retrain_fractions), "deep": s.deep_retrain_fractions}
    specs = []
    for variant in plan.variants:
        for seed in range(s.seeds):
            specs.append(
                PruningSpec(
                    dataset=dataset, sizes=plan.sizes,
                    hidden_activations=("relu",) * (len(plan.sizes) - 2),
                    strategy=variant.strategy, seed=seed, fractions=s.fractions,
                    retrain_fractions=retrain[variant.retrain], convention=variant.convention,
                    learning_rate=variant.learning_rate, batch_size=BATCH_SIZE,
                    epochs=s.epochs, retrain_epochs=s.retrain_epochs,
                    train_size=s.train_size, test_size=s.test_size,
                    tags={"strategy": variant.strategy, "convention": variant.convention,
                          "learning_rate": variant.learning_rate,
                          "network": "-".join(map(str, plan.sizes))},
                )
            )
    return Study(name, dataset, profile, tuple(specs))
