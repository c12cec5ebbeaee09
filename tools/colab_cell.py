#!/usr/bin/env python3
"""The chapters' Colab install cell: its one text, and writing it into every notebook.

Every chapter's cell 2 is this cell. On Colab (or wherever ``SPECTRAL_NB_REPOSITORY`` is set,
as ``make colab-check`` does) it makes a shallow clone of the book's repository (the package
*and* its committed records in ``results/``), installs it editable with the ``colab`` extra and
prints one line saying so. The installed TensorFlow, Keras and numpy are given to pip as
constraints: pip may add packages but never replaces them, and on a stack older than the
package supports it stops with its own conflict. Anywhere else the cell does nothing. The
repository and branch come from ``_config.yml`` (``repository.url``, ``repository.branch``);
``SPECTRAL_NB_REPOSITORY`` replaces the URL.

``python tools/colab_cell.py`` writes the cell into cell 2 of every ``book/*.ipynb`` (nothing
else of a notebook changes); ``--check`` only reports the notebooks whose cell 2 differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
CELL_INDEX = 1  # cell 2: after the title cell
REPOSITORY_ENV = "SPECTRAL_NB_REPOSITORY"
CHECKOUT = "spectral_nb_book"  # the clone, beside the notebook (/content on Colab)

TEMPLATE = '''\
# On Colab: clone the book's repository (the package and its committed results) and install
# it beside Colab's own TensorFlow, Keras and numpy, which stay as they are. Elsewhere: nothing.
import os
import sys

if "google.colab" in sys.modules or "@ENV@" in os.environ:
    import subprocess
    import tempfile
    from importlib.metadata import version
    from importlib.util import find_spec

    def run(*command):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\\n{done.stdout}{done.stderr}")

    def stack():
        return {name: version(name) for name in ("tensorflow", "keras", "numpy") if find_spec(name)}

    repository = os.environ.get("@ENV@", "@URL@")
    checkout, before = os.path.abspath("@CHECKOUT@"), stack()
    if not os.path.isdir(checkout):
        run("git", "clone", "--quiet", "--depth", "1", "--branch", "@BRANCH@", repository, checkout)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as keep:
        keep.write("".join(f"{name}=={number}\\n" for name, number in before.items()))
    run(sys.executable, "-m", "pip", "install", "--constraint", keep.name,
        "--editable", f"{checkout}[colab]")  # pip may add packages, never replace these
    sys.path.insert(0, checkout)  # importable now, without restarting the runtime
    after = stack()
    print(f"spectral_nb {version('spectral_nb')} installed from {repository} (@BRANCH@) with its "
          f"committed results; {'kept' if after == before else 'changed to'} "
          + ", ".join(f"{name} {number}" for name, number in after.items()))'''


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository, from ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    return repo["url"], repo.get("branch", "main")


def cell_source(root: Path = ROOT) -> str:
    """The text of the install cell for this repository."""
    url, branch = repository(root)
    return (
        TEMPLATE.replace("@ENV@", REPOSITORY_ENV)
        .replace("@URL@", url)
        .replace("@BRANCH@", branch)
        .replace("@CHECKOUT@", CHECKOUT)
    )


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "book").glob("*.ipynb"))


def apply(path: Path, source: str, write: bool = True) -> bool:
    """Make cell 2 of ``path`` the install cell; whether it differed. Only that cell's source
    (and its ``hide-input`` tag) is touched; its outputs are cleared."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    cell = nb.cells[CELL_INDEX]
    if cell.cell_type != "code":
        raise ValueError(f"{path.name}: cell 2 is a {cell.cell_type} cell, not the install cell")
    tags = list(cell.metadata.get("tags", []))
    if cell.source == source and "hide-input" in tags and not cell.get("outputs"):
        return False
    if write:
        cell.source = source
        cell.metadata["tags"] = tags if "hide-input" in tags else [*tags, "hide-input"]
        cell.outputs = []
        cell.execution_count = None
        nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    source = cell_source()
    differ = [p.name for p in notebooks() if apply(p, source, write=not args.check)]
    if args.check and differ:
        print(f"colab_cell: cell 2 differs from the install cell in: {', '.join(differ)}")
        return 1
    print(f"colab_cell: {'rewrote' if differ else 'unchanged'} {', '.join(differ) or 'all'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
