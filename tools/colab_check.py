#!/usr/bin/env python3
"""A Colab rehearsal: the chapters' install cell and two chapters in a Colab-like environment.

``python tools/colab_check.py`` (``make colab-check``):

1. builds a fresh virtual environment holding what Colab preinstalls that the chapters use,
   at Colab's versions (``tools/colab_stack.txt``: its TensorFlow, Keras and numpy are the
   lowest this package supports), plus papermill to run the chapters;
2. publishes the working tree as it is on disk (less what git ignores) as the
   ``repository.branch`` of a local bare repository standing in for GitHub;
3. runs two chapters with papermill in that environment, in a folder standing in for Colab's
   ``/content``, with ``SPECTRAL_NB_REPOSITORY`` pointing the chapters' own install cell (cell 2)
   at the local repository: the first chapter's cell clones and installs the package, the
   second finds the clone there;

   - ``02_perceptron`` under ``auto``: its paper-profile records are committed, so it must
     read them and train nothing (no file appears under the clone's ``results/``) and glue
     ``paper`` as its profile;
   - ``03_wide`` under ``smoke``: trains, on the stack above;
4. installs the package as the README says (``pip install "spectral_nb @ git+..."``, from the
   local repository) and builds a ``Spectral`` layer;
5. compares ``pip freeze`` before and after: every package installed before must still be there
   at the same version (the installs added packages, they replaced none).

It prints a short log (also written to ``_build/colab-check/colab-check.log``) and exits 1 with
the reasons on any failure. The datasets come from the checkout's ``data/`` (no download). The
install cell reaches PyPI for the package's own build and missing dependencies, as on Colab.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab_cell  # noqa: E402 (a sibling tool)

ROOT = colab_cell.ROOT
STACK_FILE = ROOT / "tools" / "colab_stack.txt"
# Runs the notebooks (not part of Colab, nor of the package): the version make installs.
RUNNER = [
    line.strip()
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    if line.startswith("papermill==")
]
CHAPTERS = (
    # (notebook, profile parameter, profile it must glue, glue name, may train)
    ("02_perceptron", "auto", "paper", "perceptron_profile", False),
    ("03_wide", "smoke", "smoke", "wide_profile", True),
)
WATCHED = ("tensorflow", "keras", "numpy")
MYST_IMPORT = re.compile(r"^from myst_nb import glue$", re.MULTILINE)


class Failed(Exception):
    pass


class Log:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def sh(*cmd, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a command; its stdout, or Failed with its output's tail."""
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise Failed(f"`{' '.join(map(str, cmd))}` exited {done.returncode}:\n{tail}")
    return done.stdout


def stack_pins() -> list[str]:
    lines = STACK_FILE.read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def freeze(python: Path) -> dict[str, str]:
    out = sh(python, "-m", "pip", "freeze", "--all", "--exclude-editable")
    pins = {}
    for line in out.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def publish(work: Path, branch: str) -> tuple[Path, str]:
    """A bare repository whose ``branch`` holds the working tree as it is on disk (tracked and
    untracked files, less what git ignores), committed aside; (path, commit)."""
    env = {
        **os.environ,
        "GIT_INDEX_FILE": str(work / "snapshot.index"),
        "GIT_AUTHOR_NAME": "colab-check",
        "GIT_AUTHOR_EMAIL": "colab-check@localhost",
        "GIT_COMMITTER_NAME": "colab-check",
        "GIT_COMMITTER_EMAIL": "colab-check@localhost",
    }
    sh("git", "read-tree", "HEAD", cwd=ROOT, env=env)
    sh("git", "add", "--all", cwd=ROOT, env=env)
    tree = sh("git", "write-tree", cwd=ROOT, env=env).strip()
    message = "the working tree, for colab-check"
    commit = sh("git", "commit-tree", tree, "-p", "HEAD", "-m", message, cwd=ROOT, env=env).strip()
    bare = work / "origin.git"
    sh("git", "init", "--quiet", "--bare", bare)
    sh("git", "push", "--quiet", bare, f"{commit}:refs/heads/{branch}", cwd=ROOT)
    return bare, commit


def stage_notebook(bare: Path, branch: str, name: str, dest: Path) -> Path:
    """The chapter as a reader opens it (from the published branch), ready for papermill."""
    nb = json.loads(sh("git", f"--git-dir={bare}", "show", f"{branch}:book/{name}.ipynb"))
    if any(MYST_IMPORT.search("".join(cell["source"])) for cell in nb["cells"]):
        raise Failed(
            f"{name} imports myst_nb.glue, which a Colab reader does not have: import glue "
            "from spectral_nb.notebook instead"
        )
    path = dest / f"{name}.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def results_status(checkout: Path) -> list[str]:
    """``git status`` of the clone's ``results/``: new (even ignored) or changed records."""
    out = sh(
        "git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--", "results",
        cwd=checkout,
    )
    return out.splitlines()


def glued(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {entry["name"]: entry["value"] for entry in map(json.loads, lines)}


def run(args: argparse.Namespace, log: Log, work: Path) -> list[str]:
    problems: list[str] = []
    url, branch = colab_cell.repository()
    venv, content, runs = work / "venv", work / "content", work / "runs"
    for folder in (content, runs):
        folder.mkdir(parents=True)
    python = venv / "bin" / "python"

    t0 = time.perf_counter()
    sh(args.python, "-m", "venv", venv)
    sh(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(python, "-m", "pip", "install", "--quiet", "--no-compile", *stack_pins(), *RUNNER)
    sh(python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3")
    before = freeze(python)
    log(f"environment: {time.perf_counter() - t0:.0f} s, {len(before)} packages")
    log("stack before: " + ", ".join(f"{n} {before.get(n, 'MISSING')}" for n in WATCHED))

    bare, commit = publish(work, branch)
    log(f"repository: {url} ({branch}) replaced by a local copy at {commit[:12]}")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPECTRAL_NB_", "PYTHON", "JUPYTER", "VIRTUAL_ENV", "MPLBACKEND"))
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PYTHONNOUSERSITE="1",
        JUPYTER_PATH=str(venv / "share" / "jupyter"),
        TF_CPP_MIN_LOG_LEVEL="3",
        SPECTRAL_NB_REPOSITORY=f"file://{bare}",
        SPECTRAL_NB_DATA=str(ROOT / "data"),  # stands in for the download on Colab
    )
    checkout = content / colab_cell.CHECKOUT
    for name, profile, expected, glue_name, may_train in CHAPTERS:
        notebook = stage_notebook(bare, branch, name, runs)
        env["SPECTRAL_NB_GLUE_LOG"] = str(runs / f"{name}.glue.jsonl")
        first = not checkout.is_dir()
        before_run = results_status(checkout) if not first else []
        t1 = time.perf_counter()
        output = runs / f"{name}.executed.ipynb"
        try:
            sh(
                python, "-m", "papermill", notebook, output, "-p", "profile", profile,
                "-k", "python3", "--cwd", content, "--no-progress-bar",
                "--execution-timeout", str(args.cell_timeout), env=env,
            )
        except Failed as exc:
            problems.append(f"{name} ({profile}) failed: {exc}")
            log(f"chapter {name} ({profile}): FAILED after {time.perf_counter() - t1:.0f} s")
            continue
        if first:
            nb = json.loads(output.read_text(encoding="utf-8"))
            outputs = nb["cells"][colab_cell.CELL_INDEX]["outputs"]
            said = "".join("".join(o.get("text", "")) for o in outputs).strip()
            log(f"install cell: {said or '(no output)'}")
            if "installed from" not in said or len(said.splitlines()) != 1:
                problems.append(f"{name}: the install cell did not say one line: {said!r}")
        status = [line for line in results_status(checkout) if line not in before_run]
        changed = [line for line in status if not line.startswith(("??", "!!"))]
        profile_glued = glued(runs / f"{name}.glue.jsonl").get(glue_name)
        log(
            f"chapter {name} (profile={profile}): {time.perf_counter() - t1:.0f} s, "
            f"glued {glue_name}={profile_glued!r}, {len(status)} new or changed record(s)"
        )
        if profile_glued != expected:
            problems.append(f"{name}: glued profile {profile_glued!r}, expected {expected!r}")
        if changed:
            problems.append(f"{name}: changed committed records: {changed[:3]}")
        if status and not may_train:
            problems.append(f"{name}: trained instead of reading the records: {status[:3]}")
        if may_train and not status:
            problems.append(f"{name}: wrote no record under {profile} (did it run at all?)")

    # The README's install line, with the local repository standing in for GitHub.
    sh(python, "-m", "pip", "uninstall", "--quiet", "--yes", "spectral_nb", env=env)
    line = f"spectral_nb @ git+file://{bare}@{branch}"
    sh(python, "-m", "pip", "install", "--quiet", line, env=env)
    probe = "import keras, spectral_nb as s; print(s.Spectral(3)(keras.ops.ones((2, 5))).shape)"
    shape = sh(python, "-c", probe, cwd=work, env=env).strip()
    log(f'README line: pip install "{line}": Spectral(3) on a (2, 5) input gives {shape}')

    after = freeze(python)
    log("stack after:  " + ", ".join(f"{n} {after.get(n, 'MISSING')}" for n in WATCHED))
    changed = [
        f"{n} {v} -> {after.get(n, 'removed')}" for n, v in before.items() if after.get(n) != v
    ]
    added = sorted(set(after) - set(before))
    log(f"installed by the cell: {', '.join(added) or 'nothing'} (+ spectral_nb)")
    if changed:
        problems.append("the install replaced preinstalled packages: " + "; ".join(changed))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "_build" / "colab-check")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    parser.add_argument("--cell-timeout", type=int, default=900)
    args = parser.parse_args(argv)
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = Log(work / "colab-check.log")
    started = time.perf_counter()
    log(f"colab-check: Colab's stack from {STACK_FILE.relative_to(ROOT)}, fresh venv in {work}")
    try:
        problems = run(args, log, work)
    except Failed as exc:
        problems = [str(exc)]
    log(f"colab-check: {time.perf_counter() - started:.0f} s in all")
    if problems:
        log(f"colab-check: FAILED, {len(problems)} problem(s):")
        for problem in problems:
            log(f"  - {problem}")
        return 1
    log("colab-check: passed (stack unchanged, records read not retrained, smoke chapter ran)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
