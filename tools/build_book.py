#!/usr/bin/env python3
"""Execute the book's chapters with papermill, then build the HTML book in ``_build/html``.

Steps:

1. Read ``_toc.yml`` and keep the chapters whose files exist; the missing ones are listed loudly
   and left out of a staged copy of the table of contents (the committed ``_toc.yml`` lists them
   all).
2. Execute each existing chapter notebook with papermill (``-p profile PROFILE``, kernel
   ``python3``, working directory ``book/``) into ``_build/executed/book/<name>.ipynb``, one
   progress line per chapter. An execution error stops the build with a non-zero exit status
   after naming the notebook and the failing cell. nbval's ``# NBVAL_...`` marker lines are
   dropped from the executed copies (the book shows code without them), and papermill's
   injected-parameters cell is hidden.
3. Stage ``_config.yml``, the filtered ``_toc.yml``, ``book/*.md``, ``book/references.bib`` and
   the images under ``book/`` beside the executed notebooks, vendor MathJax from npm into the
   staged ``_static`` (so formulas render without a CDN; see ``--mathjax``), and run
   ``jupyter-book build -W -n --keep-going`` on the stage.
4. Move the result to ``_build/html`` (``_build/html/index.html`` is the entry page).

The environment variable ``SPECTRAL_NB_PROFILE``, when set, reaches every kernel unchanged and
overrides the notebooks' ``profile`` parameter (``make test`` sets it to ``smoke``).

Usage: ``python tools/build_book.py --profile quick`` (run from anywhere; ``--root`` selects
another checkout, which the tests use for a throwaway book).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PROFILES = ("auto", "smoke", "quick", "paper")
PROFILE_ENV = "SPECTRAL_NB_PROFILE"
KERNEL = "python3"
DOC_SUFFIXES = (".ipynb", ".md")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", "_build"}

# MathJax 3 from the npm registry (``npm pack``), pinned and checked against this sha256.
MATHJAX_VERSION = "3.2.2"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
MATHJAX_ENTRY = "tex-mml-chtml.js"
# Parts of the package's es5/ folder the combined component loads (fonts, TeX extensions
# loaded on demand, the menu and its accessibility tools).
MATHJAX_PARTS = (
    MATHJAX_ENTRY,
    "input/",
    "output/chtml/",
    "output/chtml.js",
    "a11y/",
    "ui/",
    "sre/",
    "adaptors/",
)
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
ABS_PATH = re.compile(r"(?<![\w.])/(?:tmp|root|work|home)/[\w.-]+")


def say(msg: str = "") -> None:
    print(msg, flush=True)


def shout(lines: list[str]) -> None:
    """A warning that stands out in a long build log (stderr)."""
    bar = "!" * 78
    print("\n".join([bar, *(f"!!! {line}" for line in lines), bar]), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- table of contents
def toc_entries(node) -> list[str]:
    """Every ``file:``/``root:`` entry of a Jupyter Book v1 ``_toc.yml``, in order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                found.append(node[key])
        for key in ("parts", "chapters", "sections", "subtrees", "entries"):
            for child in node.get(key) or []:
                found.extend(toc_entries(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(toc_entries(child))
    return found


def resolve_doc(root: Path, entry: str) -> Path | None:
    """The file a toc entry names (with or without its suffix), or None if there is none."""
    path = root / entry
    if path.suffix in DOC_SUFFIXES and path.is_file():
        return path
    for suffix in DOC_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def filter_toc(node, keep: set[str]):
    """A copy of the toc without the entries not in ``keep`` (and without emptied parts)."""
    if isinstance(node, list):
        out = []
        for child in node:
            child = filter_toc(child, keep)
            if child is not None:
                out.append(child)
        return out
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("file"), str) and node["file"] not in keep:
        return None
    node = copy.copy(node)
    for key in ("parts", "chapters", "sections", "subtrees", "entries"):
        if key in node:
            node[key] = filter_toc(node[key], keep)
            if not node[key]:
                del node[key]
    if "caption" in node and not any(k in node for k in ("chapters", "file", "sections")):
        return None  # a part whose chapters are all missing
    return node


# --------------------------------------------------------------------------- execution
def execute_notebook(src: Path, dst: Path, profile: str, timeout: int | None) -> None:
    """Run ``src`` with papermill into ``dst`` (working directory: the notebook's folder)."""
    import papermill as pm

    dst.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(src),  # relative paths: papermill records them in the notebook's metadata
        str(dst),
        parameters={"profile": profile},
        kernel_name=KERNEL,
        cwd=str(src.parent),
        progress_bar=False,
        log_output=False,
        execution_timeout=timeout,
    )


def strip_nbval_markers(nb_path: Path) -> None:
    """Tidy an executed notebook for the book: drop nbval's ``# NBVAL_...`` marker lines and
    hide the cell papermill injects with the run's parameters (tagged ``remove-cell``)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    changed = False
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
            changed = True
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            lines = [line for line in cell.source.splitlines() if not NBVAL_MARKER.match(line)]
            cell.source = "\n".join(lines)
            changed = True
    if changed:
        nbformat.write(nb, nb_path)


def describe_failure(exc: BaseException) -> str:
    """One line saying which cell failed and how (papermill or kernel errors)."""
    cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        where = f"cell [{cell}]: " if cell is not None else ""
        return f"{where}{ename}: {evalue}"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[-1] if first else ''}"


def absolute_paths_in_outputs(nb_path: Path) -> list[str]:
    """Absolute paths left in displayed outputs (stderr streams are removed from the pages)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    hits = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            text = output.get("text", "")
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    text += value if isinstance(value, str) else str(value)
            for match in sorted(set(ABS_PATH.findall(text))):
                hits.append(f"cell {index}: {match}")
    return hits


# --------------------------------------------------------------------------- staging
def stage_sources(root: Path, stage: Path, toc: dict) -> None:
    """Copy the config, the filtered toc and the non-notebook book sources into ``stage``."""
    shutil.copy2(root / "_config.yml", stage / "_config.yml")
    (stage / "_toc.yml").write_text(
        "# Generated by tools/build_book.py from _toc.yml: only the chapters that exist.\n"
        + yaml.safe_dump(toc, sort_keys=False),
        encoding="utf-8",
    )
    book = root / "book"
    for path in sorted(book.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or SKIP_DIRS.intersection(rel.parts):
            continue
        top_level_text = path.parent == book and path.suffix in {".md", ".bib"}
        if top_level_text or path.suffix.lower() in IMAGE_SUFFIXES or "_static" in rel.parts:
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, stage / rel)
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", stage / "_static", dirs_exist_ok=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_mathjax(cache: Path) -> Path:
    """The pinned MathJax tarball, from the cache or ``npm pack``; raises RuntimeError."""
    tgz = cache / f"mathjax-{MATHJAX_VERSION}.tgz"
    if tgz.is_file() and sha256(tgz) == MATHJAX_SHA256:
        return tgz
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    cache.mkdir(parents=True, exist_ok=True)
    tgz.unlink(missing_ok=True)
    cmd = [
        npm,
        "pack",
        f"mathjax@{MATHJAX_VERSION}",
        "--pack-destination",
        str(cache),
        "--silent",
        "--no-fund",
        "--no-audit",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError("npm pack timed out after 300 s") from exc
    if proc.returncode != 0 or not tgz.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"npm pack mathjax@{MATHJAX_VERSION} failed: {' | '.join(tail)}")
    if sha256(tgz) != MATHJAX_SHA256:
        tgz.unlink()
        raise RuntimeError(f"mathjax-{MATHJAX_VERSION}.tgz does not match its pinned sha256")
    return tgz


def vendor_mathjax(tgz: Path, static: Path) -> str:
    """Unpack the MathJax parts into ``static/mathjax``; the path for Sphinx's mathjax_path."""
    dest = static / "mathjax"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    prefix = "package/es5/"
    with tarfile.open(tgz, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            name = member.name
            if name == "package/LICENSE":
                member.name = "LICENSE"
            elif name.startswith(prefix) and name[len(prefix) :].startswith(MATHJAX_PARTS):
                member.name = name[len(prefix) :]
            else:
                continue
            members.append(member)
        tar.extractall(dest, members=members, filter="data")
    if not (dest / MATHJAX_ENTRY).is_file():
        raise RuntimeError(f"{MATHJAX_ENTRY} missing from the MathJax package")
    return f"mathjax/{MATHJAX_ENTRY}"


def patch_staged_config(stage: Path, mathjax_path: str | None) -> None:
    """Staged config: serve the staged ``_static`` folder, and the vendored MathJax if any."""
    if mathjax_path is None and not (stage / "_static").is_dir():
        return
    config_path = stage / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    sphinx = config.get("sphinx") or {}
    config["sphinx"] = sphinx
    sphinx_config = sphinx.get("config") or {}
    sphinx["config"] = sphinx_config
    if mathjax_path is not None:
        sphinx_config["mathjax_path"] = mathjax_path  # relative: resolved inside _static
    static_paths = list(sphinx_config.get("html_static_path") or [])
    if "_static" not in static_paths:
        static_paths.append("_static")
    sphinx_config["html_static_path"] = static_paths
    config_path.write_text(
        "# Staged by tools/build_book.py from _config.yml (+ _static, vendored MathJax).\n"
        + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- main
def jupyter_book_cmd() -> list[str]:
    local = Path(sys.executable).parent / "jupyter-book"
    if local.is_file():
        return [str(local)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile",
        default="auto",
        choices=PROFILES,
        help="papermill parameter `profile` of every chapter (default: auto)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=REPO,
        help="checkout holding _config.yml, _toc.yml and book/ (default: this one)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="output folder (default: ROOT/_build); HTML goes to BUILD_DIR/html",
    )
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        help="seconds a single cell may run (default: no limit)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="execute every chapter even after a failure (still exits 1)",
    )
    parser.add_argument(
        "--mathjax",
        choices=("auto", "vendor", "cdn"),
        default="auto",
        help="vendor MathJax from npm into the site (vendor: required; auto: "
        "fall back to the CDN with a warning; cdn: never vendor)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    build = (args.build_dir or root / "_build").resolve()
    stage = build / "executed"
    html_out = build / "html"
    started = time.perf_counter()
    os.chdir(root)

    # Kernels inherit this environment. An inherited MPLBACKEND (e.g. Agg) would stop the inline
    # backend and leave the pages without figures; TF's C++ log noise is also turned down.
    os.environ.pop("MPLBACKEND", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONHASHSEED", "0")

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    entries = toc_entries(toc)
    docs = {entry: resolve_doc(root, entry) for entry in entries}
    missing = [entry for entry, path in docs.items() if path is None]
    if docs.get(toc.get("root")) is None:
        say(f"ERROR: the root page {toc.get('root')!r} of _toc.yml does not exist")
        return 1
    if missing:
        shout(
            [
                f"{len(missing)} of {len(entries)} files listed in _toc.yml do not exist yet and "
                "are LEFT OUT of this build:",
                *(f"    {entry}" for entry in missing),
            ]
        )
    notebooks = [path for path in docs.values() if path is not None and path.suffix == ".ipynb"]

    env_profile = os.environ.get(PROFILE_ENV)
    note = f" ({PROFILE_ENV}={env_profile} overrides it in every kernel)" if env_profile else ""
    say(f"build_book: profile {args.profile}{note}; {len(notebooks)} notebook(s) to execute")

    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)

    failures: list[str] = []
    for number, src in enumerate(notebooks, 1):
        rel = src.relative_to(root)
        dst = stage / rel
        say(f"[{number}/{len(notebooks)}] executing {rel} ...")
        t0 = time.perf_counter()
        try:
            execute_notebook(rel, Path(os.path.relpath(dst, root)), args.profile, args.cell_timeout)
        except Exception as exc:  # papermill, kernel death, timeouts: all fail the build
            seconds = time.perf_counter() - t0
            failures.append(f"{rel}: {describe_failure(exc)}")
            say(
                f"[{number}/{len(notebooks)}] FAILED {rel} after {seconds:.1f} s: "
                f"{describe_failure(exc)}"
            )
            if dst.is_file():
                say(f"    the executed notebook with the traceback: {os.path.relpath(dst, root)}")
            if not args.keep_going:
                break
            continue
        seconds = time.perf_counter() - t0
        say(f"[{number}/{len(notebooks)}] ok      {rel} in {seconds:.1f} s")
        strip_nbval_markers(dst)
        for hit in absolute_paths_in_outputs(dst):
            say(f"    WARNING: absolute path in an output of {rel}, {hit}")
    if failures:
        say("build_book: FAILED, notebook execution errors:")
        for failure in failures:
            say(f"  - {failure}")
        return 1

    stage_sources(root, stage, filter_toc(toc, {e for e in entries if e not in missing}))

    mathjax_path = None
    if args.mathjax != "cdn":
        try:
            tgz = fetch_mathjax(build / "vendor")
            mathjax_path = vendor_mathjax(tgz, stage / "_static")
            say(f"build_book: MathJax {MATHJAX_VERSION} vendored into _static/mathjax")
        except (RuntimeError, OSError, tarfile.TarError) as exc:
            if args.mathjax == "vendor":
                say(f"ERROR: could not vendor MathJax: {exc}")
                return 1
            shout(
                [
                    f"could not vendor MathJax ({exc});",
                    "the pages load MathJax from its CDN and show raw TeX when offline.",
                ]
            )
    patch_staged_config(stage, mathjax_path)

    say("build_book: jupyter-book build ...")
    t0 = time.perf_counter()
    jb_out = build / "jupyter-book"
    cmd = [
        *jupyter_book_cmd(),
        "build",
        str(stage),
        "--path-output",
        str(jb_out),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
    ]
    proc = subprocess.run(cmd, check=False)
    if proc.returncode != 0:
        say(
            f"build_book: FAILED, jupyter-book build exited with {proc.returncode} "
            "(warnings are errors: see the log above; its paths under _build/executed/ are "
            "staged copies, fix the sources under book/)"
        )
        return 1
    built = jb_out / "_build" / "html"
    if not (built / "index.html").is_file():
        say(f"build_book: FAILED, no index.html in {built}")
        return 1
    shutil.rmtree(html_out, ignore_errors=True)
    shutil.move(str(built), str(html_out))
    say(f"build_book: HTML built in {time.perf_counter() - t0:.1f} s")

    index = html_out / "index.html"
    shown = index.relative_to(root) if index.is_relative_to(root) else index
    say(f"build_book: done in {time.perf_counter() - started:.1f} s; open {shown}")
    if missing:
        shout(
            [
                f"{len(missing)} chapter(s) of _toc.yml were left out (files missing):",
                *(f"    {entry}" for entry in missing),
            ]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
