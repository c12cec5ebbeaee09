"""Pruning records as frames, the paper's numbers beside ours, and the chapter's findings.

A record (:func:`spectral_nb.pruning.training.train_group`) holds, for one trained network,
the test accuracy at every fraction under every ranking of its strategy, and the accuracies
of the networks trained again after pruning. :func:`curves_frame` flattens them into one row
per (record, curve, fraction); :func:`curve_summary` gives each curve's mean over seeds and
its *semi-dispersion*, half the range ``(max - min) / 2``, the spread the paper shades.

The curves (:data:`CURVES`) are named by what was trained, how it was ranked and whether it
was trained again; the four of the paper's Fig. 3 (with our random control) are
:data:`MAIN_CURVES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..data.registry import TEST_IMAGES, TRAIN_IMAGES
from .spec import RANKINGS


class Curve(NamedTuple):
    """One accuracy-against-fraction curve: a strategy, a ranking, retrained or not."""

    strategy: str
    ranking: str
    retrained: bool
    label: str  # for legends
    short: str  # for table columns


CURVES: dict[str, Curve] = {
    "post": Curve("post", "eigenvalue", False, "spectral, post-training (eigenvalue)",
                  "post-training"),
    "pre": Curve("pre", "eigenvalue", True, "spectral, pre-training (eigenvalue), retrained",
                 "pre-training, retrained"),
    "dense": Curve("dense", "connectivity", False, "direct space (connectivity)",
                   "direct space"),
    "random": Curve("post", "random", False, "spectral, post-training, random nodes",
                    "random nodes"),
    "post_connectivity": Curve("post", "connectivity", False,
                               "spectral, post-training (connectivity)",
                               "post-training, connectivity"),
    "post_eigenvalue_out": Curve("post", "eigenvalue_out", False,
                                 "spectral, post-training (output eigenvalue only)",
                                 "post-training, output eigenvalue"),
    "post_eigenvalue_in": Curve("post", "eigenvalue_in", False,
                                "spectral, post-training (input eigenvalue only)",
                                "post-training, input eigenvalue"),
    "pre_not_retrained": Curve("pre", "eigenvalue", False,
                               "spectral, eigenvalues only (eigenvalue), not retrained",
                               "eigenvalues only"),
    "dense_random": Curve("dense", "random", False, "direct space, random nodes",
                          "direct space, random nodes"),
    "post_retrained": Curve("post", "eigenvalue", True,
                            "spectral, post-training (eigenvalue), retrained",
                            "post-training, retrained"),
    "dense_retrained": Curve("dense", "connectivity", True,
                             "direct space (connectivity), retrained",
                             "direct space, retrained"),
}
MAIN_CURVES: tuple[str, ...] = ("post", "pre", "dense", "random")

# Buffoni et al. (2022), Fashion-MNIST, ReLU, test accuracy in % (the numbers the paper
# states in its text). Its "unpruned" numbers are the 5 %-removed points of the authors' data
# (spectral_nb.pruning.authors), the eigenvalue-only one after retraining: the pre-training
# strategy's curve.
PAPER_AT_5: dict[str, float] = {
    "dense": 89.8,  # direct space
    "post": 89.6,  # spectral, eigenvalues and eigenvectors trained
    "pre": 88.8,  # spectral, eigenvalues first, the pruned network retrained
}
PAPER_FIRST_FRACTION = 0.05
# Three hidden layers, 70 % removed: the dense network cut with one global threshold, the
# spectral ranking without retraining (the "88 %" is the pre-training strategy, which
# pruning_three_hidden does not run: spectral_nb.pruning.authors_deep.DEEP_CASES).
PAPER_THREE_HIDDEN_AT_70: dict[str, float] = {
    "dense": 10.0,  # "about 10 %": magnitude-pruned dense nodes, one global threshold
    "post": 67.0,  # spectral ranking
}
PAPER_FRACTION = 0.7


def curves_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per record, curve and fraction: accuracy in % and the record's labels."""
    rows = []
    for record in records:
        spec = record["spec"]
        common = {
            "dataset": spec["dataset"],
            "study": record.get("study", spec.get("tags", {}).get("study", "")),
            "network": "-".join(map(str, spec["sizes"])),
            "seed": spec["seed"],
        }
        for name, curve in CURVES.items():
            if curve.strategy != spec["strategy"]:
                continue
            if curve.retrained:
                retrained = record["retrained"]
                points = zip(retrained["fractions"], retrained["final_test_accuracy"],
                             strict=True)
            elif curve.ranking in record["test_accuracy"]:
                points = zip(record["fractions"], record["test_accuracy"][curve.ranking],
                             strict=True)
            else:
                continue
            for fraction, value in points:
                rows.append({**common, "curve": name, "fraction": float(fraction),
                             "accuracy": 100.0 * float(value)})
    if not rows:
        raise ValueError("No pruning records to tabulate; run the pruning studies first.")
    return pd.DataFrame(rows)


def curve_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, semi-dispersion ``(max - min) / 2``, standard deviation and seed count of each
    curve at each fraction (index: dataset, network, curve, fraction)."""
    grouped = frame.groupby(["dataset", "network", "curve", "fraction"])["accuracy"]
    summary = grouped.agg(["mean", "min", "max", "std", "count"])
    summary["semi_dispersion"] = (summary["max"] - summary["min"]) / 2
    summary["std"] = summary["std"].fillna(0.0)
    return summary.rename(columns={"count": "seeds"})


def curve(summary: pd.DataFrame, dataset: str, network: str, name: str) -> pd.DataFrame:
    """One curve of the summary, indexed by fraction."""
    try:
        return summary.loc[(dataset, network, name)]
    except KeyError:
        raise KeyError(
            f"No curve {name!r} for {dataset} {network}; present: "
            f"{sorted(set(summary.index.droplevel('fraction')))}"
        ) from None


def value_at(summary: pd.DataFrame, dataset: str, network: str, name: str,
             fraction: float) -> pd.Series:
    """Mean and spread of one curve at one fraction."""
    part = curve(summary, dataset, network, name)
    matches = part.index[np.isclose(part.index, fraction)]
    if len(matches) == 0:
        raise KeyError(f"Curve {name!r} has no point at {fraction}; it has {list(part.index)}.")
    return part.loc[matches[0]]


def largest_fraction_within(summary: pd.DataFrame, dataset: str, network: str, name: str,
                            drop: float) -> float:
    """How far the curve goes while its mean stays at most ``drop`` points below its own
    unpruned mean: the fraction before the first one that falls further (0 if the first
    pruned point already does)."""
    part = curve(summary, dataset, network, name)
    within = (part["mean"] >= part["mean"].iloc[0] - drop).to_numpy()
    stop = len(within) if within.all() else int(np.argmin(within))
    return float(part.index[max(stop - 1, 0)])


PM = "\u00a0±\u00a0"  # "±" between non-breaking spaces: a table cell never wraps inside it


def _pm(row: pd.Series, digits: int = 1) -> str:
    return f"{row['mean']:.{digits}f}{PM}{row['semi_dispersion']:.{digits}f}"


def curves_display(summary: pd.DataFrame, dataset: str, network: str,
                   names: Sequence[str] = MAIN_CURVES,
                   fractions: Sequence[float] | None = None) -> pd.DataFrame:
    """A fraction-by-curve table of ``mean ± semi-dispersion`` (in %), for the page."""
    columns = {}
    for name in names:
        part = curve(summary, dataset, network, name)
        columns[CURVES[name].short] = part.apply(_pm, axis=1)
    table = pd.DataFrame(columns)
    if fractions is not None:
        keep = [f for f in table.index if any(np.isclose(f, fractions))]
        table = table.loc[keep]
    table.index = [f"{f:.0%}" for f in table.index]
    table.index.name = "nodes removed"
    return table.fillna("–")


def record_description(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Seeds, epochs, examples and devices of a set of records (for the page's note)."""
    specs = [r["spec"] for r in records]
    return {
        "runs": len(records),
        "seeds": len({s["seed"] for s in specs}),
        "epochs": sorted({s["epochs"] for s in specs}),
        "retrain_epochs": sorted({s["retrain_epochs"] for s in specs}),
        "train_examples": _size(specs, "train_size", TRAIN_IMAGES),
        "test_examples": _size(specs, "test_size", TEST_IMAGES),
        "devices": ", ".join(sorted({str(r.get("device", "unknown")) for r in records})),
        "wall_time_h": sum(float(r.get("wall_time_s", 0.0)) for r in records) / 3600,
    }


def _size(specs: Sequence[Mapping[str, Any]], key: str, full: int) -> str:
    values = sorted({s[key] or full for s in specs})
    return ", ".join(f"{v:,}" for v in values)


# ------------------------------------------------------------------ findings for the prose
def findings(summary: pd.DataFrame, dataset: str, network: str, names: Sequence[str],
             tolerance: float, fractions: Sequence[float]) -> dict[str, str]:
    """Numbers of the curves ``names``, as strings for ``glue``.

    Keys: ``<curve>_unpruned`` (mean accuracy at 0 %), ``<curve>_within`` (the largest
    fraction within ``tolerance`` points of the curve's own unpruned mean),
    ``<curve>_at<pct>`` (mean at each of ``fractions``, "–" where the curve has no point) and
    ``<curve>_spread<pct>`` (its semi-dispersion there). Comparisons between curves are
    paired over seeds: :func:`paired_findings`.
    """
    out: dict[str, str] = {}
    for name in names:
        part = curve(summary, dataset, network, name)
        out[f"{name}_unpruned"] = f"{part['mean'].iloc[0]:.1f}"
        if np.isclose(part.index[0], 0.0) and len(part) > 1:
            within = largest_fraction_within(summary, dataset, network, name, tolerance)
            out[f"{name}_within"] = f"{within:.0%}"
        for fraction in fractions:
            key = f"{name}_at{round(100 * fraction)}"
            try:
                row = value_at(summary, dataset, network, name, fraction)
            except KeyError:
                out[key] = "–"  # this profile has no point there (e.g. no retraining)
                continue
            out[key] = f"{row['mean']:.1f}"
            out[f"{name}_spread{round(100 * fraction)}"] = f"{row['semi_dispersion']:.1f}"
    return out


def curve_seeds(frame: pd.DataFrame, dataset: str, network: str, name: str,
                fraction: float) -> dict[int, float]:
    """``{seed: accuracy %}`` of one curve of :func:`curves_frame` at one fraction."""
    part = frame[(frame["dataset"] == dataset) & (frame["network"] == network)
                 & (frame["curve"] == name) & np.isclose(frame["fraction"], fraction)]
    return dict(zip(part["seed"].astype(int), part["accuracy"].astype(float), strict=True))


def paired_findings(frame: pd.DataFrame, dataset: str, network: str,
                    pairs: Sequence[tuple[str, str]], fractions: Sequence[float]
                    ) -> dict[str, str]:
    """Curve ``a`` against curve ``b`` of the same seeds (same data order and draws), for
    ``glue``: ``<a>_vs_<b>_at<pct>`` reads "higher by 2.1 pp on average (from -0.3 to 4.0),
    in 4 of 5 seeds" (:func:`spectral_nb.analysis.paired.describe`), and
    ``<a>_vs_<b>_at<pct>_seeds`` "4 of 5", the seeds where ``a`` is above ``b``; "–" where
    the two have no seed in common at that fraction."""
    from ..analysis.paired import glue_pair, paired_common

    out: dict[str, str] = {}
    for a, b in pairs:
        for fraction in fractions:
            key = f"{a}_vs_{b}_at{round(100 * fraction)}"
            out[key], out[f"{key}_seeds"] = glue_pair(paired_common(
                curve_seeds(frame, dataset, network, a, fraction),
                curve_seeds(frame, dataset, network, b, fraction)))
    return out


VARIANT_LABELS: dict[tuple[str, str], str] = {
    ("pre", "paper"): "eigenvalues only, paper's convention",
    ("pre", "authors_code"): "eigenvalues only, authors' code convention",
    ("post", "paper"): "eigenvalues and eigenvectors, paper's convention",
    ("post", "authors_code"): "eigenvalues and eigenvectors, authors' code convention",
    ("dense", "paper"): "direct space (weights and biases)",
}
def _variant_rows(records: Iterable[Mapping[str, Any]], fraction: float) -> pd.DataFrame:
    """One row per record: strategy, convention, learning rate, and its accuracy (%) unpruned
    and at ``fraction`` under its own ranking, without retraining."""
    rows = []
    for record in records:
        spec = record["spec"]
        ranking = RANKINGS[spec["strategy"]][0]  # the strategy's own ranking
        accuracies = record["test_accuracy"][ranking]
        index = int(np.argmin(np.abs(np.asarray(record["fractions"]) - fraction)))
        rows.append({"strategy": spec["strategy"], "convention": spec["convention"],
                     "learning_rate": spec["learning_rate"],
                     "unpruned": 100 * accuracies[0], "pruned": 100 * accuracies[index]})
    return pd.DataFrame(rows)


def variant_means(records: Iterable[Mapping[str, Any]], fraction: float = PAPER_FRACTION
                  ) -> pd.DataFrame:
    """Mean unpruned accuracy and mean accuracy at ``fraction`` (own ranking, no retraining,
    in %) per strategy, convention and learning rate."""
    return _variant_rows(records, fraction).groupby(
        ["strategy", "convention", "learning_rate"]
    ).mean()


def variant_findings(records: Iterable[Mapping[str, Any]], fraction: float = PAPER_FRACTION
                     ) -> dict[str, str]:
    """The best unpruned eigenvalue-only network of ``records`` (``lambda_best``, its setting
    ``lambda_best_setting``) and the eigenvalues-and-eigenvectors network at ``fraction`` in
    each convention (``post_<convention>_pruned``). The paper states no unpruned
    eigenvalue-only accuracy to set beside it (its 88.8 % is retrained)."""
    means = variant_means(records, fraction)
    only = means.loc["pre"]["unpruned"]
    (convention, rate), best = only.idxmax(), only.max()
    names = {"paper": "the paper's convention", "authors_code": "the authors' code convention"}
    out = {
        "lambda_best": f"{best:.1f}",
        "lambda_best_setting": f"{names[convention]} at learning rate {rate:g}",
    }
    for (convention, _), row in means.loc["post"].iterrows():
        out[f"post_{convention}_pruned"] = f"{row['pruned']:.1f}"
    return out


def variants_display(records: Iterable[Mapping[str, Any]], fraction: float = PAPER_FRACTION
                     ) -> pd.DataFrame:
    """Unpruned accuracy and accuracy at ``fraction`` (own ranking, no retraining) of every
    trained network of ``records``, by strategy, convention and learning rate (Fashion-MNIST,
    784-500-10)."""
    frame = _variant_rows(records, fraction)
    frame["network trained"] = [
        VARIANT_LABELS[(strategy, convention)]
        for strategy, convention in zip(frame["strategy"], frame["convention"], strict=True)
    ]
    frame = frame.rename(columns={"learning_rate": "learning rate"})
    grouped = frame.groupby(["network trained", "learning rate", "strategy"])

    def pm(values: pd.Series) -> str:
        return f"{values.mean():.1f}{PM}{(values.max() - values.min()) / 2:.1f}"

    table = grouped.agg(unpruned=("unpruned", pm), pruned=("pruned", pm))
    table = table.droplevel("strategy")
    return table.rename(columns={
        "unpruned": "unpruned (%)", "pruned": f"{fraction:.0%} removed (%)",
    })


def record_scores(records: Sequence[Mapping[str, Any]], ranking: str, layer: int = 0
                  ) -> list[np.ndarray]:
    """The stored node scores of hidden layer ``layer`` under ``ranking``, one per record."""
    out = []
    for record in records:
        layers = list(record["node_scores"][ranking].values())
        out.append(np.asarray(layers[layer], dtype=float))
    return out


def gain_correlation(records: Sequence[Mapping[str, Any]]) -> float:
    """Mean over ``records`` of the correlation between each hidden node's output gain and
    input gain (the two halves of the eigenvalue product rule)."""
    out_gain = record_scores(records, "eigenvalue_out")
    in_gain = record_scores(records, "eigenvalue_in")
    return float(np.mean([np.corrcoef(o, i)[0, 1] for o, i in zip(out_gain, in_gain,
                                                                     strict=True)]))


def costs_display(costs: pd.DataFrame, images: int) -> pd.DataFrame:
    """:func:`~.measure.size_and_speed` for the page: fractions as percentages, time in ms
    per pass over the ``images`` test images."""
    per = f"ms per {images:,} images"
    shown = costs.assign(**{per: 1000 * costs["seconds"]}).drop(columns="seconds")
    shown.index = pd.Index([f"{f:.0%}" for f in shown.index], name="nodes removed")
    return shown


def cost_findings(costs: pd.DataFrame, at: Sequence[float]) -> dict[str, str]:
    """Glue values: the unpruned pass in ms and the speed-ups at the two fractions ``at``."""
    return {
        "ms_full": f"{1000 * costs.loc[0.0, 'seconds']:.0f}",
        "speed_70": f"{costs.loc[at[0], 'speed-up']:.1f}",
        "speed_90": f"{costs.loc[at[1], 'speed-up']:.1f}",
    }
