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
from ..profiles import PRUNING_SETTINGS, settings
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
STUDIES: tuple[str, ...] = tuple(PLANS)


def build(name: str, dataset: str = "fashion_mnist", profile: str = "quick") -> Study:
    """The pruning runs of study ``name`` on ``dataset`` under ``profile``."""
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
