"""Display tables and sweep readings of the experiment chapters, on synthetic records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fake_records import fake_record

from spectral_nb.analysis import sweeps as sw
from spectral_nb.analysis import tables
from spectral_nb.analysis.labels import REGIME_ORDER, regime_label
from spectral_nb.analysis.records import add_depth
from spectral_nb.analysis.summaries import perceptron_table, point_summary, runs_frame, table1
from spectral_nb.analysis.text import Note


def test_perceptron_display(perceptron):
    table = tables.perceptron_display(perceptron_table(runs_frame(perceptron)))
    assert list(table.index) == [regime_label(r) for r in REGIME_ORDER]
    assert table.loc["Constrained NN", "paper (%)"] == "79 ± 3"
    assert set(table["within spread"]) <= {"yes", "no"}
    with pytest.raises(ValueError):
        tables.perceptron_display(pd.DataFrame())


def test_table1_display_grid_and_ranking(sweeps):
    frame = runs_frame(sweeps)
    final, best = table1(frame), table1(frame, column="best_epoch_accuracy")
    shown = tables.table1_display(final, best)
    assert len(shown) == 12 and shown.index[0] == "linear wide / Constrained NN"
    wide = tables.table1_display(final[final.architecture == "linear_wide"])
    assert list(wide.index) == [regime_label(r) for r in REGIME_ORDER]
    assert list(shown.columns) == [
        "paper (%)", "final epoch (%)", "final − paper (points)", "within spread", "best point",
        "best epoch (%)", "best − final (points)"]  # every cell has 2 seeds: no seeds column
    uneven = tables.table1_display(final.assign(n_seeds=range(12)))
    assert "seeds" in uneven.columns and "best epoch (%)" not in uneven.columns
    grid = tables.table1_grid(final)
    assert grid.shape == (4, 3)
    assert list(grid.columns) == ["linear wide", "linear deep", "non-linear"]
    assert "(" in grid.iloc[0, 0]
    ranking = tables.ranking_agreement(final)
    assert len(ranking) == 3 and set(ranking["same order"]) <= {"yes", "no"}
    assert list(ranking.columns) == [*(regime_label(r) for r in REGIME_ORDER), "same order"]
    agree = ranking[ranking["same order"] == "yes"]
    assert all(a == b for row in agree.iloc[:, :4].to_numpy() for a, b in
               (cell.split(" / ") for cell in row))
    with pytest.raises(ValueError):
        tables.table1_display(final.iloc[:0])


def test_sweep_display_gaps_and_first_within(sweeps):
    summary = point_summary(runs_frame(sweeps))
    wide = summary[summary.study == "wide"]
    table = tables.sweep_display(wide)
    assert list(table.index.get_level_values("eigenvalues")) == [30, 510]
    assert list(table.columns) == [regime_label(r) + " (%)" for r in REGIME_ORDER]
    deep = tables.sweep_display(add_depth(summary[summary.study == "deep"]), group="depth")
    assert deep.index[0] == (3, "784-20-10", 30)
    uneven = tables.sweep_display(wide.assign(n_seeds=[1] + [2] * (len(wide) - 1)))
    assert uneven.columns[-1] == "seeds" and list(uneven["seeds"]) == [1, 2]
    gaps = sw.regime_gaps(wide)
    assert list(gaps["eigenvalues"]) == [30, 510]
    assert np.allclose(gaps["gap"], gaps["reference_mean"] - gaps["mean"])
    assert sw.first_within(wide, tolerance=0.0) is None
    match = sw.first_within(wide, tolerance=100.0)
    assert match["eigenvalues"] == 30 and match["point"] == "N2=20"
    with pytest.raises(ValueError):
        sw.regime_gaps(wide, "train_lambda", "nothing")


def test_widest_per_depth_and_deep_networks(sweeps):
    frame = add_depth(runs_frame([r for r in sweeps if r["study"] == "deep"]))
    assert sw.widest_per_depth(point_summary(frame).pipe(add_depth)) == {
        3: "l3:784-20-10", 4: "l4:784-800-100-10", 5: "l5:784-800-600-500-10"}
    networks = tables.deep_networks(frame)
    assert list(networks.index.get_level_values("network")) == [
        "784 → 20 → 10", "784 → 800 → 100 → 10", "784 → 800 → 600 → 500 → 10"]
    assert list(networks["trained eigenvalues"]) == [30, 910, 1910]


def test_parameter_table(sweeps):
    frame = runs_frame([r for r in sweeps if r["study"] == "wide"])
    table = tables.parameter_table(frame)
    assert list(table.columns) == [regime_label(r) for r in REGIME_ORDER]
    assert table.columns.name == "trained parameters"
    assert table.loc[("N2=500", 510), "Train Λ"] == 510


def test_study_overview_and_dataset_comparison(perceptron, sweeps):
    both = perceptron + sweeps
    fashion = [{**r, "spec": {**r["spec"], "dataset": "fashion_mnist"}} for r in both]
    frame = runs_frame(both + fashion)
    mnist = sw.study_overview(frame, "mnist")
    other = sw.study_overview(frame, "fashion_mnist")
    assert list(dict.fromkeys(mnist["architecture"])) == [
        "perceptron", "linear_wide", "linear_deep", "nonlinear"
    ]
    shown = tables.dataset_comparison(other, mnist, ("Fashion-MNIST", "MNIST"))
    assert len(shown) == 16 and "seeds" in shown.columns  # 3 perceptron seeds, 2 elsewhere
    assert set(shown["Fashion-MNIST − MNIST (points)"]) == {"+0.0"}
    with pytest.raises(ValueError):
        sw.study_overview(frame, "kmnist")


def test_convention_display_and_view(perceptron):
    rng = np.random.default_rng(2)
    authors = [fake_record(rng, "perceptron", "784-10", 794, r, 0, convention="authors_code")
               for r in ("train_lambda", "train_lambda_phi")]
    summary = point_summary(runs_frame(perceptron + authors))
    table = tables.convention_display(summary)
    assert list(table.columns) == [
        "Train Λ (%)", "Train Λ (authors' code) (%)", "Train Λ, Φ (%)",
        "Train Λ, Φ (authors' code) (%)",
    ]
    assert isinstance(tables.convention_view(summary, "paper"), pd.DataFrame)
    only_paper = point_summary(runs_frame(perceptron))
    with pytest.raises(ValueError, match="authors_code"):
        tables.convention_display(only_paper)
    note = tables.convention_view(only_paper, "quick")
    assert isinstance(note, Note)
    assert note == "The quick profile trains the paper's convention only."
