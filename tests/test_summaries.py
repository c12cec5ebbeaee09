"""Summaries: x-axis counts, Table 1 selection, comparison with the paper."""

import numpy as np
import pytest

from spectral_nb.analysis.summaries import (
    compare,
    point_summary,
    runs_frame,
    table1,
    table1_cross_fitted,
)


def _record(regime, point, sizes, accuracy, halves, seed=0, convention="paper", study="wide"):
    n2 = sizes[1]
    return {
        "study": study,
        "spec": {
            "dataset": "mnist", "regime": regime, "convention": convention, "seed": seed,
            "sizes": list(sizes), "epochs": 1,
            "tags": {"point": point, "eigenvalues": n2 + 10},
        },
        "trainable_parameters": n2 + 10,
        "history": {
            "test_accuracy": [accuracy],
            "test_accuracy_first_half": [halves[0]],
            "test_accuracy_second_half": [halves[1]],
        },
        "wall_time_s": 1.0,
    }


def test_authors_code_runs_sit_at_the_eigenvalues_they_train():
    frame = runs_frame(
        [
            _record("train_lambda", "N2=20", (784, 20, 10), 0.5, (0.5, 0.5)),
            _record("train_lambda", "N2=20", (784, 20, 10), 0.8, (0.8, 0.8),
                    convention="authors_code"),
        ]
    )
    assert frame.eigenvalues.tolist() == [30, 784 + 20 + 20 + 10]


def test_cross_fitted_selection_removes_the_optimism_of_choosing_on_the_test_set():
    # Point A is best on half 1 only by luck, point B is truly better on half 2.
    records = [
        _record("train_lambda", "N2=20", (784, 20, 10), 0.90, (0.95, 0.85), seed=s)
        for s in range(2)
    ] + [
        _record("train_lambda", "N2=50", (784, 50, 10), 0.89, (0.88, 0.90), seed=s)
        for s in range(2)
    ]
    frame = runs_frame(records)
    naive = table1(frame)
    fitted = table1_cross_fitted(frame)
    assert naive["mean"].iloc[0] == pytest.approx(90.0)
    # chosen on half 1 -> N2=20, read on half 2: 85; chosen on half 2 -> N2=50, read on half 1: 88
    assert fitted["cross_fitted"].iloc[0] == pytest.approx(86.5)
    assert fitted["optimism"].iloc[0] == pytest.approx(3.5)


def test_point_summary_interval_and_compare():
    records = [
        _record("unconstrained", "N2=20", (784, 20, 10), a, (a, a), seed=s)
        for s, a in enumerate([0.90, 0.92, 0.94])
    ]
    summary = point_summary(runs_frame(records))
    row = summary.iloc[0]
    assert row["mean"] == pytest.approx(92.0)
    assert row["std"] == pytest.approx(2.0)
    half = 4.302653 * 2.0 / np.sqrt(3)  # Student t, 2 degrees of freedom
    assert row["ci95_high"] - row["mean"] == pytest.approx(half, rel=1e-5)
    assert compare(92.7, 0.1, 92.5, 0.2)["within_spread"]
    assert not compare(82.0, 0.0, 70.0, 1.0)["within_spread"]
    assert np.isnan(compare(np.nan, np.nan, 70.0, 1.0)["difference"])
