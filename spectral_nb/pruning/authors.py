"""The authors' own pruning results, and our runs of their protocol measured the same way.

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

Our side is study ``pruning_authors`` (:mod:`.study`): the same parametrisation, optimiser
and methods; :func:`ours_frame` turns its records into one row per run, curve and fraction
with the curves named as here (:data:`METHODS`), plus our controls. Study
``pruning_authors_deep`` runs the three-hidden-layer network, every pruned network cut both
as the authors cut their dense one (one global threshold, which can empty layers) and per
layer; :func:`deep_frame` reads it, with the nodes each layer keeps.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.paired import Paired, describe, direction, paired
from .tables import PM

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
# Our curves of study pruning_authors: (role of the run, ranking, retrained?)
OUR_CURVES: dict[str, tuple[str, str, bool]] = {
    "post": ("post", "eigenvalue_out", False),
    "dense": ("dense", "connectivity", False),
    "pre": ("pre", "eigenvalue_out", True),
    "random": ("post", "random", False),
    "post_connectivity": ("post", "connectivity", False),
    "dense_random": ("dense", "random", False),
    "pre_not_retrained": ("pre", "eigenvalue_out", False),
    "pre_random": ("pre_random", "random", True),
    "scratch": ("scratch", "", False),
}
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


# ------------------------------------------------------------------ our runs of their protocol
def ours_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per record of study ``pruning_authors``, curve and fraction.

    Columns: ``network`` (the unpruned network; a ``scratch`` run, trained at its pruned size,
    is filed under the network it stands for, at the fraction it matches), ``activation``,
    ``epochs`` (of the first training), ``seed``, ``curve`` (:data:`OUR_CURVES`),
    ``fraction``, ``accuracy`` (%).
    """
    rows = []
    for record in records:
        spec = record["spec"]
        tags = spec.get("tags", {})
        role = tags["role"]
        common = {"network": tags["network"], "activation": tags["activation"],
                  "epochs": int(tags["epochs"]), "seed": int(spec["seed"])}
        if role == "scratch":
            accuracy = 100 * float(record["test_accuracy"]["eigenvalue_out"][0])
            rows.append({**common, "epochs": None, "curve": "scratch",
                         "fraction": float(tags["as_fraction"]), "accuracy": accuracy})
            continue
        for name, (curve_role, ranking, retrained) in OUR_CURVES.items():
            if curve_role != role:
                continue
            if retrained:
                points = zip(record["retrained"]["fractions"],
                             record["retrained"]["final_test_accuracy"], strict=True)
            elif ranking in record["test_accuracy"]:
                points = zip(record["fractions"], record["test_accuracy"][ranking], strict=True)
            else:
                continue
            rows.extend({**common, "curve": name, "fraction": round(float(f), 2),
                         "accuracy": 100 * float(a)} for f, a in points)
    if not rows:
        raise ValueError("No records of study pruning_authors; run it first "
                         "(python -m spectral_nb.experiments run pruning_authors "
                         "--dataset fashion_mnist).")
    return pd.DataFrame(rows)


def main_epochs(frame: pd.DataFrame) -> int:
    """The first-training epochs of the study's main runs (the count most runs have)."""
    counted = frame[frame["curve"] == "post"].groupby("epochs")["seed"].nunique()
    return int(counted.idxmax())


def with_scratch_epochs(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the from-scratch runs filed under the main runs' epochs (they stand
    beside those runs' retrained networks)."""
    out = frame.copy()
    out.loc[out["curve"] == "scratch", "epochs"] = main_epochs(frame)
    out["epochs"] = out["epochs"].astype(int)
    return out


def ours_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, semi-dispersion and seed count per network, activation, epochs, curve and
    fraction (in %)."""
    frame = with_scratch_epochs(frame)
    grouped = frame.groupby(["network", "activation", "epochs", "curve", "fraction"])
    summary = grouped["accuracy"].agg(["mean", "min", "max", "count"])
    summary["semi_dispersion"] = (summary["max"] - summary["min"]) / 2
    return summary.rename(columns={"count": "seeds"})


def _cell(mean: float, semi: float, seeds: int = 2) -> str:
    """``mean ± semi-dispersion``; one seed has no spread, so only its value."""
    return f"{mean:.1f}{PM}{semi:.1f}" if seeds > 1 else f"{mean:.1f}"


def side_by_side(summary: pd.DataFrame, network: str, epochs: int,
                 theirs_network: str = "784-2000-10",
                 activations: Sequence[str] = ("relu", "elu", "tanh"),
                 fractions: Sequence[float] = TABLE_FRACTIONS) -> pd.DataFrame:
    """Their mean ± semi-dispersion beside ours at ``fractions``, per activation and method.

    Rows: activation and share of nodes removed; columns: each method, theirs and ours.
    A point we did not run reads "–".
    """
    theirs = authors_results()
    rows = []
    for activation in activations:
        for fraction in fractions:
            row: dict[str, Any] = {"activation": activation, "nodes removed": f"{fraction:.0%}"}
            for name in ("dense", "post", "pre"):
                key = (theirs_network, activation, name, round(fraction, 2))
                row[(LABELS[name], "theirs")] = (
                    _cell(*theirs.loc[key, ["mean", "semi_dispersion"]])
                    if key in theirs.index else "–"
                )
                ours = (network, activation, epochs, name, round(fraction, 2))
                row[(LABELS[name], "ours")] = (
                    _cell(*summary.loc[ours, ["mean", "semi_dispersion", "seeds"]])
                    if ours in summary.index else "–"
                )
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["activation", "nodes removed"])
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def seeds_of(frame: pd.DataFrame, network: str, activation: str, epochs: int, name: str,
             fraction: float) -> dict[int, float]:
    """``{seed: accuracy}`` of one curve at one fraction."""
    frame = with_scratch_epochs(frame)
    part = frame[(frame["network"] == network) & (frame["activation"] == activation)
                 & (frame["epochs"] == epochs) & (frame["curve"] == name)
                 & np.isclose(frame["fraction"], fraction)]
    return dict(zip(part["seed"].astype(int), part["accuracy"].astype(float), strict=True))


def paired_at(frame: pd.DataFrame, network: str, activation: str, epochs: int, a: str, b: str,
              fraction: float) -> Paired | None:
    """Per-seed ``a - b`` at ``fraction`` over the seeds both curves have (``None``: none)."""
    first = seeds_of(frame, network, activation, epochs, a, fraction)
    second = seeds_of(frame, network, activation, epochs, b, fraction)
    common = sorted(set(first) & set(second))
    if not common:
        return None
    return paired({s: first[s] for s in common}, {s: second[s] for s in common})


PAIRS: tuple[tuple[str, str], ...] = (
    ("post", "dense"), ("post", "random"), ("pre", "post"), ("pre", "pre_random"),
    ("pre", "scratch"), ("pre", "dense"), ("pre", "pre_not_retrained"), ("random", "dense"),
)


def paired_findings(frame: pd.DataFrame, network: str, epochs: int,
                    activations: Sequence[str], fractions: Sequence[float],
                    pairs: Sequence[tuple[str, str]] = PAIRS) -> dict[str, str]:
    """Glue values for the chapter's comparisons, each paired over seeds.

    Per activation ``act``, pair ``(a, b)`` and fraction ``pct``:
    ``<act>_<a>_<b>_<pct>`` is the mean difference ``a - b`` in the words of
    :func:`spectral_nb.analysis.paired.describe` preceded by "higher" or "lower"
    (e.g. "higher by 12.3 pp on average (from 8.0 to 15.1), in 5 of 5 seeds");
    ``<act>_<a>_<b>_<pct>_seeds`` the seeds where ``a`` is above ``b`` ("5 of 5").
    "–" where the pair has no common seeds. Also ``<act>_<name>_<pct>``: the mean of a curve.
    """
    out: dict[str, str] = {}
    for activation in activations:
        for fraction in fractions:
            pct = round(100 * fraction)
            names = {n for pair in pairs for n in pair}
            for name in sorted(names):
                values = seeds_of(frame, network, activation, epochs, name, fraction)
                out[f"{activation}_{name}_{pct}"] = (
                    f"{np.mean(list(values.values())):.1f}" if values else "–"
                )
            for a, b in pairs:
                key = f"{activation}_{a}_{b}_{pct}"
                p = paired_at(frame, network, activation, epochs, a, b, fraction)
                if p is None:
                    out[key] = out[f"{key}_seeds"] = "–"
                    continue
                out[key] = f"{direction(p, 'higher', 'lower')} {describe(p)}"
                out[f"{key}_seeds"] = f"{p.n_positive} of {p.n}"
    return out


def comparison_rows(summary: pd.DataFrame, network: str, epochs: int
                    ) -> list[dict[str, str]]:
    """The paper's stated Fashion-MNIST relu numbers, each beside the same quantity of the
    authors' data and of our run of their protocol (``network``, ``epochs``)."""
    from .tables import PAPER_AT_5, PAPER_FIRST_FRACTION

    said = {"dense": "dense, “unpruned”", "post": "spectral, “unpruned”",
            "pre": "eigenvalues only, “unpruned”"}
    fraction = PAPER_FIRST_FRACTION
    rows = []
    for name, paper in PAPER_AT_5.items():
        label = said[name]
        ours = (network, "relu", epochs, name, fraction)
        rows.append({
            "the paper says": label, "paper (%)": f"{paper:.1f}",
            "the same quantity": f"{LABELS[name]}, {fraction:.0%} of nodes removed",
            "authors' data, 784-2000-10 (%)": _cell(*authors_results().loc[
                ("784-2000-10", "relu", name, fraction), ["mean", "semi_dispersion"]]),
            f"ours, {network} (%)": (_cell(*summary.loc[ours, ["mean", "semi_dispersion",
                                                                "seeds"]])
                                     if ours in summary.index else "–"),
        })
    return rows


def comparison_table(summary: pd.DataFrame, network: str, epochs: int) -> pd.DataFrame:
    """:func:`comparison_rows` as a table."""
    return pd.DataFrame(comparison_rows(summary, network, epochs)).set_index("the paper says")


def epoch_table(frame: pd.DataFrame, network: str, activation: str = "relu", seed: int = 0,
                names: Sequence[str] = ("dense", "post", "random", "pre"),
                fractions: Sequence[float] = TABLE_FRACTIONS,
                theirs_network: str = "784-2000-10") -> pd.DataFrame:
    """Seed ``seed``'s accuracy (%) at every first-training epoch count we ran, beside the
    authors' mean at 100 epochs: rows method and share removed, columns epochs."""
    part = with_scratch_epochs(frame)
    part = part[(part["network"] == network) & (part["activation"] == activation)
                & (part["seed"] == seed)]
    values = part.set_index(["epochs", "curve", "fraction"])["accuracy"]
    epochs = sorted(set(part["epochs"]))
    theirs = authors_results()
    rows = []
    for name in names:
        for fraction in fractions:
            row: dict[str, Any] = {"method": LABELS[name], "nodes removed": f"{fraction:.0%}"}
            for e in epochs:
                key = (e, name, round(fraction, 2))
                shown = f"{values[key]:.1f}" if key in values.index else "–"
                row[f"{e} epoch{'s' * (e != 1)}"] = shown
            key = (theirs_network, activation, name, round(fraction, 2))
            row["authors, 100 epochs (mean of 5)"] = (
                f"{theirs.loc[key, 'mean']:.1f}" if key in theirs.index else "–")
            rows.append(row)
    return pd.DataFrame(rows).set_index(["method", "nodes removed"])


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


def controls_table(summary: pd.DataFrame, network: str, epochs: int, fraction: float = 0.7,
                   activations: Sequence[str] = ("relu", "elu", "tanh")) -> pd.DataFrame:
    """The pre-training strategy at ``fraction`` beside its controls, mean ± semi-dispersion
    (%) per activation: the eigenvalue-ranked network retrained, the same retraining from
    random nodes, a network of the pruned size trained from scratch, and the eigenvalue-ranked
    network not retrained."""
    names = ("pre", "pre_random", "scratch", "pre_not_retrained")
    rows = []
    for activation in activations:
        row: dict[str, str] = {"activation": activation}
        for name in names:
            key = (network, activation, epochs, name, round(fraction, 2))
            row[LABELS[name]] = (_cell(*summary.loc[key, ["mean", "semi_dispersion", "seeds"]])
                                 if key in summary.index else "–")
        rows.append(row)
    return pd.DataFrame(rows).set_index("activation")


# ------------------------------------------------------------------ three hidden layers
DEEP = "784-500-500-500-10"
# Our curves of study pruning_authors_deep: name -> (role of the run, ranking, retrained?).
# Retrained networks are cut per layer; the others are cut both ways (their record's scopes).
DEEP_CURVES: dict[str, tuple[str, str, bool]] = {
    "dense": ("dense", "connectivity", False),
    "post": ("post", "eigenvalue_out", False),
    "random": ("post", "random", False),
    "pre": ("pre", "eigenvalue_out", True),
}
SCOPE_LABELS = {"global": "one threshold", "layer": "per layer"}
# The paper's numbers for three hidden layers at 70 % removed (relu): what they are in the
# authors' code (their curve), and the scope of ours that is the same quantity.
DEEP_CASES: tuple[tuple[str, float, str, str], ...] = (
    ("dense, “about 10 %”", 10.0, "dense",
     "direct space, one global threshold over all hidden layers"),
    ("spectral ranking", 67.0, "post", "spectral, post-training"),
    ("“88 %” retrained", 88.0, "pre", "spectral, pre-training, retrained"),
)


def deep_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per record of study ``pruning_authors_deep``, curve (:data:`DEEP_CURVES`),
    scope and fraction: ``seed``, ``curve``, ``scope`` (``layer``, ``global``), ``fraction``,
    ``accuracy`` (%), ``kept`` (the nodes each hidden layer keeps, a tuple) and ``emptied``
    (how many hidden layers keep none)."""
    rows = []
    for record in records:
        spec = record["spec"]
        role, seed = spec["tags"]["role"], int(spec["seed"])
        for name, (curve_role, ranking, retrained) in DEEP_CURVES.items():
            if curve_role != role:
                continue
            if retrained:
                done = record["retrained"]
                points = [("layer", f, a, tuple(sizes[1:-1])) for f, a, sizes in zip(
                    done["fractions"], done["final_test_accuracy"], done["sizes"], strict=True)]
            else:
                points = [
                    (scope, f, a, tuple(k)) for scope, block in record["scopes"].items()
                    for f, a, k in zip(record["fractions"], block["test_accuracy"][ranking],
                                       block["kept_nodes"][ranking], strict=True)
                ]
            rows.extend({"seed": seed, "curve": name, "scope": scope,
                         "fraction": round(float(f), 2), "accuracy": 100 * float(a),
                         "kept": kept, "emptied": sum(k == 0 for k in kept)}
                        for scope, f, a, kept in points)
    if not rows:
        raise ValueError("No records of study pruning_authors_deep; run it first "
                         "(python -m spectral_nb.experiments run pruning_authors_deep "
                         "--dataset fashion_mnist).")
    return pd.DataFrame(rows)


def _deep_seeds(deep: pd.DataFrame, name: str, scope: str, fraction: float) -> dict[int, float]:
    part = deep[(deep["curve"] == name) & (deep["scope"] == scope)
                & np.isclose(deep["fraction"], fraction)]
    return dict(zip(part["seed"].astype(int), part["accuracy"].astype(float), strict=True))


def _deep_cell(deep: pd.DataFrame, name: str, scope: str, fraction: float) -> str:
    values = list(_deep_seeds(deep, name, scope, fraction).values())
    if not values:
        return "–"
    return _cell(float(np.mean(values)), (max(values) - min(values)) / 2, len(values))


def deep_table(deep: pd.DataFrame, fractions: Sequence[float] = TABLE_FRACTIONS
               ) -> pd.DataFrame:
    """Three hidden layers, relu: the authors' mean ± semi-dispersion beside ours cut with
    one threshold over all hidden layers and cut per layer, per method and share removed
    (the retrained pre-training networks are cut per layer only: "–")."""
    theirs = authors_results()
    rows = []
    for fraction in fractions:
        row: dict[Any, str] = {("", "nodes removed"): f"{fraction:.0%}"}
        for name in ("dense", "post", "pre"):
            key = (DEEP, "relu", name, round(fraction, 2))
            row[(LABELS[name], "theirs")] = (
                _cell(*theirs.loc[key, ["mean", "semi_dispersion"]])
                if key in theirs.index else "–")
            for scope in ("global", "layer"):
                row[(LABELS[name], f"ours, {SCOPE_LABELS[scope]}")] = _deep_cell(
                    deep, name, scope, fraction)
        rows.append(row)
    table = pd.DataFrame(rows)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table.set_index(("", "nodes removed")).rename_axis("nodes removed")


def deep_kept_table(deep: pd.DataFrame, names: Sequence[str] = ("dense", "post"),
                    fractions: Sequence[float] = TABLE_FRACTIONS) -> pd.DataFrame:
    """Under one threshold over all hidden layers: the nodes each hidden layer keeps (mean
    over seeds, and its range where the seeds differ) and the emptied layers, seed by seed."""
    part = deep[deep["scope"] == "global"]
    rows = []
    for name in names:
        for fraction in fractions:
            here = part[(part["curve"] == name) & np.isclose(part["fraction"], fraction)]
            if here.empty:
                continue
            here = here.sort_values("seed")
            kept = np.array(list(here["kept"]))
            row: dict[str, str] = {"method": LABELS[name], "nodes removed": f"{fraction:.0%}"}
            for k in range(kept.shape[1]):
                lo, hi, mean = kept[:, k].min(), kept[:, k].max(), kept[:, k].mean()
                row[f"hidden layer {k + 1}"] = (f"{mean:.0f}" if lo == hi
                                                else f"{mean:.0f} ({lo}–{hi})")
            row["layers emptied, per seed"] = ", ".join(map(str, here["emptied"]))
            rows.append(row)
    return pd.DataFrame(rows).set_index(["method", "nodes removed"])


def _emptied_words(counts: Sequence[int], layers: int) -> str:
    """How many hidden layers a cut empties over the seeds, in words."""
    lo, hi = min(counts), max(counts)
    if hi == 0:
        return "no hidden layer"
    if lo == hi:
        every = "in every seed" if len(counts) > 1 else "in its one seed"
        return f"{lo} of the {layers} hidden layers {every}"
    return (f"from {lo} to {hi} of the {layers} hidden layers, depending on the seed "
            f"({sum(c > 0 for c in counts)} of {len(counts)} seeds empty at least one)")


DEEP_PAIRS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("post", "global"), ("dense", "global")),
    (("post", "layer"), ("dense", "layer")),
    (("dense", "layer"), ("dense", "global")),
    (("post", "global"), ("random", "global")),
    (("post", "layer"), ("random", "layer")),
    (("pre", "layer"), ("post", "global")),
    (("pre", "layer"), ("post", "layer")),
)


def deep_findings(deep: pd.DataFrame, fractions: Sequence[float] = TABLE_FRACTIONS,
                  pairs: Sequence[tuple[tuple[str, str], tuple[str, str]]] = DEEP_PAIRS
                  ) -> dict[str, str]:
    """Glue values for the three-hidden-layer comparison, per share removed ``pct``:
    ``<curve>_<scope>_<pct>`` our mean (%), ``their_<curve>_<pct>`` the authors' mean,
    ``emptied_<curve>_<pct>`` the hidden layers the global cut empties (in words),
    ``<a>_<scope a>_<b>_<scope b>_<pct>`` the per-seed difference ``a - b`` ("higher by ...,
    in 5 of 5 seeds", :func:`~spectral_nb.analysis.paired.describe`) and ``..._seeds`` the
    seeds where ``a`` is above ``b``."""
    theirs = authors_results()
    layers = max(len(k) for k in deep["kept"])
    out: dict[str, str] = {}
    for fraction in fractions:
        pct = round(100 * fraction)
        for name in DEEP_CURVES:
            key = (DEEP, "relu", name, round(fraction, 2))
            if key in theirs.index:
                out[f"their_{name}_{pct}"] = f"{theirs.loc[key, 'mean']:.1f}"
            for scope in ("layer", "global"):
                values = _deep_seeds(deep, name, scope, fraction)
                out[f"{name}_{scope}_{pct}"] = (f"{np.mean(list(values.values())):.1f}"
                                                if values else "–")
            here = deep[(deep["curve"] == name) & (deep["scope"] == "global")
                        & np.isclose(deep["fraction"], fraction)].sort_values("seed")
            out[f"emptied_{name}_{pct}"] = (_emptied_words(list(here["emptied"]), layers)
                                            if len(here) else "–")
        for (a, scope_a), (b, scope_b) in pairs:
            key = f"{a}_{scope_a}_{b}_{scope_b}_{pct}"
            first = _deep_seeds(deep, a, scope_a, fraction)
            second = _deep_seeds(deep, b, scope_b, fraction)
            common = sorted(set(first) & set(second))
            if not common:
                out[key] = out[f"{key}_seeds"] = "–"
                continue
            p = paired({s: first[s] for s in common}, {s: second[s] for s in common})
            out[key] = f"{direction(p, 'higher', 'lower')} {describe(p)}"
            out[f"{key}_seeds"] = f"{p.n_positive} of {p.n}"
    return out


def deep_study_facts(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """What study ``pruning_authors_deep`` ran, for ``glue``: ``runs``, ``seeds``,
    ``epochs`` and ``retrain_epochs``, ``retrain_fractions`` (where the pre-training networks
    were retrained, in %), ``fractions`` (the shares cut, in %) and ``minutes`` (the
    training time its records measured, summed)."""
    if not records:
        raise ValueError("No records of study pruning_authors_deep; run it first.")
    specs = [r["spec"] for r in records]

    def listed(values: Iterable[Any], percent: bool = False) -> str:
        ordered = sorted(set(values))
        return ", ".join(f"{100 * v:.0f}" if percent else str(v) for v in ordered)

    return {
        "runs": str(len(records)),
        "seeds": str(len({int(s["seed"]) for s in specs})),
        "epochs": listed(int(s["epochs"]) for s in specs),
        "retrain_epochs": listed(int(s["retrain_epochs"]) for s in specs
                                 if s["retrain_fractions"]),
        "retrain_fractions": listed((f for s in specs for f in s["retrain_fractions"]), True),
        "fractions": listed((f for s in specs for f in s["fractions"] if f > 0), True),
        "minutes": f"{sum(float(r.get('wall_time_s', 0.0)) for r in records) / 60:.0f}",
    }


def deep_comparison(old_summary: pd.DataFrame, deep: pd.DataFrame | None = None,
                    fraction: float = 0.7) -> pd.DataFrame:
    """The deep network's numbers at ``fraction``: the paper's, the authors' data (their
    cut), ours under their protocol (study ``pruning_authors_deep``) with one threshold and
    per layer, and ours under our protocol cut per layer (study ``pruning_three_hidden``;
    its retrained network is the post-trained one, it has no pre-training network).
    "–" where a study has no such point."""
    from .tables import value_at

    our_protocol = {"dense": "dense", "post": "post", "pre": "post_retrained"}
    rows = []
    for label, paper, name, what in DEEP_CASES:
        theirs = authors_results().loc[(DEEP, "relu", name, round(fraction, 2))]
        try:
            ours = value_at(old_summary, "fashion_mnist", DEEP, our_protocol[name], fraction)
            old_text = _cell(ours["mean"], ours["semi_dispersion"])
        except KeyError:
            old_text = "–"
        row = {"the paper says": label, "paper (%)": f"{paper:.0f}",
               "what the authors' code did": what,
               "authors' data (%)": _cell(theirs["mean"], theirs["semi_dispersion"])}
        for scope in ("global", "layer"):
            row[f"ours, their protocol, {SCOPE_LABELS[scope]} (%)"] = (
                "–" if deep is None else _deep_cell(deep, name, scope, fraction))
        row["ours, our protocol, per layer (%)"] = old_text
        rows.append(row)
    return pd.DataFrame(rows).set_index("the paper says")


def study_facts(records: Sequence[Mapping[str, Any]], frame: pd.DataFrame) -> dict[str, str]:
    """What the study ran, for ``glue``: ``epochs`` (main runs), ``retrain_epochs``,
    ``seeds`` (main runs), ``fractions`` (how many shares removed, and the largest),
    ``wide_seeds`` (784-2000-10), ``curve_epochs`` (the epoch counts of the one-seed curve),
    ``runs`` and ``minutes`` (the training time its records measured, summed)."""
    epochs = main_epochs(frame)
    main = frame[(frame["network"] == "784-500-10") & (frame["curve"] == "post")
                 & (frame["epochs"] == epochs)]
    wide = frame[(frame["network"] == "784-2000-10") & (frame["curve"] == "post")]
    curve = sorted(set(frame[frame["curve"] == "post"]["epochs"].astype(int)))
    retrain = sorted({int(r["spec"]["retrain_epochs"]) for r in records})
    shares = sorted(set(main["fraction"]))
    seconds = sum(float(r.get("wall_time_s", 0.0)) for r in records)
    return {
        "epochs": str(epochs),
        "retrain_epochs": ", ".join(map(str, retrain)),
        "seeds": str(main["seed"].nunique()),
        "fractions": f"{len(shares)} shares from 0 to {max(shares):.0%}",
        "wide_seeds": str(wide["seed"].nunique()),
        "curve_epochs": ", ".join(map(str, curve)),
        "runs": str(len(records)),
        "minutes": f"{seconds / 60:.0f}",
    }


def comparison_gaps(summary: pd.DataFrame, network: str, epochs: int) -> dict[str, str]:
    """``ours - paper`` in points for the paper's three stated Fashion-MNIST relu numbers,
    each against the same quantity of ours (:func:`comparison_rows`): keys ``dense``,
    ``post``, ``pre``; "–" where we have no such point."""
    from .tables import PAPER_AT_5, PAPER_FIRST_FRACTION

    out = {}
    for name, paper in PAPER_AT_5.items():
        key = (network, "relu", epochs, name, PAPER_FIRST_FRACTION)
        out[name] = (f"{summary.loc[key, 'mean'] - paper:+.1f}" if key in summary.index
                     else "–")
    return out


# What the paper and the authors' data say, checked against our run of their protocol: one
# comparison "a above b" (at a fraction, per activation) per claim, with where the authors'
# numbers are and the experiment of chapter 8 behind any gap.
CLAIMS: tuple[tuple[str, str, str, str, float, str], ...] = (
    ("relu: the dense network prunes better than the spectral one", "relu", "dense", "post",
     0.7, "their curves beside ours; one seed at more epochs"),
    ("elu: the spectral ranking prunes better than the dense network", "elu", "post", "dense",
     0.7, "their curves beside ours; the 2000-node network"),
    ("tanh: the spectral ranking prunes better than the dense network", "tanh", "post",
     "dense", 0.7, "their curves beside ours"),
    *((f"the eigenvalue ranking beats random nodes ({a})", a, "post", "random", 0.7,
       "the random ranking of the same networks; one seed at more epochs")
      for a in ("relu", "elu", "tanh")),
    ("pre-training, retrained, beats the post-trained cut (relu)", "relu", "pre", "post", 0.9,
     "their curves beside ours"),
    ("pre-training's choice of nodes beats random nodes retrained alike (relu)", "relu", "pre",
     "pre_random", 0.7, "controls for pre-training (the paper has none)"),
    ("pre-training beats a network of the pruned size trained from scratch (relu)", "relu",
     "pre", "scratch", 0.7, "controls for pre-training (the paper has none)"),
)
# The same for three hidden layers (relu, study pruning_authors_deep): claim, (curve, scope)
# of a and of b, the authors' curves of a and b (None: they have no such curve), fraction.
DEEP_CLAIMS: tuple[tuple[str, tuple[str, str], tuple[str, str], tuple[str | None, str | None],
                         float], ...] = (
    ("three hidden layers: the dense network cut per layer keeps more than cut with one "
     "global threshold (which empties layers)", ("dense", "layer"), ("dense", "global"),
     (None, "dense"), 0.7),
    ("three hidden layers: the spectral ranking beats the dense network, both cut with one "
     "global threshold", ("post", "global"), ("dense", "global"), ("post", "dense"), 0.7),
    ("three hidden layers: the spectral ranking beats the dense network, both cut per layer",
     ("post", "layer"), ("dense", "layer"), (None, None), 0.7),
    ("three hidden layers: pre-training, retrained, beats the post-trained cut",
     ("pre", "layer"), ("post", "layer"), ("pre", "post"), 0.7),
)
NOT_RUN: tuple[tuple[str, str, str], ...] = (
    ("100 epochs, retraining 20, five seeds", "", "not run: one seed's relu networks only, "
     "retrained for the study's shorter retraining"),
)


def _status(p: Paired | None) -> str:
    if p is None:
        return "not run"
    if p.n_positive == p.n:
        return f"yes, in {p.n} of {p.n} seeds"
    if p.n_negative == p.n:
        return f"no: the opposite in {p.n} of {p.n} seeds"
    return f"in {p.n_positive} of {p.n} seeds only"


def pruning_claims_table(frame: pd.DataFrame, network: str = "784-500-10",
                         deep: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pruning claims (:data:`CLAIMS`) checked per seed on our run of the authors'
    protocol, those of three hidden layers (:data:`DEEP_CLAIMS`) on ``deep``
    (:func:`deep_frame`; ``None``: "not run"), then what was not run (:data:`NOT_RUN`)."""
    epochs = main_epochs(frame)
    theirs = authors_results()
    column = f"ours, {epochs} epoch{'s' * (epochs != 1)}: a − b (pp)"
    rows = []
    for claim, activation, a, b, fraction, experiment in CLAIMS:
        p = paired_at(frame, network, activation, epochs, a, b, fraction)
        theirs_text = "–"
        keys = [("784-2000-10", activation, n, round(fraction, 2)) for n in (a, b)]
        if all(k in theirs.index for k in keys):
            theirs_text = " vs ".join(f"{theirs.loc[k, 'mean']:.1f}" for k in keys)
        rows.append({
            "claim": f"{claim}, {network}, {fraction:.0%} removed",
            "authors' data (%)": theirs_text,
            column: "–" if p is None else f"{p.mean:+.1f} ({p.lo:+.1f} to {p.hi:+.1f})",
            "holds in ours": _status(p),
            "where chapter 8 shows it": experiment,
        })
    for claim, (a, scope_a), (b, scope_b), names, fraction in DEEP_CLAIMS:
        p = None
        if deep is not None:
            first = _deep_seeds(deep, a, scope_a, fraction)
            second = _deep_seeds(deep, b, scope_b, fraction)
            common = sorted(set(first) & set(second))
            if common:
                p = paired({s: first[s] for s in common}, {s: second[s] for s in common})
        keys = [(DEEP, "relu", n, round(fraction, 2)) for n in names]
        theirs_text = " vs ".join(
            f"{theirs.loc[k, 'mean']:.1f}" if n is not None else "–"
            for n, k in zip(names, keys, strict=True))
        rows.append({
            "claim": f"{claim}, {fraction:.0%} removed",
            "authors' data (%)": "–" if names == (None, None) else theirs_text,
            column: "–" if p is None else f"{p.mean:+.1f} ({p.lo:+.1f} to {p.hi:+.1f})",
            "holds in ours": _status(p),
            "where chapter 8 shows it": "three hidden layers, cut as the authors cut them",
        })
    for claim, theirs_text, status in NOT_RUN:
        rows.append({"claim": claim, "authors' data (%)": theirs_text or "–", column: "–",
                     "holds in ours": status, "where chapter 8 shows it": "–"})
    return pd.DataFrame(rows).set_index("claim")


def epoch_findings(frame: pd.DataFrame, network: str = "784-500-10", activation: str = "relu",
                   seed: int = 0, fractions: Sequence[float] = TABLE_FRACTIONS
                   ) -> dict[str, str]:
    """Seed ``seed``'s accuracies across first-training epoch counts, for ``glue``:
    ``<curve>_<pct>_first`` and ``<curve>_<pct>_last`` (the fewest and the most epochs run),
    ``first`` and ``last`` (those epoch counts), for curves ``dense``, ``post``, ``random``,
    ``pre``."""
    part = with_scratch_epochs(frame)
    part = part[(part["network"] == network) & (part["activation"] == activation)
                & (part["seed"] == seed)]
    values = part.set_index(["epochs", "curve", "fraction"])["accuracy"]
    epochs = sorted(set(part["epochs"]))
    out = {"first": str(epochs[0]), "last": str(epochs[-1])}
    for name in ("dense", "post", "random", "pre"):
        for fraction in fractions:
            pct = round(100 * fraction)
            for which, e in (("first", epochs[0]), ("last", epochs[-1])):
                key = (e, name, round(fraction, 2))
                out[f"{name}_{pct}_{which}"] = (f"{values[key]:.1f}" if key in values.index
                                                else "–")
    return out
