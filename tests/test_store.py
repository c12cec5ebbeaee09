"""The results store: keyed by spec hash, atomic, and never fooled by a damaged file."""

import json

import pytest
from fake_records import STORE_SPEC, store_record

from spectral_nb.experiments import ResultsStore
from spectral_nb.experiments.migrate import MigrationError, migrate
from spectral_nb.experiments.store import DAMAGED_FOLDER, StoreError

SPEC = STORE_SPEC
_record = store_record


def test_write_read_and_a_second_write_keeps_the_first(tmp_path):
    store = ResultsStore(tmp_path)
    assert not store.has(SPEC)
    assert store.write(_record(note="first"))
    assert store.path(SPEC) == tmp_path / "mnist" / f"{SPEC.hash}.json"
    assert store.has(SPEC) and store.read(SPEC)["note"] == "first"
    assert not store.write(_record(note="second"))  # nothing written twice
    assert store.read(SPEC)["note"] == "first"
    assert [r["spec_hash"] for r in store.records()] == [SPEC.hash]


def test_write_refuses_a_record_whose_hash_is_not_its_specs(tmp_path):
    with pytest.raises(StoreError, match="spec_hash"):
        ResultsStore(tmp_path).write(_record() | {"spec_hash": "0" * 16})
    with pytest.raises(StoreError, match="Not a run record"):
        ResultsStore(tmp_path).write({"spec": {}, "spec_hash": "x"})


def test_temporary_files_are_never_counted(tmp_path):
    store = ResultsStore(tmp_path)
    store.write(_record())
    folder = tmp_path / "mnist"
    (folder / ".tmp-abc.json").write_text(json.dumps(_record()))  # a complete leftover
    (folder / ".tmp-def.json").write_text('{"spe')  # a half-written one
    assert len(list(store.records())) == 1
    assert store.damaged() == []


@pytest.mark.parametrize(
    "content, reason",
    [
        ('{"spec": {"dataset": "mni', "not valid JSON"),  # truncated by hand
        ("{}", "not a run record"),
        ("[1, 2]", "not a run record"),
        ('{"spec": {"dataset": "mnist"}, "spec_hash": "x"}', "spec is not valid"),
    ],
)
def test_a_damaged_record_is_reported_once_and_not_counted(tmp_path, capsys, content, reason):
    store = ResultsStore(tmp_path)
    path = store.path(SPEC)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert not store.has(SPEC)
    assert not store.has(SPEC)
    assert list(store.records()) == []
    err = capsys.readouterr().err
    assert err.count(str(path)) == 1 and reason in err and "--repair" in err
    with pytest.raises(StoreError, match="--repair"):
        store.read(SPEC)
    (damaged,) = store.damaged()
    assert damaged.path == path and reason in damaged.reason


def test_foreign_files_and_mismatched_names_are_damaged(tmp_path):
    store = ResultsStore(tmp_path)
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    (folder / "0123456789abcdef.json").write_text(json.dumps(_record()))  # wrong name
    (folder / "old_study").mkdir()  # the per-study layout
    (tmp_path / "fashion_mnist").mkdir()
    (tmp_path / "fashion_mnist" / f"{SPEC.hash}.json").write_text(json.dumps(_record()))
    reasons = {d.path.name: d.reason for d in store.damaged()}
    assert "foreign" in reasons["notes.txt"]
    assert "copied or renamed" in reasons["0123456789abcdef.json"]
    assert reasons["0123456789abcdef.json"].count(SPEC.hash) == 2  # its hash, its own name
    assert "migrate" in reasons["old_study"]
    assert "filed under fashion_mnist" in reasons[f"{SPEC.hash}.json"]
    assert list(store.records()) == []


def test_unknown_kind_is_damaged_with_the_fix(tmp_path):
    store = ResultsStore(tmp_path)
    path = store.path(SPEC)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_record() | {"kind": "quantum"}))
    (damaged,) = store.damaged()
    assert "Unknown run kind 'quantum'" in damaged.reason


def test_repair_moves_damaged_files_aside(tmp_path):
    store = ResultsStore(tmp_path)
    path = store.path(SPEC)
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    (moved,) = store.repair()
    assert not path.exists() and moved.read_text() == "{}"
    assert DAMAGED_FOLDER in moved.parts
    assert store.damaged() == []  # the .damaged folder is not read as a dataset
    assert store.write(_record())


def test_records_edited_after_reading_are_read_again(tmp_path):
    store = ResultsStore(tmp_path)
    store.write(_record(note="a"))
    assert store.read(SPEC)["note"] == "a"
    path = store.path(SPEC)
    path.write_text(json.dumps(_record(note="bb")))
    assert store.read(SPEC)["note"] == "bb"


def _old_layout(root, twins_differ=False):
    other = SPEC.replace(seed=1)
    for study, spec in (("wide", SPEC), ("deep", SPEC), ("deep", other)):
        folder = root / "mnist" / study
        folder.mkdir(parents=True, exist_ok=True)
        record = _record(spec, study=study)
        if twins_differ and study == "deep" and spec == SPEC:
            record["final_test_accuracy"] = 0.6
        (folder / f"{spec.hash}.json").write_text(json.dumps(record))
    return other


def test_migration_merges_identical_twins_and_keeps_every_hash(tmp_path):
    other = _old_layout(tmp_path)
    report = migrate(tmp_path)
    assert (report.files_before, report.distinct_runs, report.twins_merged) == (3, 2, 1)
    assert report.files_after == 2
    store = ResultsStore(tmp_path)
    assert store.has(SPEC) and store.has(other) and store.damaged() == []
    assert not (tmp_path / "mnist" / "wide").exists()
    assert migrate(tmp_path).files_before == 0  # idempotent


def test_migration_refuses_twins_with_different_results(tmp_path):
    _old_layout(tmp_path, twins_differ=True)
    with pytest.raises(MigrationError, match="different results"):
        migrate(tmp_path)
    assert len(list(tmp_path.rglob("*.json"))) == 3  # nothing moved
