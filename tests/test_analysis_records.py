"""From records to frames: filters, run descriptions, learning curves, weights, labels, text."""

from __future__ import annotations

import numpy as np
import pytest
from fake_records import REGIMES, fake_record

from spectral_nb.analysis import labels, records, text, weights
from spectral_nb.analysis.summaries import point_summary, runs_frame


# --------------------------------------------------------------------------- labels and text
def test_labels():
    assert labels.regime_label("train_lambda") == "Train Λ"
    assert labels.regime_label("train_lambda", "authors_code") == "Train Λ (authors' code)"
    with pytest.raises(ValueError, match="Unknown regime"):
        labels.regime_label("dense")
    assert labels.cell_name("nonlinear", "train_lambda_phi") == "non-linear / Train Λ, Φ"
    assert labels.architecture_label("cnn") == "cnn"
    assert labels.point_label("N2=2000") == "N₂ = 2000"
    assert labels.network_label("l4:784-800-600-10") == "784-800-600-10"


def test_text_formats_and_missing_values():
    assert text.format_pm(92.3456, 0.1234, 2) == "92.35 ± 0.12"
    assert text.format_pm(float("nan"), 0.1) == "–"
    assert text.signed(0.5, 1) == "+0.5" and text.signed(float("nan"), 1) == "–"
    assert text.interval(1.0, 2.0, 1) == "[1.0, 2.0]"
    assert text.interval(float("nan"), 2.0, 1) == "– (one seed)"
    assert text.joined([]) == "none" and text.joined(["a", "b"], "; ") == "a; b"
    note = text.Note("Only one convention.")
    assert note._repr_markdown_() == "Only one convention." and repr(note) == note


# --------------------------------------------------------------------------- records
def test_select_records_filters(perceptron, sweeps):
    assert len(records.select_records(perceptron, regime="train_lambda")) == 3
    assert len(records.select_records(perceptron, convention="-")) == 6  # the baselines
    assert len(records.select_records(sweeps, point=["N2=20", "N2=500"])) == 32
    assert records.select_records(perceptron, dataset="fashion_mnist") == []


def test_run_description_and_chapter_facts(perceptron):
    about = records.run_description(perceptron)
    assert about["runs"] == 12 and about["seeds"] == 3 and about["epochs"] == 3
    assert about["train_examples"] == "60,000" and about["test_examples"] == "500"
    facts = records.chapter_facts(perceptron, "quick")
    assert list(facts) == [*records.RUN_FACTS, "profile"] and facts["profile"] == "quick"
    with pytest.raises(ValueError):
        records.run_description([])


def test_hidden_widths_and_same_protocol(sweeps):
    wide = [r for r in sweeps if r["study"] == "wide"]
    assert records.hidden_widths(wide) == "20, 500"
    other = [{**r, "spec": {**r["spec"], "dataset": "fashion_mnist"}} for r in wide]
    assert records.same_protocol(wide, other)
    assert not records.same_protocol(wide, other[1:])


def test_add_depth(sweeps):
    summary = point_summary(runs_frame(sweeps))
    deep = records.add_depth(summary[summary.study == "deep"])
    assert sorted(deep["depth"].unique()) == [3, 4, 5]
    with pytest.raises(ValueError, match="depth prefix"):
        records.add_depth(summary[summary.study == "wide"])


def test_learning_curves(perceptron):
    curves = records.learning_curves(perceptron)
    assert set(curves.regime) == set(REGIMES)
    assert curves["n_seeds"].eq(3).all() and curves["epoch"].max() == 3
    assert (curves["low"] <= curves["mean"]).all() and (curves["mean"] <= curves["high"]).all()
    assert curves["mean"].max() > 50  # percent
    with pytest.raises(ValueError):
        records.learning_curves([])


def test_overfitting_frame(perceptron):
    frame = records.overfitting_frame(perceptron)
    assert np.allclose(frame["generalisation_gap"], 1.0)  # train = test + 1 point
    assert np.allclose(frame["drop_from_best"], 0.0)  # synthetic curves only rise
    with pytest.raises(ValueError):
        records.overfitting_frame([])


# --------------------------------------------------------------------------- weights
def test_weight_density_integrates_to_one(perceptron):
    summary = perceptron[0]["retracted_weights"]
    for standardize in (False, True):
        edges, density = weights.weight_density(summary, standardize)
        assert np.isclose((density * np.diff(edges)).sum(), 1.0)


def test_pooled_density_keeps_mass_and_normalises_over_all_weights(perceptron):
    summaries = [r["retracted_weights"] for r in perceptron[:3]]
    edges, density = weights.pooled_weight_density(summaries, bins=50)
    assert len(edges) == 51
    assert np.isclose((density * np.diff(edges)).sum(), 1.0)
    edges, density = weights.pooled_weight_density(summaries, standardize=True, limit=1.0)
    assert edges[0] == -1.0 and edges[-1] == 1.0
    assert 0.5 < (density * np.diff(edges)).sum() < 0.8  # about 68 % of a Gaussian
    with pytest.raises(ValueError):
        weights.pooled_weight_density([])


def test_weight_distance_is_zero_for_itself_and_larger_for_other_shapes(perceptron):
    by = {r: weights.regime_weights(perceptron, r) for r in REGIMES}
    assert weights.weight_distance(by["train_lambda"], by["train_lambda"]) == pytest.approx(0.0)
    same = weights.weight_distance(by["train_lambda"], by["unconstrained"])
    other = weights.weight_distance(by["constrained"], by["unconstrained"])
    assert 0 <= same < other <= 1
    assert weights.weight_distances(perceptron) == {
        "train_lambda": pytest.approx(same), "constrained": pytest.approx(other)}


def test_regime_weights_leave_out_the_authors_code_convention(perceptron):
    rng = np.random.default_rng(3)
    authors = fake_record(rng, "perceptron", "784-10", 794, "train_lambda", 0,
                          convention="authors_code")
    assert len(weights.regime_weights([*perceptron, authors], "train_lambda")) == 3


def test_kurtosis_and_distance_table(perceptron, sweeps):
    kurtosis = weights.mean_kurtosis(perceptron)
    assert list(kurtosis) == list(weights.COMPARED)
    assert kurtosis["constrained"] > kurtosis["unconstrained"]  # a few large trained weights
    deep = [r for r in sweeps if r["study"] == "deep"]
    table = weights.weight_distance_table(deep, {3: "l3:784-20-10", 5: "l5:784-800-600-500-10"})
    assert list(table.index) == [(3, "784-20-10"), (5, "784-800-600-500-10")]
    assert list(table.columns) == ["Train Λ vs unconstrained", "constrained vs unconstrained"]
    assert ((table >= 0) & (table <= 1)).all().all()
