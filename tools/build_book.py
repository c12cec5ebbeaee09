#!/usr/bin/env python3
"""Execute the book's chapters with papermill, then build the HTML book with Jupyter Book.

1. Every notebook of ``_toc.yml`` is executed by papermill (parameter ``profile``, kernel
   ``python3``, working directory ``book/``) into ``_build/executed/book/``. A failure stops the
   build, naming the notebook and the cell. ``SPECTRAL_NB_PROFILE``, when set, reaches every
   kernel and overrides ``profile`` (``make test`` sets it to ``smoke``).
2. Each executed copy is tidied for its page: stderr streams (TensorFlow's C++ start-up noise)
   and nbval's ``# NBVAL_...`` marker lines are dropped, papermill's injected-parameters cell is
   hidden; an absolute path left in an output stops the build.
3. Each tidied chapter becomes its Colab notebook, ``_build/colab/<chapter>.ipynb``
   (tools/colab_notebooks.py: glued numbers, citations, references and admonitions as plain
   Markdown, the install cell first); markup that has no Markdown form stops the build.
4. The rest of the book (config, toc, pages, bibliography, images) is copied beside them,
   MathJax is vendored from npm into ``_static`` (formulas render offline), and
   ``jupyter-book build -W -n --keep-going`` writes ``_build/html``. The config's
   ``sphinx.local_extensions`` paths are made absolute for the staged copy (the Colab launch
   button's extension lives in ``tools/``).

Usage: ``python tools/build_book.py --profile quick``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import nbformat
import papermill
import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab_cell  # noqa: E402 (sibling tools)
import colab_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("auto", "smoke", "quick", "paper")
KERNEL = "python3"
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
ABS_PATH = re.compile(r"(?<![\w.])/(?:tmp|root|work|home)/[\w.-]+")

# MathJax 3 from the npm registry (`npm pack`), checked against this sha256; only the parts
# of its es5/ folder that the combined tex-mml-chtml component loads are unpacked.
MATHJAX_VERSION = "3.2.2"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
MATHJAX_ENTRY = "tex-mml-chtml.js"
MATHJAX_PARTS = (MATHJAX_ENTRY, "input/", "output/chtml", "a11y/", "ui/", "sre/", "adaptors/")


def say(msg: str) -> None:
    print(f"build_book: {msg}", flush=True)


def chapters(root: Path) -> list[Path]:
    """The notebooks ``_toc.yml`` lists, in order; a listed file that is missing is an error."""
    docs = list(parse_toc_yaml(root / "_toc.yml"))
    found = {d: [p for p in (root / f"{d}.ipynb", root / f"{d}.md") if p.is_file()] for d in docs}
    missing = [d for d, paths in found.items() if not paths]
    if missing:
        raise FileNotFoundError(f"_toc.yml lists files that do not exist: {', '.join(missing)}")
    return [paths[0] for paths in found.values() if paths[0].suffix == ".ipynb"]


def tidy(path: Path) -> list[str]:
    """Tidy an executed notebook for its page (see the module docs); the absolute paths left in
    its outputs, as ``cell N: /path``."""
    nb = nbformat.read(path, as_version=4)
    hits = []
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        cell.source = "\n".join(line for line in lines if not NBVAL_MARKER.match(line))
        cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
        for output in cell.outputs:
            text = str(output.get("text", "")) + " ".join(
                str(value) for mime, value in output.get("data", {}).items() if "image" not in mime
            )
            hits += [f"cell {index}: {m}" for m in sorted(set(ABS_PATH.findall(text)))]
    nbformat.write(nb, path)
    return hits


def execute(src: Path, dst: Path, profile: str, timeout: int | None) -> None:
    """Run ``src`` with papermill into ``dst`` (relative paths: papermill records them)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        os.path.relpath(src),
        os.path.relpath(dst),
        parameters={"profile": profile},
        kernel_name=KERNEL,
        cwd=os.path.relpath(src.parent),
        progress_bar=False,
        execution_timeout=timeout,
    )


def failure(exc: BaseException) -> str:
    """One line: the failing cell and its error (papermill), or the exception's last line."""
    if getattr(exc, "ename", None):
        return f"cell [{getattr(exc, 'exec_count', '?')}]: {exc.ename}: {exc.evalue}"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}"


def vendor_mathjax(cache: Path, static: Path) -> str:
    """Unpack the pinned MathJax into ``static/mathjax`` (``npm pack`` into ``cache`` once);
    the path Sphinx's ``mathjax_path`` takes. RuntimeError when it cannot be had."""
    tgz = cache / f"mathjax-{MATHJAX_VERSION}.tgz"
    if not tgz.is_file():
        if shutil.which("npm") is None:
            raise RuntimeError("npm is not installed")
        cache.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "pack", f"mathjax@{MATHJAX_VERSION}", "--pack-destination", str(cache)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode or not tgz.is_file():
            raise RuntimeError(f"npm pack failed: {done.stderr.strip()[-300:]}")
    if hashlib.sha256(tgz.read_bytes()).hexdigest() != MATHJAX_SHA256:
        tgz.unlink()
        raise RuntimeError(f"{tgz.name} does not match its pinned sha256")
    dest = static / "mathjax"
    shutil.rmtree(dest, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        members = []
        for member in tar.getmembers():
            name = member.name.removeprefix("package/es5/")
            if member.name == "package/LICENSE" or name.startswith(MATHJAX_PARTS):
                member.name = "LICENSE" if member.name == "package/LICENSE" else name
                members.append(member)
        tar.extractall(dest, members=members, filter="data")
    return f"mathjax/{MATHJAX_ENTRY}"


def stage(root: Path, stage_dir: Path, mathjax_path: str | None) -> None:
    """Config, toc and the non-notebook sources beside the executed notebooks."""
    shutil.copy2(root / "_toc.yml", stage_dir / "_toc.yml")
    shutil.copytree(
        root / "book",
        stage_dir / "book",
        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"),
        dirs_exist_ok=True,
    )
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.get("sphinx") or {}
    for name, path in (sphinx.get("local_extensions") or {}).items():
        sphinx["local_extensions"][name] = str((root / path).resolve())
    if mathjax_path:
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = mathjax_path  # relative: served from _static
        sphinx["html_static_path"] = ["_static"]
    (stage_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="auto", choices=PROFILES)
    parser.add_argument("--build-dir", type=Path, default=ROOT / "_build")
    parser.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    parser.add_argument(
        "--mathjax",
        choices=("auto", "vendor", "cdn"),
        default="auto",
        help="vendor MathJax from npm (vendor: or fail; auto: else the CDN, with a warning)",
    )
    args = parser.parse_args(argv)
    build = args.build_dir.resolve()
    stage_dir, html, colab = build / "executed", build / "html", build / "colab"
    started = time.perf_counter()
    os.chdir(ROOT)
    # Kernels inherit this environment: an inherited MPLBACKEND=Agg would leave the pages
    # without figures; TensorFlow's C++ log is turned down.
    os.environ.pop("MPLBACKEND", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONHASHSEED", "0")

    notebooks = chapters(ROOT)
    override = os.environ.get("SPECTRAL_NB_PROFILE")
    note = f" (SPECTRAL_NB_PROFILE={override} overrides it)" if override else ""
    say(f"profile {args.profile}{note}; executing {len(notebooks)} notebook(s)")
    shutil.rmtree(stage_dir, ignore_errors=True)
    for number, src in enumerate(notebooks, 1):
        rel = src.relative_to(ROOT)
        dst = stage_dir / rel
        t0 = time.perf_counter()
        try:
            execute(src, dst, args.profile, args.cell_timeout)
        except Exception as exc:  # papermill, the kernel, a timeout: all stop the build
            say(f"FAILED {rel}: {failure(exc)}; the executed copy: {dst.relative_to(ROOT)}")
            return 1
        hits = tidy(dst)
        if hits:
            say(f"FAILED {rel}: absolute paths in its outputs: {'; '.join(hits[:5])}")
            return 1
        say(f"[{number}/{len(notebooks)}] {rel} in {time.perf_counter() - t0:.1f} s")

    shutil.rmtree(colab, ignore_errors=True)
    executed = [stage_dir / src.relative_to(ROOT) for src in notebooks]
    try:
        colab_notebooks.write_colab_notebooks(
            executed, colab, colab_cell.cell_source(ROOT), colab_notebooks.load_book(ROOT), say
        )
    except colab_notebooks.Unconvertible as exc:
        say(f"FAILED: Colab notebooks: {exc}")
        return 1

    mathjax_path = None
    if args.mathjax != "cdn":
        try:
            mathjax_path = vendor_mathjax(build / "vendor", stage_dir / "_static")
            say(f"MathJax {MATHJAX_VERSION} vendored into _static/mathjax")
        except (RuntimeError, OSError, tarfile.TarError, subprocess.SubprocessError) as exc:
            if args.mathjax == "vendor":
                say(f"FAILED: could not vendor MathJax: {exc}")
                return 1
            say(f"WARNING: could not vendor MathJax ({exc}): pages need its CDN to show math")
    stage(ROOT, stage_dir, mathjax_path)

    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.is_file() else "jupyter-book", "build", str(stage_dir)]
    cmd += ["--path-output", str(build / "jupyter-book"), "-W", "-n", "--keep-going"]
    if subprocess.run(cmd, check=False).returncode:
        say("FAILED: jupyter-book build (warnings are errors; paths under _build/executed/ are "
            "staged copies: fix the sources under book/)")
        return 1
    shutil.rmtree(html, ignore_errors=True)
    shutil.move(build / "jupyter-book" / "_build" / "html", html)
    say(f"done in {time.perf_counter() - started:.0f} s; open {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
