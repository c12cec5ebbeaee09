"""The authors' results data in the package, and our runs of their protocol beside them."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from spectral_nb.pruning import authors, authors_deep, authors_runs
from spectral_nb.pruning.study import build
from spectral_nb.pruning.tables import PM

REFERENCE = (Path(__file__).resolve().parents[2]
             / "shared/reference/spectral-pruning-authors-results.csv")


def test_their_numbers_are_the_stated_ones():
    # the paper's "unpruned" Fashion-MNIST relu numbers are the 5 %-removed points
    stated = [("784-2000-10", "dense", 0.05, 89.8), ("784-2000-10", "post", 0.05, 89.6),
              ("784-2000-10", "pre", 0.05, 88.8), ("784-2000-10", "post", 0.7, 86.2),
              ("784-500-500-500-10", "dense", 0.7, 10.0)]
    for network, name, fraction, value in stated:
        got = authors.authors_value(network, "relu", name, fraction)
        assert got == pytest.approx(value, abs=0.05)
    frame = authors.authors_results()
    assert set(frame.index.get_level_values("activation")) == {"relu", "elu", "tanh"}
    assert frame["seeds"].between(1, 5).all() and (frame["semi_dispersion"] >= 0).all()
    with pytest.raises(ValueError, match="No results"):
        authors.authors_results("cifar10")


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference is not beside the repo")
def test_package_copy_equals_the_reference():
    with REFERENCE.open() as ref:
        assert list(csv.DictReader(ref)) == list(authors._rows())


def _records(profile="smoke", shift=0.0):
    """Records of study pruning_authors with made-up accuracies: post above dense by seed."""
    out = []
    for spec in build("pruning_authors", "fashion_mnist", profile).specs:
        base = 0.8 + 0.01 * spec.seed + (0.05 if spec.strategy == "post" else 0.0) + shift
        accuracies = {r: [base - 0.1 * f - (0.2 * f if r == "random" else 0.0)
                          for f in spec.fractions] for r in spec.rankings}
        out.append({
            "kind": "pruning", "spec": spec.to_dict(), "fractions": list(spec.fractions),
            "test_accuracy": accuracies,
            "retrained": {"fractions": list(spec.retrain_fractions),
                          "final_test_accuracy": [base + 0.02 - 0.01 * f
                                                  - (0.03 if spec.retrain_ranking else 0.0)
                                                  for f in spec.retrain_fractions]},
        })
    return out


def test_our_frame_summary_and_tables():
    import dataclasses

    from spectral_nb.profiles import AUTHORS_PRUNING_SETTINGS

    s = AUTHORS_PRUNING_SETTINGS["smoke"]
    records = _records()
    # a second seed, to pair
    records += [{**r, "spec": {**r["spec"], "seed": 1}} for r in _records(shift=0.01)]
    frame = authors_runs.ours_frame(records)
    assert set(frame["curve"]) >= {"post", "dense", "pre", "random", "pre_random", "scratch"}
    assert authors_runs.main_epochs(frame) == s.epochs
    summary = authors_runs.ours_summary(frame)
    key = ("784-500-10", "relu", s.epochs, "post", 0.7)
    assert summary.loc[key, "mean"] == pytest.approx(78.5)
    assert summary.loc[key, "semi_dispersion"] == pytest.approx(0.5)
    scratch = summary.loc[("784-500-10", "relu", s.epochs, "scratch", 0.7)]
    assert scratch["seeds"] == 2
    table = authors_runs.side_by_side(summary, "784-500-10", s.epochs)
    assert table.shape == (24, 3)
    assert table.loc[("relu", "70%", "theirs"), "spectral, post-training"].startswith("86.2")
    assert table.loc[("relu", "5%", "ours"), "spectral, post-training"] != "–"
    facts = authors_runs.paired_findings(frame, "784-500-10", s.epochs, ["relu"], [0.7])
    assert facts["relu_post_dense_70"].startswith("higher by 5.0 pp on average")
    assert facts["relu_post_dense_70_seeds"] == "2 of 2"
    assert facts["relu_pre_pre_random_70"].startswith("higher by 3.0")
    comparison = authors_runs.comparison_table(summary, "784-500-10", s.epochs)
    assert list(comparison["paper (%)"]) == ["89.8", "89.6", "88.8"]
    epochs = authors_runs.epoch_table(frame, "784-500-10")
    assert list(epochs.columns)[-1].startswith("authors")
    assert dataclasses.is_dataclass(s)


def test_paired_finding_says_when_seeds_disagree():
    import pandas as pd

    rows = [{"network": "n", "activation": "relu", "epochs": 5, "seed": s, "curve": c,
             "fraction": 0.7, "accuracy": v}
            for s, (a, b) in enumerate([(80, 70), (75, 76), (82, 72)])
            for c, v in (("post", a), ("dense", b))]
    facts = authors_runs.paired_findings(pd.DataFrame(rows), "n", 5, ["relu"], [0.7],
                                    pairs=[("post", "dense")])
    assert facts["relu_post_dense_70"].endswith("in 2 of 3 seeds")
    assert facts["relu_post_dense_70_seeds"] == "2 of 3"
    assert np.isclose(float(facts["relu_post_70"]), 79.0)


def test_their_findings_controls_deep_and_study_facts():
    from spectral_nb.profiles import AUTHORS_PRUNING_SETTINGS
    from spectral_nb.pruning import tables

    theirs = authors.their_findings()
    assert theirs["relu_post_70"] == "86.2" and theirs["relu_dense_70"] == "89.5"
    assert theirs["relu_post_minus_dense_70"] == "-3.2"  # 86.22 - 89.46
    assert theirs["elu_post_minus_dense_70"].startswith("+")
    records = _records()
    frame = authors_runs.ours_frame(records)
    s = AUTHORS_PRUNING_SETTINGS["smoke"]
    summary = authors_runs.ours_summary(frame)
    controls = authors_runs.controls_table(summary, "784-500-10", s.epochs)
    assert list(controls.index) == ["relu", "elu", "tanh"]
    assert controls.loc["relu", authors.LABELS["scratch"]] != "–"
    assert "±" not in controls.loc["relu", authors.LABELS["pre"]]  # one seed: no spread
    facts = authors_runs.study_facts(records, frame)
    assert facts["epochs"] == str(s.epochs) and facts["seeds"] == "1"
    assert facts["runs"] == str(len(records))
    assert facts["fractions"] == f"{len(s.fractions)} shares from 0 to 90%"
    old = [{"kind": "pruning",
            "spec": {"dataset": "fashion_mnist", "sizes": [784, 500, 500, 500, 10],
                     "strategy": "dense", "seed": 0},
            "fractions": [0.0, 0.7], "test_accuracy": {"connectivity": [0.9, 0.8]},
            "retrained": {"fractions": [], "final_test_accuracy": []}}]
    deep = authors_deep.deep_comparison(tables.curve_summary(tables.curves_frame(old)))
    assert list(deep[("", "paper (%)")]) == ["10", "67", "88"]
    assert deep.iloc[0][("", "authors' data (%)")].startswith("10.0")
    assert deep.iloc[0][("ours, our protocol (%)", "per layer")].startswith("80.0")
    assert deep.iloc[1][("ours, our protocol (%)", "per layer")] == "–"
    assert deep.iloc[0][("ours, their protocol (%)", "one threshold")] == "–"  # none given
    with_deep = authors_deep.deep_comparison(tables.curve_summary(tables.curves_frame(old)),
                                        authors_deep.deep_frame(_deep_records()))
    assert with_deep.iloc[0][("ours, their protocol (%)", "one threshold")] == f"10.0{PM}0.0"
    assert with_deep.iloc[0][("ours, their protocol (%)", "per layer")] == f"59.5{PM}0.5"
    assert with_deep.iloc[2][("ours, their protocol (%)", "one threshold")] == "–"  # per layer


def _deep_records():
    """Records of pruning_authors_deep (smoke, two seeds) with made-up accuracies: the dense
    network's global cut empties layers 2 and 3 from 70 % on and scores 10 %."""
    out = []
    for seed in (0, 1):
        for spec in build("pruning_authors_deep", "fashion_mnist", "smoke").specs:
            spec = spec.replace(seed=seed)
            fractions = spec.fractions
            base = 0.8 + 0.01 * seed
            layer = {r: [base - 0.3 * f for f in fractions] for r in spec.rankings}
            kept_layer = {r: [list(spec.pruned_sizes(f)[1:-1]) for f in fractions]
                          for r in spec.rankings}
            if spec.strategy == "dense":
                glob = {r: [0.1 if f >= 0.7 else base - 0.5 * f for f in fractions]
                        for r in spec.rankings}
                kept_glob = {r: [[round(1500 * (1 - f)), 0, 0] if f >= 0.7 else [500, 500, 500]
                                 for f in fractions] for r in spec.rankings}
            else:
                glob = {r: [base - 0.4 * f for f in fractions] for r in spec.rankings}
                kept_glob = kept_layer
            out.append({
                "kind": "pruning", "spec": spec.to_dict(), "fractions": list(fractions),
                "test_accuracy": layer,
                "scopes": {"layer": {"test_accuracy": layer, "kept_nodes": kept_layer},
                           "global": {"test_accuracy": glob, "kept_nodes": kept_glob}},
                "retrained": {"fractions": list(spec.retrain_fractions),
                              "sizes": [list(spec.pruned_sizes(f)) for f in
                                        spec.retrain_fractions],
                              "final_test_accuracy": [base + 0.05 for _ in
                                                      spec.retrain_fractions]},
            })
    return out


def test_deep_frame_table_findings_and_claims():
    deep = authors_deep.deep_frame(_deep_records())
    assert set(deep["scope"]) == {"layer", "global"}
    assert set(deep[deep["curve"] == "pre"]["scope"]) == {"layer"}  # retrained: per layer
    table = authors_deep.deep_table(deep)
    dense = authors.LABELS["dense"]
    assert table.loc[(dense, "theirs"), "70%"].startswith("10.0")
    assert table.loc[(dense, "ours, one threshold"), "70%"] == f"10.0{PM}0.0"
    assert table.loc[(dense, "ours, per layer"), "70%"] == f"59.5{PM}0.5"
    assert table.loc[(authors.LABELS["pre"], "ours, one threshold"), "70%"] == "–"
    kept = authors_deep.deep_kept_table(deep)
    assert kept.loc[(dense, "70%"), "layers emptied, per seed"] == "2, 2"
    assert kept.loc[(dense, "70%"), "hidden layer 2"] == "0"
    facts = authors_deep.deep_findings(deep)
    assert facts["emptied_dense_70"] == "2 of the 3 hidden layers in every seed"
    assert facts["emptied_post_70"] == "no hidden layer"
    assert facts["their_dense_70"] == "10.0" and facts["their_post_70"] == "67.1"
    assert facts["dense_global_70"] == "10.0"
    assert facts["dense_layer_dense_global_70"].startswith("higher by 49.5 pp")
    assert facts["dense_layer_dense_global_70_seeds"] == "2 of 2"
    assert facts["post_global_dense_global_70_seeds"] == "2 of 2"
    assert authors_deep._emptied_words([1, 2, 2], 3).startswith("from 1 to 2")
    claims = authors_deep.pruning_claims_table(authors_runs.ours_frame(_records()), deep=deep)
    rows = [c for c in claims.index if c.startswith("three hidden layers")]
    assert len(rows) == len(authors_deep.DEEP_CLAIMS)
    assert claims.loc[rows[0], "holds in ours"] == "yes, in 2 of 2 seeds"
    assert claims.loc[rows[0], "authors' data (%)"] == "– vs 10.0"
    alone = authors_deep.pruning_claims_table(authors_runs.ours_frame(_records()))
    assert alone.loc[rows[0], "holds in ours"] == "not run"
    with pytest.raises(ValueError, match="pruning_authors_deep"):
        authors_deep.deep_frame([])
    records = [{**r, "wall_time_s": 30.0} for r in _deep_records()]
    facts = authors_deep.deep_study_facts(records)
    assert facts["runs"] == "6" and facts["seeds"] == "2" and facts["minutes"] == "3"
    assert facts["retrain_fractions"] == "70" and facts["fractions"] == "5, 50, 70, 90"
    with pytest.raises(ValueError, match="pruning_authors_deep"):
        authors_deep.deep_study_facts([])


def test_comparison_gaps_are_ours_minus_the_paper():
    from spectral_nb.profiles import AUTHORS_PRUNING_SETTINGS

    frame = authors_runs.ours_frame(_records())
    summary = authors_runs.ours_summary(frame)
    epochs = AUTHORS_PRUNING_SETTINGS["smoke"].epochs
    gaps = authors_runs.comparison_gaps(summary, "784-500-10", epochs)
    post = summary.loc[("784-500-10", "relu", epochs, "post", 0.05), "mean"]
    assert gaps["post"] == f"{post - 89.6:+.1f}"
    assert authors_runs.comparison_gaps(summary, "784-2000-10", 99) == {
        "dense": "–", "post": "–", "pre": "–"}


def test_claims_table_checks_each_claim_per_seed():
    records = _records() + [{**r, "spec": {**r["spec"], "seed": 1}}
                            for r in _records(shift=0.01)]
    table = authors_deep.pruning_claims_table(authors_runs.ours_frame(records))
    relu = table.iloc[0]  # dense above post: our made-up post is 5 points above in both seeds
    assert relu["holds in ours"] == "no: the opposite in 2 of 2 seeds"
    assert relu["authors' data (%)"] == "89.5 vs 86.2"
    elu = table.iloc[1]
    assert elu["holds in ours"] == "yes, in 2 of 2 seeds"
    assert table.iloc[-1]["holds in ours"].startswith("not run")
    assert authors_deep._status(None) == "not run"


def test_epoch_findings_read_one_seed_at_the_fewest_and_most_epochs():
    records = _records()
    frame = authors_runs.ours_frame(records)
    facts = authors_runs.epoch_findings(frame)
    epochs = sorted({int(e) for e in frame[frame["curve"] == "post"]["epochs"]})
    assert facts["first"] == str(epochs[0]) and facts["last"] == str(epochs[-1])
    assert facts["post_70_first"] == facts["post_70_last"] == f"{100 * (0.85 - 0.07):.1f}"
    assert facts["pre_50_first"] == "–"  # smoke retrains at 5 % and 70 % only
