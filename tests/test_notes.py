"""The notes page's accounts: compute, conventions, eigenvalue counts, selection, claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fake_records import fake_record, perceptron_records, sweep_records

from spectral_nb.analysis import notes
from spectral_nb.analysis.summaries import runs_frame
from spectral_nb.analysis.text import Note

VERSIONS = {"tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6"}


@pytest.fixture(scope="module")
def stored() -> list[dict]:
    records = perceptron_records() + sweep_records()
    halves = {"test_accuracy_first_half": [0.9], "test_accuracy_second_half": [0.8]}
    return [{**r, **VERSIONS, "wall_time_s": 36.0, "history": {**r["history"], **halves}}
            for r in records]


def test_compute_facts_say_the_shared_facts_once(stored):
    facts = notes.compute_facts(stored)
    assert facts == {
        "stored_runs": f"{len(stored):,}", "total_hours": f"{len(stored) * 36 / 3600:.1f}",
        "devices": "CPU: test", "software": "TensorFlow 2.21.0, Keras 3.15.1 and NumPy 2.4.6",
    }
    with pytest.raises(ValueError):
        notes.compute_facts([])


def test_compute_table_keeps_what_varies(stored):
    table = notes.compute_table(stored)
    assert list(table.columns) == ["runs", "compute (minutes)"]
    assert list(table.index) == [("MNIST", s) for s in ("perceptron", "wide", "deep",
                                                        "nonlinear")]  # the book's order
    assert table["runs"].sum() == len(stored)
    assert table.loc[("MNIST", "perceptron"), "compute (minutes)"] == f"{12 * 36 / 60:.1f}"
    newer = [{**r, "tensorflow": "2.22.0"} for r in stored[:12]] + stored[12:]
    varying = notes.compute_table(newer)
    assert list(varying.columns) == ["TensorFlow", "runs", "compute (minutes)"]
    assert "TensorFlow 2.21.0, 2.22.0" in notes.compute_facts(newer)["software"]


def test_convention_gaps_table_or_note(stored):
    frame = runs_frame(stored)
    assert isinstance(notes.convention_gaps(frame, "quick"), Note)
    rng = np.random.default_rng(4)
    authors = [fake_record(rng, "wide", "N2=500", 510, "train_lambda", s, (784, 500, 10),
                           convention="authors_code") for s in range(2)]
    table = notes.convention_gaps(runs_frame(stored + authors), "paper")
    assert list(table.columns) == ["paper (%)", "authors' code (%)",
                                   "authors' code − paper (points)"]
    wide = table.loc[("wide", "N2=500", "Train Λ")]
    assert wide["authors' code (%)"] != "–" and wide["paper (%)"] != "–"
    deep = table.loc[("deep", "l5:784-800-600-500-10", "Train Λ")]  # no authors' code run
    assert deep["authors' code (%)"] == "–" and deep["authors' code − paper (points)"] == "–"


def test_eigenvalue_counts_follow_the_conventions():
    counts = notes.eigenvalue_counts()
    assert counts.loc["perceptron"].tolist() == [794, 794, 7850]
    assert counts.loc["non-linear, N2 = 500", "paper convention"] == 630
    assert counts.loc["non-linear, N2 = 500", "authors' code convention"] == 2034


def test_selection_and_claims(stored):
    frame = runs_frame(stored)
    selection = notes.selection_table(frame)
    assert list(selection.columns) == ["architecture", "regime", "paper", "final_epoch",
                                       "best_epoch", "cross_fitted", "optimism"]
    found = notes.selection_findings(selection)
    assert found["best_epoch_gain"] == "0.00"
    shown = notes.selection_display(selection)
    assert shown.index[0] == "linear wide / Constrained NN" and len(shown) == 12
    claims = notes.claims_table(frame)
    assert len(claims) == 16
    assert list(claims["within_spread"]) == sorted(claims["within_spread"])  # outside first
    shown = notes.claims_display(claims)
    assert list(shown.columns) == ["paper (%)", "ours (%)", "seeds", "difference (points)",
                                   "within spread"]  # 3 perceptron seeds, 2 elsewhere
    assert set(shown["within spread"]) <= {"yes", "no"}
    summary = notes.claims_findings(claims)
    assert summary["n_claims"] == 16
    assert summary["n_outside"] == int((~claims.within_spread).sum())


def test_claims_findings_name_the_largest_gap():
    claims = pd.DataFrame({
        "architecture": ["nonlinear", "linear_wide", "perceptron"],
        "regime": ["constrained", "unconstrained", "train_lambda"],
        "difference": [-1.67, 0.98, 0.1], "within_spread": [False, False, True]})
    assert notes.claims_findings(claims) == {
        "n_claims": 3, "n_outside": 2, "worst": "non-linear / Constrained NN (1.7 points)"}
    assert notes.claims_findings(claims.assign(within_spread=True))["worst"] == "–"
