"""Synthetic run records for the analysis and plot tests (no training).

The records have the fields of the engine's (``spec`` with tags, ``history``,
``retracted_weights``, ``trainable_parameters``, ``wall_time_s``, ``device``) and accuracies
that rise with the eigenvalue count, in the paper's regime order.
"""

from __future__ import annotations

import numpy as np

from spectral_nb.experiments.protocol.spec import RunSpec
from spectral_nb.experiments.records import weight_summary

REGIMES = ("train_lambda", "train_lambda_phi", "constrained", "unconstrained")
BASE_ACCURACY = {"constrained": 0.78, "train_lambda": 0.82, "unconstrained": 0.92,
                 "train_lambda_phi": 0.925}


def fake_record(
    rng: np.random.Generator, study: str, point: str, eigenvalues: int, regime: str, seed: int,
    sizes: tuple[int, ...] = (784, 10), convention: str = "paper", dataset: str = "mnist",
    epochs: int = 3,
) -> dict:
    scale = {"constrained": 0.05, "train_lambda": 0.3, "unconstrained": 0.25,
             "train_lambda_phi": 0.3}[regime]
    weights = rng.normal(0, scale, (sizes[0], sizes[-1]))
    if regime == "constrained":  # a few large trained weights in a narrow bulk
        weights.ravel()[: eigenvalues] += rng.normal(0, 1.0, eigenvalues)
    final = BASE_ACCURACY[regime] + 0.01 * np.log10(eigenvalues) + rng.normal(0, 0.003)
    test = [final - 0.02 * (epochs - 1 - e) for e in range(epochs)]
    return {
        "study": study,
        "spec": {
            "dataset": dataset, "sizes": list(sizes), "hidden_activations": [],
            "regime": regime, "convention": convention, "seed": seed, "epochs": epochs,
            "learning_rate": 0.03, "batch_size": 300, "train_size": None, "test_size": 500,
            "tags": {"study": study, "point": point, "eigenvalues": eigenvalues,
                     "hidden_sizes": list(sizes[1:-1])},
        },
        "trainable_parameters": eigenvalues if regime in ("train_lambda", "constrained")
        else 10 * eigenvalues,
        "final_test_accuracy": test[-1],
        "history": {"test_accuracy": test, "train_accuracy": [t + 0.01 for t in test],
                    "train_loss": [1.0 / (e + 1) for e in range(epochs)]},
        "retracted_weights": weight_summary(weights),
        "wall_time_s": 1.0,
        "device": "CPU: test",
    }


def perceptron_records() -> list[dict]:
    """Three seeds of every regime of the MNIST perceptron."""
    rng = np.random.default_rng(0)
    return [fake_record(rng, "perceptron", "784-10", 794, r, s) for r in REGIMES
            for s in range(3)]


def sweep_records() -> list[dict]:
    """Two seeds of every regime at two or three points of the wide, deep and non-linear sweeps."""
    rng = np.random.default_rng(1)
    records = []
    for study, points in (
        ("wide", [("N2=20", 30, (784, 20, 10)), ("N2=500", 510, (784, 500, 10))]),
        ("deep", [("l3:784-20-10", 30, (784, 20, 10)),
                  ("l4:784-800-100-10", 910, (784, 800, 100, 10)),
                  ("l5:784-800-600-500-10", 1910, (784, 800, 600, 500, 10))]),
        ("nonlinear", [("N2=20", 150, (784, 20, 120, 10)),
                       ("N2=500", 630, (784, 500, 120, 10))]),
    ):
        for point, eigenvalues, sizes in points:
            for regime in REGIMES:
                for seed in range(2):
                    records.append(
                        fake_record(rng, study, point, eigenvalues, regime, seed, sizes)
                    )
    return records


# The store tests' one small run and a minimal record of it (no training).
STORE_SPEC = RunSpec(dataset="mnist", sizes=(784, 10), hidden_activations=(),
                     regime="train_lambda", epochs=1, train_size=300, test_size=100)


def store_record(spec: RunSpec = STORE_SPEC, **extra) -> dict:
    """The fields the store reads of an engine record, for ``spec``; ``extra`` adds more."""
    return {"kind": "fc", "spec": spec.to_dict(), "spec_hash": spec.hash,
            "history": {"test_accuracy": [0.5]}, "final_test_accuracy": 0.5,
            "trainable_parameters": spec.trainable_parameter_count(), **extra}
