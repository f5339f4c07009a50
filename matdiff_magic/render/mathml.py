"""Math that reads with and without MathJax: the TeX for MathJax beside its MathML.

A static output (an exported page, a notebook reopened without its kernel, GitHub) may be
shown where MathJax never loads, e.g. an nbconvert page opened offline: there the TeX would
be source text. So each formula of the static HTML carries both faces in one wrapper,

    <span class="matdiff-m"><span class="matdiff-tex" style="display:none">$$…$$</span>
    <span class="matdiff-mathml"><math>…</math></span></span>

The TeX is hidden by an inline style, so without any stylesheet (an untrusted notebook) and
without MathJax the browser's own MathML shows. Where MathJax typesets the TeX, the rules of
render.html's stylesheet (``MATH_CSS``) show the typeset TeX and hide the MathML, so a
formula is never shown twice. The MathML is made by latex2mathml, only when static HTML is
built (never by ``derive``), and cached by its TeX.
"""

from __future__ import annotations

import functools
import html
import re

# MathJax has typeset the TeX of a wrapper: version 3 (JupyterLab, Notebook 7) writes
# mjx-container, version 2 (nbconvert's pages) a script element and .MathJax spans
_TYPESET = ".matdiff-m:has(> .matdiff-tex :is(mjx-container, script, .MathJax, " \
           ".MathJax_Display, .MathJax_Preview, .MathJax_CHTML, .MathJax_SVG))"
MATH_CSS = (f"{_TYPESET} > .matdiff-tex {{ display: inline !important; }}\n"
            f"{_TYPESET} > .matdiff-mathml {{ display: none; }}\n")

# the converter writes every character as a numeric reference: kept only where HTML needs it
_REF = re.compile(r"&#x([0-9A-Fa-f]+);")
_KEEP = frozenset('<>&"')
# and writes the words of \text{...} as they are (a < or & would be markup): escaped here
_MTEXT = re.compile(r"<mtext>(.*?)</mtext>", re.S)
_TEX_ESCAPE = re.compile(r"\\([&%$#_{}])")
# the converter drops the upright style of one letter (the d of a differential, \mathrm{d})
_UPRIGHT = re.compile(r"\\mathrm\{([A-Za-z])\}")
# (\begin{gathered}'s line break it writes as one MathML Core does not show: an array has
# rows). X_{a}_{b}, two subscripts on one base, is not TeX (MathJax says so): read {X_{a}}_{b}
_DOUBLE_SUB = re.compile(r"([A-Za-z]|\\[A-Za-z]+)(_\{[^{}]*\})(?=_\{)")


@functools.lru_cache(maxsize=8192)
def mathml(latex: str, display: bool) -> str:
    """The MathML of a TeX formula (``display``: a block), or its TeX as monospace text
    where the converter cannot read it."""
    from latex2mathml.converter import convert
    read = _UPRIGHT.sub(r"\\text{\1}", latex.replace("\\begin{gathered}", "\\begin{array}{l}")
                        .replace("\\end{gathered}", "\\end{array}"))
    for tex in (read, _DOUBLE_SUB.sub(r"{\1\2}", read)):
        try:
            out = convert(tex, display="block" if display else "inline")
        except Exception:  # the converter raises many kinds of error; the TeX stays
            continue
        # MathML Core centres a block and its table cells: left-aligned (and so a block
        # wider than its box overflows to the right, where its box scrolls)
        out = out.replace('display="block">', 'display="block" style="display:inline math">')
        out = out.replace('columnalign="left"', 'columnalign="left" style="text-align:left"')
        out = _MTEXT.sub(lambda m: "<mtext>" + html.escape(
            _TEX_ESCAPE.sub(r"\1", html.unescape(m[1])), quote=False) + "</mtext>", out)
        return _REF.sub(lambda m: m[0] if chr(int(m[1], 16)) in _KEEP else chr(int(m[1], 16)),
                        out)
    return f"<code>{html.escape(latex, quote=False)}</code>"


def math_html(latex: str, display: bool) -> str:
    """The formula as TeX for MathJax (``$$…$$`` or ``\\(…\\)``) and as MathML, one shown."""
    tex = html.escape(latex, quote=False)
    tex = f"$${tex}$$" if display else f"\\({tex}\\)"
    return (f'<span class="matdiff-m"><span class="matdiff-tex" style="display:none">{tex}'
            f'</span><span class="matdiff-mathml">{mathml(latex, display)}</span></span>')
