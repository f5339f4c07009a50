"""Static HTML reads without MathJax: each formula's TeX (hidden) beside its MathML."""

from __future__ import annotations

import html
import re
import subprocess
import sys

from matdiff_magic import derive
from matdiff_magic.render.html import STYLE
from matdiff_magic.render.mathml import MATH_CSS, math_html, mathml
from matdiff_magic.render.static import StaticDisplay

SEED = "X, Y : m x n\nZ = X Y' X"
HESSIAN = ("X : N x d\nw : d\ny : N\n"
           "f = -(y' log(sigmoid(X w)) + (1_N - y)' log(1_N - sigmoid(X w)))")


def _visible_text(page: str) -> str:
    """The text a browser without MathJax and without the stylesheet shows."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r'<span class="matdiff-tex" style="display:none">.*?</span>', "", page,
                  flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_every_formula_of_the_static_page_has_its_mathml():
    for cell, kw in ((SEED, {"wrt": "X"}), (HESSIAN, {"wrt": "w", "order": 2})):
        d = derive(cell, **kw)
        page = StaticDisplay(d).html()
        eqs = re.findall(r'<div class="matdiff-eq"[^>]*>(.*?)</div>', page, re.S)
        assert len(eqs) >= len(d.steps)
        for eq in eqs:
            assert eq.count('<span class="matdiff-tex" style="display:none">$$') == 1
            assert eq.count('<math xmlns="http://www.w3.org/1998/Math/MathML" '
                            'display="block" style="display:inline math">') == 1
        for step in d.steps:   # the TeX stays, for MathJax
            assert f"$${html.escape(step.latex, quote=False)}$$" in page
        shown = _visible_text(page)
        for raw in ("$$", "\\(", "\\operatorname", "\\mathrm", "\\frac", "\\otimes"):
            assert raw not in shown, raw
        assert "⊗" in shown or "σ" in shown   # the MathML's characters, not references


def test_the_stylesheet_shows_typeset_tex_and_hides_the_mathml_then():
    assert MATH_CSS in STYLE
    assert "> .matdiff-tex { display: inline !important; }" in MATH_CSS
    assert "mjx-container" in MATH_CSS and ".MathJax" in MATH_CSS
    wrapped = math_html("a_{1} < b", display=False)
    assert wrapped.startswith('<span class="matdiff-m"><span class="matdiff-tex" '
                              'style="display:none">\\(a_{1} &lt; b\\)</span>')
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in wrapped


def test_mathml_escapes_text_and_reads_two_subscripts():
    out = mathml(r"\text{a\&b <c>} x < y", True)
    assert "<mtext>a&amp;b\xa0&lt;c&gt;</mtext>" in out and "<c>" not in out
    assert "<mo>&#x0003C;</mo>" in out
    # X_{a}_{b} is not TeX: read as {X_{a}}_{b}
    nested = mathml("W_{1}_{kl}", False)
    assert nested.count("<msub>") == 2 and "<code>" not in nested
    assert mathml(r"\frac{", True).startswith("<code>")   # unreadable: the TeX as code
    # rows of a gathered block, left-aligned; the d of a differential upright
    rows = mathml(r"\begin{gathered}\mathrm{d}X \\ Y\end{gathered}", True)
    assert rows.count("<mtr>") == 2 and 'style="text-align:left"' in rows
    assert "<mtext>d</mtext>" in rows


def test_derive_builds_no_mathml():
    code = ("import sys; from matdiff_magic import derive; d = derive(\"X : n x n\\ntr(X X)\", "
            "wrt='X'); d.text(); d.latex(); print('latex2mathml' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.strip() == "False", run.stderr
