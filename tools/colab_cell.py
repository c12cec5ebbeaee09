#!/usr/bin/env python3
"""The chapters' Colab install cell: its one text, the installer it runs, and writing it into
every notebook.

Every chapter's cell 2 is this cell. On Colab (or wherever ``SPECTRAL_NB_REPOSITORY`` is set,
as ``make colab-check`` does) it makes a shallow clone of the book's repository (the package
*and* its committed records in ``results/``) and runs the clone's copy of this file with
``--install``, which installs the package editable with the ``colab`` extra **beside** what the
runtime preinstalls, replacing nothing:

1. every installed distribution is pinned to its current version in a constraints file, so pip
   may add packages but never upgrade or downgrade one;
2. pip's dry run (``--report``) says what the install would add; the installer prints that list
   before installing it;
3. where the whole extra cannot be added that way (a requirement would need other versions of
   preinstalled packages: possible for TensorFlow on Colab's TPU runtime, which has none), the
   package is installed ``--no-deps`` with every missing requirement that *can* be added
   without replacing anything, and the installer names what it left out and why (what needs
   it, such as training or Keras' TensorFlow backend, will not run there);
4. afterwards every preinstalled distribution is compared with its pin: a change is an error.

It prints what it adds, then one line ``spectral_nb <version> installed from ...``. Anywhere
else the cell does nothing. The repository and branch come from ``_config.yml``
(``repository.url``, ``repository.branch``); ``SPECTRAL_NB_REPOSITORY`` replaces the URL.

``python tools/colab_cell.py`` writes the cell into cell 2 of the given notebooks (default:
every ``book/*.ipynb``; nothing else of a notebook changes); ``--check`` only reports the
notebooks whose cell 2 differs. ``--install CHECKOUT[EXTRA]`` is what the cell runs; it needs
only the standard library and ``packaging`` (preinstalled wherever pip is), not this project's
tools.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL_INDEX = 1  # cell 2: after the title cell
REPOSITORY_ENV = "SPECTRAL_NB_REPOSITORY"
CHECKOUT = "spectral_nb_book"  # the clone, beside the notebook (/content on Colab)
PACKAGE = "spectral_nb"
EXTRA = "colab"
INSTALLED_LINE = "installed from"  # the cell's last line says this (the rehearsal reads it)

TEMPLATE = '''\
# On Colab: clone the book's repository (the package and its committed results) and install it
# beside what the runtime preinstalls, replacing nothing; it says what it adds. Elsewhere: nothing.
import os
import sys

if "google.colab" in sys.modules or "@ENV@" in os.environ:
    import subprocess

    def run(*command):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\\n{done.stdout}{done.stderr}")
        return done.stdout.strip()

    repository = os.environ.get("@ENV@", "@URL@")
    checkout = os.path.abspath("@CHECKOUT@")
    if not os.path.isdir(checkout):
        run("git", "clone", "--quiet", "--depth", "1", "--branch", "@BRANCH@", repository, checkout)
    print(run(sys.executable, os.path.join(checkout, "tools", "colab_cell.py"),
              "--install", f"{checkout}[colab]", "--source", f"{repository} (@BRANCH@)"))
    sys.path.insert(0, checkout)  # importable now, without restarting the runtime'''


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository, from ``_config.yml``."""
    import yaml

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


# --------------------------------------------------------------------------- the installer
def canonical(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    """Every distribution importable here, ``{canonical name: version}`` (the first of a name
    on ``sys.path`` wins, as for imports)."""
    from importlib.metadata import distributions

    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical(name), dist.version)
    return found


def constraints(pins: dict[str, str]) -> str:
    """A pip constraints file keeping every pinned distribution at its version."""
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def extra_requirements(pyproject: str, extra: str, package: str = PACKAGE) -> list[str]:
    """The requirements of ``package[extra]`` from its ``pyproject.toml`` text, the package's own
    extras (``spectral_nb[experiments]``) expanded; base dependencies first, no duplicates."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads(pyproject)["project"]
    optional = project.get("optional-dependencies", {})
    out: list[str] = []

    def add(lines: Iterable[str]) -> None:
        for line in lines:
            req = Requirement(line)
            if canonical(req.name) == canonical(package):
                for name in sorted(req.extras):
                    add(optional[name])
            elif line not in out:
                out.append(line)

    add(project.get("dependencies", []))
    add(optional[extra])
    return out


def missing(requirements: Iterable[str], pins: dict[str, str]) -> list[str]:
    """The requirements that the installed versions do not satisfy (absent or out of range)."""
    from packaging.requirements import Requirement

    out = []
    for line in requirements:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        have = pins.get(canonical(req.name))
        if have is None or not req.specifier.contains(have, prereleases=True):
            out.append(line)
    return out


Plan = Callable[[list[str]], "list[tuple[str, str]] | None"]


def choose(
    editable: str, requirements: list[str], pins: dict[str, str], plan: Plan, extra: str = EXTRA
) -> tuple[list[list[str]], list[tuple[str, str]], list[str]]:
    """What to install so that nothing preinstalled changes.

    ``plan(args)`` is pip's dry run of ``pip install <args>`` under the pins: the
    ``(name, version)`` pairs it would add, or None when it cannot without replacing a pinned
    distribution. Returns ``(installs, adds, left_out)``: the pip argument lists to run in
    order, what they add, and the requirements left out (their dry run needed a replacement).
    """
    whole = ["--editable", f"{editable}[{extra}]"]
    adds = plan(whole)
    if adds is not None:
        return [whole], adds, []
    addable, left_out, adds = [], [], []
    for line in missing(requirements, pins):
        alone = plan([line])
        if alone is None:
            left_out.append(line)
        else:
            addable.append(line)
            adds += [pair for pair in alone if pair not in adds]
    installs = [["--no-deps", "--editable", editable]]
    if addable:
        installs.append(addable)
    return installs, [(PACKAGE, "(this checkout)"), *adds], left_out


def pip(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def dry_run(keep: str) -> Plan:
    """``plan`` for :func:`choose`: pip's own dry run, under the constraints file ``keep``."""

    def plan(args: list[str]) -> list[tuple[str, str]] | None:
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.json")
            done = pip("install", "--dry-run", "--quiet", "--constraint", keep,
                       "--report", report, *args)
            if done.returncode:
                return None
            with open(report, encoding="utf-8") as fh:
                items = json.load(fh)["install"]
        return [(item["metadata"]["name"], item["metadata"]["version"]) for item in items]

    return plan


def install(checkout: Path, extra: str, source: str) -> str:
    """Install ``checkout`` with its ``extra`` beside the preinstalled packages (see the module
    docs); what to print. RuntimeError when pip fails or something preinstalled changed."""
    before = installed()
    before.pop(canonical(PACKAGE), None)  # a second run reinstalls the package itself
    pyproject = (checkout / "pyproject.toml").read_text(encoding="utf-8")
    requirements = extra_requirements(pyproject, extra)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        keep = os.path.join(tmp, "preinstalled.txt")
        Path(keep).write_text(constraints(before), encoding="utf-8")
        installs, adds, left_out = choose(
            str(checkout), requirements, before, dry_run(keep), extra
        )
        added = ", ".join(f"{name} {version}" for name, version in adds) or "nothing"
        lines.append(f"spectral_nb: adding {added}; the {len(before)} preinstalled packages stay")
        if left_out:
            lines.append(
                f"spectral_nb: not adding {', '.join(left_out)}: pip would have to replace "
                "preinstalled packages for it; what needs it will not run here"
            )
        for args in installs:
            done = pip("install", "--quiet", "--constraint", keep, *args)
            if done.returncode:
                raise RuntimeError(f"pip install {' '.join(args)} failed:\n{done.stderr}")
    after = installed()
    changed = [
        f"{name} {version} -> {after.get(name, 'removed')}"
        for name, version in before.items()
        if after.get(name) != version
    ]
    if changed:
        raise RuntimeError("the install replaced preinstalled packages: " + "; ".join(changed))
    from importlib.metadata import version

    lines.append(
        f"spectral_nb {version(PACKAGE)} {INSTALLED_LINE} {source} with its committed results"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- the notebooks
def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "book").glob("*.ipynb"))


def apply(path: Path, source: str, write: bool = True) -> bool:
    """Make cell 2 of ``path`` the install cell; whether it differed. Only that cell's source
    (and its ``hide-input`` tag) is touched; its outputs are cleared."""
    import nbformat

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
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every book/*.ipynb")
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("--install", metavar="CHECKOUT[EXTRA]", help="what the cell runs")
    parser.add_argument("--source", default="", help="with --install: where the clone came from")
    args = parser.parse_args(argv)
    if args.install:
        target = re.fullmatch(r"(?P<path>.+?)(?:\[(?P<extra>[\w-]+)\])?", args.install)
        checkout = Path(target.group("path")).resolve()
        try:
            print(install(checkout, target.group("extra") or EXTRA, args.source or str(checkout)))
        except RuntimeError as exc:
            print(f"spectral_nb: {exc}", file=sys.stderr)
            return 1
        return 0
    source = cell_source()
    paths = args.notebooks or notebooks()
    differ = [p.name for p in paths if apply(p, source, write=not args.check)]
    if args.check and differ:
        print(f"colab_cell: cell 2 differs from the install cell in: {', '.join(differ)}")
        return 1
    print(f"colab_cell: {'rewrote' if differ else 'unchanged'} {', '.join(differ) or 'all'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
