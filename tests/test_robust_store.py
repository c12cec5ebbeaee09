"""The store under faults: checksummed records, stray temporary files, a store that cannot be
written, and claims that keep two processes from training one run."""

import json
import os
import subprocess
import sys
import time

import pytest
from fake_records import STORE_SPEC, store_record

from spectral_nb.experiments import ResultsStore
from spectral_nb.experiments import store as store_module
from spectral_nb.experiments.store import (
    CHECKSUM_FIELD,
    Claims,
    StoreError,
    checksum_mismatch,
)

SPEC = STORE_SPEC
_record = store_record


# --------------------------------------------------------------------------- checksums
def test_a_written_record_carries_a_checksum_that_is_verified_on_read(tmp_path):
    store = ResultsStore(tmp_path)
    assert store.write(_record())
    path = store.path(SPEC)
    stored = json.loads(path.read_text())
    assert set(stored[CHECKSUM_FIELD]) == {"sha256", "fields"}
    assert checksum_mismatch(stored) is None
    assert store.read(SPEC)["final_test_accuracy"] == 0.5


def test_a_record_edited_by_hand_is_damaged_and_the_message_names_the_field(tmp_path, capsys):
    store = ResultsStore(tmp_path)
    store.write(_record())
    path = store.path(SPEC)
    edited = path.read_text().replace('"final_test_accuracy": 0.5', '"final_test_accuracy": 0.9')
    assert edited != path.read_text()
    path.write_text(edited)
    assert not store.has(SPEC)
    assert not store.has(SPEC)
    assert list(store.records()) == []
    err = capsys.readouterr().err
    assert err.count(str(path)) == 1  # reported once
    assert "'final_test_accuracy' changed" in err and "does not match its checksum" in err
    (damaged,) = store.damaged()
    assert "final_test_accuracy" in damaged.reason
    # a field added or removed by hand is named too
    record = json.loads(path.read_text())
    record.pop("history")
    record["note"] = "added"
    assert "'history' removed" in checksum_mismatch(record)
    assert "'note' added" in checksum_mismatch(record)


def test_a_record_without_checksum_from_before_checksums_is_accepted(tmp_path):
    store = ResultsStore(tmp_path)
    path = store.path(SPEC)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_record()))  # as the committed records were written
    assert store.has(SPEC) and store.damaged() == []
    assert CHECKSUM_FIELD not in store.read(SPEC)


def test_committed_records_without_checksum_are_still_valid():
    """The committed records carry no checksum; those that do must match it."""
    store = ResultsStore(store_module.default_root("paper"))
    checked = 0
    for record in store.records():
        checked += 1
        assert checksum_mismatch(record) is None
    if not checked:
        pytest.skip("no committed paper-profile records")


def test_a_copied_record_names_its_hash_and_its_wrong_name(tmp_path):
    store = ResultsStore(tmp_path)
    store.write(_record())
    other = tmp_path / "mnist" / ("0" * 16 + ".json")
    other.write_text(store.path(SPEC).read_text())
    (damaged,) = store.damaged()
    assert damaged.path == other
    assert f"record of run {SPEC.hash}" in damaged.reason and other.name in damaged.reason
    assert "disagree" not in damaged.reason


# --------------------------------------------------------------------------- stray temporaries
def test_stray_temporary_files_are_reported_and_removed_by_repair(tmp_path):
    store = ResultsStore(tmp_path)
    store.write(_record())
    folder = tmp_path / "mnist"
    old, fresh = folder / ".tmp-old.json", folder / ".tmp-fresh.json"
    old.write_text('{"spe')
    fresh.write_text('{"spe')  # a write in progress in another process: left alone
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.strays() == [old]
    assert store.repair() == [old]
    assert not old.exists() and fresh.exists() and store.has(SPEC)


# --------------------------------------------------------------------------- preflight
def test_a_store_that_is_a_file_fails_the_check_naming_the_path(tmp_path):
    root = tmp_path / "results"
    root.write_text("not a folder")
    with pytest.raises(StoreError, match=f"{root} is a file, not a folder"):
        ResultsStore(root).check_writable(["mnist"], 3)
    below = ResultsStore(root / "smoke")  # SPECTRAL_NB_RESULTS pointing at a file
    with pytest.raises(StoreError, match="not writable.*SPECTRAL_NB_RESULTS"):
        below.check_writable(["mnist"], 3)


def _read_only(folder) -> bool:
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return True
    (folder / "probe").unlink()
    return False  # root, or a file system that ignores the mode


def test_a_read_only_store_fails_the_check_and_repair_says_so(tmp_path, monkeypatch):
    root = tmp_path / "smoke"
    (root / "mnist").mkdir(parents=True)
    (root / "mnist" / "notes.txt").write_text("foreign")
    store = ResultsStore(root)
    if _read_only(root / "mnist"):
        try:
            with pytest.raises(StoreError, match="not writable"):
                store.check_writable(["mnist"], 1)
            with pytest.raises(StoreError, match="Cannot repair.*chmod"):
                store.repair()
        finally:
            (root / "mnist").chmod(0o755)
        return
    # running as root: the file system refuses through the calls instead
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(root / "mnist"))

    monkeypatch.setattr(store_module.tempfile, "mkstemp", refused)
    with pytest.raises(StoreError, match=f"{root} is not writable .Permission denied."):
        store.check_writable(["mnist"], 1)
    monkeypatch.setattr(store_module.shutil, "move", refused)
    with pytest.raises(StoreError, match="Cannot repair.*Permission denied.*chmod"):
        store.repair()


def test_too_little_room_fails_the_check(tmp_path, monkeypatch):
    class Usage:
        free = 1024 * 1024

    monkeypatch.setattr(store_module.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(StoreError, match="1 MiB free.*free some space"):
        ResultsStore(tmp_path).check_writable(["mnist"], 10)
    ResultsStore(tmp_path).check_writable(["mnist"], 0)  # nothing to write: no room needed


# --------------------------------------------------------------------------- claims
def test_a_claim_is_exclusive_until_released(tmp_path):
    store = ResultsStore(tmp_path)
    first, second = Claims(store), Claims(store)
    assert first.acquire(SPEC)
    assert first.acquire(SPEC)  # held already
    assert second.holder(SPEC).pid == os.getpid()  # another sweep of this process holds it
    assert not second.acquire(SPEC)
    info = json.loads(first.path(SPEC).read_text())
    assert info["pid"] == os.getpid() and info["host"] == store_module.HOST
    first.release(SPEC)
    assert not first.path(SPEC).exists()


def _claim_as(claims, spec, pid, age_s=0.0):
    path = claims.path(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": store_module.HOST, "time": time.time()}))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def test_claims_of_a_live_process_hold_and_stale_ones_are_taken_over(tmp_path):
    store = ResultsStore(tmp_path)
    claims = Claims(store, expiry_s=60)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _claim_as(claims, SPEC, other.pid)
        holder = claims.holder(SPEC)
        assert holder is not None and holder.pid == other.pid
        assert not claims.acquire(SPEC)  # a live process holds it
        _claim_as(claims, SPEC, other.pid, age_s=120)  # not refreshed for longer than expiry
        assert claims.holder(SPEC) is None and claims.acquire(SPEC)
        claims.release(SPEC)
    finally:
        other.kill()
        other.wait()
    _claim_as(claims, SPEC, other.pid)  # its process is gone
    assert claims.holder(SPEC) is None and claims.acquire(SPEC)
    assert json.loads(claims.path(SPEC).read_text())["pid"] == os.getpid()
    claims.release_all()
    _claim_as(claims, SPEC, os.getpid())  # left by an interrupted sweep of this process
    assert claims.holder(SPEC) is None and claims.acquire(SPEC)
    claims.release_all()


def test_held_claims_are_refreshed_and_released_on_leaving(tmp_path):
    store = ResultsStore(tmp_path)
    with Claims(store, refresh_s=0.05) as claims:
        assert claims.acquire(SPEC)
        path = claims.path(SPEC)
        old = time.time() - 500
        os.utime(path, (old, old))
        time.sleep(0.3)
        assert path.stat().st_mtime > old + 400  # refreshed by the background thread
    assert not path.exists()
