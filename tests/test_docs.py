"""The documentation site: it builds with warnings as errors, offline, and no link in it is
broken.

The build is ``sphinx-build -W --keep-going -b html docs <tmp>`` (the tutorials come from
the outputs stored in notebooks/: nothing is executed). The site is then served on
127.0.0.1 and opened in Debian's Chromium, headless, driven by Playwright; every page that
a link inside the site reaches is visited, and every link (with its anchor), stylesheet,
script and image it uses must resolve. Requests to any other host are refused, so the pages
are checked as they work offline.

Outside CI, the build is skipped with the reason when Sphinx and the docs extra are not
installed, and the browser test when Chromium or Playwright is missing; under CI=true both
must run.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DOCS_MODULES = ("sphinx", "myst_parser", "myst_nb", "pydata_sphinx_theme", "numpydoc")
BUILD_TIMEOUT = 600
# every page the toctree must hold: a missing one is a regression, not an empty crawl
PAGES = ["index.html", "getting-started.html", "guide/index.html", "guide/language.html",
         "guide/layouts.html", "guide/structured.html", "guide/hessians.html",
         "guide/spectral.html", "guide/equations.html", "guide/ml.html",
         "guide/checking.html", "guide/latex.html", "guide/frontends.html",
         "guide/codegen.html", "guide/references.html", "tutorials/index.html",
         "api/index.html", "changelog.html", "contributing.html", "benchmarks.html"] + [
    f"tutorials/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("[01]*.ipynb"))]


def _missing(modules) -> str | None:
    for mod in modules:
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (pip install -e '.[docs]')"
    return None


def _needs(reason: str | None):
    if reason and IN_CI:
        raise RuntimeError(f"the docs tests must run under CI, but {reason}")
    return pytest.mark.skipif(reason is not None, reason=reason or "")


_no_sphinx = _missing(DOCS_MODULES)


def _chromium() -> str | None:
    return os.environ.get("MATDIFF_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")


def _no_browser() -> str | None:
    if _chromium() is None:
        return "no Chromium found (apt-get install chromium)"
    return _missing(["playwright"])


def build(out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
           "-d", str(out.parent / "doctrees"), str(DOCS), str(out)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    start = time.perf_counter()
    done = build(out)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout[-4000:]}\n" \
                                 f"{done.stderr[-6000:]}"
    from conftest import SUMMARY_LINES
    SUMMARY_LINES.append(f"docs: sphinx-build -W built {len(PAGES)} pages in {elapsed:.1f} s")
    return out


@_needs(_no_sphinx)
def test_docs_build_with_warnings_as_errors(site):
    missing = [p for p in PAGES if not (site / p).is_file()]
    assert not missing, missing
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("matdiff_magic.derive", "matdiff_magic.Derivation", "matdiff_magic.Step",
                 "matdiff_magic.CheckResult", "matdiff_magic.Verdict", "matdiff_magic.MatdiffError",
                 "matdiff_magic.assert_derivative", "matdiff_magic.load_ipython_extension"):
        assert f'id="{name}"' in api, name
    # numpydoc sections, rendered (not left as raw "Parameters\n----------")
    assert "Parameters" in api and "----------" not in api
    # the tutorials show their stored outputs, never executed here
    worked = (site / "tutorials" / "03_differential_method_worked.html").read_text("utf-8")
    assert re.search(r'class="matdiff-result-plain"[^>]*>∂vec Z/∂\(vec X\)ᵀ = XᵀY ⊗ I_m '
                     r"\+ I_n ⊗ XYᵀ", worked)
    assert "passed: True ; method: full" in worked


# --- the link checker ------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _HTTPServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):   # the browser moved on
            super().handle_error(request, client_address)


class _Server:
    """A static file server for ``root`` on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = _HTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


_PAGE_INFO = """() => ({
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id)
         .concat(Array.from(document.querySelectorAll('a[name]')).map(e => e.name)),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    resources: Array.from(document.querySelectorAll(
        'img[src], script[src], link[rel~="stylesheet"][href], link[rel~="icon"][href]'))
        .map(e => e.src || e.href),
})"""


def crawl(root: Path, start: str = "index.html") -> dict:
    """Visit every page of the site in ``root`` reachable from ``start`` through links inside
    the site; return the pages visited, the links checked and the broken ones."""
    from playwright.sync_api import sync_playwright

    broken: list[str] = []
    pages: dict[str, set[str]] = {}          # page URL -> ids in it
    anchors: list[tuple[str, str, str]] = []  # (from page, target page, fragment)
    others: set[str] = set()                  # non-HTML targets: files to fetch
    with _Server(root) as server, sync_playwright() as p:
        origin = server.url.rstrip("/")
        browser = p.chromium.launch(executable_path=_chromium(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            # offline: only the site itself is reachable
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(origin) else route.abort())
            failed: list[str] = []
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
                    if r.url.startswith(origin) and r.status >= 400 else None)
            page.on("requestfailed", lambda r: failed.append(f"failed {r.url}")
                    if r.url.startswith(origin) else None)
            queue = [urllib.parse.urljoin(server.url, start)]
            while queue:
                url = queue.pop()
                if url in pages:
                    continue
                response = page.goto(url, wait_until="load")
                if response is None or response.status != 200:
                    broken.append(f"{url}: status {response and response.status}")
                    pages[url] = set()
                    continue
                info = page.evaluate(_PAGE_INFO)
                pages[url] = set(info["ids"])
                for res in info["resources"]:
                    if res.startswith(origin):
                        others.add(res.split("#")[0])
                for href in info["links"]:
                    if not href.startswith(origin):
                        continue                  # outside the site: not followed
                    target, _, fragment = href.partition("#")
                    path = urllib.parse.urlparse(target).path
                    if path.endswith((".html", "/")):
                        if target.endswith("/"):
                            target += "index.html"
                        queue.append(target)
                        if fragment:
                            anchors.append((url, target, urllib.parse.unquote(fragment)))
                    else:
                        others.add(target)
            broken += failed
        finally:
            browser.close()
        for target in sorted(others):
            try:
                with urllib.request.urlopen(target, timeout=10) as r:
                    if r.status != 200:
                        broken.append(f"{target}: status {r.status}")
            except urllib.error.URLError as exc:
                broken.append(f"{target}: {exc}")
    for source, target, fragment in anchors:
        if target in pages and fragment not in pages[target]:
            broken.append(f"{source} -> {target}#{fragment}: no such anchor")
    return {"pages": pages, "anchors": anchors, "others": others, "broken": broken}


@_needs(_no_sphinx or _no_browser())
def test_every_link_inside_the_site_resolves_in_chromium(site):
    found = crawl(site)
    assert not found["broken"], "\n".join(found["broken"])
    visited = {urllib.parse.urlparse(u).path.lstrip("/") for u in found["pages"]}
    assert set(PAGES) <= visited, sorted(set(PAGES) - visited)
    assert len(found["anchors"]) > 100, len(found["anchors"])   # the in-page tables of contents
    from conftest import SUMMARY_LINES
    SUMMARY_LINES.append(f"docs: {len(found['pages'])} pages, {len(found['anchors'])} anchors "
                         f"and {len(found['others'])} files checked in Chromium, none broken")


@_needs(_no_sphinx or _no_browser())
def test_a_tutorial_shows_the_static_derivation_in_chromium(site):
    """The notebooks store the static rendering of each derivation next to an empty widget
    output; on the site (no widget is rendered) the static one must be visible."""
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file:") else route.abort())
            page.goto((site / "tutorials" / "03_differential_method_worked.html").as_uri())
            result = page.locator(".matdiff-static .matdiff-result-plain").first
            expect(result).to_be_visible()
            expect(result).to_contain_text("XᵀY ⊗ I_m + I_n ⊗ XYᵀ")
            expect(page.locator(".matdiff-static .matdiff-badge").first).to_be_visible()
        finally:
            browser.close()


@_needs(_no_browser())
def test_the_link_checker_reports_a_missing_page_anchor_and_file(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><body><a href="b.html#there">b</a> <a href="gone.html">gone</a> '
        '<a href="#top">top</a><span id="top"></span> <img src="missing.png">'
        '<a href="https://example.org/">outside</a></body></html>')
    (tmp_path / "b.html").write_text('<html><body id="b"><a href="index.html#top">back</a>'
                                     '<a href="index.html#nowhere">x</a></body></html>')
    found = crawl(tmp_path)
    broken = "\n".join(found["broken"])
    assert "gone.html: status 404" in broken
    assert "b.html#there: no such anchor" in broken
    assert "index.html#nowhere: no such anchor" in broken
    assert "missing.png" in broken
    assert "#top" not in broken and "example.org" not in broken
    assert len(found["pages"]) == 3


def _conf():
    """docs/conf.py as a module, for its helpers."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("matdiff_docs_conf", DOCS / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_contributing_page_fits_contributing_md_links_to_the_site():
    conf = _conf()
    page = (DOCS / "contributing.md").read_text(encoding="utf-8")
    assert conf.contributing_source(page, None) == page      # no CONTRIBUTING.md: the page
    guide = ("# Contributing\n\nSee [the language](docs/guide/language.md#operators), "
             "[the changelog](CHANGELOG.md#unreleased), [tests](tests/test_docs.py#L3), "
             "[upstream](https://example.org/x), [below](#setup), "
             "[notebook 2](notebooks/02_vectorization_toolbox.ipynb) and "
             "![shot](docs/screenshot.png).\n\n## Setup\n")
    out = conf.contributing_source(page, guide)
    assert out.startswith("# Contributing\n")
    assert "[the language](guide/language.md#operators)" in out
    assert "[the changelog](changelog.md#unreleased)" in out
    assert "tests (`tests/test_docs.py`)" in out
    assert "[upstream](https://example.org/x)" in out and "[below](#setup)" in out
    assert "[notebook 2](../notebooks/02_vectorization_toolbox.ipynb)" in out
    assert "![shot](screenshot.png)" in out
    assert out.count("\n# ") == 0 and "## Development" in out   # one title, then the page's
    # and the notebook link becomes a link to the tutorial page
    linked = conf.tutorial_links(out, DOCS, DOCS / "tutorials")
    assert "{doc}`notebook 2 </tutorials/02_vectorization_toolbox>`" in linked


# --- the README --------------------------------------------------------------------------

README = ROOT / "README.md"
_MD_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """The anchor a code host (and MyST's heading anchors) gives a Markdown heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def test_readme_is_short_and_its_relative_links_resolve():
    raw = README.read_bytes()
    assert len(raw) < 8000, len(raw)
    text = raw.decode("utf-8")
    links = [t for t in _MD_LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]
    assert len(links) >= 10, links     # the README links into the docs for everything else
    bad = []
    for link in links:
        path, _, anchor = link.partition("#")
        target = (ROOT / path) if path else README
        if not target.is_file():
            bad.append(link)
        elif anchor:
            heads = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            if anchor not in {_slug(h) for h in heads}:
                bad.append(link)
    assert not bad, bad


def test_readme_keeps_the_two_quickstart_commands():
    text = README.read_text(encoding="utf-8")
    assert 'pip install -e . && matdiff "X Y\' X" --wrt X --shape "X, Y: m x n" --check' in text
    assert 'pip install -e ".[test,browser,notebooks]" && python -m pytest --nbval tests ' \
           'notebooks' in text


def test_readme_error_example_is_what_the_command_line_prints():
    import shlex
    text = README.read_text(encoding="utf-8")
    command = re.search(r"```bash\n(matdiff [^\n]*)\n```", text).group(1)
    shown = re.search(r"```text\n(matdiff: error: .*?)\n```", text, re.S).group(1)
    proc = subprocess.run([sys.executable, "-m", "matdiff_magic", *shlex.split(command)[1:]],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.rstrip("\n") == shown


def test_readme_notebook_step_opens_a_notebook_with_the_magic_loaded():
    """The quickstart's notebook command: the jupyter extra brings JupyterLab, and the
    notebook it opens loads the magic first and runs, its stored outputs those of a fresh
    run."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    text = README.read_text(encoding="utf-8")
    command = 'pip install -e ".[jupyter]" && jupyter lab examples/quickstart.ipynb'
    assert command in text
    extras = re.search(r"^jupyter = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(),
                       re.S | re.M).group(1)
    assert '"jupyterlab>=' in extras and '"ipykernel>=' in extras, extras
    path = ROOT / "examples" / "quickstart.ipynb"
    stored = nbformat.read(path, as_version=4)
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert code[0].source.strip() == "%load_ext matdiff_magic"
    assert any(c.source.startswith("%%matdiff") for c in code[1:])
    fresh = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(fresh, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()

    def plain(nb):
        return [_mask_errors("".join(str(o.get("data", {}).get("text/plain", o.get("text", "")))
                                     for o in c.outputs))
                for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    assert plain(fresh) == plain(stored)
    assert "claim NEEDS-SYMMETRY" in plain(fresh)[-1]


# --- the API reference's examples ------------------------------------------------------------

def test_the_examples_in_the_public_docstrings_run():
    import doctest

    import matdiff_magic as M
    check_result = type(M.derive("x : n\nx' x", wrt="x").check())
    public = [M.derive, M.Derivation, M.Step, check_result, M.Verdict, M.MatdiffError,
              M.assert_derivative, M.load_ipython_extension, M.unload_ipython_extension]
    finder = doctest.DocTestFinder(recurse=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for obj in public:
        assert obj.__doc__ and len(obj.__doc__) > 200, obj     # more than a one-liner
        for test in finder.find(obj, globs={}):
            runner.run(test)
            examples += len(test.examples)
    assert runner.failures == 0, f"{runner.failures} docstring examples failed"
    assert examples >= 15, examples


def _mask_errors(text: str) -> str:
    """The finite-difference error's digits depend on the CPU and BLAS (as for nbval)."""
    return re.sub(r"max error [0-9.e+-]+", "max error <ERR>", text)


def test_readme_example_is_what_the_magic_prints(ip):
    from IPython.utils.capture import capture_output
    text = README.read_text(encoding="utf-8")
    cell = re.search(r"```\n(%%matdiff [^`]*?)\n```", text).group(1)
    shown = re.search(r"```text\n(.*?)\n```", text, re.S).group(1)
    with capture_output() as cap:
        ip.run_cell(cell)
    plain = [o.data.get("text/plain", "") for o in cap.outputs]
    assert cap.stderr == "" and _mask_errors(shown) in map(_mask_errors, plain), plain
