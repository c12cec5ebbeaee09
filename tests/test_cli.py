"""The experiments' command line: help, run, list, table1 and their edge cases."""

import json

import pytest

from spectral_nb.experiments import ResultsStore, build_study
from spectral_nb.experiments.__main__ import main as cli


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    return tmp_path


def test_help_has_a_description_and_examples(capsys):
    with pytest.raises(SystemExit):
        cli(["--help"])
    out = capsys.readouterr().out
    assert "Train the book's studies" in out and "examples:" in out
    assert "table1 --profile paper --dataset all" in out


def test_run_says_how_many_records_it_wrote_and_where(results, capsys):
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 0
    out = capsys.readouterr().out
    runs = len(build_study("perceptron", "mnist", "smoke").specs)
    assert f"{runs} new record(s) written, 0 already there, under {results / 'smoke'}" in out
    assert cli(["run", "perceptron", "--profile", "smoke", "--quiet"]) == 0
    assert f"0 new record(s) written, {runs} already there" in capsys.readouterr().out


def test_a_damaged_record_gives_one_clear_message_everywhere(results, capsys):
    assert cli(["run", "wide", "--profile", "smoke", "--quiet"]) == 0
    assert cli(["table1", "--profile", "smoke", "--allow-partial"]) == 0
    missing_before = int(capsys.readouterr().err.split("(")[1].split()[0])
    store = ResultsStore(results / "smoke")
    victim = store.path(build_study("wide", "mnist", "smoke").specs[-1])  # not shared
    victim.write_text(victim.read_text()[:40])  # truncated by hand
    (results / "smoke" / "mnist" / "empty.json").write_text("{}")

    assert cli(["list", "--profile", "smoke", "--dataset", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "2 damaged or foreign file(s)" in out and str(victim) in out
    assert "wide" in out and "not counted as recorded" in out

    assert cli(["table1", "--profile", "smoke", "--allow-partial"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "KeyError" not in captured.err
    missing = missing_before + 1
    assert f"({missing} runs are not recorded yet)" in captured.err

    assert cli(["run", "wide", "--profile", "smoke", "--quiet"]) == 1
    assert "--repair" in capsys.readouterr().out
    assert cli(["run", "wide", "--profile", "smoke", "--quiet", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "1 new record(s) written" in out
    assert json.loads(victim.read_text())["spec_hash"] == victim.stem
    assert not (results / "smoke" / "mnist" / "empty.json").exists()


def test_table1_for_all_datasets_has_a_dataset_column(results, capsys):
    for dataset in ("mnist", "fashion_mnist"):
        assert cli(["run", "all", "--profile", "smoke", "--quiet", "--dataset", dataset]) == 0
    capsys.readouterr()
    assert cli(["table1", "--profile", "smoke", "--dataset", "all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dataset,architecture,regime")
    assert {line.split(",")[0] for line in lines[1:]} == {"mnist", "fashion_mnist"}
    assert len(lines) == 1 + 2 * 12


def test_table1_without_records_names_the_command_to_run(results, capsys):
    assert cli(["table1", "--profile", "smoke"]) == 1
    assert "run all --profile smoke --dataset mnist" in capsys.readouterr().err


def test_unknown_profile_is_a_clear_error(capsys):
    assert cli(["list", "--profile", "fast"]) == 2
    assert "Valid profiles: smoke, quick, paper" in capsys.readouterr().err


def test_a_study_on_a_dataset_it_does_not_run_on_is_one_clear_error(results, capsys):
    assert cli(["run", "pruning_variants", "--profile", "smoke", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs on fashion_mnist only, not 'mnist'" in err
    assert "--dataset" in err and "Traceback" not in err
    assert not list(results.rglob("*.json"))
