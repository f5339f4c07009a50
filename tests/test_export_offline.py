"""An exported page read offline: `jupyter nbconvert --to html --execute` with its defaults,
opened in Chromium with the network cut off (so neither MathJax nor the widget script loads).
Every step reads, as the browser's own MathML, no TeX source shows, and no equation is cut
off at 1280, 820 and 600 px. Runs where tests/test_browser.py runs (Chromium, Playwright)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser_layout import CUT_JS as _CUT_JS
from test_browser import (  # chromium: the fixture
    CELLS,
    HESSIAN,
    KERNEL_NAME,
    SEED,
    UI_TIMEOUT,
    VECH,
    WIDTHS,
    _missing,
    chromium,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


def test_offline_export_reads_in_chromium(chromium, tmp_path):  # noqa: F811 (the fixture)
    """`jupyter nbconvert --to html --execute` with its defaults, the page opened with the
    network cut off (so no MathJax and no widget script load): every step reads, as the
    browser's own MathML, and no TeX source shows."""
    from matdiff_magic import derive
    cells = [("X, Y : m x n\nZ = X Y' X", {"wrt": "X"}),
             (HESSIAN.split("\n", 1)[1], {"wrt": "w", "order": 2}),
             (VECH.split("\n", 1)[1], {"wrt": "vech(Σ)"})]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": KERNEL_NAME,
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (CELLS[0], SEED, HESSIAN, VECH)]
    nbformat.write(nb, tmp_path / "export.ipynb")
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                          "--execute", "export.ipynb"], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    context = chromium.new_context(offline=True, viewport={"width": 820, "height": 820})
    asked: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else (asked.append(route.request.url), route.abort())[-1])
    page = context.new_page()
    try:
        page.goto((tmp_path / "export.html").as_uri(), wait_until="load", timeout=UI_TIMEOUT)
        page.wait_for_timeout(1000)   # whatever would typeset has had its chance
        assert asked, "the page asks for nothing from the network: not the offline case"
        assert page.locator("mjx-container, .MathJax").count() == 0   # no MathJax here
        text = page.inner_text("body")
        for raw in ("$$", "\\operatorname", "\\(", "\\frac", "\\mathrm", "\\begin"):
            assert raw not in text, raw
        assert "Error displaying widget" not in text
        statics = page.locator(".matdiff-static")
        assert statics.count() == len(cells)
        for k, (cell, kw) in enumerate(cells):
            d = derive(cell, **kw)
            static = statics.nth(k)
            assert static.is_visible()
            # every step: its rule, then its equation as MathML that the browser lays out
            shown = static.evaluate("""s => Array.from(s.querySelectorAll(
                '.matdiff-steps-static .matdiff-step-item')).map(item => {
                  const eq = item.querySelector('.matdiff-eq math');
                  const b = eq && Array.from(eq.children).map(c => c.getBoundingClientRect())
                  .reduce((w, r) => w + r.width, 0);
                  return [item.querySelector('.matdiff-rule-text').innerText.trim(),
                          eq ? eq.textContent.trim() : '', b || 0,
                          !!item.querySelector('code')]; })""")
            assert len(shown) == len(d.steps), (len(shown), len(d.steps))
            for step, (rule, math, width, unread) in zip(d.steps, shown):
                assert rule and math and width > 10 and not unread, (step.rule, rule, math)
            assert static.locator(".matdiff-result-box math").first.is_visible()
        for width in WIDTHS:   # and no equation cut off: each fits or scrolls
            page.set_viewport_size({"width": width, "height": 820})
            page.wait_for_timeout(200)
            cut = page.evaluate(_CUT_JS)
            assert cut == [], (width, cut)
        _offline = Path(os.environ.get("MATDIFF_OFFLINE_SHOT", tmp_path / "offline.png"))
        page.screenshot(path=str(_offline), full_page=True)
    finally:
        context.close()
