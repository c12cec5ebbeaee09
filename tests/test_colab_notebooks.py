"""The Colab notebooks made from the executed book (tools/colab_notebooks.py), the install
cell's installer (tools/colab_cell.py) and the rehearsal's own logic (tools/colab_check.py), on
small synthetic notebooks and fake pip plans. Fast: nothing is installed or executed."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str):
    """A module of tools/ (importable by name: the tools import one another)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    return importlib.import_module(name)


cn = _tool("colab_notebooks")
colab_cell = _tool("colab_cell")
colab_check = _tool("colab_check")

BIB = r"""
@article{solo2020, author = {Solo, Han}, title = {One}, year = {2020}}
@misc{pair2019,
  author = {Pair, Ann and {de la} Second, Bo},
  title  = {Two {Words}},
  year   = 2019,
}
@article{many1998,
  author = {LeCun, Yann and Bottou, L{\'e}on and Bengio, Yoshua},
  title  = "Three",
  year   = {1998},
}
"""


def _book() -> cn.Book:
    book = cn.Book(
        "https://owner.github.io/proj/", "https://github.com/owner/proj", "main",
        references=cn.read_bibliography(BIB),
    )
    cn.index_markdown("book/notes", "# Notes page\n\n(notes-probes)=\n## Probing the gaps\n", book)
    cn.index_markdown("book/ch1", "# Chapter one\n", book)
    return book


def _glue(name: str, plain: str, hidden: bool = True, **extra) -> dict:
    prefix = cn.GLUE_MIME_PREFIX if hidden else ""
    data = {f"{prefix}text/plain": plain, **{prefix + k: v for k, v in extra.items()}}
    return {
        "output_type": "display_data",
        "data": data,
        "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}},
    }


def _notebook(markdown: list[str], glue_outputs: list[dict]) -> dict:
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text, "id": f"m{len(text)}"}

    def code(source, outputs=(), tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags), "papermill": {"x": 1}},
                "source": source, "outputs": list(outputs), "execution_count": 1, "id": source[:8]}

    picture = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<F>"},
               "metadata": {}}
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                     "papermill": {"input_path": "book/ch1.ipynb"}},
        "cells": [
            md("# Chapter one"),
            code("# old install cell", outputs=[picture], tags=["hide-input"]),
            code('profile = "auto"', tags=["parameters", "remove-cell"]),
            code('# Parameters\nprofile = "paper"\n', tags=["injected-parameters"]),
            code("glue(...)\nplot()", outputs=[*glue_outputs, picture]),
            *[md(text) for text in markdown],
        ],
    }


# --------------------------------------------------------------------------- glue
@pytest.mark.parametrize(
    ("plain", "fmt", "shown"),
    [
        ("'paper'", "s", "paper"),
        ("30", "s", "30"),
        ("'60,000'", "", "60,000"),
        ("91.5833", ".1f", "91.6"),
        ("0.000123", ".1e", "1.2e-04"),
        ("2", ".3f", "2.000"),
        ("np.float64(0.5)", "s", "np.float64(0.5)"),  # not a literal: shown as it is
    ],
)
def test_glue_text_is_formatted_as_myst_nb_formats_it(plain, fmt, shown):
    assert cn.format_plain_text(plain, fmt) == shown


def test_glue_data_reads_hidden_and_shown_glue():
    nb = _notebook([], [_glue("a", "1.25"), _glue("b", "'x'", hidden=False)])
    data = cn.glue_data(nb)
    assert data["a"]["data"] == {"text/plain": "1.25"}
    assert data["b"]["data"] == {"text/plain": "'x'"}


# --------------------------------------------------------------------------- citations
def test_bibliography_reads_surnames_and_years_with_accents():
    refs = cn.read_bibliography(BIB)
    assert refs["solo2020"] == cn.Reference(("Solo",), "2020")
    assert refs["pair2019"] == cn.Reference(("Pair", "de la Second"), "2019")
    assert refs["many1998"].surnames == ("LeCun", "Bottou", "Bengio")
    assert cn.latex_text(r"Bottou, L{\'e}on") == "Bottou, Léon"


def test_citations_read_as_author_year_text():
    refs = cn.read_bibliography(BIB)
    assert cn.citation("cite", ["solo2020"], refs) == "[Solo, 2020]"
    assert cn.citation("cite:p", ["pair2019"], refs) == "[Pair and de la Second, 2019]"
    assert cn.citation("cite:t", ["many1998"], refs) == "LeCun *et al.* [1998]"
    assert cn.citation("cite:p", ["solo2020", "many1998"], refs) == (
        "[LeCun *et al.*, 1998, Solo, 2020]"
    )
    with pytest.raises(cn.Unconvertible, match="nokey"):
        cn.citation("cite", ["nokey"], refs)


def test_the_books_own_bibliography_has_every_cited_key():
    book = cn.load_book(ROOT)
    assert book.references["giambagli2021"].names() == "Giambagli *et al.*"
    assert book.references["kingma2015"].names() == "Kingma and Ba"
    assert book.pages_url == "https://spectral-nb.github.io/spectral_nb/"
    assert book.labels["reproducing-probes"] == ("book/reproducing", "Investigating the gaps")


# --------------------------------------------------------------------------- markdown
def test_roles_become_text_and_links():
    book = _book()
    glued = {"acc": {"data": {"text/plain": "91.58"}, "metadata": {}},
             "eq": {"data": {"text/latex": "$x^2$", "text/plain": "x**2"}, "metadata": {}}}
    text = (
        "Reaches {glue:text}`acc:.1f` % {cite:p}`solo2020`; {cite:t}`pair2019` says\n"
        "{glue}`eq`. See {ref}`the probes <notes-probes>`, {ref}`notes-probes` and "
        "{doc}`notes`, [chapter one](ch1.ipynb), {math}`a+b`, `` {glue:text}`kept` ``."
    )
    assert cn.convert_markdown(text, "book/ch1", book, glued) == (
        "Reaches 91.6 % [Solo, 2020]; Pair and de la Second [2019] says\n$x^2$. See "
        "[the probes](https://owner.github.io/proj/book/notes.html#notes-probes), "
        "[Probing the gaps](https://owner.github.io/proj/book/notes.html#notes-probes) and "
        "[Notes page](https://owner.github.io/proj/book/notes.html), "
        "[chapter one](https://owner.github.io/proj/book/ch1.html), $a+b$, "
        "`` {glue:text}`kept` ``."
    )


def test_directives_become_plain_markdown():
    book = _book()
    glued = {"n": {"data": {"text/plain": "30"}, "metadata": {}}}
    text = "\n".join([
        "(a-label)=",
        ":::{admonition} Where the numbers come from",
        ":class: note",
        "{glue:text}`n` runs.",
        "",
        "Second paragraph.",
        ":::",
        "",
        "```{note}",
        "Keep this in mind.",
        "```",
        "",
        "```{figure} images/f.png",
        "---",
        "name: fig-f",
        "---",
        "The caption.",
        "```",
        "",
        "```{math}",
        "a = b",
        "```",
        "",
        "```python",
        "{cite}`untouched`",
        "```",
    ])
    assert cn.convert_markdown(text, "book/ch1", book, glued) == "\n".join([
        "> **Where the numbers come from**",
        ">",
        "> 30 runs.",
        ">",
        "> Second paragraph.",
        "",
        "> **Note**",
        ">",
        "> Keep this in mind.",
        "",
        "![The caption.](https://raw.githubusercontent.com/owner/proj/main/book/images/f.png)",
        "",
        "*The caption.*",
        "",
        "$$",
        "a = b",
        "$$",
        "",
        "```python",
        "{cite}`untouched`",
        "```",
    ])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```{toctree}\nx\n```", "toctree"),
        (":::{note}\nnever closed", "not closed"),
        ("{glue:text}`absent`", "absent"),
        ("{ref}`no-such-label`", "no-such-label"),
        ("{eq}`eq-1`", "{eq}"),
    ],
)
def test_markup_without_a_markdown_form_is_an_error(text, problem):
    with pytest.raises(cn.Unconvertible, match=problem.replace("{", r"\{").replace("}", r"\}")):
        cn.convert_markdown(text, "book/ch1", _book(), {})


def test_leftover_myst_finds_roles_fences_and_labels_but_not_code():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "ok `` {cite}`x` `` and\n```\n{ref}`y`\n```\n"},
        {"cell_type": "code", "source": "{cite}`in code`"},
        {"cell_type": "markdown", "source": ["a {glue:text}`k`\n", ":::{note}\n", "(lab)=\n"]},
    ]}
    assert cn.leftover_myst(nb) == [
        "cell 2: {glue:text}`k`", "cell 2: :::{note}", "cell 2: (lab)="
    ]
    assert cn.leftover_myst({"cells": [{"cell_type": "markdown", "source": "a `code` b"}]}) == []


# --------------------------------------------------------------------------- notebooks
def test_colab_notebook_reads_as_the_page_and_runs_with_the_install_cell():
    executed = _notebook(
        ["Accuracy {glue:text}`acc:.1f` after {glue:text}`epochs` epochs {cite}`solo2020`."],
        [_glue("acc", "91.58"), _glue("epochs", "20"), _glue("shown", "3", hidden=False)],
    )
    before = json.dumps(executed)
    nb = cn.colab_notebook(executed, "book/ch1", _book(), "# the install cell")
    assert json.dumps(executed) == before  # the executed copy is not changed
    sources = [cell["source"] for cell in nb["cells"]]
    assert sources[1] == "# the install cell" and nb["cells"][1]["outputs"] == []
    assert nb["cells"][1]["execution_count"] is None
    assert sources[2] == 'profile = "auto"'  # the chapter's own parameters cell decides
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    assert sources[-1] == "Accuracy 91.6 after 20 epochs [Solo, 2020]."
    outputs = nb["cells"][3]["outputs"]  # hidden glue dropped, shown glue and the figure kept
    assert [o["data"].keys() for o in outputs] == [{"text/plain"}, {"image/png", "text/plain"}]
    assert not any("papermill" in c["metadata"] for c in nb["cells"])
    assert set(nb["metadata"]) == {"kernelspec", "colab"}
    assert cn.leftover_myst(nb) == []
    assert cn.glue_texts(executed) == [("acc", ".1f", "91.6"), ("epochs", "", "20")]


def test_colab_notebook_refuses_a_chapter_importing_myst_nb():
    executed = _notebook([], [])
    executed["cells"][4]["source"] = "from myst_nb import glue\nglue('x', 1)"
    with pytest.raises(cn.Unconvertible, match="cell 4 imports myst_nb"):
        cn.colab_notebook(executed, "book/ch1", _book(), "# install")


def test_colab_notebook_needs_the_install_cell_second():
    executed = _notebook([], [])
    executed["cells"][1]["cell_type"] = "markdown"
    with pytest.raises(cn.Unconvertible, match="install cell"):
        cn.colab_notebook(executed, "book/ch1", _book(), "# install")


def test_the_colab_launch_button_opens_the_colab_branch():
    class Config:
        colab_branch = "colab"
        html_theme_options = {"repository_branch": "main"}

    class App:
        config = Config()

    colab = "https://colab.research.google.com/github/o/r/blob/main/book/ch1.ipynb"
    binder = "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/book/ch1.ipynb"
    context = {"header_buttons": [{"type": "group", "buttons": [
        {"text": "Colab", "url": colab}, {"text": "Binder", "url": binder}]}]}
    cn._point_colab_button(App(), "book/ch1", "page.html", context, None)
    buttons = context["header_buttons"][0]["buttons"]
    assert buttons[0]["url"] == colab.replace("/blob/main/", "/blob/colab/")
    assert buttons[1]["url"] == binder


# --------------------------------------------------------------------------- the installer
PYPROJECT = """
[project]
name = "spectral_nb"
dependencies = ["keras>=3.10.0,<4", "numpy>=2.0.2,<3"]
[project.optional-dependencies]
experiments = ["tensorflow>=2.19.0,<3", "pandas>=2.2"]
colab = ["spectral_nb[experiments]", "jinja2>=3.1", "numpy>=2.0.2,<3"]
"""


def test_the_colab_extra_expands_the_packages_own_extras():
    assert colab_cell.extra_requirements(PYPROJECT, "colab") == [
        "keras>=3.10.0,<4", "numpy>=2.0.2,<3", "tensorflow>=2.19.0,<3", "pandas>=2.2",
        "jinja2>=3.1",
    ]
    real = colab_cell.extra_requirements((ROOT / "pyproject.toml").read_text(), "colab")
    assert any(line.startswith("jinja2") for line in real)
    assert any(line.startswith("tensorflow") for line in real)


def test_missing_requirements_are_the_absent_and_the_out_of_range():
    pins = {"keras": "3.10.0", "numpy": "1.26.4", "pandas": "2.2.2"}
    lines = ["keras>=3.10.0,<4", "numpy>=2.0.2,<3", "tensorflow>=2.19.0,<3", "pandas>=2.2"]
    assert colab_cell.missing(lines, pins) == ["numpy>=2.0.2,<3", "tensorflow>=2.19.0,<3"]
    assert colab_cell.constraints({"numpy": "2.0.2", "keras": "3.10.0"}) == (
        "keras==3.10.0\nnumpy==2.0.2\n"
    )


def test_the_installer_adds_the_whole_extra_when_nothing_changes():
    def plan(args):
        return [("spectral_nb", "0.1.0"), ("jinja2", "3.1.6")]

    installs, adds, left = colab_cell.choose("/c", ["jinja2>=3.1"], {}, plan)
    assert installs == [["--editable", "/c[colab]"]]
    assert adds == [("spectral_nb", "0.1.0"), ("jinja2", "3.1.6")] and left == []


def test_the_installer_leaves_out_what_would_replace_a_package():
    """The TPU runtime: no TensorFlow, and TensorFlow would need another protobuf."""
    pins = {"keras": "3.13.2", "numpy": "2.1.3", "protobuf": "7.35.1"}
    requirements = ["keras>=3.10.0,<4", "numpy>=2.0.2,<3", "tensorflow>=2.19.0,<3",
                    "jinja2>=3.1"]
    asked = []

    def plan(args):
        asked.append(args)
        if any("tensorflow" in a or "[colab]" in a for a in args):
            return None  # pip's dry run: ResolutionImpossible under the pins
        return [("Jinja2", "3.1.6"), ("MarkupSafe", "3.0.3")]

    installs, adds, left = colab_cell.choose("/c", requirements, pins, plan)
    assert asked == [["--editable", "/c[colab]"], ["tensorflow>=2.19.0,<3"], ["jinja2>=3.1"]]
    assert installs == [["--no-deps", "--editable", "/c"], ["jinja2>=3.1"]]
    assert adds == [("spectral_nb", "(this checkout)"), ("Jinja2", "3.1.6"),
                    ("MarkupSafe", "3.0.3")]
    assert left == ["tensorflow>=2.19.0,<3"]


def test_the_install_cell_runs_the_clones_installer():
    source = colab_cell.cell_source()
    assert '"--install", f"{checkout}[colab]"' in source
    assert (ROOT / "tools" / "colab_cell.py").is_file()
    compile(source, "cell 2", "exec")


# --------------------------------------------------------------------------- the rehearsal
def test_stacks_are_colab_snapshots_with_their_python():
    stacks = colab_check.stacks([])
    assert [s.name for s in stacks] == ["2025-12-10", "2026-08-14", "2026-08-19"]
    assert [s.python for s in stacks] == ["3.12", "3.12", "3.13"]
    for stack in stacks:
        pins = dict(pin.split("==") for pin in stack.pins)
        assert {"tensorflow", "keras", "numpy", "Jinja2", "nbclient", "ipykernel"} <= set(pins)
    oldest = dict(pin.split("==") for pin in stacks[0].pins)
    assert (oldest["tensorflow"], oldest["keras"], oldest["numpy"]) == ("2.19.0", "3.10.0", "2.0.2")
    assert (ROOT / "tools" / "colab_stack.txt").resolve() == (
        ROOT / "tools" / "colab_stacks" / "2025-12-10.txt"
    )


def test_a_stack_without_its_python_is_refused(tmp_path):
    path = tmp_path / "2020-01-01.txt"
    path.write_text("numpy==2.0.2\n")
    with pytest.raises(colab_check.Failed, match="python: X.Y"):
        colab_check.read_stack(path)


def test_freeze_difference_and_glue_comparison():
    before = ["keras==3.10.0", "numpy==2.0.2", "pip==24.1.2"]
    after = ["keras==3.10.0", "numpy==2.1.3", "pip==24.1.2", "-e /content/spectral_nb_book"]
    assert colab_check.freeze_difference(before, after) == (
        ["numpy==2.0.2"], ["numpy==2.1.3", "-e /content/spectral_nb_book"]
    )
    expected = [("acc", ".1f", "91.6"), ("profile", "", "paper"), ("runs", "", "30")]
    assert colab_check.compare_glue(expected, {"acc": 91.58, "profile": "paper", "runs": 30}) == []
    assert colab_check.compare_glue(expected, {"acc": 91.66, "profile": "paper"}) == [
        "acc:.1f: page '91.6', Colab '91.7'", "runs: glued on the page, not on Colab"
    ]


def test_readme_install_lines_are_found():
    url, branch = colab_cell.repository()
    lines = colab_check.readme_lines(url, Path("/tmp/origin.git"), branch)
    assert len(lines) == 3
    assert all(line.endswith(f"@ git+file:///tmp/origin.git@{branch}") for line in lines)
    assert any(line.startswith("spectral_nb[colab] @") for line in lines)
