"""The static face of a derivation in a notebook: ``text/plain``, ``text/latex`` and
``text/html``, the same result and steps the live stepper shows.

nbconvert renders one mimetype per output and prefers the widget's, GitHub and exported
pages run no widgets, and nbval compares ``text/plain``: so this rendering stands on its own
and is deterministic (it depends on the derivation, the check and the verdict only, never on
object ids or timings). :class:`StaticDisplay` builds it; the notebook's display adds the
live widget next to it.
"""

from __future__ import annotations

import html
from typing import Any

from .badge import badge_html, check_summary, verdict_badge_html
from .html import STYLE, entrywise, equation_html, result_box_html, steps_html
from .named import named_lines

_TEX_SPECIAL = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "_": "\\_",
                "^": "\\^{}", "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&",
                "~": "\\~{}"}


def _tex_text(text: str) -> str:
    """Plain text made safe inside \\text{...}."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def title_html(d) -> str:
    """The bold line over a derivation: what is differentiated, by what, in which layout."""
    wrt, name = d.wrt.name, d.name
    spec = getattr(d, "wrt_spec", None)   # a structured variable: vech(X), diag(X)
    if spec is not None:
        what = (f"derivative of {name} with respect to {spec} (a column)" if d.kind == "gradient"
                else f"Jacobian of vec {name} with respect to {spec}, {d.layout} layout")
    elif d.kind == "gradient" and d.layout == "numerator":
        what = f"gradient of {name} with respect to {wrt}, transposed (numerator layout)"
    elif d.kind == "gradient":
        what = f"gradient of {name} with respect to {wrt} (shaped like {wrt})"
    elif d.kind == "hessian":
        what = f"Hessian of {name} with respect to vec {wrt} (second differential)"
    elif d.kind == "mixed":
        what = (f"mixed second derivative of {name} with respect to vec {wrt} and "
                f"vec {d.wrt2.name}")
    else:
        what = f"Jacobian of vec {name} with respect to vec {wrt}, {d.layout} layout"
        size = _result_size(d)
        if size:
            what += f", {size}"
    return f'<div class="matdiff-title-text"><b>{html.escape(what)}</b></div>'


def _result_size(d) -> str:
    """The size of the result shown (the Jacobian's, e.g. mn×mn), or ''."""
    shape = getattr(getattr(d, "result", None), "shape", None)
    if shape is None:
        return ""
    r, c = shape
    return f"{r.pretty()}×{c.pretty()}"


def step_pictures(d, step) -> str:
    """The pictures of the special matrices in a step, or '' (see render.picture)."""
    from .picture import step_pictures_html
    return step_pictures_html(d, step)


class StaticDisplay:
    """A derivation with its check and a claim's verdict, rendered as static output.

    ``show_steps``: every step with its rule, or the result alone; ``picture``: the SVG
    picture of the derivative under the result.
    """

    def __init__(self, derivation, check: Any = None, *, show_steps: bool = True,
                 verdict: Any = None, picture: bool = False) -> None:
        self.derivation = derivation
        self.check = check
        self.show_steps = show_steps
        self.verdict = verdict
        self.picture = picture

    def text(self) -> str:
        d = self.derivation
        shown = getattr(d, "index_step", False) and self.show_steps
        body = d.text() if self.show_steps else getattr(d, "result_step", d.steps[-1]).text
        named = None if self.show_steps else named_lines(d)   # d.text() holds it already
        if named is not None:
            body += "\nin named parts: " + named[0]
        form = None if shown else entrywise(d)
        if form is not None:   # as in the result box of the HTML
            body += "\n" + ("   " if self.show_steps else "") + f"entry by entry: {form.text}"
        if self.check is not None:
            body += "\n" + (self.check.text() if hasattr(self.check, "text")
                            else check_summary(self.check))
        if self.verdict is not None:
            body += "\n" + str(self.verdict)
        return body

    def latex(self) -> str:
        if self.show_steps:   # every step with its rule in words
            from ..derivation import steps_latex_rows
            lines = steps_latex_rows(self.derivation.steps)
        else:
            d = self.derivation
            lines = [f"&{getattr(d, 'result_step', d.steps[-1]).latex}"]
        named = named_lines(self.derivation)
        if named is not None:
            lines.append(f"&\\text{{in named parts: }} {named[1]}")
        shown = getattr(self.derivation, "index_step", False) and self.show_steps
        form = None if shown else entrywise(self.derivation)
        if form is not None:
            lines.append(f"&\\text{{entry by entry: }} {form.latex}")
        if self.verdict is not None:   # the claim's verdict, as text
            lines.append(f"&\\text{{{_tex_text(str(self.verdict))}}}")
        body = " \\\\\n".join(lines)
        return "$$\\begin{aligned}\n" + body + "\n\\end{aligned}$$"

    def html(self) -> str:
        """The static page: title, problem, the result in a box with its badges, then the
        steps (each rule above its equation), every formula as TeX and MathML (readable
        without MathJax, render.mathml); deterministic."""
        d = self.derivation
        out = [STYLE, '<div class="matdiff matdiff-static matdiff-view">', title_html(d)]
        if self.show_steps:
            out.append(equation_html(d.steps[0].latex, mathml=True))
        out.append(result_box_html(d, mathml=True))
        if self.check is not None:
            out.append(badge_html(self.check, d.layout))
        if self.verdict is not None:
            out.append(f"<div>{verdict_badge_html(self.verdict)}</div>")
        if self.picture:
            from ..errors import MatdiffError
            from .picture import picture_svg
            try:
                svg = picture_svg(d)
            except MatdiffError as exc:   # the derivation stands; say why there is no picture
                svg = f"no picture: {html.escape(str(exc))}"
            if not self.show_steps:   # the result's K and diag(vec A); else under its step
                svg += step_pictures(d, getattr(d, "result_step", d.steps[-1]))
            out.append(f'<div class="matdiff-picture">{svg}</div>')
        if self.show_steps and len(d.steps) > 1:
            out.append(f'<div class="matdiff-steps-static"><b>the steps</b>'
                       f"{steps_html(d.steps, 1, d, mathml=True)}</div>")
        out.append("</div>")
        return "".join(out)

    def static_bundle(self) -> dict[str, Any]:
        """The static face alone: text/plain (nbval), text/latex and text/html."""
        return {"text/plain": self.text(), "text/latex": self.latex(),
                "text/html": self.html()}

    def __repr__(self) -> str:
        return self.text()
