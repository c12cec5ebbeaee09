"""Our runs of the authors' pruning protocol on three hidden layers, and the pruning claims.

Study ``pruning_authors_deep`` (:mod:`.study`) runs 784 -> 500 -> 500 -> 500 -> 10 (relu) under
the authors' protocol, every pruned network cut both as the authors cut their dense one (one
global threshold, which can empty layers) and per layer; :func:`deep_frame` reads it, with the
nodes each layer keeps. :func:`pruning_claims_table` checks the paper's pruning claims on one
hidden layer (:mod:`.authors_runs`) and on three.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.paired import Paired, glue_pair, paired_common
from .authors import LABELS, TABLE_FRACTIONS, authors_results
from .authors_runs import _cell, main_epochs, paired_at

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
    one threshold over all hidden layers and cut per layer, one row per method and source,
    one column per share removed (the retrained pre-training networks are cut per layer
    only: "–")."""
    theirs = authors_results()
    rows = []
    for name in ("dense", "post", "pre"):
        row: dict[str, str] = {"method": LABELS[name], "": "theirs"}
        for fraction in fractions:
            key = (DEEP, "relu", name, round(fraction, 2))
            row[f"{fraction:.0%}"] = (
                _cell(*theirs.loc[key, ["mean", "semi_dispersion"]])
                if key in theirs.index else "–")
        rows.append(row)
        for scope in ("global", "layer"):
            row = {"method": LABELS[name], "": f"ours, {SCOPE_LABELS[scope]}"}
            for fraction in fractions:
                row[f"{fraction:.0%}"] = _deep_cell(deep, name, scope, fraction)
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["method", ""])
    table.columns.name = "nodes removed"
    return table


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
            out[key], out[f"{key}_seeds"] = glue_pair(paired_common(
                _deep_seeds(deep, a, scope_a, fraction), _deep_seeds(deep, b, scope_b, fraction)))
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
        row: dict[tuple[str, str], str] = {
            ("", "the paper says"): label, ("", "paper (%)"): f"{paper:.0f}",
            ("", "what the authors' code did"): what,
            ("", "authors' data (%)"): _cell(theirs["mean"], theirs["semi_dispersion"]),
        }
        for scope in ("global", "layer"):
            row[("ours, their protocol (%)", SCOPE_LABELS[scope])] = (
                "–" if deep is None else _deep_cell(deep, name, scope, fraction))
        row[("ours, our protocol (%)", SCOPE_LABELS["layer"])] = old_text
        rows.append(row)
    table = pd.DataFrame(rows)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table.set_index(("", "the paper says")).rename_axis("the paper says")


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
        p = None if deep is None else paired_common(
            _deep_seeds(deep, a, scope_a, fraction), _deep_seeds(deep, b, scope_b, fraction))
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
