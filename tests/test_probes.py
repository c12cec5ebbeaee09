"""Probes: the protocol with one factor changed (two in a named follow-up), and their Table 1
comparison."""

import dataclasses

import pandas as pd
import pytest

from spectral_nb.analysis.summaries import probe_table
from spectral_nb.experiments import PROBES, build_probe, build_study, get_probe
from spectral_nb.experiments.protocol.probes import comparison_specs

# Fields a probe may change; every other field must equal the study run's.
IDENTITY = {f.name for f in dataclasses.fields(build_study("wide", "mnist", "smoke").specs[0])}
IDENTITY -= {"tags"}


def _changed_fields(a, b):
    return {name for name in IDENTITY if getattr(a, name) != getattr(b, name)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("batch_size", {"batch_size"}),
        ("inner_eigenvalues", {"inner_eigenvalues"}),
        ("direct_init", {"direct_init"}),
        ("direct_init_nonlinear", {"direct_init"}),
        ("constrained_split", {"constrained_budget"}),
        ("constrained_split_nonlinear", {"constrained_budget"}),
        ("batch_size_deep", {"batch 800": {"batch_size"},
                             "batch 800, inner eigenvalues frozen at their draw":
                                 {"batch_size", "inner_eigenvalues"}}),
        ("batch_and_init_nonlinear", {"batch_size", "direct_init"}),
    ],
)
@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_each_probe_changes_exactly_the_factors_its_variant_names(name, expected, profile):
    probe = get_probe(name)
    if isinstance(expected, set):
        expected = {label: expected for label, _ in probe.variants}
    assert set(expected) == {label for label, _ in probe.variants}
    study = build_probe(name, "mnist", profile)
    compared = comparison_specs(probe, "mnist", profile)
    assert len(study) == len(compared) * len(probe.variants) > 0
    changes = []
    for spec in study.specs:
        original = next(
            c for c in compared
            if (c.sizes, c.seed, c.regime) == (spec.sizes, spec.seed, spec.regime)
        )
        changes.append((expected[spec.tags["variant"]], _changed_fields(original, spec)))
        assert spec.tags["study"] == probe.study_name
        assert spec.tags["point"] == original.tags["point"]
        assert spec.trainable_parameter_count() == original.trainable_parameter_count()
    # A random whole-network split can happen to equal the per-layer split: no change then.
    assert all(change in (wanted, set()) for wanted, change in changes)
    assert sum(change == wanted for wanted, change in changes) >= 0.9 * len(changes)


def test_probe_comparisons_are_the_studys_own_runs_and_never_collide_with_them():
    for name, probe in PROBES.items():
        study_hashes = {s.hash for s in build_study(probe.study, "mnist", "paper").specs}
        assert {s.hash for s in comparison_specs(probe, "mnist", "paper")} <= study_hashes
        probe_hashes = [s.hash for s in build_probe(name, "mnist", "paper").specs]
        assert len(set(probe_hashes)) == len(probe_hashes)
        # Only a constrained run whose random split already equals the per-layer split
        # coincides with a study run (same spec, same result; it is recorded for both).
        for spec in build_probe(name, "mnist", "paper").specs:
            if spec.hash in study_hashes:
                assert name.startswith("constrained_split")
                assert spec.constrained_budget == spec.sizes[1:]


def test_per_layer_split_matches_the_eigenvalue_count_of_each_layer():
    for spec in build_probe("constrained_split_nonlinear", "mnist", "paper").specs:
        n2 = spec.sizes[1]
        assert spec.constrained_budget == (n2, 120, 10)


def test_range_probe_extends_the_grid_without_changing_the_protocol():
    study = build_probe("range", "mnist", "paper")
    assert {s.sizes[1] for s in study.specs} == {3000, 4000}
    assert {s.regime for s in study.specs} == {"constrained", "train_lambda"}
    reference = build_study("nonlinear", "mnist", "paper").specs[0]
    for spec in study.specs:
        assert (spec.learning_rate, spec.batch_size, spec.epochs) == (
            reference.learning_rate, reference.batch_size, reference.epochs,
        )


def test_unknown_probe_names_the_valid_ones():
    with pytest.raises(ValueError, match="batch_size, inner_eigenvalues"):
        get_probe("learning_rate")
    assert get_probe("probe_range") is get_probe("range")


def _frame(rows):
    keys = ["study", "point", "regime", "accuracy", "variant", "seed"]
    frame = pd.DataFrame([dict(zip(keys, row, strict=True)) for row in rows])
    return frame.assign(dataset="mnist", convention="-", eigenvalues=0)


def test_probe_table_compares_best_points_over_the_same_points():
    probe = get_probe("direct_init")
    study = _frame(
        [("wide", "N2=20", "unconstrained", acc, "protocol", seed)
         for seed, acc in enumerate([92.0, 92.2])]
        + [("wide", "N2=50", "unconstrained", acc, "protocol", seed)
           for seed, acc in enumerate([91.0, 91.0])]
        + [("wide", "N2=99", "unconstrained", 99.0, "protocol", 0)]  # not probed: ignored
    )
    label = probe.variants[0][0]
    changed = _frame(
        [("probe_direct_init", "N2=20", "unconstrained", acc, label, seed)
         for seed, acc in enumerate([90.0, 90.2])]
        + [("probe_direct_init", "N2=50", "unconstrained", acc, label, seed)
           for seed, acc in enumerate([90.8, 91.2])]
    )
    (row,) = probe_table(probe, study, changed).to_dict("records")
    assert row["paper"] == 91.0
    assert row["protocol"] == pytest.approx(92.1) and row["protocol_point"] == "N2=20"
    assert row["variant"] == pytest.approx(91.0) and row["variant_point"] == "N2=50"
    assert row["shift"] == pytest.approx(-1.1)
    assert row["variant_within"] and not row["protocol_within"]


def test_range_probe_table_takes_the_best_over_the_extended_grid():
    probe = get_probe("range")
    study = _frame(
        [("nonlinear", "N2=2000", "constrained", acc, "protocol", seed)
         for seed, acc in enumerate([87.0, 87.4])]
    )
    changed = _frame(
        [("probe_range", "N2=4000", "constrained", acc, "N2 up to 4000", seed)
         for seed, acc in enumerate([88.8, 89.0])]
    )
    (row,) = probe_table(probe, study, changed).to_dict("records")
    assert row["protocol"] == pytest.approx(87.2)
    assert row["variant"] == pytest.approx(88.9) and row["variant_point"] == "N2=4000"


def test_paper_profile_probes_run_their_chosen_points_only():
    points = {s.tags["point"] for s in build_probe("direct_init", "mnist", "paper").specs}
    assert points == {"N2=20", "N2=2000"}
    inner = {s.tags["point"] for s in build_probe("inner_eigenvalues", "mnist", "paper").specs}
    assert len(inner) == 10  # all the deep study's points
