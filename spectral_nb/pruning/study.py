"""The pruning chapter's studies: which pruning runs, per dataset and profile.

``pruning_one_hidden``    784 -> 500 -> 10, ReLU (the paper's Fig. 3), on MNIST and
                          Fashion-MNIST: the three strategies (``post``, ``pre``, ``dense``),
                          every fraction, the pre-training strategy retrained at
                          ``retrain_fractions``.
``pruning_three_hidden``  784 -> 500 -> 500 -> 500 -> 10, ReLU, on Fashion-MNIST: ``post``
                          and ``dense``, every fraction, both retrained at 70 % (the paper's
                          70 % figures; the paper does not give the hidden sizes here, so we
                          keep its one-hidden-layer width).

Protocol choices the paper leaves open (stated on the chapter page): AdaMax with the main
paper's non-linear learning rate 0.01, batches of 300, 20 epochs for every training and
retraining; spectral runs in the authors' public code's convention (input and output
eigenvalues of every layer trained, Glorot eigenvectors, eigenvalues U[-0.5, 0.5]); the same
fraction removed from every hidden layer; retraining starts from the pruned parameters and
trains eigenvalues and eigenvectors (spectral) or weights and biases (dense).
"""

from __future__ import annotations

from ..experiments.protocol.studies import Study
from ..profiles import PRUNING_SETTINGS, settings
from .spec import STRATEGIES, PruningSpec

STUDY_PREFIX = "pruning_"
ONE_HIDDEN = (784, 500, 10)
THREE_HIDDEN = (784, 500, 500, 500, 10)
STUDIES: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "pruning_one_hidden": (ONE_HIDDEN, STRATEGIES),
    "pruning_three_hidden": (THREE_HIDDEN, ("post", "dense")),
}
CONVENTION = "authors_code"
LEARNING_RATE = 0.01
BATCH_SIZE = 300


def build(name: str, dataset: str = "fashion_mnist", profile: str = "quick") -> Study:
    """The pruning runs of study ``name`` on ``dataset`` under ``profile``."""
    if name not in STUDIES:
        raise ValueError(f"Unknown pruning study {name!r}; choose from {', '.join(STUDIES)}.")
    s = settings(PRUNING_SETTINGS, profile)
    sizes, strategies = STUDIES[name]
    deep = len(sizes) > 3
    specs = []
    for strategy in strategies:
        if deep:
            retrain = s.deep_retrain_fractions
        else:
            retrain = ((0.0, *s.retrain_fractions) if strategy == "pre" else ())
        for seed in range(s.seeds):
            specs.append(
                PruningSpec(
                    dataset=dataset, sizes=sizes, hidden_activations=("relu",) * (len(sizes) - 2),
                    strategy=strategy, seed=seed, fractions=s.fractions,
                    retrain_fractions=retrain,
                    convention=CONVENTION if strategy != "dense" else "paper",
                    learning_rate=LEARNING_RATE, batch_size=BATCH_SIZE, epochs=s.epochs,
                    retrain_epochs=s.retrain_epochs, train_size=s.train_size,
                    test_size=s.test_size,
                    tags={"study": name, "strategy": strategy,
                          "point": "-".join(map(str, sizes))},
                )
            )
    return Study(name, dataset, profile, tuple(specs))
