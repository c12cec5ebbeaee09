#!/usr/bin/env python3
"""Check the built HTML book the way a reader sees it: in a headless browser.

``python tools/browser_check.py _build/html --screenshots _build/screenshots``

Static checks, on every HTML page (no browser needed):

* every local link (``href``: pages, anchors, stylesheets, downloads) resolves to a file, and
  every ``#anchor`` into an HTML page names an ``id`` that exists there;
* every local ``<img src>`` and ``<script src>`` resolves to a file.

Rendered checks, on every content page (all pages but the index redirect, genindex and search),
with Debian's headless Chromium driving a page served from a local ``http.server``:

* the page finished loading and reported back (a small probe script is injected into each page
  as it is served; it never touches the files) -- every ``<img>`` decoded with a non-zero
  ``naturalWidth``;
* no request for a local file failed (404);
* math rendered: every element Sphinx marked as math holds an ``mjx-container``, MathJax shows
  no error node, and no raw TeX (``$$``, ``\\(``, ``\\[``, ``\\begin{``, ``$..\\cmd..$``) is left
  in the visible text outside code;
* one PNG screenshot per page (1280 x 2000) in ``--screenshots``.

External hosts are unreachable for the browser by default (``--allow-network`` lifts that), so a
page that only renders with a CDN fails here exactly as it would for an offline reader.

Exit status: 0 when every check passes, 1 with a list of the failures otherwise. Without a
Chromium binary the rendered checks print ``SKIPPED: chromium not installed`` and do not fail
the run (the static checks still do). Python standard library only.
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
import time
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
)
NOT_CONTENT = {"index.html", "genindex.html", "search.html", "py-modindex.html"}
SKIP_TREES = ("_static/", "_sources/", "_images/", "_downloads/")
PROBE_ID = "spectral-nb-browser-check"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
NOT_PROSE = {
    "pre",
    "code",
    "script",
    "style",
    "textarea",
    "kbd",
    "samp",
    "noscript",
    "svg",
    "mjx-container",
    "math",
    "template",
    "title",
}
RAW_TEX = (
    ("$$", re.compile(r"\$\$")),
    (r"\(", re.compile(r"\\\(")),
    (r"\[", re.compile(r"\\\[")),
    (r"\begin{", re.compile(r"\\begin\{")),
    ("$...\\cmd...$", re.compile(r"\$[^$\n]{0,80}\\[A-Za-z]+[^$\n]{0,80}\$")),
)

# Injected before </body> of every served page: waits for the page and MathJax, then writes its
# findings into the DOM, where --dump-dom shows them.
PROBE = """<script>(function () {
  function finish(images) {
    var out = {
      images: images,
      mjx: document.querySelectorAll("mjx-container").length,
      mathjaxErrors: Array.prototype.map.call(
        document.querySelectorAll("mjx-merror, [data-mjx-error]"),
        function (e) { return e.getAttribute("data-mjx-error") || e.textContent; }),
      mathjax: (window.MathJax && window.MathJax.version) || null,
      external: performance.getEntriesByType("resource")
        .map(function (r) { return r.name; })
        .filter(function (u) { return u.indexOf(location.origin) !== 0; })
    };
    var el = document.createElement("script");
    el.type = "application/json";
    el.id = "@PROBE_ID@";
    el.textContent = JSON.stringify(out);
    document.body.appendChild(el);
  }
  function checkImages() {
    var imgs = Array.prototype.slice.call(document.images);
    var state = function (img) {
      var src = img.currentSrc || img.src;
      return {src: src, ok: img.naturalWidth > 0 || /\\.svg([?#]|$)/i.test(src)};
    };
    var decoded = Promise.all(imgs.map(function (img) {
      img.loading = "eager";
      return img.decode().then(function () { return state(img); },
                               function () { return {src: img.currentSrc || img.src, ok: false}; });
    }));
    // decode() of an image far below the fold can stay pending in headless virtual time:
    // after 3 s, judge every image by what has loaded (naturalWidth), which is as strict.
    var settled = new Promise(function (resolve) {
      setTimeout(function () { resolve(imgs.map(state)); }, 3000);
    });
    return Promise.race([decoded, settled]);
  }
  window.addEventListener("load", function () {
    var mj = window.MathJax;
    var started = (mj && mj.startup && mj.startup.promise) || Promise.resolve();
    // A MathJax that never settles is reported by the math checks (formulas left raw).
    var ready = Promise.race([started, new Promise(function (r) { setTimeout(r, 8000); })]);
    ready.then(function () {}, function () {}).then(checkImages).then(finish, function (e) {
      finish([{src: "probe error: " + e, ok: false}]);
    });
  });
})();</script>
""".replace("@PROBE_ID@", PROBE_ID)


# --------------------------------------------------------------------------- HTML parsing
class PageIndex(HTMLParser):
    """Ids, links and sources of one HTML file (static check)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute kind, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag in ("a", "link", "area") and attrs.get("href"):
            self.links.append(("href", attrs["href"]))
        if tag in ("img", "script", "source", "iframe") and attrs.get("src"):
            self.links.append(("src", attrs["src"]))


class RenderedPage(HTMLParser):
    """What a rendered DOM (chromium --dump-dom) shows: math, prose text, the probe's report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.unrendered: list[str] = []
        self.prose: list[str] = []
        self.math_elements = 0
        self.probe_text: list[str] | None = None
        self._probe_depth: int | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mjx-container":
            for frame in self.stack:
                if frame["math"]:
                    frame["rendered"] = True
        if tag in VOID:
            return
        classes = (attrs.get("class") or "").split()
        frame = {
            "tag": tag,
            "math": "math" in classes,
            "rendered": False,
            "text": [],
            "prose": tag not in NOT_PROSE and "highlight" not in classes,
        }
        if frame["math"]:
            self.math_elements += 1
        if tag == "script" and attrs.get("id") == PROBE_ID:
            self.probe_text = []
            self._probe_depth = len(self.stack)
        self.stack.append(frame)

    def handle_startendtag(self, tag, attrs):
        if tag == "mjx-container":
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID or not any(f["tag"] == tag for f in self.stack):
            return
        while self.stack:
            frame = self.stack.pop()
            if self._probe_depth is not None and len(self.stack) == self._probe_depth:
                self._probe_depth = None
            if frame["math"] and not frame["rendered"]:
                text = " ".join("".join(frame["text"]).split())
                self.unrendered.append(text[:120])
            if frame["tag"] == tag:
                break

    def handle_data(self, data):
        if self._probe_depth is not None and self.probe_text is not None:
            self.probe_text.append(data)
            return
        for frame in self.stack:
            if frame["math"] and not frame["rendered"]:
                frame["text"].append(data)
        if all(frame["prose"] and not frame["math"] for frame in self.stack):
            self.prose.append(data)

    @property
    def probe(self) -> dict | None:
        if self.probe_text is None:
            return None
        try:
            return json.loads("".join(self.probe_text))
        except json.JSONDecodeError:
            return None


# --------------------------------------------------------------------------- static checks
def html_pages(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.html") if not p.relative_to(root).as_posix().startswith(SKIP_TREES)
    )


def content_pages(root: Path) -> list[Path]:
    return [p for p in html_pages(root) if p.relative_to(root).as_posix() not in NOT_CONTENT]


def static_check(root: Path) -> list[str]:
    """Broken local links, anchors, images and scripts across every HTML page."""
    pages = html_pages(root)
    index: dict[Path, PageIndex] = {}
    for page in pages:
        parser = PageIndex()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        index[page.resolve()] = parser

    def ids_of(path: Path) -> set[str]:
        if path not in index:
            parser = PageIndex()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            index[path] = parser
        return index[path].ids

    problems = []
    for page in pages:
        rel = page.relative_to(root).as_posix()
        for kind, url in index[page.resolve()].links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path))
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root.resolve()):
                problems.append(f"{rel}: {kind} {url!r} points outside the site")
                continue
            if not target.is_file():
                missing = target.relative_to(root.resolve())
                problems.append(f"{rel}: broken {kind} {url!r} (no file {missing})")
                continue
            fragment = unquote(parts.fragment)
            if kind == "href" and fragment and target.suffix == ".html":
                if fragment not in ids_of(target):
                    problems.append(f"{rel}: broken anchor {url!r} (no id {fragment!r})")
    return problems


# --------------------------------------------------------------------------- serving
class Handler(SimpleHTTPRequestHandler):
    """Serves the site, injects the probe into HTML pages and records failed requests."""

    failures: list[str]
    lock: threading.Lock

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            body = path.read_bytes()
            cut = body.rfind(b"</body>")
            probe = PROBE.encode()
            body = body[:cut] + probe + body[cut:] if cut >= 0 else body + probe
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_request(self, code="-", size="-"):
        code = int(code) if str(code).isdigit() else 0
        if code >= 400 and urlsplit(self.path).path != "/favicon.ico":
            with self.lock:
                self.failures.append(f"HTTP {code} {urlsplit(self.path).path}")

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


class Site:
    """The HTML folder served on 127.0.0.1 (free port) in a background thread."""

    def __init__(self, root: Path) -> None:
        handler = type("BoundHandler", (Handler,), {"failures": [], "lock": threading.Lock()})
        self.handler = handler
        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def take_failures(self) -> list[str]:
        with self.handler.lock:
            out, self.handler.failures[:] = list(self.handler.failures), []
        return out


# --------------------------------------------------------------------------- rendering
def find_chromium(explicit: str | None) -> str | None:
    for name in (
        ([explicit] if explicit else []) + [os.environ.get("CHROMIUM", "")] + list(CHROMIUM_NAMES)
    ):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def render(
    chromium: str,
    url: str,
    screenshot: Path | None,
    budget_ms: int,
    allow_network: bool,
    timeout: int,
) -> tuple[str, str]:
    """The DOM after the page's scripts ran (and a screenshot); (dom, error or '')."""
    with tempfile.TemporaryDirectory(prefix="browser-check-") as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--window-size=1280,2000",
        ]
        if not allow_network:
            cmd.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        if screenshot is not None:
            cmd.append(f"--screenshot={screenshot}")
        cmd += ["--dump-dom", url]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=profile
            )
        except subprocess.TimeoutExpired:
            return "", f"chromium did not finish within {timeout} s"
    if proc.returncode != 0 or "<html" not in proc.stdout:
        noise = ("dbus", "unexpected operator", "bytes written", "Fontconfig")
        tail = [line for line in proc.stderr.splitlines() if not any(n in line for n in noise)]
        return proc.stdout, f"chromium exited {proc.returncode}: {' | '.join(tail[-3:])}"
    return proc.stdout, ""


def rendered_check(
    root: Path,
    pages: list[Path],
    chromium: str,
    shots: Path | None,
    budget_ms: int,
    allow_network: bool,
    timeout: int,
) -> tuple[list[str], list]:
    problems: list[str] = []
    notes: list[str] = []
    if shots is not None:
        shots = shots.resolve()  # chromium runs in its profile folder
        shots.mkdir(parents=True, exist_ok=True)
    with Site(root) as site:
        for page in pages:
            rel = page.relative_to(root).as_posix()
            started = time.perf_counter()
            name = rel.removesuffix(".html").replace("/", "__") + ".png"
            shot = shots / name if shots is not None else None
            dom, error = render(chromium, site.base + rel, shot, budget_ms, allow_network, timeout)
            found = [f"{rel}: {error}"] if error else []
            found += [f"{rel}: {failure}" for failure in site.take_failures()]
            if shot is not None and not error and not shot.is_file():
                found.append(f"{rel}: chromium wrote no screenshot {shot}")
            parsed = RenderedPage()
            parsed.feed(dom)
            parsed.close()
            probe = parsed.probe
            if probe is None and not error:
                found.append(
                    f"{rel}: the page did not finish loading within the "
                    f"{budget_ms} ms virtual-time budget (no probe report)"
                )
            for image in (probe or {}).get("images", []):
                if not image.get("ok"):
                    found.append(f"{rel}: image failed to load: {image.get('src')}")
            for err in (probe or {}).get("mathjaxErrors", []):
                found.append(f"{rel}: MathJax error: {err}")
            if parsed.unrendered:
                mathjax = (probe or {}).get("mathjax")
                why = "" if mathjax else " (MathJax did not load: offline without a vendored copy?)"
                found.append(
                    f"{rel}: {len(parsed.unrendered)} of {parsed.math_elements} math "
                    f"element(s) not rendered{why}, e.g. {parsed.unrendered[0]!r}"
                )
            text = "".join(parsed.prose)
            for label, pattern in RAW_TEX:
                match = pattern.search(text)
                if match:
                    snippet = " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())
                    found.append(f"{rel}: raw TeX {label!r} left in the text: ...{snippet}...")
            external = (probe or {}).get("external", [])
            if external:
                notes.append(f"{rel}: requested external resources: {', '.join(external[:5])}")
            status = "FAIL" if found else "ok  "
            count = (probe or {}).get("mjx", 0)
            print(
                f"  {status} {rel}: {len((probe or {}).get('images', []))} image(s), "
                f"{count} rendered formula(s) [{time.perf_counter() - started:.1f} s]",
                flush=True,
            )
            problems += found
    return problems, notes


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path, help="the built site, e.g. _build/html")
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="folder for one PNG per content page"
    )
    parser.add_argument("--chromium", default=None, help="browser binary (default: search PATH)")
    parser.add_argument(
        "--budget-ms",
        type=int,
        default=10000,
        help="chromium --virtual-time-budget per page (default 10000)",
    )
    parser.add_argument(
        "--timeout", type=int, default=180, help="wall-clock seconds allowed per page (default 180)"
    )
    parser.add_argument(
        "--allow-network", action="store_true", help="let the browser reach external hosts (CDNs)"
    )
    args = parser.parse_args(argv)

    root = args.html_dir.resolve()
    if not (root / "index.html").is_file():
        print(
            f"browser_check: FAILED: {args.html_dir}/index.html does not exist "
            "(build the book first: make book-html)"
        )
        return 1

    print(f"browser_check: static checks of {len(html_pages(root))} HTML page(s) ...", flush=True)
    problems = static_check(root)
    notes: list[str] = []

    chromium = find_chromium(args.chromium)
    pages = content_pages(root)
    if chromium is None:
        print(
            "browser_check: SKIPPED: chromium not installed; the rendered checks (images, "
            "math, screenshots) did not run. Install it with `make chromium` "
            "(Debian: apt-get install chromium)."
        )
    else:
        print(f"browser_check: rendering {len(pages)} page(s) with {chromium} ...", flush=True)
        found, notes = rendered_check(
            root,
            pages,
            chromium,
            args.screenshots,
            args.budget_ms,
            args.allow_network,
            args.timeout,
        )
        problems += found
        if args.screenshots is not None:
            print(f"browser_check: screenshots in {args.screenshots}")

    problems = list(dict.fromkeys(problems))  # a repeated tag reports once
    for note in notes:
        print(f"browser_check: note: {note}")
    if problems:
        print(f"browser_check: FAILED, {len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    if chromium is None:
        print("browser_check: static checks passed; rendered checks SKIPPED (no chromium)")
    else:
        print("browser_check: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
