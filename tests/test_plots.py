"""The experiment chapters' figures, drawn from synthetic run records (no training)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from fake_records import REGIMES

from spectral_nb.analysis.labels import REGIME_ORDER, regime_label
from spectral_nb.analysis.records import add_depth
from spectral_nb.analysis.summaries import perceptron_table, point_summary, runs_frame
from spectral_nb.analysis.sweeps import widest_per_depth
from spectral_nb.plots import experiments as plots
from spectral_nb.plots import gaps as gap_plots


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
    style = plots.regime_style("train_lambda", "authors_code")
    assert style["linestyle"] == "--" and style["label"] == "Train Λ (authors' code)"


def test_axes_or_new_keeps_given_axes():
    fig, ax = plt.subplots()
    assert plots.axes_or_new(ax) is ax
    assert plots.axes_or_new(None) is not ax


# --------------------------------------------------------------------------- weights
def test_plot_weight_distributions_labels(perceptron):
    ax = plots.plot_weight_distributions(
        perceptron, regimes=["train_lambda", "unconstrained"], standardize=True,
        span_std=5, log=True, title="weights",
    )
    assert ax.get_title() == "weights"
    assert "std" in ax.get_xlabel() and "density" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    texts = legend_texts(ax)
    assert len(texts) == 2 and texts[0].startswith("Train Λ (excess kurtosis")
    raw = plots.plot_weight_distributions(perceptron)
    assert "weight value" in raw.get_xlabel()
    assert len(legend_texts(raw)) == 4


def test_plot_weight_distributions_rejects_empty(perceptron):
    with pytest.raises(ValueError):
        plots.plot_weight_distributions([])
    with pytest.raises(ValueError):
        plots.plot_weight_distributions(perceptron, regimes=["nothing"])


def test_weight_panels_one_per_depth(sweeps):
    deep = [r for r in sweeps if r["study"] == "deep"]
    widest = widest_per_depth(add_depth(point_summary(runs_frame(deep))))
    fig, axes = plt.subplots(1, 3)
    drawn = plots.plot_weight_panels(deep, widest, axes)
    assert [ax.get_title() for ax in drawn] == [
        "l = 3: 784-20-10", "l = 4: 784-800-100-10", "l = 5: 784-800-600-500-10"]
    assert all(ax.get_yscale() == "log" for ax in drawn)
    with pytest.raises(ValueError, match="3 panels"):
        plots.plot_weight_panels(deep, widest, axes[:2])


# --------------------------------------------------------------------------- learning curves
def test_plot_learning_curves(perceptron):
    fig, ax = plt.subplots()
    assert plots.plot_learning_curves(perceptron, ax=ax, title="curves") is ax
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "test accuracy (%)"
    assert ax.get_title() == "curves"
    assert legend_texts(ax) == [regime_label(r) for r in REGIME_ORDER]
    with pytest.raises(ValueError):
        plots.plot_learning_curves([])


def test_plot_epoch_noise(perceptron):
    by_point = {"a": perceptron[:3], "b": perceptron[3:6]}
    ax = gap_plots.plot_epoch_noise(by_point, 90.0)
    texts = legend_texts(ax)
    assert texts[:2] == ["a (mean of 3 seeds)", "b (mean of 3 seeds)"]
    assert texts[2] == "paper, Table 1 (90.0 %)"
    with pytest.raises(ValueError):
        gap_plots.plot_epoch_noise({}, 90.0)


# --------------------------------------------------------------------------- sweeps
def test_accuracy_vs_eigenvalues(sweeps):
    summary = point_summary(runs_frame(sweeps))
    wide = summary[summary.study == "wide"]
    ax = plots.plot_accuracy_vs_eigenvalues(
        wide, reference={"train_lambda": 90.9, "constrained": float("nan")}
    )
    assert ax.get_xscale() == "log"
    assert "eigenvalues" in ax.get_xlabel() and ax.get_ylabel() == "test accuracy (%)"
    assert 0 <= ax.get_ylim()[0] and ax.get_ylim()[1] <= 100
    texts = legend_texts(ax)
    assert texts[:4] == [regime_label(r) for r in REGIME_ORDER]
    assert "paper" in texts[4]
    assert ax.get_title()


def test_accuracy_vs_eigenvalues_grouped_by_depth(sweeps):
    frame = runs_frame(sweeps)
    summary = add_depth(point_summary(frame[frame.study == "deep"]))
    ax = plots.plot_accuracy_vs_eigenvalues(summary, group="depth", group_format="l = {value}")
    assert legend_texts(ax)[-3:] == ["l = 3", "l = 4", "l = 5"]


def test_accuracy_vs_eigenvalues_rejects_empty(sweeps):
    summary = point_summary(runs_frame(sweeps))
    with pytest.raises(ValueError):
        plots.plot_accuracy_vs_eigenvalues(summary.iloc[:0])
    with pytest.raises(ValueError):
        plots.plot_accuracy_vs_eigenvalues(summary, regimes=["nothing"])


def test_regime_bars_with_and_without_paper(perceptron):
    frame = runs_frame(perceptron)
    ax = plots.plot_regime_bars(perceptron_table(frame))
    assert ax.get_ylabel() == "test accuracy (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        regime_label(r) for r in REGIME_ORDER
    ]
    assert any("paper" in t for t in legend_texts(ax))
    ax = plots.plot_regime_bars(point_summary(frame), error="ci95")
    assert not any("paper" in t for t in legend_texts(ax))
    with pytest.raises(ValueError):
        plots.plot_regime_bars(point_summary(frame).iloc[:0])
