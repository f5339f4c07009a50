"""HTML pieces shared by the widget and the static rendering: one story in both views.

The rule applied at a step is written *above* the equation it produces (as in the plain
text); formulas inside a rule are typeset as inline math (``\\(...\\)``) when they are made
of symbols this module knows, and otherwise shown upright, never as raw text in italics.
Equations sit in a left-aligned container that scrolls sideways instead of being cut off,
and the result is highlighted in a box with its size and a plain Unicode line. The static
views give every formula its MathML too (render.mathml), so that a page where MathJax does
not load (an export opened offline) shows no TeX source; the parts whose look matters carry
inline styles, for front ends that drop the stylesheet (an untrusted notebook).
"""

from __future__ import annotations

import functools
import html
import re
import weakref

from .. import ops
from .mathml import MATH_CSS, math_html

# the CSS of both views; the last rule hides the static output of a cell in front ends that
# render the live stepper just before it (JupyterLab, Notebook 7, the classic notebook),
# while an exported page, where the widget does not run, keeps showing it
# inline styles of the parts that must keep their look where a front end drops the <style>
# (an untrusted notebook): equations scroll sideways, the result keeps its box
EQ_STYLE = "overflow-x:auto;overflow-y:hidden;max-width:100%;text-align:left;padding:2px 0"
RESULT_BOX_STYLE = ("border:2px solid #1a73e8;border-radius:4px;padding:2px 12px;margin:6px 0;"
                    "max-width:100%;box-sizing:border-box;overflow-x:auto")
RESULT_PLAIN_STYLE = ("font-family:monospace;color:#333;white-space:pre-wrap;"
                      "overflow-wrap:anywhere;font-size:90%")
RULE_STYLE = "color:#444;font-style:normal;margin-top:0.6em;overflow-x:auto;overflow-y:hidden"

# the CSS of both views. The widget's HTMLMath boxes are flex items that would grow to the
# width of their math (min-width: auto) and be cut by the stepper's box: they may shrink, so
# that an equation scrolls inside its own box. The last rules hide, in front ends that
# render the live stepper just before the static output of a cell (JupyterLab, Notebook 7,
# the classic notebook), the static output; and where the widget cannot be shown (a
# notebook reopened without its widget state: "Error displaying widget: model not found",
# or "Loading widget..."), the widget's output, so the static output is shown alone. An
# exported page, where the widget does not run, keeps showing the static output.
STYLE = f"""<style>
.matdiff-view {{ max-width: 100%; min-width: 0; }}
.matdiff-stepper > .widget-html, .matdiff-stepper > .widget-htmlmath,
.matdiff-stepper .widget-html-content, .matdiff-stepper .widget-htmlmath-content {{
  min-width: 0; max-width: 100%; }}
.matdiff-stepper .widget-html-content, .matdiff-stepper .widget-htmlmath-content {{
  line-height: 1.4; overflow-x: auto; }}
.matdiff-eq mjx-container[display="true"], .matdiff-eq .MathJax_Display,
.matdiff-eq .MathJax_SVG_Display {{ text-align: left !important; margin: 0.3em 0 !important; }}
.matdiff-eq math[display="block"] {{ margin: 0.3em 0; }}
.matdiff-rule-text .matdiff-stepno {{ font-weight: 600; }}
.matdiff-badge-box .matdiff-badge-text {{ white-space: normal; overflow-wrap: anywhere; }}
.matdiff-steps-static ol {{ padding-left: 1.6em; }}
.matdiff-rule-pictures {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 2px 0 6px; }}
{MATH_CSS}.jp-OutputArea-child:has(.matdiff-stepper) + .jp-OutputArea-child:has(.matdiff-static),
.output_area:has(.matdiff-stepper) + .output_area:has(.matdiff-static) {{ display: none; }}
.jp-OutputArea-child:has(> .jp-OutputArea-output:is(.jupyter-widgets, :not([data-mime-type]))
  ):not(:has(.matdiff-stepper)):has(+ .jp-OutputArea-child .matdiff-static) {{ display: none; }}
</style>"""

# Unicode of the rule formulas -> LaTeX; anything else keeps a clause as upright text
_TEX = {"ᵀ": "^{\\top}", "⊗": " \\otimes ", "∘": " \\circ ", "⊘": " \\oslash ",
        "∂": "\\partial ", "σ": "\\sigma", "λ": "\\lambda", "·": " \\cdot ", "−": "-",
        "×": " \\times ", "⁻¹": "^{-1}", "⁻ᵀ": "^{-\\top}", "²": "^{2}", "ᵢ": "_{i}",
        "ⱼ": "_{j}", "ₙ": "_{n}", "ₘ": "_{m}", "≠": " \\neq ", "≥": " \\geq ", "≤": " \\leq "}
# the names of the operations (ops), typeset upright as \operatorname
_WORDS = frozenset(ops.CELL_NAMES)
_SAFE = re.compile(r"^[A-Za-z0-9 ()\[\]+\-=,.'/*_|ᵀ⊗∘⊘∂σλ·−×⁻¹²ᵢⱼₙₘ≠≥≤]+$")
_TOKEN = re.compile(r"⁻¹|⁻ᵀ|[A-Za-z]+|.", re.S)


def _formula_latex(text: str) -> str | None:
    """A rule formula ('vec(AXB) = (Bᵀ ⊗ A) vec X') as LaTeX, or None when unsure."""
    if "=" not in text or not _SAFE.match(text) or text.count("(") != text.count(")"):
        return None
    out = []
    for tok in _TOKEN.findall(text):
        if tok in _TEX:
            out.append(_TEX[tok])
        elif tok.isalpha() and tok.isascii():
            if tok in _WORDS:
                out.append(f"\\operatorname{{{tok}}} ")
            elif tok == "d":          # the differential: d(AB), d log det(A)
                out.append("\\mathrm{d}")
            elif len(tok) == 2 and tok[0] == "d" and tok[1].isupper():
                out.append(f"\\mathrm{{d}}{tok[1]}")
            elif len(tok) > 1 and not tok.isupper() and not (tok[0] == "d" and tok[1:].isupper()):
                return None   # a word: the clause is prose
            else:
                out.append(" ".join(tok) if len(tok) > 1 else tok)
            out.append(" ")
        elif tok in "{}\\$%&#^~":
            return None
        else:
            out.append(tok)
    return "".join(out).strip()


_SUBSCRIPTED = re.compile(r"(?<![\w\\])([A-Za-zα-ωΑ-Ω∂𝟏]+)_([A-Za-z0-9]+)")


def _prose_html(text: str) -> str:
    """Prose of a rule as HTML, its symbols' subscripts set as subscripts (I_m, K_nn,
    ∂F_ij/∂X_kl), never an operation's name (log_softmax)."""
    def sub(m: re.Match) -> str:
        if m.group(0) in _WORDS:
            return m.group(0)
        return f"{m.group(1)}<sub>{m.group(2)}</sub>"
    return _SUBSCRIPTED.sub(sub, html.escape(text, quote=False))


@functools.lru_cache(maxsize=4096)
def _clause_html(clause: str, mathml: bool = False) -> str:
    """'prose: formula' -> the prose as text and the formula as inline math (``mathml``:
    with its MathML, see render.mathml). Cached: the rules are a small vocabulary of
    identities, written again in every derivation that uses them."""
    head, sep, tail = clause.rpartition(": ")
    if not sep:
        head, tail = "", clause
    tex = _formula_latex(tail.strip())
    if tex is None:
        return _prose_html(clause)
    prose = _prose_html(head + sep)
    if mathml:
        return prose + math_html(tex, display=False)
    return f"{prose}\\({html.escape(tex, quote=False)}\\)"


def rule_markup(rule: str, mathml: bool = False) -> str:
    """The rule of a step as HTML: prose upright, formulas as MathJax inline math
    (``mathml``: each with its MathML, for static pages)."""
    return "; ".join(_clause_html(c, mathml) for c in rule.split("; "))


def rule_html(rule: str, prefix: str = "", mathml: bool = False) -> str:
    """The rule line written above an equation."""
    return (f'<div class="matdiff-rule-text" style="{RULE_STYLE}">{prefix}'
            f"{rule_markup(rule, mathml)}</div>")


def equation_html(latex: str, mathml: bool = False) -> str:
    """Display math in a left-aligned container that scrolls instead of overflowing;
    ``mathml``: with its MathML beside the TeX, readable without MathJax (static pages)."""
    body = math_html(latex, display=True) if mathml else f"$${html.escape(latex, quote=False)}$$"
    return f'<div class="matdiff-eq" style="{EQ_STYLE}">{body}</div>'


def result_plain(d) -> str:
    """The result as one line of Unicode with its size: readable without MathJax."""
    from .named import named_lines
    named = named_lines(d) if hasattr(d, "named") else None
    last = named[0] if named is not None else getattr(d, "result_step", d.steps[-1]).text
    shape = getattr(d.result, "shape", None)
    if shape is None:
        return last
    r, c = shape
    size = "scalar" if (r.is_one and c.is_one) else f"{r.pretty()}×{c.pretty()}"
    return f"{last}    ({size})"


_INDEX_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def entrywise(d):
    """``d.index_form()``, or None where the result has no entry-wise form (cached)."""
    if d not in _INDEX_CACHE:
        from ..errors import MatdiffError
        try:
            _INDEX_CACHE[d] = d.index_form()
        except (MatdiffError, AttributeError):
            _INDEX_CACHE[d] = None
    return _INDEX_CACHE[d]


def index_html(d, mathml: bool = False) -> str:
    """The entry-wise form under the result, or nothing where there is none."""
    form = entrywise(d)
    if form is None:
        return ""
    eq = equation_html(form.latex, mathml)
    # one click away, so that the box stays short on a projector
    head = '<details class="matdiff-index"><summary style="cursor: pointer">entry by entry' \
        "</summary>"
    if getattr(d, "index_step", False):   # the derivation's own last step, its rule above
        return f'{head}{rule_html(d.steps[-1].rule, "", mathml)}{eq}</details>'
    return (f'{head}<div class="matdiff-rule-text" style="{RULE_STYLE}">'
            f"entry by entry (Kronecker deltas δ):</div>{eq}</details>")


def result_box_html(d, prefix: str = "", mathml: bool = False) -> str:
    """The last step in a highlighted box: its rule above, the equation, the plain line,
    and the result entry by entry (``mathml``: see :func:`equation_html`)."""
    last = getattr(d, "result_step", d.steps[-1])
    return (f'<div class="matdiff-result-box" style="{RESULT_BOX_STYLE}">'
            f"{rule_html(last.rule, prefix, mathml)}"
            f"{named_html(d, mathml) or equation_html(last.latex, mathml)}"
            f'<div class="matdiff-result-plain" style="{RESULT_PLAIN_STYLE}">'
            f"{html.escape(result_plain(d), quote=False)}</div>{index_html(d, mathml)}</div>")


def named_html(d, mathml: bool = False) -> str:
    """The result in named parts (``Xᵀ(S - Y) where S = softmax(XW)``), with the result in
    the cell's symbols one click away; nothing where it has no named parts."""
    from .named import named_lines
    lines = named_lines(d) if hasattr(d, "named") else None
    if lines is None:
        return ""
    last = getattr(d, "result_step", d.steps[-1])
    return (f"{equation_html(lines[1], mathml)}"
            '<details class="matdiff-substituted"><summary>in the cell\'s symbols</summary>'
            f"{equation_html(last.latex, mathml)}</details>")


def step_html(step, d=None, mathml: bool = False) -> str:
    """A step's equation; given its derivation ``d``, then small pictures of the
    commutation matrices and diag(vec A) factors the step shows (at the picture's values)."""
    if d is None:
        return equation_html(step.latex, mathml)
    from .picture import step_pictures_html
    return equation_html(step.latex, mathml) + step_pictures_html(d, step)


def steps_html(steps, start: int = 1, d=None, mathml: bool = False) -> str:
    """Numbered steps, each with its rule above its equation (and its pictures, given the
    derivation ``d``: see :func:`step_html`)."""
    return "".join(
        f'<div class="matdiff-step-item">'
        f"{rule_html(s.rule, f'<span class=matdiff-stepno>step {k}</span> · ', mathml)}"
        f"{step_html(s, d, mathml)}</div>" for k, s in enumerate(steps, start))


def derivation_html(d, mathml: bool = True) -> str:
    """A Derivation on its own: the problem, the result box, then every step (static: each
    formula with its MathML, unless ``mathml`` is False)."""
    body = [STYLE, '<div class="matdiff matdiff-view">',
            equation_html(d.steps[0].latex, mathml), result_box_html(d, mathml=mathml)]
    if len(d.steps) > 1:
        body.append('<div class="matdiff-steps-static"><b>the steps</b>'
                    f"{steps_html(d.steps, 1, d, mathml=mathml)}</div>")
    body.append("</div>")
    return "".join(body)
