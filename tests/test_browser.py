"""End to end in a real browser: JupyterLab and Notebook 7, the %%matdiff stepper, MathJax.

Starts JupyterLab (``jupyter lab``) and Notebook 7 (``jupyter notebook``) on 127.0.0.1
(free ports, random tokens, everything in a temp dir), and in each drives Debian's Chromium
headless with Playwright over a notebook that runs the seed cell `%%matdiff --wrt X --check`
on X Y' X, a `--claim` cell, the logistic Hessian, a vech cell and a `--picture` cell:

- the result typeset by MathJax and its check badge visible without a click, the static
  output next to each widget hidden; "previous" back to step 1 with each rule above its
  equation and one counter; show-all; the layout label inline; the layout switch, the
  picture, the claim's verdict badge;
- at 1280, 820 and 600 px, the left sidebar (JupyterLab's file browser) closed and open, no
  equation cut off: every equation's box is inside its output area, or an ancestor scrolls
  (and does scroll), and nothing clips it on the way;
- the notebook saved and reopened in a new kernel (no widget state): the static outputs
  alone, no "Error displaying widget", their TeX typeset by MathJax and the MathML hidden;
  the same at every width;
- the same notebook untrusted (its <style> dropped by the front end): the result box, the
  badge and the scrolling equations keep their inline styles, each formula shown once.

tests/test_export_offline.py opens the page of `jupyter nbconvert --to html --execute` in the
same Chromium, with the network cut off.

Saves a screenshot of JupyterLab (MATDIFF_SCREENSHOT=path keeps it; docs/screenshot.png in
the README comes from here). Skipped, with the reason, only when no Chromium (or JupyterLab /
Notebook / Playwright) is found outside CI; under CI=true it must run.
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
from browser_layout import CUT_JS as _CUT_JS

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
UI_TIMEOUT = 90_000  # ms: first load of the front end and the kernel start on 2 cores
STEP_TIMEOUT = 30_000
KERNEL_NAME = "Python 3 (ipykernel)"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SEED = "%%matdiff --wrt X --check\nX, Y : m x n\nZ = X Y' X"
CLAIM = "%%matdiff --wrt x --claim \"2 A x\"\nx : n\nA : n x n\nx' A x"
HESSIAN = ("%%matdiff --wrt w --order 2\nX : N x d\nw : d\ny : N\n"
           "f = -(y' log(sigmoid(X w)) + (1_N - y)' log(1_N - sigmoid(X w)))")
VECH = ("%%matdiff --wrt \"vech(Σ)\" --check\nN : scalar\nC : n x n symmetric\n"
        "Σ : n x n spd\nf = -N/2 logdet(Σ) - 1/2 tr(inv(Σ) C)")
PICTURE = "%%matdiff --wrt X --picture\nX : m x n\nF = X'"
CELLS = ["%load_ext matdiff_magic", SEED, CLAIM, HESSIAN, VECH, PICTURE]
N_MATDIFF = len(CELLS) - 1
WIDTHS = (1280, 820, 600)
# each front end by its own server: (module, application class, the notebook's URL path)
FRONT_ENDS = {"lab": ("jupyterlab", "LabApp", "lab/tree"),
              "notebook": ("notebook", "JupyterNotebookApp", "notebooks")}


def _chromium() -> str | None:
    return os.environ.get("MATDIFF_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")


def _requirements() -> str | None:
    """Why the test cannot run here, or None."""
    if _chromium() is None:
        return "no Chromium found (apt-get install chromium)"
    for mod in ("playwright", "jupyterlab", "notebook", "psutil"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (pip install -e '.[browser]')"
    return None


_missing = _requirements()
if _missing and IN_CI:
    raise RuntimeError(f"the browser test must run under CI, but {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


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


def _start(kind: str, base: Path) -> dict:
    """A server of one front end over a fresh root holding seed.ipynb (not yet ready)."""
    module, app, route = FRONT_ENDS[kind]
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
    # the front end as it comes, without other packages' extensions (nbgrader's)
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyter/nbgrader": True}}))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               IPYTHONDIR=str(base / "ipython"), JUPYTER_PLATFORM_DIRS="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [sys.executable, "-m", module, "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--{app}.expose_app_in_browser=True", f"--{app}.user_settings_dir={base / 'settings'}",
           f"--{app}.workspaces_dir={base / 'workspaces'}",
           "--ServerApp.terminals_enabled=False"]
    if kind == "lab":
        cmd.append("--LabApp.news_url=None")
    log = open(base / "server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    return {"kind": kind, "url": f"http://127.0.0.1:{port}", "token": token, "root": root,
            "route": route, "proc": proc, "log": log, "base": base}


def _wait_ready(server: dict) -> None:
    deadline = time.monotonic() + 90
    while True:
        if server["proc"].poll() is not None:
            raise RuntimeError(f"jupyter {server['kind']} exited:\n" + (
                server["base"] / "server.log").read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"{server['url']}/api/status?token={server['token']}",
                                        timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"jupyter {server['kind']} did not answer within 90 s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """JupyterLab and Notebook 7, started together (each in its own temp dir)."""
    running = {}
    try:
        for kind in FRONT_ENDS:
            running[kind] = _start(kind, tmp_path_factory.mktemp(kind))
        for server in running.values():
            _wait_ready(server)
        yield running
    finally:
        survivors = []
        for server in running.values():
            survivors += _stop(server["proc"])
            server["log"].close()
        assert not survivors, f"processes left behind: {survivors}"


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _math_chars(page, selector: str) -> list[str]:
    """Glyph codes (hex) of the MathJax CHTML output under selector."""
    return page.eval_on_selector_all(
        f"{selector} mjx-container mjx-c",
        "els => els.map(c => (c.className.match(/mjx-c([0-9A-F]+)/) || [])[1]).filter(Boolean)")


def _open(page, server: dict, name: str) -> None:
    """Open a notebook in the front end and wait for its kernel to be idle."""
    from playwright.sync_api import expect
    reset = "reset&" if server["kind"] == "lab" else ""   # no tabs restored from before
    page.goto(f"{server['url']}/{server['route']}/{name}?{reset}token={server['token']}",
              wait_until="domcontentloaded", timeout=UI_TIMEOUT)
    page.wait_for_function("() => !!window.jupyterapp", timeout=UI_TIMEOUT)
    page.evaluate("async () => { await window.jupyterapp.started;"
                  " await window.jupyterapp.restored; }")
    # the kernel really started (a notebook says idle before it has one)
    page.wait_for_function(
        """([name, kernel]) => { const w = window.jupyterapp.shell.currentWidget;
            if (!(w && w.context && w.context.path === name && w.sessionContext)) return false;
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle' && w.sessionContext.kernelDisplayName === kernel;
        }""", arg=[name, KERNEL_NAME], timeout=UI_TIMEOUT)
    expect(page.locator(".jp-Dialog")).to_have_count(0)


def _sidebar(page, kind: str, open_: bool) -> None:
    """Open or close the left sidebar: JupyterLab's file browser, Notebook 7's table of
    contents (its left panel)."""
    page.evaluate(
        """([id, open]) => { const shell = window.jupyterapp.shell;
            if (open) shell.activateById(id); else shell.collapseLeft(); }""",
        ["filebrowser" if kind == "lab" else "table-of-contents", open_])
    page.wait_for_function("([open]) => window.jupyterapp.shell.leftCollapsed === !open",
                           arg=[open_], timeout=STEP_TIMEOUT)


def _assert_nothing_cut(page, kind: str, what: str, widths=WIDTHS, sidebars=(False, True)):
    measured = 0
    for width in widths:
        page.set_viewport_size({"width": width, "height": 820})
        for open_ in sidebars:
            _sidebar(page, kind, open_)
            page.wait_for_timeout(150)
            # the notebook is windowed: visit every output so that it is laid out and typeset
            page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget;"
                          " w.content.widgets.forEach(c => c.node.scrollIntoView()); }")
            cut = page.evaluate(_CUT_JS)
            assert cut == [], (kind, what, width, "sidebar open" if open_ else "closed", cut)
            measured += 1
    assert measured == len(widths) * len(sidebars)
    page.set_viewport_size({"width": WIDTHS[0], "height": 820})
    _sidebar(page, kind, False)


def _step_through(page, stepper) -> None:
    """"previous" back to the problem, each rule above its equation, then show-all."""
    from playwright.sync_api import expect
    counter = stepper.locator(".matdiff-counter")
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
    expect(stepper.locator(".matdiff-result")).to_be_visible()   # the answer stays
    stepper.locator(".matdiff-show-all button, button.matdiff-show-all").first.click()
    expect(counter).to_have_text("all 6 steps")
    # every equation and every rule formula typesets (no MathJax error boxes)
    expect(stepper.locator(".matdiff-all mjx-container").first).to_be_visible()
    assert stepper.locator("mjx-merror").count() == 0
    assert stepper.locator(".matdiff-all .matdiff-rule-text mjx-container").count() >= 3
    expect(stepper.locator(".matdiff-slider")).to_be_hidden()


def _live(page, server: dict, shot: Path) -> None:
    """The notebook run in its kernel: the steppers."""
    from playwright.sync_api import expect
    kind = server["kind"]
    _open(page, server, "seed.ipynb")
    _sidebar(page, kind, False)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    steppers = page.locator(".jp-OutputArea-output .matdiff-stepper")
    expect(steppers).to_have_count(N_MATDIFF, timeout=UI_TIMEOUT)
    stepper = steppers.first
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
    # the static output next to each rendered widget is hidden (one view)
    statics = page.locator(".jp-OutputArea-output .matdiff-static")
    expect(statics).to_have_count(N_MATDIFF)
    for k in range(N_MATDIFF):
        expect(statics.nth(k)).to_be_hidden()
    expect(stepper.locator(".matdiff-counter")).to_have_text("step 6 of 6")
    if kind == "lab":   # what a reader sees first (docs/screenshot.png in the README)
        page.set_viewport_size({"width": 1200, "height": 820})
        stepper.scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        page.set_viewport_size({"width": WIDTHS[0], "height": 820})
    _step_through(page, stepper)
    # the layout toggle: its label on the row of its buttons
    label = stepper.locator(".matdiff-layout-label").first.bounding_box()
    first = stepper.locator(".matdiff-layout button").first.bounding_box()
    assert abs((label["y"] + label["height"] / 2) -
               (first["y"] + first["height"] / 2)) < 12, (label, first)
    assert label["x"] + label["width"] <= first["x"] + 1
    # every step of the Hessian and the vech cell on the page, the picture shown
    for k in (2, 3):
        steppers.nth(k).locator(".matdiff-show-all button, button.matdiff-show-all").first.click()
        expect(steppers.nth(k).locator(".matdiff-all mjx-container").first).to_be_visible()
    expect(steppers.nth(4).locator(".matdiff-picture svg").first).to_be_visible()
    _assert_nothing_cut(page, kind, "the widgets")
    # the layout switch re-derives and re-checks
    stepper.locator(".matdiff-layout button", has_text="denominator").click()
    expect(stepper.locator(".matdiff-title")).to_contain_text("denominator layout")
    expect(badge).to_contain_text("denominator layout")
    # the picture, on request
    stepper.locator(".matdiff-picture-button button, "
                    "button.matdiff-picture-button").first.click()
    expect(stepper.locator(".matdiff-picture svg")).to_be_visible()
    # the --claim cell: its stepper carries a verdict badge naming the slip
    verdict = steppers.nth(1).locator("div.matdiff-claim-badge")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text("claim needs-symmetry")
    expect(verdict).to_contain_text("A were symmetric")
    expect(verdict.locator(".matdiff-claim.matdiff-fail")).to_be_visible()
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                           timeout=STEP_TIMEOUT)


def _copies(server: dict) -> None:
    """reopen.ipynb: the saved notebook as it is (trusted, its outputs with their widget
    views, no widget state); untrusted.ipynb: the same, changed, and so not signed."""
    root = server["root"]
    saved = nbformat.read(root / "seed.ipynb", as_version=4)
    outs = [o for c in saved.cells for o in c.get("outputs", [])]
    views = [o for o in outs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == N_MATDIFF and "widgets" not in saved.metadata
    shutil.copyfile(root / "seed.ipynb", root / "reopen.ipynb")
    saved.metadata["title"] = "untrusted"
    nbformat.write(saved, root / "untrusted.ipynb")


def _static_shown(page, kind: str, trusted: bool) -> None:
    """The static outputs shown alone, readable, each formula once."""
    from playwright.sync_api import expect
    statics = page.locator(".jp-OutputArea-output .matdiff-static")
    expect(statics).to_have_count(N_MATDIFF, timeout=UI_TIMEOUT)
    page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget;"
                  " w.content.widgets.forEach(c => c.node.scrollIntoView()); }")
    for k in range(N_MATDIFF):
        expect(statics.nth(k)).to_be_visible()
    expect(page.locator(".jp-OutputArea-output .matdiff-stepper")).to_have_count(0)
    # the widget's output says nothing: no "Error displaying widget: model not found"
    if trusted:   # the widget views were tried, and failed (in a new kernel)
        page.wait_for_function(
            """([n]) => Array.from(document.querySelectorAll(
                '.jp-OutputArea-output.jupyter-widgets')).filter(
                el => el.textContent.includes('Error displaying widget')).length === n""",
            arg=[N_MATDIFF], timeout=STEP_TIMEOUT)
    assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()
    assert "Loading widget" not in page.locator(".jp-Notebook").inner_text()
    # each formula shown once: the typeset TeX or the MathML, never both, never neither
    both = page.evaluate("""() => {
        const shown = el => el.getClientRects().length > 0;
        const out = {tex: 0, mathml: 0, bad: []};
        for (const m of document.querySelectorAll('.matdiff-static .matdiff-m')) {
            const t = shown(m.querySelector('.matdiff-tex'));
            const x = shown(m.querySelector('.matdiff-mathml'));
            if (t === x) out.bad.push(m.textContent.slice(0, 60));
            out.tex += t; out.mathml += x;
        }
        return out; }""")
    assert both["bad"] == [], both
    if trusted:   # MathJax typesets the TeX; the stylesheet hides the MathML then
        expect(statics.first.locator(".matdiff-tex mjx-container").first).to_be_visible()
        assert both["mathml"] == 0 and both["tex"] > 20, both
    else:
        # the front end dropped the <style>: the inline styles keep the look
        assert statics.first.locator("style").count() == 0
        look = statics.first.evaluate("""s => {
            const cs = el => getComputedStyle(s.querySelector(el));
            return {box: cs('.matdiff-result-box').borderTopColor,
                    width: cs('.matdiff-result-box').borderTopWidth,
                    badge: cs('.matdiff-badge').backgroundColor,
                    badgeColor: cs('.matdiff-badge').color,
                    row: cs('.matdiff-badge-box').display,
                    eq: cs('.matdiff-eq').overflowX}; }""")
        assert look == {"box": "rgb(26, 115, 232)", "width": "2px",
                        "badge": "rgb(230, 244, 234)", "badgeColor": "rgb(30, 107, 52)",
                        "row": "flex", "eq": "auto"}, look
    _assert_nothing_cut(page, kind, "the static outputs" + ("" if trusted else ", untrusted"),
                        widths=WIDTHS if trusted else (600,))


@pytest.mark.parametrize("kind", list(FRONT_ENDS))
def test_front_end(kind, servers, chromium, tmp_path):
    server = servers[kind]
    page = chromium.new_page(viewport={"width": WIDTHS[0], "height": 820})
    page.set_default_timeout(STEP_TIMEOUT)
    try:
        shot = Path(os.environ.get("MATDIFF_SCREENSHOT", tmp_path / "screenshot.png"))
        _live(page, server, shot)
        _copies(server)
        _open(page, server, "reopen.ipynb")
        _static_shown(page, kind, trusted=True)
        _open(page, server, "untrusted.ipynb")
        trusted = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model"
                                ".cells.get(1).trusted")
        assert trusted is False
        _static_shown(page, kind, trusted=False)
    finally:
        page.close()

