#!/usr/bin/env python3
"""Colab notebooks from the executed book: each chapter's MyST Markdown as plain Markdown.

A chapter's Markdown is written for Jupyter Book: its numbers are ``{glue:text}`` roles that
MyST-NB fills from what the executed notebook glued, its citations ``{cite}`` roles resolved
against ``book/references.bib``, its cross-references ``{ref}``/``{numref}``/``{doc}`` roles,
its notes ``:::{admonition}`` fences. Colab renders none of that, so a chapter opened there
would read ``{glue:text}`perceptron_mean_constrained``` where the web page reads ``91.6``.
:func:`colab_notebook` turns an executed chapter into the notebook a Colab reader opens:

- a glue role becomes the text the web page shows, by MyST-NB's own rule: the glued
  ``text/plain`` read back with ``ast.literal_eval`` and, for ``{glue:text}`key:fmt```,
  formatted with ``fmt`` (:func:`format_plain_text`); ``{glue}`` pastes the output as
  ``text/markdown``, ``text/latex`` or ``text/plain``, ``{glue:md}`` its ``text/markdown``;
- a citation becomes author-year text as sphinxcontrib-bibtex's ``author_year`` style writes
  it: ``{cite:p}``/``{cite}`` ``[Giambagli *et al.*, 2021]``, ``{cite:t}``
  ``Giambagli *et al.* [2021]`` (one author: the name; two: "A and B"; more: *et al.*; several
  keys in one role sorted by author and year, as the page sorts them);
- ``{ref}``, ``{numref}`` and ``{doc}`` become links to the published page, with the explicit
  text or else the target's title; label lines ``(name)=`` are dropped;
- a directive (backtick or ``:::`` fence) becomes plain Markdown: an admonition a quoted block
  under its title in bold, a figure or image an image with its caption, ``math`` a ``$$``
  block, ``code-block`` a code fence; its ``:option:`` lines are dropped;
- a code cell importing ``myst_nb`` is an error (the chapters glue through
  ``spectral_nb.notebook``, which needs no Sphinx toolchain);
- the install cell (cell 2, the first code cell) is the one of ``tools/colab_cell.py``, without
  outputs; papermill's injected-parameters cell is removed, so the chapter's own ``profile``
  cell decides; glue outputs that the page hides are removed, as MyST-NB removes them, and every
  other output is kept, so the notebook opens reading as the page does.

Markup it cannot convert is an :class:`Unconvertible` error naming the notebook, the cell and
the markup. :func:`leftover_myst` lists the MyST roles, directives and labels left in a
notebook's Markdown (the build and the Colab rehearsal require none).

``make book`` writes the notebooks to ``_build/colab/<chapter>.ipynb`` (tools/build_book.py);
the book workflow publishes them as ``book/<chapter>.ipynb`` on the repository's ``colab``
branch, which the README's Colab links open. Loaded as a Sphinx extension (``_config.yml``:
``sphinx.local_extensions``) this module also points the book's Colab launch button at that
branch (the ``colab_branch`` setting); the other buttons keep ``repository.branch``.

``python tools/colab_notebooks.py EXECUTED_DIR OUT_DIR`` converts the chapters of an executed
book (``_build/executed``) by hand.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLAB_BRANCH = "colab"
COLAB_URL = "https://colab.research.google.com"
INSTALL_CELL = 1  # cell 2, as in tools/colab_cell.py
GLUE_MIME_PREFIX = "application/papermill.record/"
MYST_IMPORT = re.compile(r"^\s*(?:from|import)\s+myst_nb\b", re.MULTILINE)

ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<body>[^`]*)`")
LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
FENCE_OPEN = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$"
)
CODE_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
# A role, or a code span (copied as it is: roles in code are text), left to right.
TOKENS = re.compile(
    r"(?P<role>\{(?P<name>[a-z][\w:-]*)\}`(?P<body>[^`]*)`)"
    r"|(?P<code>(?P<ticks>`+).+?(?<!`)(?P=ticks)(?!`))",
    re.S,
)

ADMONITIONS = {
    "admonition": "",
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "attention": "Attention",
    "caution": "Caution",
    "warning": "Warning",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "margin": "",
    "sidebar": "",
    "epigraph": "",
    "dropdown": "",
}
IMAGES = {"figure", "image"}
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
           "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
           "H": "\u030b", "k": "\u0328"}


class Unconvertible(ValueError):
    """Markup of a chapter that has no plain-Markdown form here."""


# --------------------------------------------------------------------------- glue
def format_plain_text(text: str, fmt_spec: str) -> str:
    """A glued ``text/plain`` as a ``{glue:text}`` role shows it (MyST-NB's rule)."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


def glue_data(nb: dict) -> dict[str, dict]:
    """The glued outputs of an executed notebook by name: ``{name: {"data": mime bundle,
    "metadata": ...}}``, the ``papermill.record`` prefix of hidden ones removed."""
    glued: dict[str, dict] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            book = output.get("metadata", {}).get("scrapbook")
            if not book:
                continue
            prefix = len(book.get("mime_prefix", ""))
            data = {mime[prefix:]: value for mime, value in output.get("data", {}).items()}
            glued[book["name"]] = {"data": data, "metadata": output.get("metadata", {})}
    return glued


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# --------------------------------------------------------------------------- bibliography
@dataclass(frozen=True)
class Reference:
    surnames: tuple[str, ...]
    year: str

    def names(self) -> str:
        """The authors as author-year citations name them."""
        if len(self.surnames) == 1:
            return self.surnames[0]
        if len(self.surnames) == 2:
            return f"{self.surnames[0]} and {self.surnames[1]}"
        return f"{self.surnames[0]} *et al.*"


def latex_text(text: str) -> str:
    """BibTeX field text as read: accents composed (``{\\'e}`` is é), braces dropped."""

    def accent(match: re.Match) -> str:
        return unicodedata.normalize("NFC", match.group(2) + ACCENTS[match.group(1)])

    text = re.sub(r"\\([`'^\"~=.]|[cvuHk](?=[{\s]))\s*\{?([A-Za-z])\}?", accent, text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


def _fields(body: str) -> dict[str, str]:
    """``name = {value}`` / ``"value"`` / ``number`` fields of one BibTeX entry body."""
    fields, i = {}, 0
    while True:
        match = re.compile(r"\s*,?\s*([\w-]+)\s*=\s*").match(body, i)
        if not match:
            return fields
        i = match.end()
        if i < len(body) and body[i] in "{\"":
            close, depth, j = ("}" if body[i] == "{" else "\""), 0, i
            while j < len(body):
                ch = body[j]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                if (close == "}" and depth == 0) or (close == '"' and ch == '"' and j > i
                                                     and depth == 0):
                    break
                j += 1
            fields[match.group(1).lower()] = body[i + 1 : j]
            i = j + 1
        else:
            value = re.compile(r"[^,}\s]+").match(body, i)
            fields[match.group(1).lower()] = value.group(0) if value else ""
            i = value.end() if value else i


def read_bibliography(text: str) -> dict[str, Reference]:
    """``{key: Reference}`` of a BibTeX file's entries (authors' surnames and the year)."""
    refs = {}
    for match in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", text):
        if match.group(1).lower() in ("comment", "string", "preamble"):
            continue
        depth, j = 1, match.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        fields = _fields(text[match.end() : j - 1])
        authors = re.split(r"\s+and\s+", fields.get("author", "").strip())
        surnames = tuple(
            latex_text(a.split(",")[0] if "," in a else a.split()[-1]) for a in authors if a
        )
        refs[match.group(2)] = Reference(surnames, latex_text(fields.get("year", "")))
    return refs


def citation(kind: str, keys: list[str], refs: dict[str, Reference]) -> str:
    """``{cite}``/``{cite:p}`` (parenthetical) or ``{cite:t}`` (textual) in author-year form."""
    unknown = [key for key in keys if key not in refs]
    if unknown:
        raise Unconvertible(f"cited keys not in the bibliography: {', '.join(unknown)}")
    keys = sorted(keys, key=lambda k: (refs[k].surnames, refs[k].year))  # as the page orders them
    if kind in ("cite", "cite:p"):
        return "[" + ", ".join(f"{refs[k].names()}, {refs[k].year}" for k in keys) + "]"
    if kind == "cite:t":
        return ", ".join(f"{refs[k].names()} [{refs[k].year}]" for k in keys)
    raise Unconvertible(f"{{{kind}}} citations are not converted (use cite, cite:p or cite:t)")


# --------------------------------------------------------------------------- the book's index
@dataclass
class Book:
    """What converting a chapter needs to know about the rest of the book."""

    pages_url: str  # the published book, ending in "/"
    repository_url: str
    branch: str
    references: dict[str, Reference] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # label: (doc, title)
    titles: dict[str, str] = field(default_factory=dict)  # doc ("book/x"): its title

    def page(self, doc: str, anchor: str = "") -> str:
        return f"{self.pages_url}{doc}.html" + (f"#{anchor}" if anchor else "")

    def raw(self, path: str) -> str:
        """A file of the repository as a URL an image can load from."""
        owner_repo = self.repository_url.removeprefix("https://github.com/").strip("/")
        return f"https://raw.githubusercontent.com/{owner_repo}/{self.branch}/{path}"


def pages_url(repository_url: str) -> str:
    """The GitHub Pages address of a GitHub repository (``https://<owner>.github.io/<name>/``)."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)/?", repository_url)
    if not match:
        raise ValueError(f"not a GitHub repository URL: {repository_url!r}")
    return f"https://{match.group(1).lower()}.github.io/{match.group(2)}/"


def index_markdown(doc: str, text: str, book: Book) -> None:
    """Add a page's title and labels (a label names the heading that follows it) to ``book``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and doc not in book.titles and len(heading.group("hashes")) == 1:
            book.titles[doc] = heading.group("title")
        label = LABEL.match(line)
        if label:
            following = next((m for m in map(HEADING.match, lines[i + 1 :]) if m), None)
            title = following.group("title") if following else label.group("label")
            book.labels[label.group("label")] = (doc, title)


def load_book(root: Path = ROOT) -> Book:
    """The book's index from its sources: ``_config.yml``, ``book/references.bib`` and every
    page under ``book/``."""
    import nbformat
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    book = Book(pages_url(repo["url"]), repo["url"], repo.get("branch", "main"))
    for bibfile in config.get("bibtex_bibfiles", []):
        book.references.update(read_bibliography((root / bibfile).read_text(encoding="utf-8")))
    for path in sorted((root / "book").glob("*.md")):
        index_markdown(f"book/{path.stem}", path.read_text(encoding="utf-8"), book)
    for path in sorted((root / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        index_markdown(f"book/{path.stem}", text, book)
    return book


# --------------------------------------------------------------------------- markdown
def _link(text: str, url: str) -> str:
    return f"[{text}]({url})"


def convert_role(name: str, body: str, doc: str, book: Book, glued: dict[str, dict]) -> str:
    """One MyST role as the web page shows it, in Markdown."""
    if name in ("glue:text", "glue", "glue:any", "glue:", "glue:md"):
        key, fmt = body, ""
        if name == "glue:text" and ":" in body:
            key, fmt = body.rsplit(":", 1)
        if "::" in key:
            raise Unconvertible(f"glue from another document ({body!r}) is not converted")
        if key not in glued:
            raise Unconvertible(f"nothing was glued as {key!r}")
        data = glued[key]["data"]
        if name == "glue:text":
            if "text/plain" not in data:
                raise Unconvertible(f"{key!r} has no text/plain to paste")
            return format_plain_text(_text(data["text/plain"]), fmt or "s")
        if "text/markdown" in data:
            return _text(data["text/markdown"]).strip()
        if name == "glue:md":
            raise Unconvertible(f"{key!r} has no text/markdown to paste")
        if "text/latex" in data:
            latex = _text(data["text/latex"]).strip().strip("$")
            return f"${latex}$"
        if set(data) - {"text/plain"}:
            raise Unconvertible(f"{key!r} glues {sorted(data)}: only text pastes inline here")
        text = _text(data.get("text/plain", ""))
        quoted = re.fullmatch(r"(['\"]).*\1", text, re.S)
        strip = glued[key]["metadata"].get("strip_text_quotes", False)
        return text[1:-1] if strip and quoted else text
    if name in ("cite", "cite:p", "cite:t"):
        return citation(name, [k.strip() for k in body.split(",") if k.strip()], book.references)
    if name in ("ref", "numref", "doc"):
        explicit = EXPLICIT.match(body)
        text, target = (explicit.group("text"), explicit.group("target")) if explicit else (
            "", body)
        target = target.strip()
        if name == "doc":
            folder = doc.rsplit("/", 1)[0]
            path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            path = re.sub(r"\.(ipynb|md)$", "", path)
            if path not in book.titles:
                raise Unconvertible(f"{{doc}} target {target!r} is not a page of the book")
            return _link(text or book.titles[path], book.page(path))
        if target not in book.labels:
            raise Unconvertible(f"{{{name}}} target {target!r} is no label of the book")
        page, title = book.labels[target]
        text = re.sub(r"\s*(%s|\{number\})\s*", " ", text).strip() if name == "numref" else text
        return _link(text or title, book.page(page, target))
    if name == "math":
        return f"${body}$"
    if name in ("sub", "sup"):
        return f"<{name}>{body}</{name}>"
    if name in ("abbr", "term", "code", "samp", "kbd", "file"):
        return EXPLICIT.sub(r"\g<text>", body) if name in ("abbr", "term") else f"`{body}`"
    raise Unconvertible(f"the {{{name}}} role is not converted")


def convert_inline(text: str, doc: str, book: Book, glued: dict[str, dict]) -> str:
    """Every role of a stretch of Markdown (code spans left alone), and relative links to
    ``.ipynb``/``.md`` pages made links to the published pages."""
    out, i = [], 0
    for match in TOKENS.finditer(text):
        out.append(text[i : match.start()])
        if match.group("role"):
            out.append(convert_role(match.group("name"), match.group("body"), doc, book, glued))
        else:
            out.append(match.group("code"))
        i = match.end()
    out.append(text[i:])
    folder = doc.rsplit("/", 1)[0]

    def page_link(match: re.Match) -> str:
        return f"]({book.page(f'{folder}/{match.group(1)}')}{match.group(2) or ''})"

    return re.sub(r"\]\((?!\w+:)([\w./-]+?)\.(?:ipynb|md)(#[\w-]+)?\)", page_link, "".join(out))


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def convert_directive(
    name: str, arg: str, body: list[str], doc: str, book: Book, glued: dict[str, dict]
) -> str:
    """A directive as plain Markdown (its ``:option:`` lines dropped)."""
    options: dict[str, str] = {}
    if body and body[0].strip() == "---":  # a YAML block of options
        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
        if end is None:
            raise Unconvertible(f"{{{name}}}: its --- option block is not closed")
        body = body[end + 1 :]
    while body and OPTION.match(body[0]):
        option = OPTION.match(body[0])
        options[option.group("key")] = option.group("value")
        body = body[1:]
    inner = convert_markdown("\n".join(body).strip("\n"), doc, book, glued)
    if name in ADMONITIONS:
        titled = name in ("admonition", "sidebar", "dropdown")
        said = convert_inline(arg, doc, book, glued).strip() if arg.strip() else ""
        title = said if titled else ADMONITIONS[name]
        if said and not titled:  # a note's argument is its first line
            inner = f"{said}\n{inner}"
        return _quote(f"**{title}**\n\n{inner}" if title else inner)
    if name in IMAGES:
        src = arg.strip()
        if not re.match(r"\w+:", src):
            folder = doc.rsplit("/", 1)[0]
            src = book.raw(src.lstrip("/") if src.startswith("/") else f"{folder}/{src}")
        caption = inner if name == "figure" else ""
        alt = options.get("alt", caption.splitlines()[0] if caption else "")
        image = f"![{alt}]({src})"
        return f"{image}\n\n*{caption}*" if caption else image
    if name == "math":
        return f"$$\n{inner}\n$$"
    if name in ("code-block", "code", "sourcecode", "code-cell"):
        return f"```{arg.strip()}\n" + "\n".join(body) + "\n```"
    raise Unconvertible(f"the {{{name}}} directive is not converted")


def convert_markdown(text: str, doc: str, book: Book, glued: dict[str, dict]) -> str:
    """A Markdown cell's MyST as plain Markdown (see the module docs)."""
    lines = text.splitlines()
    out: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(convert_inline("\n".join(para), doc, book, glued))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        opened = FENCE_OPEN.match(line)
        if opened:
            flush()
            fence = opened.group("fence")
            close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            j = i + 1
            depth = 0
            while j < len(lines):
                nested = FENCE_OPEN.match(lines[j])
                if nested and nested.group("fence")[0] == fence[0] and len(
                        nested.group("fence")) == len(fence):
                    depth += 1
                elif close.match(lines[j]):
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            if j == len(lines):
                raise Unconvertible(f"the {{{opened.group('name')}}} directive is not closed")
            out.append(convert_directive(
                opened.group("name"), opened.group("arg"), lines[i + 1 : j], doc, book, glued))
            i = j + 1
            continue
        plain = CODE_FENCE.match(line)
        if plain:  # a code block: copied as it is
            flush()
            fence = plain.group("fence")
            close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            out.append("\n".join(lines[i : j + 1]))
            i = j + 1
            continue
        if LABEL.match(line) or line.startswith("%"):  # labels and MyST comments
            flush()
            i += 1
            continue
        if not line.strip():
            flush()
            out.append("")
        else:
            para.append(line)
        i += 1
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


# --------------------------------------------------------------------------- notebooks
def leftover_myst(nb: dict) -> list[str]:
    """The MyST roles, directive fences and labels left in a notebook's Markdown cells, as
    ``cell N: markup`` (code spans and code blocks are not searched)."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"^ {0,3}(`{3,}|~{3,})(?!\{).*?^ {0,3}\1\s*$", "", _text(cell["source"]),
                      flags=re.M | re.S)
        found += [f"cell {index}: {m.group('role')[:60]}" for m in TOKENS.finditer(text)
                  if m.group("role")]
        for pattern in (re.compile(r"^ {0,3}(?:`{3,}|:{3,})\{[\w:-]+\}.*$", re.M),
                        re.compile(r"^\([^()\s]+\)=\s*$", re.M)):
            found += [f"cell {index}: {m.group(0).strip()[:60]}" for m in pattern.finditer(text)]
    return found


def colab_notebook(executed: dict, doc: str, book: Book, install_source: str) -> dict:
    """The Colab notebook of an executed chapter (``doc`` like ``book/02_perceptron``); the
    input is not changed. Unconvertible names the cell whose markup has no Markdown form."""
    nb = copy.deepcopy(executed)
    glued = glue_data(executed)
    cells = []
    for index, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "markdown":
            try:
                cell["source"] = convert_markdown(_text(cell["source"]), doc, book, glued)
            except Unconvertible as exc:
                raise Unconvertible(f"{doc}, cell {index}: {exc}") from None
        elif cell["cell_type"] == "code":
            if MYST_IMPORT.search(_text(cell["source"])):
                raise Unconvertible(
                    f"{doc}, cell {index} imports myst_nb, which a Colab reader does not have: "
                    "import glue from spectral_nb.notebook instead"
                )
            cell["outputs"] = [
                out for out in cell.get("outputs", [])
                if not out.get("metadata", {}).get("scrapbook", {}).get("mime_prefix")
            ]
        cells.append(cell)
    install = cells[INSTALL_CELL] if len(cells) > INSTALL_CELL else None
    if install is None or install["cell_type"] != "code" or any(
        c["cell_type"] == "code" for c in cells[:INSTALL_CELL]
    ):
        raise Unconvertible(f"{doc}: cell 2 is not the install cell (the first code cell)")
    install.update(source=install_source, outputs=[], execution_count=None)
    nb["cells"] = cells
    metadata = {k: v for k, v in nb["metadata"].items() if k in ("kernelspec", "language_info")}
    metadata["colab"] = {"name": f"{doc.rsplit('/', 1)[-1]}.ipynb", "provenance": []}
    nb["metadata"] = metadata
    left = leftover_myst(nb)
    if left:
        raise Unconvertible(f"{doc}: MyST left after converting: {'; '.join(left[:5])}")
    return nb


def glue_texts(executed: dict) -> list[tuple[str, str, str]]:
    """Every ``{glue:text}`` role of an executed chapter's Markdown with the text the page
    shows: ``(key, format spec, text)``, in reading order (the rehearsal compares them with
    what the chapter glues when it runs on Colab)."""
    glued = glue_data(executed)
    roles = []
    for cell in executed["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for match in TOKENS.finditer(_text(cell["source"])):
            if match.group("role") and match.group("name") == "glue:text":
                body = match.group("body")
                key, fmt = body.rsplit(":", 1) if ":" in body else (body, "")
                text = format_plain_text(_text(glued[key]["data"]["text/plain"]), fmt or "s")
                roles.append((key, fmt, text))
    return roles


def write_colab_notebooks(
    executed: list[Path], out_dir: Path, install_source: str, book: Book,
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Convert executed chapters (``<dir>/book/<name>.ipynb``) into ``out_dir/<name>.ipynb``."""
    import nbformat

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        converted = colab_notebook(nb, f"book/{path.stem}", book, install_source)
        target = out_dir / path.name
        nbformat.write(nbformat.from_dict(converted), target)
        written.append(target)
    say(f"{len(written)} Colab notebook(s) in {out_dir}")
    return written


# --------------------------------------------------------------------------- Sphinx
def _point_colab_button(app: Any, pagename: str, templatename: str, context: dict,
                        doctree: Any) -> None:
    """Make the page's Colab launch button open the notebook on ``colab_branch``."""
    branch = app.config.colab_branch
    source = f"/blob/{app.config.html_theme_options.get('repository_branch', 'main')}/"
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab" and source in button.get("url", ""):
                button["url"] = button["url"].replace(source, f"/blob/{branch}/", 1)


def setup(app: Any) -> dict:
    """Sphinx extension: the Colab launch button opens the generated notebooks."""
    app.add_config_value("colab_branch", COLAB_BRANCH, "html")
    app.connect("html-page-context", _point_colab_button, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("executed", type=Path, help="an executed book (_build/executed)")
    parser.add_argument("out", type=Path, help="where the Colab notebooks go")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import colab_cell

    paths = sorted((args.executed / "book").glob("*.ipynb"))
    if not paths:
        print(f"colab_notebooks: no executed chapters under {args.executed / 'book'}")
        return 1
    try:
        write_colab_notebooks(paths, args.out, colab_cell.cell_source(), load_book())
    except Unconvertible as exc:
        print(f"colab_notebooks: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
