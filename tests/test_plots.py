"""The experiment chapters' plot and table helpers, on synthetic run records (no training)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spectral_nb.experiments import perceptron_table, point_summary, runs_frame, table1
from spectral_nb.plots import experiments as plots

REGIMES = ("train_lambda", "train_lambda_phi", "constrained", "unconstrained")
BASE_ACCURACY = {"constrained": 0.78, "train_lambda": 0.82, "unconstrained": 0.92,
                 "train_lambda_phi": 0.925}


def histogram(weights: np.ndarray, bins: int = 60) -> dict:
    """The ``retracted_weights`` summary of the engine, computed the same way."""
    flat = weights.ravel()
    edge = float(np.abs(flat).max())
    counts, edges = np.histogram(flat, bins=bins, range=(-edge, edge))
    centred = flat - flat.mean()
    return {
        "shape": list(weights.shape), "mean": float(flat.mean()), "std": float(flat.std()),
        "excess_kurtosis": float((centred**4).mean() / flat.std() ** 4 - 3.0),
        "histogram_edges": edges.tolist(), "histogram_counts": counts.tolist(),
    }


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
        "retracted_weights": histogram(weights),
        "wall_time_s": 1.0,
        "device": "CPU: test",
    }


@pytest.fixture(scope="module")
def perceptron_records() -> list[dict]:
    rng = np.random.default_rng(0)
    return [fake_record(rng, "perceptron", "784-10", 794, r, s) for r in REGIMES
            for s in range(3)]


@pytest.fixture(scope="module")
def sweep_records() -> list[dict]:
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


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


# --------------------------------------------------------------------------- styles
def test_every_regime_has_one_colour_marker_and_label():
    assert set(plots.REGIME_COLORS) == set(plots.REGIME_MARKERS) == set(REGIMES)
    assert len(set(plots.REGIME_COLORS.values())) == len(REGIMES)
    assert plots.regime_label("train_lambda") == "Train Λ"
    assert plots.regime_label("train_lambda", "authors_code") == "Train Λ (authors' code)"
    with pytest.raises(ValueError, match="Unknown regime"):
        plots.regime_label("dense")


# --------------------------------------------------------------------------- weights
def test_weight_density_integrates_to_one(perceptron_records):
    summary = perceptron_records[0]["retracted_weights"]
    for standardize in (False, True):
        edges, density = plots.weight_density(summary, standardize)
        assert np.isclose((density * np.diff(edges)).sum(), 1.0)


def test_pooled_density_keeps_mass_and_normalises_over_all_weights(perceptron_records):
    summaries = [r["retracted_weights"] for r in perceptron_records[:3]]
    edges, density = plots.pooled_weight_density(summaries, bins=50)
    assert len(edges) == 51
    assert np.isclose((density * np.diff(edges)).sum(), 1.0)
    edges, density = plots.pooled_weight_density(summaries, standardize=True, limit=1.0)
    assert edges[0] == -1.0 and edges[-1] == 1.0
    assert 0.5 < (density * np.diff(edges)).sum() < 0.8  # about 68 % of a Gaussian


def test_weight_distance_is_zero_for_itself_and_larger_for_other_shapes(perceptron_records):
    by = {r: [x["retracted_weights"] for x in plots.select_records(perceptron_records, regime=r)]
          for r in REGIMES}
    assert plots.weight_distance(by["train_lambda"], by["train_lambda"]) == pytest.approx(0.0)
    same = plots.weight_distance(by["train_lambda"], by["unconstrained"])
    other = plots.weight_distance(by["constrained"], by["unconstrained"])
    assert 0 <= same < other <= 1


def test_plot_weight_distributions_labels(perceptron_records):
    ax = plots.plot_weight_distributions(
        perceptron_records, regimes=["train_lambda", "unconstrained"], standardize=True,
        span_std=5, log=True, title="weights",
    )
    assert ax.get_title() == "weights"
    assert "std" in ax.get_xlabel() and "density" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    texts = legend_texts(ax)
    assert len(texts) == 2 and texts[0].startswith("Train Λ (excess kurtosis")
    raw = plots.plot_weight_distributions(perceptron_records)
    assert "weight value" in raw.get_xlabel()
    assert len(legend_texts(raw)) == 4


def test_plot_weight_distributions_rejects_empty(perceptron_records):
    with pytest.raises(ValueError):
        plots.plot_weight_distributions([])
    with pytest.raises(ValueError):
        plots.plot_weight_distributions(perceptron_records, regimes=["nothing"])
    with pytest.raises(ValueError):
        plots.pooled_weight_density([])


# --------------------------------------------------------------------------- learning curves
def test_learning_curves_and_plot(perceptron_records):
    curves = plots.learning_curves(perceptron_records)
    assert set(curves.regime) == set(REGIMES)
    assert curves["n_seeds"].eq(3).all() and curves["epoch"].max() == 3
    assert (curves["low"] <= curves["mean"]).all() and (curves["mean"] <= curves["high"]).all()
    assert curves["mean"].max() > 50  # percent
    fig, ax = plt.subplots()
    assert plots.plot_learning_curves(perceptron_records, ax=ax, title="curves") is ax
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "test accuracy (%)"
    assert ax.get_title() == "curves"
    assert legend_texts(ax) == [plots.regime_label(r) for r in plots.REGIME_ORDER]


def test_learning_curves_reject_empty():
    with pytest.raises(ValueError):
        plots.plot_learning_curves([])


# --------------------------------------------------------------------------- sweeps
def test_accuracy_vs_eigenvalues(sweep_records):
    summary = point_summary(runs_frame(plots.select_records(sweep_records)))
    wide = summary[summary.study == "wide"]
    ax = plots.plot_accuracy_vs_eigenvalues(
        wide, reference={"train_lambda": 90.9, "constrained": float("nan")}
    )
    assert ax.get_xscale() == "log"
    assert "eigenvalues" in ax.get_xlabel() and ax.get_ylabel() == "test accuracy (%)"
    assert 0 <= ax.get_ylim()[0] and ax.get_ylim()[1] <= 100
    texts = legend_texts(ax)
    assert texts[:4] == [plots.regime_label(r) for r in plots.REGIME_ORDER]
    assert "paper" in texts[4]
    assert ax.get_title()


def test_accuracy_vs_eigenvalues_grouped_by_depth(sweep_records):
    frame = runs_frame(sweep_records)
    summary = plots.add_depth(point_summary(frame[frame.study == "deep"]))
    assert sorted(summary["depth"].unique()) == [3, 4, 5]
    ax = plots.plot_accuracy_vs_eigenvalues(summary, group="depth", group_format="l = {value}")
    texts = legend_texts(ax)
    assert texts[-3:] == ["l = 3", "l = 4", "l = 5"]


def test_accuracy_vs_eigenvalues_rejects_empty(sweep_records):
    summary = point_summary(runs_frame(sweep_records))
    with pytest.raises(ValueError):
        plots.plot_accuracy_vs_eigenvalues(summary.iloc[:0])
    with pytest.raises(ValueError):
        plots.plot_accuracy_vs_eigenvalues(summary, regimes=["nothing"])
    with pytest.raises(ValueError, match="depth prefix"):
        plots.add_depth(summary[summary.study == "wide"])


def test_regime_bars_with_and_without_paper(perceptron_records):
    frame = runs_frame(perceptron_records)
    ax = plots.plot_regime_bars(perceptron_table(frame))
    assert ax.get_ylabel() == "test accuracy (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        plots.regime_label(r) for r in plots.REGIME_ORDER
    ]
    assert any("paper" in t for t in legend_texts(ax))
    ax = plots.plot_regime_bars(point_summary(frame), error="ci95")
    assert not any("paper" in t for t in legend_texts(ax))
    with pytest.raises(ValueError):
        plots.plot_regime_bars(point_summary(frame).iloc[:0])


# --------------------------------------------------------------------------- tables
def test_perceptron_display(perceptron_records):
    table = plots.perceptron_display(perceptron_table(runs_frame(perceptron_records)))
    assert list(table["regime"]) == [plots.regime_label(r) for r in plots.REGIME_ORDER]
    assert table.loc[0, "paper (%)"] == "79 ± 3"
    assert set(table["within spread"]) <= {"yes", "no"}
    with pytest.raises(ValueError):
        plots.perceptron_display(pd.DataFrame())


def test_table1_display_grid_and_ranking(sweep_records):
    frame = runs_frame(sweep_records)
    final, best = table1(frame), table1(frame, column="best_epoch_accuracy")
    shown = plots.table1_display(final, best)
    assert len(shown) == 12
    assert {"paper (%)", "ours, best epoch (%)", "best − final (points)"} <= set(shown.columns)
    grid = plots.table1_grid(final)
    assert grid.shape == (4, 3)
    assert list(grid.columns) == ["linear wide", "linear deep", "non-linear"]
    assert "(" in grid.iloc[0, 0]
    ranking = plots.ranking_agreement(final)
    assert len(ranking) == 3 and set(ranking["same order"]) <= {"yes", "no"}
    with pytest.raises(ValueError):
        plots.table1_display(final.iloc[:0])


def test_sweep_display_gaps_and_first_within(sweep_records):
    summary = point_summary(runs_frame(sweep_records))
    wide = summary[summary.study == "wide"]
    table = plots.sweep_display(wide)
    assert list(table.index.get_level_values("eigenvalues")) == [30, 510]
    assert table.columns[-1] == "seeds" and (table["seeds"] == 2).all()
    gaps = plots.regime_gaps(wide)
    assert list(gaps["eigenvalues"]) == [30, 510]
    assert np.allclose(gaps["gap"], gaps["reference_mean"] - gaps["mean"])
    assert plots.first_within(wide, tolerance=0.0) is None
    match = plots.first_within(wide, tolerance=100.0)
    assert match["eigenvalues"] == 30 and match["point"] == "N2=20"
    with pytest.raises(ValueError):
        plots.regime_gaps(wide, "train_lambda", "nothing")


def test_study_overview_and_dataset_comparison(perceptron_records, sweep_records):
    records = perceptron_records + sweep_records
    fashion = [
        {**r, "spec": {**r["spec"], "dataset": "fashion_mnist"}} for r in records
    ]
    frame = runs_frame(records + fashion)
    mnist = plots.study_overview(frame, "mnist")
    other = plots.study_overview(frame, "fashion_mnist")
    assert list(dict.fromkeys(mnist["architecture"])) == [
        "perceptron", "linear_wide", "linear_deep", "nonlinear"
    ]
    shown = plots.dataset_comparison(other, mnist, ("Fashion-MNIST", "MNIST"))
    assert len(shown) == 16
    assert set(shown["Fashion-MNIST − MNIST (points)"]) == {"+0.0"}
    with pytest.raises(ValueError):
        plots.study_overview(frame, "kmnist")


def test_convention_display_and_run_description(perceptron_records):
    rng = np.random.default_rng(2)
    authors = [fake_record(rng, "perceptron", "784-10", 794, r, 0, convention="authors_code")
               for r in ("train_lambda", "train_lambda_phi")]
    summary = point_summary(runs_frame(perceptron_records + authors))
    table = plots.convention_display(summary)
    assert list(table.columns) == [
        "Train Λ (%)", "Train Λ (authors' code) (%)", "Train Λ, Φ (%)",
        "Train Λ, Φ (authors' code) (%)",
    ]
    with pytest.raises(ValueError, match="authors_code"):
        plots.convention_display(point_summary(runs_frame(perceptron_records)))
    about = plots.run_description(perceptron_records)
    assert about["runs"] == 12 and about["seeds"] == 3 and about["epochs"] == 3
    assert about["train_examples"] == "60,000" and about["test_examples"] == "500"
    with pytest.raises(ValueError):
        plots.run_description([])


def test_overfitting_frame(perceptron_records):
    frame = plots.overfitting_frame(perceptron_records)
    assert np.allclose(frame["generalisation_gap"], 1.0)  # train = test + 1 point
    assert np.allclose(frame["drop_from_best"], 0.0)  # synthetic curves only rise
    with pytest.raises(ValueError):
        plots.overfitting_frame([])
