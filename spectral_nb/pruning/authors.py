"""The authors' own pruning results: the numbers they published with their code.

Source
------
Buffoni, Civitelli, Giambagli, Chicchi and Fanelli, "Spectral pruning of fully connected
layers", Scientific Reports 12, 11201 (2022). Their public repository
``Buffoni/spectral_learning`` holds the pickled results behind the pruning figures
(``Results/results_df.pk``, one hidden layer of 2000 nodes; ``MultiLayer_Results/
multilayer3_results-df.pk``, three hidden layers of 500), read in December 2026 and restated
in ``authors_results.csv`` beside this module: for MNIST and Fashion-MNIST, activations relu,
elu and tanh, the methods

- ``direct_space``: an ordinary network (no bias) trained as usual, nodes ranked by incoming
  connectivity (three hidden layers: one global threshold over all hidden layers);
- ``spectral_post_training``: eigenvectors and eigenvalues trained, nodes ranked by the
  eigenvalue of the layer that produces them, no retraining;
- ``spectral_pre_training_retrained``: eigenvalues trained, nodes ranked, the pruned network
  retrained (20 epochs);

5 realisations each, the mean accuracy and the semi-dispersion (half the range over the
realisations) at 5 %, 10 %, ..., 95 % of the hidden nodes removed (no 0 % point). Their
training: Adam at learning rate 1e-3, batches of 200, 100 epochs.

The paper's "unpruned" Fashion-MNIST numbers (dense 89.8, spectral 89.6, eigenvalues only
88.8 %) are the 5 %-removed points of this data, the last one after retraining.

This module reads the data; :mod:`.authors_runs` sets our runs of their protocol on one hidden
layer beside it, :mod:`.authors_deep` those on three hidden layers.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import cache
from importlib import resources

import pandas as pd

SOURCE = (
    "Buffoni et al. (2022), results data of their public repository Buffoni/spectral_learning "
    "(Results/results_df.pk, MultiLayer_Results/multilayer3_results-df.pk)"
)
DATA_FILE = "authors_results.csv"
# their method name -> our curve name
METHODS: dict[str, str] = {
    "direct_space": "dense",
    "spectral_post_training": "post",
    "spectral_pre_training_retrained": "pre",
}
DATASET_NAMES = {"Fashion-MNIST": "fashion_mnist", "MNIST": "mnist"}
LABELS: dict[str, str] = {
    "post": "spectral, post-training",
    "dense": "direct space (connectivity)",
    "pre": "spectral, pre-training, retrained",
    "random": "spectral, post-training, random nodes",
    "post_connectivity": "spectral, post-training, connectivity",
    "dense_random": "direct space, random nodes",
    "pre_not_retrained": "spectral, eigenvalues only, not retrained",
    "pre_random": "random nodes, retrained as pre-training",
    "scratch": "pruned size trained from scratch",
}
TABLE_FRACTIONS = (0.05, 0.5, 0.7, 0.9)


# ------------------------------------------------------------------ their numbers
@cache
def _rows() -> tuple[dict[str, str], ...]:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def authors_results(dataset: str = "fashion_mnist") -> pd.DataFrame:
    """The authors' means and semi-dispersions (in %) on ``dataset``.

    Index: ``network`` ("784-2000-10", "784-500-500-500-10"), ``activation``, ``curve``
    (``dense``, ``post``, ``pre``: :data:`METHODS`), ``fraction`` (0.05 ... 0.95, and 1.0
    where they have it); columns ``mean``, ``semi_dispersion``, ``seeds``.
    """
    rows = [
        {
            "network": row["network"], "activation": row["activation"],
            "curve": METHODS[row["method"]],
            "fraction": round(int(row["percent_removed"]) / 100, 2),
            "mean": float(row["mean_accuracy_pct"]),
            "semi_dispersion": float(row["semi_dispersion_pct"]),
            "seeds": int(row["realisations"]),
        }
        for row in _rows() if DATASET_NAMES[row["dataset"]] == dataset
    ]
    if not rows:
        raise ValueError(f"No results of the authors for {dataset!r}; they have "
                         f"{sorted(DATASET_NAMES.values())}.")
    frame = pd.DataFrame(rows).set_index(["network", "activation", "curve", "fraction"])
    return frame.sort_index()


def authors_value(network: str, activation: str, name: str, fraction: float,
                  dataset: str = "fashion_mnist") -> float:
    """One mean accuracy (%) of the authors' data."""
    return float(authors_results(dataset).loc[(network, activation, name, fraction), "mean"])


def their_findings(activations: Sequence[str] = ("relu", "elu", "tanh"),
                   fractions: Sequence[float] = TABLE_FRACTIONS,
                   network: str = "784-2000-10") -> dict[str, str]:
    """The authors' means for ``glue``: ``<act>_<curve>_<pct>`` (curves ``dense``, ``post``,
    ``pre``), and ``<act>_post_minus_dense_<pct>``, their spectral minus dense mean."""
    theirs = authors_results()
    out: dict[str, str] = {}
    for activation in activations:
        for fraction in fractions:
            pct = round(100 * fraction)
            means = {name: float(theirs.loc[(network, activation, name, round(fraction, 2)),
                                            "mean"]) for name in ("dense", "post", "pre")}
            for name, value in means.items():
                out[f"{activation}_{name}_{pct}"] = f"{value:.1f}"
            out[f"{activation}_post_minus_dense_{pct}"] = f"{means['post'] - means['dense']:+.1f}"
    return out
