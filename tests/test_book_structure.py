"""Structure of the book: table of contents, configuration, notebooks, bibliography, the build
tools' own logic (tools/build_book.py, tools/browser_check.py) and where the Colab notebooks are
published (README links, launch button, book and colab-watch workflows).

Fast (nothing is executed). Every file ``_toc.yml`` lists must exist.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTERS = [
    "book/01_theory",
    "book/02_perceptron",
    "book/03_wide",
    "book/04_deep",
    "book/05_nonlinear",
    "book/06_fashion_mnist",
    "book/07_cnn",
    "book/08_pruning",
]
PAGES = ["book/intro", "book/reproducing", "book/cluster", "book/bibliography"]
EXPECTED_ORDER = ["book/intro", *CHAPTERS, "book/reproducing", "book/cluster", "book/bibliography"]
REQUIRED_KEYS = {
    "giambagli2021",
    "rippel2015",
    "buffoni2022",
    "chicchi2021",
    "kingma2015",
    "xiao2017",
    "lecun1998",
}
ABS_PATH = re.compile(r"(?<![\w.~-])/(?:tmp|root|work|home)(?=/|\b)")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _toc_files() -> list[str]:
    from sphinx_external_toc.parsing import parse_toc_yaml

    return list(parse_toc_yaml(ROOT / "_toc.yml"))


def _existing_notebooks() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _markdown_sources() -> dict[str, str]:
    """Every markdown text of the book: pages and the markdown cells of the notebooks."""
    texts = {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(BOOK.glob("*.md"))
    }
    for nb_path in sorted(BOOK.glob("*.ipynb")):
        cells = _notebook(nb_path)["cells"]
        texts[nb_path.relative_to(ROOT).as_posix()] = "\n".join(
            _source(c) for c in cells if c["cell_type"] == "markdown"
        )
    return texts


# --------------------------------------------------------------------------- toc and config
def test_toc_format_and_order():
    toc = _toc()
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"
    assert _toc_files() == EXPECTED_ORDER


@pytest.mark.parametrize("entry", EXPECTED_ORDER)
def test_toc_file_exists(entry):
    found = [
        ROOT / f"{entry}{suffix}"
        for suffix in (".ipynb", ".md")
        if (ROOT / f"{entry}{suffix}").is_file()
    ]
    assert found, f"{entry} is listed in _toc.yml but neither {entry}.ipynb nor .md exists"
    assert len(found) == 1, f"{entry} is ambiguous: {found}"


def test_every_notebook_is_in_the_toc():
    listed = set(_toc_files())
    stray = [p.name for p in _existing_notebooks() if f"book/{p.stem}" not in listed]
    assert not stray, f"notebooks in book/ missing from _toc.yml (they would not be built): {stray}"


def test_config_essentials():
    config = _config()
    assert config["title"] == "spectral_nb: learning in the spectral domain"
    assert config.get("author")
    assert str(config["execute"]["execute_notebooks"]) == "off"
    assert config["execute"]["stderr_output"] == "remove"
    assert config["sphinx"]["config"]["nb_output_stderr"] == "remove"
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    assert config["repository"]["url"] == "https://github.com/spectral-nb/spectral_nb"
    assert config["repository"]["branch"] == "main"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["html"]["use_repository_button"] is True


def test_config_has_no_intersphinx():
    config = _config()
    sphinx = config.get("sphinx") or {}
    assert not any("intersphinx" in ext for ext in sphinx.get("extra_extensions") or [])
    assert not any("intersphinx" in key for key in (sphinx.get("config") or {}))
    assert "intersphinx_mapping" not in (ROOT / "_config.yml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- bibliography
def test_references_have_every_cited_key():
    bib_keys = set(BIB_KEY.findall((BOOK / "references.bib").read_text(encoding="utf-8")))
    assert REQUIRED_KEYS <= bib_keys, f"missing from references.bib: {REQUIRED_KEYS - bib_keys}"
    missing = {}
    for name, text in _markdown_sources().items():
        for group in CITE.findall(text):
            for key in (k.strip() for k in group.split(",")):
                if key and key not in bib_keys:
                    missing.setdefault(name, set()).add(key)
    assert not missing, f"cited keys missing from book/references.bib: {missing}"


def test_bibliography_page_has_the_directive():
    assert "```{bibliography}" in (BOOK / "bibliography.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- notebooks
def _notebook_params():
    notebooks = _existing_notebooks()
    if not notebooks:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no chapter notebook yet"))]
    return [pytest.param(p, id=p.stem) for p in notebooks]


@pytest.mark.parametrize("path", _notebook_params())
def test_notebook_kernelspec(path):
    kernelspec = _notebook(path)["metadata"].get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name}: kernelspec {kernelspec}"


@pytest.mark.parametrize("path", _notebook_params())
def test_notebook_parameters_cell_defines_profile(path):
    cells = [
        c
        for c in _notebook(path)["cells"]
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(cells) == 1, f"{path.name}: expected one code cell tagged 'parameters'"
    tree = ast.parse(_source(cells[0]))
    names = {
        t.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    assert "profile" in names, f"{path.name}: the parameters cell does not assign `profile`"


@pytest.mark.parametrize("path", _notebook_params())
def test_notebook_cells_have_unique_ids(path):
    """nbformat 4.5 requires cell ids; a cell added without one only warns today."""
    nb = _notebook(path)
    ids = [c.get("id") for c in nb["cells"]]
    if (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5):
        missing = [i for i, cell_id in enumerate(ids) if not cell_id]
        assert not missing, f"{path.name}: cells {missing} have no id (nbformat normalize())"
    present = [cell_id for cell_id in ids if cell_id]
    assert len(set(present)) == len(present), f"{path.name}: duplicate cell ids"


@pytest.mark.parametrize("path", _notebook_params())
def test_notebook_has_no_error_outputs(path):
    errors = [
        i
        for i, c in enumerate(_notebook(path)["cells"])
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, f"{path.name}: error outputs in cells {errors}"


@pytest.mark.parametrize("path", _notebook_params())
def test_notebook_has_no_absolute_paths(path):
    nb = _notebook(path)
    hits = []
    for i, cell in enumerate(nb["cells"]):
        texts = [_source(cell)] + [json.dumps(o) for o in cell.get("outputs", [])]
        hits += [f"cell {i}: {m}" for text in texts for m in ABS_PATH.findall(text)]
    hits += [f"metadata: {m}" for m in ABS_PATH.findall(json.dumps(nb["metadata"]))]
    assert not hits, f"{path.name}: absolute paths {hits}"


# --------------------------------------------------------------------------- the build tools
def test_build_book_executes_the_toc_notebooks_and_refuses_missing_files(tmp_path):
    build_book = _load_tool("build_book")
    executed = build_book.chapters(ROOT)
    notebooks = [ROOT / f"{entry}.ipynb" for entry in EXPECTED_ORDER]
    assert executed == [path for path in notebooks if path.is_file()]
    assert {ROOT / f"{chapter}.ipynb" for chapter in CHAPTERS} <= set(executed)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/missing\n"
    )
    with pytest.raises(FileNotFoundError, match="book/missing"):
        build_book.chapters(tmp_path)


def test_browser_check_reads_rendered_math():
    browser_check = _load_tool("browser_check")
    probe = json.dumps({"images": [], "mathjax": "3.2.2", "errors": []})
    dom = (
        '<html><body><p>Text with <span class="math notranslate">'
        "<mjx-container><mjx-math>x</mjx-math></mjx-container></span> rendered,"
        r' and <span class="math notranslate">\(y\)</span> not.</p>'
        r"<pre>$\alpha$ in code is fine</pre><p>but $\beta$ in prose is not</p>"
        f'<script type="application/json" id="{browser_check.PROBE_ID}">{probe}</script>'
        "</body></html>"
    )
    page = browser_check.read_dom(dom)
    assert page["math"] == 2
    assert page["unrendered"] == [r"\(y\)"]
    assert page["probe"] == json.loads(probe)
    assert r"\alpha" not in page["prose"] and r"\beta" in page["prose"]
    problems = browser_check.page_problems("p.html", page, "", ["HTTP 404 /_images/x.png"])
    assert any("1 of 2 formulas not rendered" in p for p in problems)
    assert any("raw TeX" in p and r"$\beta$" in p for p in problems), problems
    assert "p.html: HTTP 404 /_images/x.png" in problems
    empty = browser_check.read_dom("<html></html>")
    assert browser_check.page_problems("p.html", empty, "", []) == [
        "p.html: the page did not finish loading (no probe report)"
    ]
    wide = json.dumps({"images": [], "mathjax": None, "errors": [],
                       "wide_tables": [{"table": "runs", "width": 900, "column": 700}]})
    dom = f'<html><body><script type="application/json" id="{browser_check.PROBE_ID}">{wide}'
    problems = browser_check.page_problems(
        "w.html", browser_check.read_dom(dom + "</script></body></html>"), "", []
    )
    assert problems == [
        "w.html: a table runs off the text column (900 px wide, the column 700 px): 'runs'; "
        "drop columns or say shared facts in prose"
    ]


def test_browser_check_static_links(tmp_path):
    browser_check = _load_tool("browser_check")
    (tmp_path / "index.html").write_text(
        '<html><body><h1 id="top">x</h1><a href="#top">ok</a><a href="a.html#sec">ok</a>'
        '<a href="a.html#nope">bad anchor</a><a href="missing.html">bad page</a>'
        '<a href="https://example.org/x">external</a><img src="img.png"></body></html>'
    )
    (tmp_path / "a.html").write_text('<html><body><section id="sec"></section></body></html>')
    problems = browser_check.static_check(tmp_path)
    assert len(problems) == 3, problems
    assert any("nope" in p for p in problems)
    assert any("missing.html" in p for p in problems)
    assert any("img.png" in p for p in problems)


def test_executed_copies_are_tidied_for_the_page(tmp_path):
    import nbformat

    build_book = _load_tool("build_book")
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('# Parameters\nprofile = "paper"\n')
    injected.metadata["tags"] = ["injected-parameters"]
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")
    checked.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="I0000 cpu_feature_guard.cc:15]"),
        nbformat.v4.new_output("stream", name="stdout", text="1\n"),
    ]
    leaky = nbformat.v4.new_code_cell("print(path)")
    leaky.outputs = [nbformat.v4.new_output("stream", name="stdout", text="/work/x/results\n")]
    nb.cells = [injected, checked, leaky]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    assert build_book.tidy(path) == ["cell 2: /work/x"]
    tidied = nbformat.read(path, as_version=4)
    assert "remove-cell" in tidied.cells[0].metadata["tags"]
    assert tidied.cells[1].source == "print(1)"
    assert [o["name"] for o in tidied.cells[1].outputs] == ["stdout"]


# --------------------------------------------------------------------------- Colab
def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_colab_buttons_open_the_generated_notebooks_on_the_colab_branch():
    config = _config()
    branch = config["sphinx"]["config"]["colab_branch"]
    assert branch != config["repository"]["branch"]
    assert config["sphinx"]["local_extensions"] == {"colab_notebooks": "tools/"}
    assert (ROOT / "tools" / "colab_notebooks.py").is_file()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    base = f"https://colab.research.google.com/github/spectral-nb/spectral_nb/blob/{branch}/"
    for page in [*CHAPTERS, "book/reproducing"]:
        assert f"({base}{page}.ipynb)" in readme, f"README: no Colab link to {page} on {branch}"
    assert "colab.research.google.com/github/spectral-nb/spectral_nb/blob/main/" not in readme


def test_book_workflow_publishes_pages_and_the_colab_branch():
    jobs = _workflow("book.yml")["jobs"]
    build_steps = [step.get("uses", "") for step in jobs["build"]["steps"]]
    assert not any("configure-pages" in uses for uses in build_steps)
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    uses = [step.get("uses", "") for step in deploy["steps"]]
    assert uses[0].startswith("actions/configure-pages@") and "deploy-pages" in uses[-1]
    colab = jobs["colab"]
    assert colab["permissions"] == {"contents": "write"}
    script = "\n".join(step.get("run", "") for step in colab["steps"])
    branch = _config()["sphinx"]["config"]["colab_branch"]
    assert f"--initial-branch {branch}" in script and script.rstrip().endswith(branch)
    paths = [step.get("with", {}).get("path") for step in jobs["build"]["steps"]]
    assert "_build/colab" in paths, "the build job does not upload _build/colab"


def test_colab_watch_runs_weekly_in_colabs_image_and_reports_failures():
    workflow = _workflow("colab-watch.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    assert "us-docker.pkg.dev/colab-images/public/runtime" in workflow["env"]["IMAGE"]
    script = "\n".join(s.get("run", "") for s in workflow["jobs"]["rehearse"]["steps"])
    assert "--stack installed" in script and "--prepare-only" in script
    report = workflow["jobs"]["report"]
    assert report["if"] == "failure()" and report["permissions"] == {"issues": "write"}
    assert "gh issue create" in report["steps"][0]["run"]


def test_staged_config_finds_the_local_extension(tmp_path):
    build_book = _load_tool("build_book")
    (tmp_path / "book").mkdir()
    build_book.stage(ROOT, tmp_path, None)
    staged = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))
    path = Path(staged["sphinx"]["local_extensions"]["colab_notebooks"])
    assert path.is_absolute() and (path / "colab_notebooks.py").is_file()
