"""How the package declares and installs itself: dependencies, extras, license, the Colab
install cell, the glue helper, and the error when an optional part is missing."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from spectral_nb import extras, notebook

ROOT = Path(__file__).resolve().parent.parent
SPHINX_TOOLCHAIN = {"jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinxcontrib-bibtex"}


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements(extra: str | None = None) -> dict[str, Requirement]:
    project = _project()
    lines = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {(r := Requirement(line)).name.lower(): r for line in lines}


def _lowest(req: Requirement) -> Version:
    (spec,) = [s for s in req.specifier if s.operator == ">="]
    return Version(spec.version)


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


# --------------------------------------------------------------------------- dependencies
def test_layers_need_only_keras_and_numpy():
    assert set(_requirements()) == {"keras", "numpy"}


def test_tensorflow_is_the_experiments_extra():
    assert "tensorflow" in _requirements("experiments")
    assert "tensorflow" not in _requirements()


def test_colab_extra_brings_no_sphinx_toolchain():
    colab = _requirements("colab")
    assert "spectral_nb" in colab and "experiments" in colab["spectral_nb"].extras
    assert not SPHINX_TOOLCHAIN & set(colab), SPHINX_TOOLCHAIN & set(colab)
    book = _requirements("book")
    assert "colab" in book["spectral_nb"].extras
    assert str(book["jupyter-book"].specifier) == "==1.0.4.post1"


def test_ranges_are_compatible_ranges_not_pins():
    for extra in (None, "experiments", "colab"):
        for name, req in _requirements(extra).items():
            assert not any(s.operator == "==" for s in req.specifier), f"{name} is pinned"


def test_lowest_supported_stack_is_colabs():
    """The lowest TensorFlow/Keras/numpy are the ones make colab-check installs (Colab's)."""
    colab = _pins(ROOT / "tools" / "colab_stack.txt")
    declared = {**_requirements(), **_requirements("experiments")}
    for name in ("tensorflow", "keras", "numpy"):
        assert _lowest(declared[name]) == Version(colab[name]), name
    for extra in (None, "experiments", "colab"):
        for name, req in _requirements(extra).items():
            if name in colab:
                assert req.specifier.contains(colab[name]), f"Colab's {name} {colab[name]}"


def test_constraints_satisfy_the_declared_ranges():
    pins = _pins(ROOT / "constraints.txt")
    for extra in (None, "experiments", "colab", "book", "dev"):
        for name, req in _requirements(extra).items():
            if name != "spectral_nb":
                assert name in pins, f"{name} is not pinned in constraints.txt"
                assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {req}"


def test_license_is_spdx_mit_with_a_license_file():
    assert _project()["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "The spectral_nb authors" in text


# --------------------------------------------------------------------------- missing extras
def test_require_names_the_package_and_the_install_command():
    extras.require("json", extra="experiments")  # present: nothing happens
    with pytest.raises(ModuleNotFoundError) as info:
        extras.require("no_such_module_xyz", extra="experiments")
    message = str(info.value)
    assert "\n" not in message
    assert "no_such_module_xyz" in message
    assert 'pip install "spectral_nb[experiments]"' in message


def test_training_without_tensorflow_says_how_to_install_it(tmp_path):
    """A chapter's run_study with no TensorFlow installed: one line, naming the fix."""
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from spectral_nb.experiments import ResultsStore, run_study\n"
        "from spectral_nb.experiments.catalog import build\n"
        f"run_study(build('perceptron', 'mnist', 'smoke'), ResultsStore({str(tmp_path)!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "spectral_nb.extras.MissingExtraError: the experiment engine needs tensorflow, which "
        'is not installed: pip install "spectral_nb[experiments]"'
    )
    assert not list(tmp_path.rglob("*.json"))


# --------------------------------------------------------------------------- glue
def test_glue_uses_myst_nb_when_it_is_installed(monkeypatch):
    myst_nb = pytest.importorskip("myst_nb")
    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    notebook.glue("answer", 42)
    assert calls == [(("answer", 42), {"display": False})]


def test_glue_without_myst_nb_keeps_the_value_and_shows_only_on_request(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(notebook, "have_myst_nb", lambda: False)
    log = tmp_path / "glue.jsonl"
    monkeypatch.setenv(notebook.LOG_ENV, str(log))
    notebook.glue("profile", "paper")
    assert capsys.readouterr().out == ""
    notebook.glue("shown", 3.5, display=True)
    assert capsys.readouterr().out.strip() == "3.5"
    assert notebook.GLUED["profile"] == "paper" and notebook.GLUED["shown"] == 3.5
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == [{"name": "profile", "value": "paper"}, {"name": "shown", "value": 3.5}]


# --------------------------------------------------------------------------- the Colab cell
def _notebooks() -> list[Path]:
    return sorted((ROOT / "book").glob("*.ipynb"))


def test_install_cell_points_at_the_books_repository():
    colab_cell = _tool("colab_cell")
    url, branch = colab_cell.repository()
    source = colab_cell.cell_source()
    assert f'"{url}"' in source and f'"--branch", "{branch}"' in source
    assert "[colab]" in source and "[book]" not in source
    compile(source, "cell 2", "exec")  # plain Python: no IPython magics


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_every_chapters_cell_2_is_the_install_cell(path):
    colab_cell = _tool("colab_cell")
    cell = json.loads(path.read_text(encoding="utf-8"))["cells"][colab_cell.CELL_INDEX]
    assert cell["cell_type"] == "code"
    assert "".join(cell["source"]) == colab_cell.cell_source(), (
        f"{path.name}: cell 2 is not the install cell; run python tools/colab_cell.py"
    )
    assert "hide-input" in cell["metadata"].get("tags", [])


def test_install_cell_does_nothing_outside_colab(monkeypatch, capsys):
    colab_cell = _tool("colab_cell")
    monkeypatch.delenv(colab_cell.REPOSITORY_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError(f"the install cell ran {args} outside Colab")

    monkeypatch.setattr(subprocess, "run", refuse)
    path_before = list(sys.path)
    exec(compile(colab_cell.cell_source(), "cell 2", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out == ""
    assert sys.path == path_before
    assert os.environ.get(colab_cell.REPOSITORY_ENV) is None
