#!/usr/bin/env python3
"""Check the built book the way a reader sees it: every page in headless Chromium.

``python tools/browser_check.py _build/html --screenshots _build/screenshots``

Static checks, every HTML page (BeautifulSoup, no browser): each local link, stylesheet, image
and script resolves to a file, and each ``#anchor`` into a page names an ``id`` there.

Rendered checks, every content page, served by the standard library's ``http.server`` and
loaded by Debian's ``chromium --headless`` (``--dump-dom`` and ``--screenshot``):

* the page loads and reports back: a probe script, added to each page as it is served, waits
  for MathJax and the images and writes what it found into the DOM;
* every ``<img>`` decodes (``naturalWidth > 0``) and no request for a local file fails (404);
* every table fits the text column at the screenshots' width (none runs off to the right);
* math is rendered: every element Sphinx marks as math holds MathJax output, MathJax shows no
  error, and no raw TeX (``$$``, ``\\(``, ``\\[``, ``\\begin{``, ``$..\\cmd..$``) is left in
  the prose;
* one PNG screenshot per page (1280 x 2000).

External hosts are unreachable for the browser (``--allow-network`` lifts that), so a page
that needs a CDN fails here as it would for an offline reader. Exit status 1 lists every
failure. Without a Chromium the rendered checks print ``SKIPPED`` and do not fail the run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
    "--window-size=1280,2000",
)
NOT_CONTENT = {"index.html", "genindex.html", "search.html", "py-modindex.html"}
SKIP_TREES = ("_static/", "_sources/", "_images/", "_downloads/")
LINKS = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src"}
NOT_PROSE = "pre, code, script, style, textarea, kbd, samp, noscript, svg, math, title, .highlight"
PROBE_ID = "spectral-nb-browser-check"
RAW_TEX = (
    ("$$", re.compile(r"\$\$")),
    (r"\(", re.compile(r"\\\(")),
    (r"\[", re.compile(r"\\\[")),
    (r"\begin{", re.compile(r"\\begin\{")),
    ("$...\\cmd...$", re.compile(r"\$[^$\n]{0,80}\\[A-Za-z]+[^$\n]{0,80}\$")),
)
# Added before </body> of every served page: once the page, MathJax and the images settle,
# writes what it found into the DOM as JSON, where --dump-dom shows it.
PROBE = """<script>window.addEventListener("load", function () {
  var mj = window.MathJax;
  var wait = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  var images = Array.prototype.slice.call(document.images);
  var state = function (img) { var src = img.currentSrc || img.src;
    return {src: src, ok: img.naturalWidth > 0 || /\\.svg([?#]|$)/i.test(src)}; };
  images.forEach(function (img) { img.loading = "eager"; });
  Promise.race([(mj && mj.startup && mj.startup.promise) || Promise.resolve(), wait(8000)])
    .catch(function () {})
    .then(function () { return Promise.race([Promise.all(images.map(function (img) {
      return img.decode().catch(function () {}); })), wait(3000)]); })
    .then(function () {
      var out = document.createElement("script");
      out.type = "application/json"; out.id = "@ID@";
      var column = document.querySelector("article") || document.body;
      var right = column.getBoundingClientRect().right + 2;
      var wide = Array.prototype.filter.call(column.querySelectorAll("table"), function (t) {
        return t.getBoundingClientRect().right > right; }).map(function (t) {
        var head = t.querySelector("caption, th, td");
        return {table: head ? head.textContent.trim().slice(0, 60) : "",
                width: Math.round(t.getBoundingClientRect().width),
                column: Math.round(column.getBoundingClientRect().width)}; });
      out.textContent = JSON.stringify({
        wide_tables: wide,
        images: images.map(state),
        mathjax: (mj && mj.version) || null,
        errors: Array.prototype.map.call(document.querySelectorAll("mjx-merror"),
                                         function (e) { return e.textContent; })});
      document.body.appendChild(out);
    });
});</script>""".replace("@ID@", PROBE_ID)


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")


def html_pages(root: Path) -> list[Path]:
    pages = root.rglob("*.html")
    return sorted(p for p in pages if not p.relative_to(root).as_posix().startswith(SKIP_TREES))


# --------------------------------------------------------------------------- static
def static_check(root: Path) -> list[str]:
    """Broken local links, anchors, images and scripts across every HTML page."""
    root = root.resolve()

    @functools.cache
    def ids(path: Path) -> frozenset[str]:
        soup = soup_of(path)
        named = [a["name"] for a in soup.find_all("a", attrs={"name": True})]
        return frozenset([t["id"] for t in soup.find_all(id=True)] + named)

    problems = []
    for page in html_pages(root):
        rel = page.relative_to(root).as_posix()
        for tag in soup_of(page).find_all(list(LINKS)):
            url = tag.get(LINKS[tag.name])
            parts = urlsplit(url or "")
            if not url or parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                problems.append(f"{rel}: broken {tag.name} {url!r} (no such file in the site)")
            elif parts.fragment and target.suffix == ".html" and tag.name == "a":
                if unquote(parts.fragment) not in ids(target.resolve()):
                    problems.append(f"{rel}: broken anchor {url!r}")
    return problems


# --------------------------------------------------------------------------- rendered
def read_dom(dom: str) -> dict:
    """What a rendered page shows: the probe's report, math left unrendered, the prose text."""
    soup = BeautifulSoup(dom, "html.parser")
    probe = soup.find(id=PROBE_ID)
    math = soup.select(".math")
    report = {
        "probe": json.loads(probe.string) if probe is not None and probe.string else None,
        "math": len(math),
        "unrendered": [
            " ".join(m.get_text().split())[:120] for m in math if not m.select("mjx-container")
        ],
    }
    for tag in soup.select(NOT_PROSE) + soup.select("mjx-container") + math:
        if not tag.decomposed:
            tag.decompose()
    report["prose"] = soup.get_text()
    return report


class Handler(SimpleHTTPRequestHandler):
    """Serves the site with the probe added to HTML pages; remembers failed requests."""

    failures: list[str] = []

    def send_head(self):
        path = Path(self.translate_path(self.path))
        path = path / "index.html" if path.is_dir() else path
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_bytes().replace(b"</body>", PROBE.encode() + b"</body>", 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400 and not self.path.endswith("favicon.ico"):
            self.failures.append(f"HTTP {code} {urlsplit(self.path).path}")

    def log_message(self, *args):
        pass


def page_problems(rel: str, page: dict, error: str, failures: list[str]) -> list[str]:
    """Everything wrong with one rendered page (``page``: what :func:`read_dom` found)."""
    found = [f"{rel}: {error}"] if error else []
    found += [f"{rel}: {failure}" for failure in failures]
    probe = page["probe"]
    if probe is None:
        return [*found, f"{rel}: the page did not finish loading (no probe report)"]
    found += [f"{rel}: image failed to load: {i['src']}" for i in probe["images"] if not i["ok"]]
    found += [f"{rel}: MathJax error: {e}" for e in probe["errors"]]
    found += [
        f"{rel}: a table runs off the text column ({t['width']} px wide, the column "
        f"{t['column']} px): {t['table']!r}; drop columns or say shared facts in prose"
        for t in probe.get("wide_tables", [])
    ]
    if page["unrendered"]:
        why = "" if probe["mathjax"] else " (MathJax did not load)"
        found.append(
            f"{rel}: {len(page['unrendered'])} of {page['math']} formulas not rendered{why}, "
            f"e.g. {page['unrendered'][0]!r}"
        )
    for label, pattern in RAW_TEX:
        match = pattern.search(page["prose"])
        if match:
            snippet = " ".join(page["prose"][max(0, match.start() - 40) : match.end() + 40].split())
            found.append(f"{rel}: raw TeX {label!r} in the text: ...{snippet}...")
    return found


def rendered_check(root: Path, chromium: str, shots: Path | None, args) -> list[str]:
    handler = type("PageHandler", (Handler,), {"failures": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        for page in html_pages(root):
            rel = page.relative_to(root).as_posix()
            if rel in NOT_CONTENT:
                continue
            with tempfile.TemporaryDirectory(prefix="browser-check-") as profile:
                cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
                cmd += [f"--virtual-time-budget={args.budget_ms}", "--dump-dom", base + rel]
                if not args.allow_network:
                    cmd.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
                if shots is not None:
                    name = rel.removesuffix(".html").replace("/", "__") + ".png"
                    cmd.append(f"--screenshot={shots / name}")
                try:
                    done = subprocess.run(
                        cmd, capture_output=True, text=True, timeout=args.timeout, cwd=profile
                    )
                    dom = done.stdout
                    error = "" if done.returncode == 0 else f"chromium exited {done.returncode}"
                except subprocess.TimeoutExpired:
                    dom, error = "", f"chromium did not finish within {args.timeout} s"
            failures, handler.failures[:] = list(handler.failures), []
            page_seen = read_dom(dom)
            found = page_problems(rel, page_seen, error, failures)
            if shots is not None and not (shots / name).is_file():
                found.append(f"{rel}: no screenshot was written")
            images = len((page_seen["probe"] or {}).get("images", []))
            print(
                f"  {'FAIL' if found else 'ok  '} {rel}: {images} image(s), "
                f"{page_seen['math'] - len(page_seen['unrendered'])} formula(s) rendered",
                flush=True,
            )
            problems += found
    finally:
        server.shutdown()
        server.server_close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path, help="the built site, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, help="folder for one PNG per page")
    parser.add_argument("--chromium", help="browser binary (default: found on PATH)")
    parser.add_argument("--budget-ms", type=int, default=10000, help="virtual time per page")
    parser.add_argument("--timeout", type=int, default=180, help="wall-clock seconds per page")
    parser.add_argument("--allow-network", action="store_true", help="let pages reach CDNs")
    args = parser.parse_args(argv)
    root = args.html_dir.resolve()
    if not (root / "index.html").is_file():
        print(f"browser_check: FAILED: no {args.html_dir}/index.html (build the book first)")
        return 1

    print(f"browser_check: static checks of {len(html_pages(root))} page(s)", flush=True)
    problems = static_check(root)
    names = [args.chromium] if args.chromium else [os.environ.get("CHROMIUM", ""), *CHROMIUM_NAMES]
    chromium = next((shutil.which(n) for n in names if n and shutil.which(n)), None)
    if chromium is None:
        print("browser_check: SKIPPED the rendered checks: no chromium (make chromium)")
    else:
        shots = args.screenshots.resolve() if args.screenshots else None
        if shots is not None:
            shutil.rmtree(shots, ignore_errors=True)
            shots.mkdir(parents=True)
        print(f"browser_check: rendering the pages with {chromium}", flush=True)
        problems += rendered_check(root, chromium, shots, args)
    problems = list(dict.fromkeys(problems))
    if problems:
        print(f"browser_check: FAILED, {len(problems)} problem(s):")
        print("\n".join(f"  - {problem}" for problem in problems))
        return 1
    print("browser_check: all checks passed" + (" (static only)" if chromium is None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
