#!/usr/bin/env python3
"""A Colab rehearsal: the chapters' install cell and a generated Colab notebook, on a matrix of
Colab's published stacks.

``python tools/colab_check.py`` (``make colab-check``):

1. **prepares**, in this environment: the working tree as it is on disk (less what git
   ignores) published as the ``repository.branch`` of a local bare repository standing in for
   GitHub; the chapter ``02_perceptron`` executed under profile ``auto`` (its paper-profile
   records are committed, so it reads them) and turned into its Colab notebook
   (tools/colab_notebooks.py, as ``make book`` does); the texts its ``{glue:text}`` roles show
   on the web page;
2. for **every stack** of ``tools/colab_stacks/`` (Colab's default runtime on a date, from the
   ``pip freeze`` that googlecolab/backend-info published: the packages the chapters touch and
   their dependencies, and the Python it ran): a fresh venv of that Python (``python3.12``,
   ``python3.13`` on the PATH or under pyenv) with exactly that list (``--no-deps``), then

   - ``pip freeze --all`` before;
   - on the oldest stack, the README's install lines (the GitHub URL replaced by the local
     repository) as pip's dry run: each must add ``spectral_nb`` and nothing else;
   - the generated notebook run with nbclient in a folder standing in for Colab's
     ``/content``, ``SPECTRAL_NB_REPOSITORY`` pointing its install cell at the local
     repository: the cell must say what it adds and end with ``installed from``; the chapter
     must glue profile ``paper``, write no record (it reads them), show no MyST markup, and
     glue, for every ``{glue:text}`` role, the text the web page shows;
   - one training step of ``SpectralConv2D``, ``SpectralPooling2D`` and ``Spectral`` on the
     stack's Keras and numpy;
   - ``pip freeze --all`` after: every line of before must still be there (the install added
     packages, it replaced none); the lines it added are logged;

3. checks every notebook under ``_build/colab`` (when a book was built) for MyST left over.

``--stack installed --python PY`` rehearses on PY's own environment instead of a venv (inside
Colab's runtime image: .github/workflows/colab-watch.yml); ``--prepare-only DIR`` /
``--prepared DIR`` split step 1 from step 2 (the image has no book toolchain).

It prints a short log (also ``_build/colab-check/colab-check.log``) with each stack's freeze
difference and exits 1 with the reasons on any failure. The datasets come from the checkout's
``data/`` (no download). The install cell reaches PyPI for the package's build backend and
missing dependencies, as on Colab.
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab_cell  # noqa: E402 (sibling tools)
import colab_notebooks  # noqa: E402

ROOT = colab_cell.ROOT
STACKS = ROOT / "tools" / "colab_stacks"
INSTALLED = "installed"  # --stack: the given interpreter's own environment
CHAPTER = "02_perceptron"  # reads its committed paper-profile records under auto
PROFILE_GLUE, PROFILE_EXPECTED = "perceptron_profile", "paper"
PYTHON_LINE = re.compile(r"^#\s*python:\s*(\d+\.\d+)\s*$", re.MULTILINE)
README_LINE = re.compile(r'^pip install "(spectral_nb(?:\[\w+\])? @ git\+(\S+?))"', re.MULTILINE)
# One training step of the layers on the stack's Keras and numpy (the floors' proof).
PROBE = """\
import keras, numpy as np, spectral_nb as s
model = keras.Sequential([keras.Input((8, 8, 1)), s.SpectralConv2D(2, 3, padding="same"),
                          s.SpectralPooling2D(4), keras.layers.Flatten(), s.Spectral(3)])
model.compile("adam", "mse")
x, y = np.ones((4, 8, 8, 1), "float32"), np.zeros((4, 3), "float32")
loss = model.fit(x, y, epochs=1, verbose=0).history["loss"][0]
print(f"keras {keras.__version__}, numpy {np.__version__}: SpectralConv2D, SpectralPooling2D and "
      f"Spectral trained one step, loss {'finite' if np.isfinite(loss) else 'NOT FINITE'}")
"""
# Executes a notebook in the rehearsal's environment: nbclient is part of Colab's stack.
RUN_NOTEBOOK = """\
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, kernel_name="python3", timeout=int(sys.argv[4]),
                        resources={"metadata": {"path": sys.argv[3]}})
try:
    client.execute()
finally:
    nbformat.write(nb, sys.argv[2])
"""


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


# --------------------------------------------------------------------------- stacks
@dataclass(frozen=True)
class Stack:
    name: str  # the snapshot's date, or "installed"
    python: str  # "3.12"; "" for the installed environment
    pins: tuple[str, ...]


def read_stack(path: Path) -> Stack:
    """A stack file: ``name==version`` lines and a ``# python: X.Y`` header line."""
    text = path.read_text(encoding="utf-8")
    python = PYTHON_LINE.search(text)
    if not python:
        raise Failed(f"{path.name}: no '# python: X.Y' line says which Python the stack ran")
    pins = [line.split("#")[0].strip() for line in text.splitlines()]
    return Stack(path.stem, python.group(1), tuple(pin for pin in pins if pin))


def stacks(names: list[str]) -> list[Stack]:
    """The stacks asked for (dates or paths), default every one under tools/colab_stacks/, the
    oldest first."""
    if not names:
        return [read_stack(p) for p in sorted(STACKS.glob("*.txt"))]
    if names == [INSTALLED]:
        return [Stack(INSTALLED, "", ())]
    paths = [Path(n) if n.endswith(".txt") else STACKS / f"{n}.txt" for n in names]
    return [read_stack(p) for p in paths]


def find_python(version: str) -> Path:
    """An interpreter of ``version`` (``3.12``): on the PATH (not a pyenv shim, which may
    refuse), else under pyenv."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        found = shutil.which(f"python{version}", path=folder)
        if found and "shims" not in Path(folder).parts:
            return Path(found)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True)
    if candidates:
        return candidates[0]
    raise Failed(
        f"no Python {version} found (python{version} on the PATH or under pyenv): install it "
        f"(pyenv install {version}, or actions/setup-python with python-version {version})"
    )


def populate(python: Path, pins: tuple[str, ...]) -> None:
    """Install exactly ``pins`` (``--no-deps``) into ``python``'s venv: with uv where it is
    installed (the dev extra; it links files from its cache, seconds instead of minutes for
    TensorFlow), else with the venv's pip, itself first brought to the stack's version."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        sh(uv, "pip", "install", "--quiet", "--python", python, "--no-deps", *pins)
        return
    pip_pin = [pin for pin in pins if pin.lower().startswith("pip==")]
    sh(python, "-m", "pip", "install", "--quiet", *pip_pin)
    sh(python, "-m", "pip", "install", "--quiet", "--no-compile", "--no-deps",
       *[pin for pin in pins if pin not in pip_pin])


def freeze(python: Path) -> list[str]:
    """``pip freeze --all``: every distribution, editable installs included."""
    out = sh(python, "-m", "pip", "--disable-pip-version-check", "freeze", "--all")
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def freeze_difference(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """``(gone, added)``: lines of ``before`` missing after (replaced or removed packages) and
    lines new after."""
    return [x for x in before if x not in after], [x for x in after if x not in before]


# --------------------------------------------------------------------------- preparing
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


def prepare(work: Path, log: Log) -> None:
    """Step 1 of the module docs, into ``work``: ``origin.git``, ``colab/<chapter>.ipynb`` and
    ``expected.json`` (the page's glue texts)."""
    import build_book  # the book toolchain (papermill): only this step needs it
    import nbformat

    t0 = time.perf_counter()
    _, branch = colab_cell.repository()
    bare, commit = publish(work, branch)
    log(f"repository: the working tree at {commit[:12]} as {branch} of a local copy")
    os.environ.pop("SPECTRAL_NB_PROFILE", None)  # the page's own profile: auto
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    executed = work / "executed" / "book" / f"{CHAPTER}.ipynb"
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        build_book.execute(ROOT / "book" / f"{CHAPTER}.ipynb", executed, "auto", 900)
    except Exception as exc:  # papermill: the chapter failed here, before any Colab stack
        raise Failed(f"{CHAPTER} failed in this environment: {build_book.failure(exc)}") from None
    finally:
        os.chdir(cwd)
    build_book.tidy(executed)
    book = colab_notebooks.load_book(ROOT)
    try:
        (path,) = colab_notebooks.write_colab_notebooks(
            [executed], work / "colab", colab_cell.cell_source(ROOT), book, lambda _: None
        )
    except colab_notebooks.Unconvertible as exc:
        raise Failed(f"the Colab notebook of {CHAPTER}: {exc}") from None
    roles = colab_notebooks.glue_texts(nbformat.read(executed, as_version=4))
    (work / "expected.json").write_text(json.dumps(roles), encoding="utf-8")
    log(f"page: {CHAPTER} executed (auto) and converted to {path.relative_to(work)} with "
        f"{len(roles)} glued text(s), in {time.perf_counter() - t0:.0f} s")


# --------------------------------------------------------------------------- rehearsing
def readme_lines(url: str, bare: Path, branch: str) -> list[str]:
    """The README's ``pip install`` lines with the local repository in place of ``url``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [m.group(1) for m in README_LINE.finditer(text) if m.group(2).rstrip("/") == url]
    if not lines:
        raise Failed(f"the README has no `pip install \"spectral_nb @ git+{url}\"` line")
    return [line.replace(f"git+{url}", f"git+file://{bare}@{branch}") for line in lines]


def glued(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {entry["name"]: entry["value"] for entry in map(json.loads, lines)}


def compare_glue(expected: list, values: dict[str, object]) -> list[str]:
    """Each ``{glue:text}`` role's page text against the text of what the run glued."""
    problems = []
    for key, fmt, page in expected:
        if key not in values:
            problems.append(f"{key}: glued on the page, not on Colab")
            continue
        text = colab_notebooks.format_plain_text(repr(values[key]), fmt or "s")
        if text != page:
            problems.append(f"{key}{':' + fmt if fmt else ''}: page {page!r}, Colab {text!r}")
    return problems


def results_status(checkout: Path) -> list[str]:
    """``git status`` of the clone's ``results/``: new (even ignored) or changed records."""
    out = sh(
        "git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--", "results",
        cwd=checkout,
    )
    return out.splitlines()


def rehearse(stack: Stack, args: argparse.Namespace, prepared: Path, work: Path, log: Log,
             oldest: bool) -> list[str]:
    """Step 2 of the module docs on one stack; its problems."""
    problems: list[str] = []
    url, branch = colab_cell.repository()
    bare = prepared / "origin.git"
    content, runs = work / "content", work / "runs"
    for folder in (content, runs):
        folder.mkdir(parents=True)
    t0 = time.perf_counter()
    # A venv gets none of this environment's Python settings; an installed runtime keeps its own.
    own = ("SPECTRAL_NB_",) if stack.name == INSTALLED else (
        "SPECTRAL_NB_", "PYTHON", "JUPYTER", "VIRTUAL_ENV", "MPLBACKEND")
    env = {key: value for key, value in os.environ.items() if not key.startswith(own)}
    if stack.name == INSTALLED:
        python = Path(args.python)
        where = f"{python} itself"
    else:
        venv = work / "venv"
        sh(find_python(stack.python), "-m", "venv", venv)
        python = venv / "bin" / "python"
        populate(python, stack.pins)
        sh(python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3")
        env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                   JUPYTER_PATH=str(venv / "share" / "jupyter"))
        where = f"a fresh venv of Python {stack.python}"
    before = freeze(python)
    version = sh(python, "-c", "import platform; print(platform.python_version())").strip()
    watched = {line.split("==")[0].lower(): line.split("==")[-1] for line in before}
    log(f"[{stack.name}] {where} (Python {version}): {len(before)} packages, tensorflow "
        f"{watched.get('tensorflow', 'absent')}, keras {watched.get('keras', 'absent')}, numpy "
        f"{watched.get('numpy', 'absent')}; {time.perf_counter() - t0:.0f} s")
    env.update(
        PYTHONNOUSERSITE="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        SPECTRAL_NB_REPOSITORY=f"file://{bare}",
        SPECTRAL_NB_DATA=str(args.data),  # stands in for the download on Colab
        SPECTRAL_NB_GLUE_LOG=str(runs / f"{CHAPTER}.glue.jsonl"),
    )

    if oldest:
        for line in readme_lines(url, bare, branch):
            report = runs / "readme-report.json"
            sh(python, "-m", "pip", "--disable-pip-version-check", "install", "--dry-run",
               "--quiet", "--report", report, line, env=env)
            adds = [
                f"{item['metadata']['name']} {item['metadata']['version']}"
                for item in json.loads(report.read_text(encoding="utf-8"))["install"]
            ]
            said = line.replace(f"git+file://{bare}@{branch}", "git+...")
            log(f"[{stack.name}] README: pip install \"{said}\" would add {', '.join(adds)}")
            if [a.split()[0] for a in adds] != [colab_cell.PACKAGE]:
                problems.append(f"README line {said!r} would install {adds}, not only the package")

    t1 = time.perf_counter()
    notebook = prepared / "colab" / f"{CHAPTER}.ipynb"
    output = runs / f"{CHAPTER}.executed.ipynb"
    script = runs / "run_notebook.py"
    script.write_text(RUN_NOTEBOOK, encoding="utf-8")
    try:
        sh(python, script, notebook, output, content, args.cell_timeout, env=env)
    except Failed as exc:
        problems.append(f"{CHAPTER} failed: {exc}")
    log(f"[{stack.name}] {CHAPTER} (the Colab notebook): {time.perf_counter() - t1:.0f} s")
    if output.is_file():
        nb = json.loads(output.read_text(encoding="utf-8"))
        outputs = nb["cells"][colab_cell.CELL_INDEX]["outputs"]
        said = "".join("".join(o.get("text", "")) for o in outputs).strip()
        for line in said.splitlines():
            log(f"[{stack.name}] install cell: {line}")
        lines = said.splitlines()
        if not lines or colab_cell.INSTALLED_LINE not in lines[-1] or "adding" not in said:
            problems.append(f"the install cell did not say what it added and installed: {said!r}")
        left = colab_notebooks.leftover_myst(nb)
        if left:
            problems.append(f"MyST left in the Colab notebook: {left[:3]}")
    values = glued(runs / f"{CHAPTER}.glue.jsonl")
    expected = json.loads((prepared / "expected.json").read_text(encoding="utf-8"))
    differ = compare_glue(expected, values)
    log(f"[{stack.name}] glue: profile {values.get(PROFILE_GLUE)!r}, "
        f"{len(expected) - len(differ)} of {len(expected)} page texts equal on Colab")
    problems += [f"glued text differs: {d}" for d in differ[:10]]
    if values.get(PROFILE_GLUE) != PROFILE_EXPECTED:
        problems.append(f"glued profile {values.get(PROFILE_GLUE)!r}, not {PROFILE_EXPECTED!r}")
    checkout = content / colab_cell.CHECKOUT
    if checkout.is_dir():
        status = results_status(checkout)
        if status:
            problems.append(f"{CHAPTER} wrote records instead of reading them: {status[:3]}")
        try:
            said = sh(python, "-c", PROBE, cwd=work, env=env).strip().splitlines()[-1]
            log(f"[{stack.name}] layers: {said}")
            if "NOT FINITE" in said:
                problems.append(f"the layers' training step: {said}")
        except Failed as exc:
            problems.append(f"the installed layers cannot train: {exc}")

    gone, added = freeze_difference(before, freeze(python))
    log(f"[{stack.name}] pip freeze difference: replaced or removed: {', '.join(gone) or 'none'}"
        f"; added: {', '.join(added) or 'none'}")
    if gone:
        problems.append(f"the install replaced preinstalled packages: {', '.join(gone)}")
    return [f"[{stack.name}] {p}" for p in problems]


def leftover_in_build(log: Log) -> list[str]:
    """MyST left in the notebooks of a built book's ``_build/colab``."""
    built = sorted((ROOT / "_build" / "colab").glob("*.ipynb"))
    problems = []
    for path in built:
        left = colab_notebooks.leftover_myst(json.loads(path.read_text(encoding="utf-8")))
        problems += [f"_build/colab/{path.name}: MyST left: {item}" for item in left[:3]]
    if built:
        log(f"built book: {len(built)} Colab notebook(s) under _build/colab, "
            f"{'none' if not problems else len(problems)} with MyST left")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", nargs="*", default=[],
                        help="dates of tools/colab_stacks/ or files (default: all), or "
                        f"'{INSTALLED}' for --python's own environment")
    parser.add_argument("--python", default=sys.executable,
                        help=f"with --stack {INSTALLED}: the interpreter to rehearse on")
    parser.add_argument("--work", type=Path, default=ROOT / "_build" / "colab-check")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--prepare-only", action="store_true", help="step 1 only")
    parser.add_argument("--prepared", type=Path, help="a --prepare-only work folder to use")
    parser.add_argument("--cell-timeout", type=int, default=900)
    args = parser.parse_args(argv)
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = Log(work / "colab-check.log")
    started = time.perf_counter()
    problems: list[str] = []
    try:
        chosen = stacks(args.stack)
        log(f"colab-check: {', '.join(s.name for s in chosen)}; work in {work}")
        prepared = args.prepared.resolve() if args.prepared else work / "prepared"
        if not args.prepared:
            prepared.mkdir()
            prepare(prepared, log)
        if not args.prepare_only:
            for index, stack in enumerate(chosen):
                try:
                    problems += rehearse(stack, args, prepared, work / stack.name, log,
                                         oldest=index == 0)
                except Failed as exc:
                    problems.append(f"[{stack.name}] {exc}")
            problems += leftover_in_build(log)
    except Failed as exc:
        problems.append(str(exc))
    log(f"colab-check: {time.perf_counter() - started:.0f} s in all")
    if problems:
        log(f"colab-check: FAILED, {len(problems)} problem(s):")
        for problem in problems:
            log(f"  - {problem}")
        return 1
    log("colab-check: passed (every stack unchanged, records read, the page's numbers glued)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
