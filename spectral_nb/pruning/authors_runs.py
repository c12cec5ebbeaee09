"""Our runs of the authors' pruning protocol on one hidden layer, beside their numbers.

Study ``pruning_authors`` (:mod:`.study`) uses the authors' parametrisation, optimiser and
methods (:mod:`.authors`); :func:`ours_frame` turns its records into one row per run, curve and
fraction with the curves named as theirs (:data:`.authors.METHODS`), plus our controls
(:data:`OUR_CURVES`). The rest summarises, pairs over seeds and tabulates them for chapter 8.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.paired import Paired, glue_pair, paired_common
from .authors import LABELS, TABLE_FRACTIONS, authors_results
from .tables import PM

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

    Rows: activation, share of nodes removed, and whose (theirs above ours); columns: the
    methods. A point we did not run reads "–".
    """
    theirs = authors_results()
    rows = []
    for activation in activations:
        for fraction in fractions:
            their_row: dict[str, Any] = {"activation": activation,
                                         "nodes removed": f"{fraction:.0%}", "": "theirs"}
            our_row: dict[str, Any] = {**their_row, "": "ours"}
            for name in ("dense", "post", "pre"):
                key = (theirs_network, activation, name, round(fraction, 2))
                their_row[LABELS[name]] = (
                    _cell(*theirs.loc[key, ["mean", "semi_dispersion"]])
                    if key in theirs.index else "–"
                )
                ours = (network, activation, epochs, name, round(fraction, 2))
                our_row[LABELS[name]] = (
                    _cell(*summary.loc[ours, ["mean", "semi_dispersion", "seeds"]])
                    if ours in summary.index else "–"
                )
            rows += [their_row, our_row]
    table = pd.DataFrame(rows).set_index(["activation", "nodes removed", ""])
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
    return paired_common(seeds_of(frame, network, activation, epochs, a, fraction),
                         seeds_of(frame, network, activation, epochs, b, fraction))


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
                out[key], out[f"{key}_seeds"] = glue_pair(
                    paired_at(frame, network, activation, epochs, a, b, fraction))
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
