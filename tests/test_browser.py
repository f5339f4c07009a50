"""End to end in a real browser: JupyterLab + the %%matdiff stepper + MathJax, in Chromium.

Starts JupyterLab on 127.0.0.1 (free port, random token, everything in a temp dir), opens a
notebook that runs `%%matdiff --wrt X --check` on X Y' X and a `--claim` cell, drives
Debian's Chromium headless with Playwright, and asserts on the rendered page: the result
typeset by MathJax and its check badge visible without a click, the static output next to
the widget hidden, "previous" back to step 1 with each rule above its equation and one
counter, show-all, the layout label inline, no equation cut off at 820 px, the layout
switch, the picture, and the claim's verdict badge. Saves a screenshot (set
MATDIFF_SCREENSHOT=path to keep it; docs/screenshot.png in the README comes from here).

Skipped, with the reason, only when no Chromium (or JupyterLab / Playwright) is found
outside CI; under CI=true it must run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
UI_TIMEOUT = 90_000  # ms: first load of JupyterLab and the kernel start on 2 cores
STEP_TIMEOUT = 30_000
KERNEL_NAME = "Python 3 (ipykernel)"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _chromium() -> str | None:
    return os.environ.get("MATDIFF_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")


def _requirements() -> str | None:
    """Why the test cannot run here, or None."""
    if _chromium() is None:
        return "no Chromium found (apt-get install chromium)"
    for mod in ("playwright", "jupyterlab", "psutil"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (pip install -e '.[browser]')"
    return None


_missing = _requirements()
if _missing and IN_CI:
    raise RuntimeError(f"the browser test must run under CI, but {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")

CELLS = [
    "%load_ext matdiff_magic",
    "%%matdiff --wrt X --check\nX, Y : m x n\nZ = X Y' X",
    "%%matdiff --wrt x --claim \"2 A x\"\nx : n\nA : n x n\nx' A x",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> list[int]:
    """Stop the server's process group and every descendant (kernels run in their own
    session); return the pids that survived."""
    import psutil
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kids = []
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    _, alive = psutil.wait_procs(kids, timeout=15)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=5)
    return [p.pid for p in alive]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("jlab")
    root = base / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": KERNEL_NAME,
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbformat.write(nb, str(root / "seed.ipynb"))
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               IPYTHONDIR=str(base / "ipython"), JUPYTER_PLATFORM_DIRS="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={base / 'settings'}",
           f"--LabApp.workspaces_dir={base / 'workspaces'}", "--LabApp.news_url=None",
           "--ServerApp.terminals_enabled=False"]
    log = open(base / "server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError("jupyter lab exited:\n" +
                                   (base / "server.log").read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("jupyter lab did not answer within 90 s")
            time.sleep(0.2)
        yield {"url": url, "token": token, "root": root}
    finally:
        survivors = _stop(proc)
        log.close()
        assert not survivors, f"processes left behind: {survivors}"


def _math_chars(page, selector: str) -> list[str]:
    """Glyph codes (hex) of the MathJax CHTML output under selector."""
    return page.eval_on_selector_all(
        f"{selector} mjx-container mjx-c",
        "els => els.map(c => (c.className.match(/mjx-c([0-9A-F]+)/) || [])[1]).filter(Boolean)")


def test_stepper_renders_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 820})
            page.set_default_timeout(STEP_TIMEOUT)
            page.goto(f"{lab['url']}/lab/tree/seed.ipynb?token={lab['token']}",
                      wait_until="domcontentloaded", timeout=UI_TIMEOUT)
            page.wait_for_function("() => !!window.jupyterapp", timeout=UI_TIMEOUT)
            page.evaluate("async () => { await window.jupyterapp.started;"
                          " await window.jupyterapp.restored; }")
            page.wait_for_function(
                "() => { const w = window.jupyterapp.shell.currentWidget;"
                " return !!(w && w.context && w.context.path === 'seed.ipynb'); }",
                timeout=UI_TIMEOUT)
            # the kernel really started (the toolbar says idle before it has one)
            expect(page.locator("#jp-main-statusbar .jp-StatusBar-TextItem",
                                has_text="| ")).to_have_text(f"{KERNEL_NAME} | Idle",
                                                             timeout=UI_TIMEOUT)
            expect(page.locator(".jp-Dialog")).to_have_count(0)
            page.evaluate("() => window.jupyterapp.commands.execute("
                          "'notebook:run-all-cells')")

            stepper = page.locator(".jp-OutputArea-output .matdiff-stepper").first
            expect(stepper).to_be_visible(timeout=UI_TIMEOUT)
            # the problem statement is typeset by MathJax, not shown as raw TeX
            expect(stepper.locator(".matdiff-problem mjx-container").first).to_be_visible()
            # the answer without a click: the result box, typeset, with its badge
            result = stepper.locator(".matdiff-result")
            expect(result.locator("mjx-container").first).to_be_visible()
            chars = _math_chars(page, ".matdiff-result")
            assert "2297" in chars, chars        # ⊗ typeset by MathJax
            assert "22A4" in chars, chars        # ⊤ (Xᵀ)
            expect(result).not_to_contain_text("\\otimes")
            badge = stepper.locator("div.matdiff-badge")
            expect(badge).to_be_visible()
            expect(badge).to_contain_text("passed")
            expect(badge).to_contain_text("tolerance")
            expect(badge).to_contain_text("mixed layout")
            # the static output next to the rendered widget is hidden (one view)
            static = page.locator(".jp-OutputArea-output .matdiff-static").first
            expect(static).to_be_attached()
            expect(static).to_be_hidden()
            counter = stepper.locator(".matdiff-counter")
            expect(counter).to_have_text("step 6 of 6")
            # what a reader sees first (docs/screenshot.png in the README comes from here)
            shot = Path(os.environ.get("MATDIFF_SCREENSHOT", tmp_path / "screenshot.png"))
            stepper.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000

            prev = stepper.locator(".matdiff-prev button, button.matdiff-prev").first
            clicks = 0
            while prev.is_enabled() and clicks < 30:
                before = _math_chars(page, ".matdiff-step")
                prev.click()
                clicks += 1
                expect(counter).to_have_text(f"step {6 - clicks} of 6")
                if clicks == 1 or clicks == 5:
                    continue     # the first step shown, and step 1: the problem, at the top
                # each step is typeset anew: wait until the MathJax output changed
                page.wait_for_function(
                    """([b]) => {
                        const cs = Array.from(document.querySelectorAll(
                            '.matdiff-step mjx-container mjx-c')).map(c =>
                            (c.className.match(/mjx-c([0-9A-F]+)/) || [])[1]);
                        return cs.length > 0 && cs.join() !== b.join(); }""",
                    arg=[before], timeout=STEP_TIMEOUT)
                # the rule sits above the equation it produced
                expect(stepper.locator(".matdiff-rule")).to_be_visible()
                expect(stepper.locator(".matdiff-step")).to_be_visible()
                rule_box = stepper.locator(".matdiff-rule").bounding_box()
                step_box = stepper.locator(".matdiff-step").bounding_box()
                assert rule_box["y"] + rule_box["height"] <= step_box["y"] + 1
            assert clicks >= 3, clicks
            expect(counter).to_have_text("step 1 of 6")
            expect(result).to_be_visible()            # the answer stays while stepping
            stepper.locator(".matdiff-show-all button, button.matdiff-show-all").first.click()
            expect(counter).to_have_text("all 6 steps")
            # every equation and every rule formula typesets (no MathJax error boxes)
            expect(stepper.locator(".matdiff-all mjx-container").first).to_be_visible()
            assert stepper.locator("mjx-merror").count() == 0
            assert stepper.locator(".matdiff-all .matdiff-rule-text mjx-container").count() >= 3
            expect(stepper.locator(".matdiff-slider")).to_be_hidden()
            # the layout toggle: its label on the row of its buttons
            label = stepper.locator(".matdiff-layout-label").first.bounding_box()
            first = stepper.locator(".matdiff-layout button").first.bounding_box()
            assert abs((label["y"] + label["height"] / 2) -
                       (first["y"] + first["height"] / 2)) < 12, (label, first)
            assert label["x"] + label["width"] <= first["x"] + 1
            # a narrow notebook: no equation cut off (they scroll sideways if too wide)
            page.set_viewport_size({"width": 820, "height": 820})
            page.wait_for_timeout(500)
            cut = page.evaluate("""() => {
                const out = [];
                for (const el of document.querySelectorAll('.matdiff-stepper .matdiff-eq')) {
                    if (el.offsetParent === null) continue;
                    const area = el.closest('.jp-OutputArea-output').getBoundingClientRect();
                    const r = el.getBoundingClientRect();
                    const scrolls = getComputedStyle(el).overflowX === 'auto';
                    if (r.right > area.right + 1 || (el.scrollWidth > el.clientWidth + 1
                                                     && !scrolls))
                        out.push(el.textContent.slice(0, 60));
                }
                for (const el of document.querySelectorAll(
                        '.matdiff-stepper .matdiff-badge-box, .matdiff-stepper .matdiff-controls,'
                        + ' .matdiff-stepper .matdiff-layout-row')) {
                    if (el.offsetParent === null) continue;
                    const area = el.closest('.jp-OutputArea-output').getBoundingClientRect();
                    if (el.getBoundingClientRect().right > area.right + 1)
                        out.push(el.className);   // wraps inside the output instead
                }
                return out; }""")
            assert cut == [], cut
            # the layout switch re-derives and re-checks
            stepper.locator(".matdiff-layout button", has_text="denominator").click()
            expect(stepper.locator(".matdiff-title")).to_contain_text("denominator layout")
            expect(badge).to_contain_text("denominator layout")
            # the picture, on request
            stepper.locator(".matdiff-picture-button button, "
                            "button.matdiff-picture-button").first.click()
            expect(stepper.locator(".matdiff-picture svg")).to_be_visible()
            page.set_viewport_size({"width": 1200, "height": 820})
            # the --claim cell: its stepper carries a verdict badge naming the slip
            claimed = page.locator(".jp-OutputArea-output .matdiff-stepper").nth(1)
            expect(claimed).to_be_visible(timeout=UI_TIMEOUT)
            verdict = claimed.locator("div.matdiff-claim-badge")
            expect(verdict).to_be_visible()
            expect(verdict).to_contain_text("claim needs-symmetry")
            expect(verdict).to_contain_text("A were symmetric")
            expect(verdict.locator(".matdiff-claim.matdiff-fail")).to_be_visible()
            end = tmp_path / "end.png"
            page.screenshot(path=str(end), full_page=True)
            assert end.stat().st_size > 10_000
        finally:
            browser.close()
