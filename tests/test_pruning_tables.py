"""From pruning records to curves, spreads, findings and the paper comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from spectral_nb.pruning import tables

FRACTIONS = [0.0, 0.5, 0.7, 0.9]


def _record(strategy, seed, curves, retrained=None, sizes=(784, 500, 10)):
    return {
        "kind": "pruning",
        "spec": {"dataset": "fashion_mnist", "sizes": list(sizes), "strategy": strategy,
                 "seed": seed, "epochs": 20, "retrain_epochs": 20, "train_size": None,
                 "test_size": None, "convention": "authors_code", "learning_rate": 0.01},
        "fractions": FRACTIONS,
        "test_accuracy": curves,
        "retrained": {"fractions": [f for f, _ in retrained or []],
                      "final_test_accuracy": [a for _, a in retrained or []]},
        "wall_time_s": 36.0,
        "device": "CPU: test",
    }


RECORDS = [
    _record("post", 0, {"eigenvalue": [0.90, 0.89, 0.80, 0.50],
                        "random": [0.90, 0.85, 0.70, 0.40]}),
    _record("post", 1, {"eigenvalue": [0.88, 0.87, 0.70, 0.40],
                        "random": [0.88, 0.80, 0.60, 0.30]}),
    _record("dense", 0, {"connectivity": [0.89, 0.89, 0.88, 0.60]}),
    _record("pre", 0, {"eigenvalue": [0.80, 0.60, 0.50, 0.40]},
            retrained=[(0.0, 0.87), (0.9, 0.84)]),
]


def test_summary_mean_and_semi_dispersion():
    summary = tables.curve_summary(tables.curves_frame(RECORDS))
    post = tables.curve(summary, "fashion_mnist", "784-500-10", "post")
    assert list(post.index) == FRACTIONS
    assert post.loc[0.7, "mean"] == pytest.approx(75.0)
    assert post.loc[0.7, "semi_dispersion"] == pytest.approx(5.0)  # (80 - 70) / 2
    assert post.loc[0.7, "seeds"] == 2
    pre = tables.curve(summary, "fashion_mnist", "784-500-10", "pre")  # retrained points only
    assert list(pre.index) == [0.0, 0.9] and pre.loc[0.9, "mean"] == pytest.approx(84.0)
    not_retrained = tables.curve(summary, "fashion_mnist", "784-500-10", "pre_not_retrained")
    assert not_retrained.loc[0.5, "mean"] == pytest.approx(60.0)
    with pytest.raises(KeyError, match="No curve 'dense_retrained'"):
        tables.curve(summary, "fashion_mnist", "784-500-10", "dense_retrained")


def test_largest_fraction_within_stops_at_the_first_fall():
    summary = tables.curve_summary(tables.curves_frame(RECORDS))
    assert tables.largest_fraction_within(summary, "fashion_mnist", "784-500-10", "post",
                                          1.0) == 0.5
    assert tables.largest_fraction_within(summary, "fashion_mnist", "784-500-10", "dense",
                                          1.0) == 0.7
    assert tables.largest_fraction_within(summary, "fashion_mnist", "784-500-10", "random",
                                          1.0) == 0.0


def test_findings_give_numbers_and_mark_missing_points():
    summary = tables.curve_summary(tables.curves_frame(RECORDS))
    facts = tables.findings(summary, "fashion_mnist", "784-500-10",
                            ["post", "dense", "pre"], 1.0, [0.7, 0.9])
    assert facts["post_at70"] == "75.0" and facts["dense_at70"] == "88.0"
    assert facts["post_spread70"] == "5.0"
    assert facts["pre_at70"] == "–" and not any("_vs_" in key for key in facts)
    assert facts["pre_at90"] == "84.0" and facts["post_within"] == "50%"


def test_comparisons_are_paired_over_seeds():
    frame = tables.curves_frame(RECORDS)
    facts = tables.paired_findings(frame, "fashion_mnist", "784-500-10",
                                   [("post", "random"), ("post", "dense"), ("pre", "post")],
                                   [0.7, 0.9])
    # seed 0: 80 - 70, seed 1: 70 - 60
    assert facts["post_vs_random_at70"] == "higher by 10.0 pp on average (from 10.0 to 10.0), " \
        "in 2 of 2 seeds"
    assert facts["post_vs_random_at70_seeds"] == "2 of 2"
    # only seed 0 has a dense network: one seed, said so
    assert facts["post_vs_dense_at70"] == "lower by 8.0 pp (one seed)"
    assert facts["pre_vs_post_at70"] == "–"


def test_curves_display_fits_and_no_records_is_an_error():
    summary = tables.curve_summary(tables.curves_frame(RECORDS))
    shown = tables.curves_display(summary, "fashion_mnist", "784-500-10",
                                  ["post", "pre"], fractions=[0.0, 0.9])
    assert list(shown.index) == ["0%", "90%"]
    assert shown.loc["90%", "post-training"] == f"45.0{tables.PM}5.0"
    assert isinstance(shown, pd.DataFrame)
    with pytest.raises(ValueError, match="No pruning records"):
        tables.curves_frame([])


def test_variant_findings_pick_the_best_eigenvalue_only_network():
    records = [
        _record("pre", 0, {"eigenvalue": [0.80, 0.6, 0.5, 0.4]}),
        {**_record("pre", 0, {"eigenvalue": [0.84, 0.6, 0.45, 0.4]}),
         "spec": {**_record("pre", 0, {})["spec"], "learning_rate": 0.03}},
        {**_record("post", 0, {"eigenvalue": [0.88, 0.8, 0.72, 0.4]}),
         "spec": {**_record("post", 0, {})["spec"], "convention": "paper"}},
    ]
    facts = tables.variant_findings(records)
    assert facts["lambda_best"] == "84.0" and "lambda_best_gap" not in facts
    assert facts["lambda_best_setting"].endswith("learning rate 0.03")
    assert facts["post_paper_pruned"] == "72.0"
    shown = tables.variants_display(records)
    assert len(shown) == 3 and list(shown.columns) == ["unpruned (%)", "70% removed (%)"]
