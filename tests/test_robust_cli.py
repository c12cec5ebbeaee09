"""The command line in the situations a user meets: one line saying what happened and what to
do, the right exit status, nothing trained that should not be, no traceback.

Training is replaced by a stand-in that writes complete records at once (no TensorFlow), so
these tests measure the plumbing; the two-process test trains for real, in subprocesses.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spectral_nb.experiments import ResultsStore, build_study
from spectral_nb.experiments import records as records_module
from spectral_nb.experiments import store as store_module
from spectral_nb.experiments.__main__ import INTERRUPTED
from spectral_nb.experiments.__main__ import main as cli

REPO = Path(__file__).resolve().parents[1]


def _record(spec, accuracy=0.5):
    tags = spec.tags
    return {
        "kind": "fc", "study": tags.get("study"), "spec": spec.to_dict(), "spec_hash": spec.hash,
        "trainable_parameters": spec.trainable_parameter_count(),
        "final_test_accuracy": accuracy,
        "history": {"train_loss": [1.0], "train_accuracy": [accuracy],
                    "test_accuracy": [accuracy], "test_accuracy_first_half": [accuracy],
                    "test_accuracy_second_half": [accuracy]},
        "wall_time_s": 0.1, "trained_together_with": 1,
    }


def _accuracy(spec) -> float:
    """A stand-in accuracy that differs between points, so each cell has one best point."""
    return round(0.5 + (int(spec.hash[:4], 16) % 400) / 1000, 4)


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    return tmp_path


@pytest.fixture
def trained(monkeypatch):
    """Training replaced by instant records; ``trained`` lists every run handed to it."""
    runs: list = []

    def train_group(specs, on_epoch=None):
        runs.extend(specs)
        return [_record(spec, _accuracy(spec)) for spec in specs]

    monkeypatch.setattr(records_module, "train_group", train_group)
    return runs


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- the store
def test_a_store_that_is_a_file_fails_before_training(results, trained, capsys):
    blocker = results / "results"
    blocker.write_text("a file")
    os.environ["SPECTRAL_NB_RESULTS"] = str(blocker)  # restored by the fixture's monkeypatch
    start = time.perf_counter()
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 1
    elapsed = time.perf_counter() - start
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: The results store {blocker / 'smoke'} is not writable")
    assert "SPECTRAL_NB_RESULTS" in line
    assert trained == [] and elapsed < 5


def test_a_read_only_store_fails_before_training_and_repair_says_so(
    results, trained, capsys, monkeypatch
):
    (results / "smoke" / "mnist").mkdir(parents=True)
    (results / "smoke" / "mnist" / "notes.txt").write_text("foreign")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(results / "smoke"))

    monkeypatch.setattr(store_module.tempfile, "mkstemp", refused)  # as a read-only folder
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert f"{results / 'smoke'} is not writable (Permission denied)" in line
    monkeypatch.setattr(store_module.shutil, "move", refused)
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet", "--repair"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error: Cannot repair the results store") and "chmod" in line
    assert trained == []


# --------------------------------------------------------------------------- interrupts, data
def test_ctrl_c_that_surfaces_as_another_error_still_reads_as_an_interruption(
    results, monkeypatch, capsys
):
    """Ray can turn the KeyboardInterrupt of a Ctrl-C into an error of its own; the command
    must still say it was interrupted, count the records kept, and exit 130."""
    import signal

    from spectral_nb.experiments import runner
    from spectral_nb.experiments.store import StoreError

    def sweep_hit_by_ctrl_c(specs, store, *args, **kwargs):
        store.write(_record(specs[0]))
        try:
            signal.raise_signal(signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            raise StoreError("a worker's error, not the user's") from None
        raise AssertionError("SIGINT did not interrupt")

    monkeypatch.setattr(runner, "run_specs", sweep_hit_by_ctrl_c)
    # a terminal's Ctrl-C (a suite started in the background inherits SIGINT ignored)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == INTERRUPTED
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    finally:
        signal.signal(signal.SIGINT, inherited)
    line = _one_error_line(capsys.readouterr().err)
    assert line == (f"interrupted: 1 new record(s) kept under {results / 'smoke'}; run the "
                    "same command again to resume.")


def test_ctrl_c_is_one_line_with_the_records_kept_and_exit_130(results, monkeypatch, capsys):
    calls = []

    def interrupted_at_the_third_group(specs, on_epoch=None):
        calls.append(specs)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return [_record(spec) for spec in specs]

    monkeypatch.setattr(records_module, "train_group", interrupted_at_the_third_group)
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == INTERRUPTED
    line = _one_error_line(capsys.readouterr().err)
    root = results / "smoke"
    assert line == (f"interrupted: 2 new record(s) kept under {root}; run the same command "
                    "again to resume.")
    assert len(list(root.rglob("*.json"))) == 2
    assert not (root / store_module.CLAIMS_FOLDER).exists()  # every claim released
    monkeypatch.setattr(records_module, "train_group",
                        lambda specs, on_epoch=None: [_record(s) for s in specs])
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 0
    assert "2 new record(s) written, 2 already there" in capsys.readouterr().out


def test_missing_data_offline_is_one_line(results, monkeypatch, capsys):
    from spectral_nb.data import DataError, subsets

    message = ("mnist is not cached and no source could be reached (offline?); run "
               "`python -m spectral_nb.data fetch mnist` where the network is available.")

    def offline(name, train_size=None, test_size=None):
        raise DataError(message)

    monkeypatch.setattr(subsets, "load_dataset", offline)  # what a run's trainer loads
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 1
    assert _one_error_line(capsys.readouterr().err) == f"error: {message}"
    assert not list(results.rglob("*.json"))


def test_profile_auto_is_one_clear_error(results, capsys):
    assert cli(["list", "--profile", "auto"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "resolved by a chapter" in line and "smoke, quick, paper" in line
    assert "Unknown" not in line and "unknown" not in line


# --------------------------------------------------------------------------- damaged files
def test_damaged_and_edited_records_are_reported_once_and_strays_removed(
    results, trained, capsys
):
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 0
    store = ResultsStore(results / "smoke")
    first, second = build_study("perceptron", "mnist", "smoke").specs[:2]
    edited = store.path(first)
    record = json.loads(edited.read_text())
    record["final_test_accuracy"] = 0.99  # "improved" by hand
    edited.write_text(json.dumps(record))
    copied = edited.with_name("0" * 16 + ".json")
    copied.write_text(store.path(second).read_text())
    stray = edited.with_name(".tmp-left.json")
    stray.write_text('{"spe')
    old = time.time() - 3600
    os.utime(stray, (old, old))
    capsys.readouterr()

    assert cli(["list", "--profile", "smoke", "--dataset", "mnist"]) == 0
    captured = capsys.readouterr()
    both = captured.out + captured.err
    assert both.count(str(edited)) == 1 and both.count(str(copied)) == 1
    assert "'final_test_accuracy' changed" in both
    assert f"record of run {second.hash} filed under another run's name" in both
    assert both.count(str(stray)) == 1 and "stray temporary file" in both

    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count(str(edited)) == 1 and "--repair" in captured.out
    assert "stray temporary file" in captured.err
    trained.clear()
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet", "--repair"]) == 0
    captured = capsys.readouterr()
    assert f"removed: {stray}" in captured.err and "moved aside" in captured.err
    assert [spec.hash for spec in trained] == [first.hash]  # only the edited run again
    assert not stray.exists() and not copied.exists() and store.damaged() == []


# --------------------------------------------------------------------------- table1
def _csv(text: str) -> list[dict[str, str]]:
    header, *rows = text.strip().splitlines()
    return [dict(zip(header.split(","), row.split(","), strict=True)) for row in rows]


def test_table1_marks_incomplete_cells_and_fails_unless_partial_is_allowed(
    results, trained, capsys
):
    for study in ("wide", "deep", "nonlinear"):
        assert cli(["run", study, "--profile", "smoke", "--quiet"]) == 0
    capsys.readouterr()
    assert cli(["table1", "--profile", "smoke"]) == 0
    complete = capsys.readouterr().out
    assert complete.splitlines()[0] == "architecture,regime,paper,mean,std,n_seeds,point,missing"
    cells = _csv(complete)
    assert len(cells) == 12 and all(c["missing"] == "0" and c["point"] for c in cells)
    assert all(c["n_seeds"] == "1" for c in cells)  # smoke: one seed per point

    # the best run of a cell goes missing: the cell must not move to another point
    nonlinear = build_study("nonlinear", "mnist", "smoke")
    store = ResultsStore(results / "smoke")
    target = next(c for c in cells if c["architecture"] == "nonlinear")
    best = next(
        spec for spec in nonlinear.specs
        if spec.tags["point"] == target["point"] and spec.regime == target["regime"]
    )
    store.path(best).unlink()
    assert cli(["table1", "--profile", "smoke"]) == 1
    captured = capsys.readouterr()
    shown = _csv(captured.out)
    cell = next(c for c in shown
                if (c["architecture"], c["regime"]) == ("nonlinear", target["regime"]))
    assert cell["mean"] == cell["std"] == cell["n_seeds"] == cell["point"] == ""
    assert cell["missing"] == "1"
    others = [c for c in shown if c is not cell]
    assert all(c["missing"] == "0" and c["mean"] for c in others)
    assert "1 of the 12 mnist cells are incomplete" in captured.err
    assert "--allow-partial" in captured.err.splitlines()[-1]
    assert cli(["table1", "--profile", "smoke", "--allow-partial"]) == 0
    assert _csv(capsys.readouterr().out) == shown


# --------------------------------------------------------------------------- two processes
def test_two_runs_on_one_store_split_the_work_and_tensorflow_stays_quiet(tmp_path):
    """Two `run`s started together on one store: each run is trained by one of them."""
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    env["SPECTRAL_NB_RESULTS"] = str(tmp_path)
    command = [sys.executable, "-m", "spectral_nb.experiments", "run", "wide", "--profile",
               "smoke", "--quiet"]
    processes = [
        subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    runs = len(build_study("wide", "mnist", "smoke").specs)
    written, by_others = [], []
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        # no TensorFlow start-up notes (I0000 / E0000 ... cuInit, oneDNN, absl)
        assert not re.search(r"^[IWE]0000|cuInit|oneDNN|absl", err, re.MULTILINE), err
        assert "Traceback" not in err
        found = re.search(r"(\d+) new record\(s\) written, (\d+) already there", out)
        written.append(int(found[1]))
        others = re.search(r"(\d+) run\(s\) trained meanwhile by another process", out)
        by_others.append(int(others[1]) if others else 0)
        assert "discarded" not in out
    assert sum(written) == runs  # every run trained once, by one of the two
    assert by_others == written[::-1] or 0 in written  # each counts what the other trained
    store = ResultsStore(tmp_path / "smoke")
    assert len(list(store.records())) == runs and store.damaged() == []
    assert not (tmp_path / "smoke" / store_module.CLAIMS_FOLDER).exists()


def test_ctrl_c_while_fetching_data_is_one_line(monkeypatch, capsys):
    from spectral_nb.data import __main__ as data_cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(data_cli, "fetch", interrupted)
    assert data_cli.main(["fetch", "mnist"]) == INTERRUPTED
    line = _one_error_line(capsys.readouterr().err)
    assert line == ("interrupted while fetching mnist; the verified caches are kept, run the "
                    "same command again to fetch the rest.")
