"""How the package declares and installs itself: dependencies, extras, license, the Colab
install cell, the glue helper, the error when an optional part is missing, and what a release
carries (the one version, the metadata, CITATION.cff, CHANGELOG.md, the built wheel)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from email.parser import HeaderParser
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


# --------------------------------------------------------------------------- release
# The one version, the metadata PyPI shows, CITATION.cff, CHANGELOG.md and the built wheel.
URL_NAMES = {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
DATE = r"\d{4}-\d{2}-\d{2}"


def _version() -> str:
    from spectral_nb import _version

    return _version.__version__


def _citation() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _bib_entry(key: str) -> dict[str, str]:
    """The fields of one entry of the book's bibliography (book/references.bib)."""
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    match = re.search(rf"@\w+\{{{key},(.*?)\n\}}", text, re.S)
    assert match, f"book/references.bib has no entry {key}"
    fields = re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", match.group(1), re.M)
    return {name.lower(): value for name, value in fields}


def test_the_version_is_written_once_in_the_version_module():
    project = _project()
    assert "version" not in project and project["dynamic"] == ["version"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "spectral_nb._version.__version__"}
    version = _version()
    assert str(Version(version)) == version, f"{version} is not in PEP 440's normal form"
    import spectral_nb

    assert spectral_nb.__version__ == version
    init = (ROOT / "spectral_nb" / "__init__.py").read_text(encoding="utf-8")
    assert "__version__ =" not in init, "spectral_nb/__init__.py writes the version again"


def test_project_metadata_names_the_book_the_source_and_the_authors():
    project = _project()
    urls = project["urls"]
    assert set(urls) == URL_NAMES
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert urls["Homepage"] in readme, "Homepage is not the book URL the README gives"
    assert urls["Documentation"] == urls["Homepage"]
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert f"url: {urls['Source']}\n" in config, "Source is not _config.yml's repository"
    assert urls["Issues"] == f"{urls['Source']}/issues"
    assert urls["Changelog"] == f"{urls['Source']}/blob/main/CHANGELOG.md"
    assert project["authors"] and all(author.get("name") for author in project["authors"])
    assert project["keywords"] and len(set(project["keywords"])) == len(project["keywords"])
    classifiers = project["classifiers"]
    assert not [c for c in classifiers if c.startswith("License ::")], "PEP 639: SPDX only"
    lowest = Version(project["requires-python"].removeprefix(">="))
    pythons = [
        Version(c.rsplit(" :: ", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert min(pythons) == lowest, f"classifiers start at {min(pythons)}, not {lowest}"


def test_citation_cff_has_the_required_keys_and_the_package_version():
    citation = _citation()
    for key in ("cff-version", "message", "title", "authors"):
        assert citation.get(key), f"CITATION.cff lacks {key!r}"
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "software"
    for author in citation["authors"]:
        assert author.get("name") or author.get("family-names"), author
    assert str(citation["version"]) == _version(), (
        f"CITATION.cff's version {citation['version']} is not the package's {_version()}"
    )
    assert citation["license"] == _project()["license"]
    urls = _project()["urls"]
    assert citation["repository-code"] == urls["Source"]
    assert citation["url"] == urls["Homepage"]
    if "date-released" in citation:
        assert re.fullmatch(DATE, str(citation["date-released"]))


@pytest.mark.parametrize("key", ["giambagli2021", "buffoni2022", "rippel2015"])
def test_citation_cff_cites_the_papers_as_the_book_does(key):
    bib = _bib_entry(key)
    (reference,) = [r for r in _citation()["references"] if r["title"] == bib["title"]]
    assert str(reference["year"]) == bib["year"]
    assert str(reference.get("doi")) == str(bib.get("doi"))
    families = [a.split(",")[0].strip() for a in bib["author"].split(" and ")]
    assert [a["family-names"] for a in reference["authors"]] == families
    if "journal" in bib:
        assert reference["journal"] == bib["journal"]
        assert str(reference["volume"]) == bib["volume"]
        assert str(reference["start"]) == bib["pages"]


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    headings = re.findall(r"^## (.*)$", text, re.M)
    assert headings and headings[0] == "[Unreleased]", headings[:1]
    released = []
    for heading in headings[1:]:
        match = re.fullmatch(rf"\[(\S+)\] - ({DATE})", heading)
        assert match, f"CHANGELOG.md heading {heading!r} is not '[X.Y.Z] - YYYY-MM-DD'"
        released.append(Version(match.group(1)))
    assert released == sorted(released, reverse=True), "newest release first"
    if released:
        assert released[0] <= Version(_version()), "the package is older than its changelog"
    for name in ["Unreleased", *map(str, released)]:
        assert re.search(rf"^\[{re.escape(name)}\]: https://\S+$", text, re.M), (
            f"CHANGELOG.md has no link for [{name}]"
        )
    sections = re.findall(r"^### (.*)$", text, re.M)
    assert set(sections) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    # The moved import paths are written once, here, not in the README.
    assert "| was | now |" in text
    assert "| was | now |" not in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sdist and the wheel built from it, as `make dist` and the release workflow build them."""
    pytest.importorskip("build", reason='build comes with the dev extra: pip install -e ".[dev]"')
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--quiet", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_the_wheel_holds_every_module_and_the_metadata(built):
    version = _version()
    (wheel,) = built.glob("*.whl")
    assert wheel.name == f"spectral_nb-{version}-py3-none-any.whl"
    assert (built / f"spectral_nb-{version}.tar.gz").is_file()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"spectral_nb-{version}.dist-info"
        metadata = HeaderParser().parsestr(archive.read(f"{info}/METADATA").decode())
    modules = {  # every module and every data file the package reads (e.g. the authors' CSV)
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "spectral_nb").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert modules <= names, sorted(modules - names)
    assert {name.split("/")[0] for name in names} == {"spectral_nb", info}
    assert f"{info}/licenses/LICENSE" in names
    assert metadata["Name"] == "spectral_nb" and metadata["Version"] == version
    assert metadata["License-Expression"] == "MIT"
    urls = dict(line.split(", ", 1) for line in metadata.get_all("Project-URL"))
    assert urls == _project()["urls"]
    assert set(metadata.get_all("Classifier")) == set(_project()["classifiers"])
    assert metadata["Description-Content-Type"] == "text/markdown"
    requires = [Requirement(line) for line in metadata.get_all("Requires-Dist")]
    assert {r.name for r in requires if r.marker is None} == {"keras", "numpy"}
