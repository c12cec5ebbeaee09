"""The study runner: resumable sweeps, one record per distinct run, studies as views."""

import re

import pytest

from spectral_nb.experiments import ResultsStore, RunSpec, constrained_twin, run_study
from spectral_nb.experiments import kinds as kinds_module
from spectral_nb.experiments import records as records_module
from spectral_nb.experiments import runner as runner_module
from spectral_nb.experiments.protocol.studies import Study
from spectral_nb.experiments.runner import plan_groups, run_specs, study_records

SMALL = dict(dataset="mnist", train_size=300, test_size=100, batch_size=100, epochs=1)


def _spec(sizes, activations, regime="train_lambda", **changes):
    spec = RunSpec(sizes=sizes, hidden_activations=activations, regime="train_lambda",
                   **(SMALL | changes))
    if regime == "constrained":
        return constrained_twin(spec)
    return spec.replace(regime=regime)


def test_killed_sweep_resumes_with_exactly_one_record_per_run(tmp_path, monkeypatch):
    specs = tuple(
        _spec(sizes, acts, regime, seed=seed)
        for sizes, acts in [((784, 10), ()), ((784, 20, 10), ("linear",))]
        for regime in ("train_lambda", "unconstrained")
        for seed in (0, 1)
    )
    study = Study(name="mini", dataset="mnist", profile="smoke", specs=specs)
    store = ResultsStore(tmp_path)
    real = records_module.train_group
    calls = {"n": 0}

    def dies_on_third_group(group, on_epoch=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(group, on_epoch)

    monkeypatch.setattr(records_module, "train_group", dies_on_third_group)
    with pytest.raises(KeyboardInterrupt):
        run_study(study, store, progress=False, max_runs_per_group=2)
    written = sorted(tmp_path.rglob("*.json"))
    assert len(written) == 4  # two finished groups, nothing partial
    mtimes = {p: p.stat().st_mtime_ns for p in written}

    monkeypatch.setattr(records_module, "train_group", real)
    records = run_study(study, store, progress=False, max_runs_per_group=2)
    assert len(records) == len(specs)
    assert len(list(tmp_path.rglob("*.json"))) == len(specs)
    assert not list(tmp_path.rglob(".tmp-*"))
    assert {r["spec_hash"] for r in records} == {s.hash for s in specs}
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())  # not retrained


def test_record_contents(tmp_path):
    spec = _spec((784, 20, 10), ("linear",), epochs=2)
    study = Study(name="one", dataset="mnist", profile="smoke", specs=(spec,))
    (record,) = run_study(study, ResultsStore(tmp_path), progress=False)
    assert record["kind"] == "fc"
    assert record["trainable_parameters"] == 30
    assert len(record["history"]["test_accuracy"]) == 2
    assert record["final_test_accuracy"] == record["history"]["test_accuracy"][-1]
    assert record["retracted_weights"]["shape"] == [784, 10]
    assert sum(record["retracted_weights"]["histogram_counts"]) == 7840
    for key in ("device", "tensorflow", "keras", "numpy", "spectral_nb", "wall_time_s"):
        assert key in record
    commit = record["git_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}(\+modified)?", commit)
    assert (tmp_path / "mnist" / f"{spec.hash}.json").exists()


def test_a_run_two_studies_share_is_trained_once_and_read_by_each(tmp_path, monkeypatch):
    shared = _spec((784, 10), ())
    wide = Study("wide", "mnist", "smoke", (shared.replace(tags={"study": "wide",
                                                                 "point": "N2=20"}),))
    deep = Study("deep", "mnist", "smoke", (shared.replace(tags={"study": "deep",
                                                                 "point": "l3:784-20-10"}),
                                            _spec((784, 10), (), seed=1)))
    trained = []
    real = records_module.train_group

    def counting(group, on_epoch=None):
        trained.extend(spec.hash for spec in group)
        return real(group, on_epoch)

    monkeypatch.setattr(records_module, "train_group", counting)
    store = ResultsStore(tmp_path)
    (from_wide,) = run_study(wide, store, progress=False)
    from_deep = run_study(deep, store, progress=False)
    assert trained == [shared.hash, deep.specs[1].hash]  # the shared run once
    assert len(list(tmp_path.rglob("*.json"))) == 2
    assert from_wide["study"] == "wide" and from_wide["spec"]["tags"]["point"] == "N2=20"
    assert from_deep[0]["study"] == "deep"
    assert from_deep[0]["spec"]["tags"]["point"] == "l3:784-20-10"
    assert from_deep[0]["history"] == from_wide["history"]


def test_a_run_asked_twice_in_one_request_is_trained_once(tmp_path):
    spec = _spec((784, 10), ())
    report = run_specs([spec, spec.replace(tags={"point": "again"})], ResultsStore(tmp_path),
                       progress=False)
    assert report.requested == 1 and len(report.written) == 1
    assert "1 new record(s) written, 0 already there" in report.summary()


def test_runs_of_different_kinds_or_trainable_sets_are_never_grouped():
    a, b = _spec((784, 10), ()), _spec((784, 10), (), regime="train_lambda_phi")
    groups = plan_groups([a, b, a.replace(seed=1)])
    assert [[s.hash for s in g] for g in groups] == [[a.hash, a.replace(seed=1).hash],
                                                     [b.hash]]
    assert [len(g) for g in plan_groups([a.replace(seed=k) for k in range(5)], 2)] == [2, 2, 1]


def test_a_damaged_record_is_reported_and_never_trained_over(tmp_path, capsys):
    spec = _spec((784, 10), ())
    store = ResultsStore(tmp_path)
    path = store.path(spec)
    path.parent.mkdir(parents=True)
    path.write_text('{"spec": {"dataset"')  # truncated by hand
    report = run_specs([spec], store, progress=False)
    assert report.damaged == 1 and not report.written
    assert path.read_text() == '{"spec": {"dataset"'  # left in place
    assert "--repair" in report.summary()
    assert str(path) in capsys.readouterr().err
    store.repair()
    report = run_specs([spec], store, progress=False)
    assert len(report.written) == 1 and store.has(spec)


def test_long_runs_are_announced_with_an_estimate(tmp_path, capsys):
    specs = [_spec((784, 10), (), seed=k) for k in range(2)]
    runner_module.announce(specs, "demo", threshold_s=1e9)
    assert capsys.readouterr().err == ""
    runner_module.announce(specs, "demo", threshold_s=0.0)
    err = capsys.readouterr().err
    assert "demo: training 2 run(s)" in err and "estimated" in err


def test_paper_protocol_estimate_is_of_the_recorded_order():
    """The estimate's constants come from the committed records: they must roughly agree."""
    from spectral_nb.experiments.protocol.studies import build_study

    specs = build_study("wide", "mnist", "paper").specs
    hours = records_module.estimate_seconds(specs) / 3600
    assert 0.1 < hours < 10


def test_study_records_can_leave_out_missing_runs(tmp_path):
    spec = _spec((784, 10), ())
    study = Study("s", "mnist", "smoke", (spec, spec.replace(seed=3)))
    store = ResultsStore(tmp_path)
    run_specs(study.specs[:1], store, progress=False)
    assert len(study_records(study, store, recorded_only=True)) == 1
    with pytest.raises(ValueError, match="No record of run"):
        study_records(study, store)


def test_train_group_refuses_mixed_kinds(monkeypatch):
    import dataclasses

    toy = dataclasses.replace(kinds_module.KINDS["fc"], name="toy")
    monkeypatch.setitem(kinds_module.KINDS, "toy", toy)

    class Toy:
        kind = "toy"
        hash = "0" * 16

    with pytest.raises(ValueError, match="one kind"):
        runner_module.train_group([_spec((784, 10), ()), Toy()])
