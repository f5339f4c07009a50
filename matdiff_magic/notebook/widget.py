"""The notebook face of a Derivation: an ipywidgets stepper beside its static rendering.

:class:`Stepper` opens on the answer: the problem, the result in a box (its rule above it)
and the numerical check as a badge; stepping is optional (previous / next, a slider, or all
at once, each rule above the equation it produces), with a layout switch (mixed, numerator,
denominator), a conventions table and a picture of the derivative one click away.

:class:`MatdiffDisplay` is what the magic displays, as two outputs: the live widget
(``application/vnd.jupyter.widget-view+json``) and the static, deterministic ``text/plain``
+ ``text/latex`` + ``text/html`` rendering of render/static.py, for nbconvert (which renders
one mimetype per output and prefers the widget's), GitHub and nbval. Front ends that render
the widget hide the static output next to it. ipywidgets is imported only when a widget is
built.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..render.badge import badge_html, verdict_badge_html
from ..render.html import STYLE, equation_html, result_box_html, rule_html, step_html, steps_html
from ..render.static import StaticDisplay, step_pictures, title_html

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# the text/plain of the widget's own output: empty, the static output next to it holds the
# text (so stored notebooks and exports without widgets show no stray line)
WIDGET_PLAIN = ""


def conventions_table() -> str:
    """A small HTML table: what each layout shows and who uses it (SPEC §2)."""
    from ..derivation import LAYOUT_FORMS, LAYOUT_USERS
    cell = 'style="padding: 3px 16px 3px 0; text-align: left; vertical-align: top"'
    rows = "".join(
        f"<tr><td {cell}><code>{name}</code>{' (default)' if name == 'mixed' else ''}</td>"
        f"<td {cell}>{LAYOUT_FORMS[name][0]}</td><td {cell}>{LAYOUT_FORMS[name][1]}</td>"
        f"<td {cell}>{html.escape(LAYOUT_USERS[name])}</td></tr>" for name in LAYOUT_FORMS)
    head = "".join(f"<th {cell}>{h}</th>" for h in ("layout", "scalar f", "matrix F",
                                                    "who uses it"))
    return ('<table class="matdiff-conventions-table" style="border-collapse: collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            "<div><small>G[i, j] = ∂f/∂X[i, j] is shaped like X; "
            "J = ∂vec F/∂(vec X)ᵀ, column-major vec.</small></div>")


class Stepper:
    """An ipywidgets stepper over the steps of a Derivation, the answer first.

    It opens on the result (a box holding the last step, its rule above it, the check badge
    under it); stepping is optional: previous / next and a slider walk the steps from the
    problem (index 0) to the result (``last``), each rule written above the equation it
    produces, and "show all steps" lists them all. One counter says "step k of N" (or
    "all N steps").

    State for tests and scripts: ``index`` (the step shown, 0 = the problem, ``last`` at the
    start), ``show_all``, ``derivation`` (the one shown, which the layout switch replaces),
    ``check``; widgets: ``problem_html``, ``step_html``, ``rule_html``, ``all_html``,
    ``result_html``, ``badge``, ``prev_button``, ``next_button``, ``slider``,
    ``show_all_button``, ``layout_toggle``, ``counter``, ``picture_button``,
    ``picture_html``; the root VBox is ``widget``.

    ``checker(derivation)`` recomputes the check after a layout switch; ``derive`` (the
    engine's by default) re-derives in the other layout.
    """

    def __init__(self, derivation, check: Any = None, *, show_steps: bool = True,
                 checker: Callable[[Any], Any] | None = None,
                 derive: Callable[..., Any] | None = None, verdict: Any = None,
                 claim: str | None = None, picture: bool = False) -> None:
        import ipywidgets as w

        self.derivation = derivation
        self.check = check
        self.verdict = verdict
        self.claim = claim
        self._verdicts = {derivation.layout: verdict}
        self.show_steps = show_steps
        self._checker = checker
        self._derive = derive
        self._cache = {derivation.layout: (derivation, check)}
        self._pictures: dict[str, str] = {}
        self._busy = False
        n = len(derivation.steps) - int(getattr(derivation, "index_step", False))

        self.style_html = w.HTML(STYLE)
        self.title_html = w.HTML(title_html(derivation))
        self.title_html.add_class("matdiff-title")
        self.problem_html = w.HTMLMath(equation_html(derivation.steps[0].latex))
        self.problem_html.add_class("matdiff-problem")

        self.prev_button = w.Button(description="previous", icon="arrow-left",
                                    tooltip="the previous step",
                                    layout=w.Layout(width="auto"))
        self.prev_button.add_class("matdiff-prev")
        self.next_button = w.Button(description="next", icon="arrow-right",
                                    tooltip="the next step", layout=w.Layout(width="auto"))
        self.next_button.add_class("matdiff-next")
        self.slider = w.IntSlider(value=max(n - 1, 0), min=0, max=max(n - 1, 0), step=1,
                                  description="", readout=False,
                                  layout=w.Layout(width="180px"))
        self.slider.add_class("matdiff-slider")
        self.counter = w.Label("")
        self.counter.add_class("matdiff-counter")
        self.show_all_button = w.ToggleButton(value=False, description="show all steps",
                                              tooltip="show every step at once",
                                              layout=w.Layout(width="auto"))
        self.show_all_button.add_class("matdiff-show-all")
        self.controls = w.HBox([self.prev_button, self.next_button, self.slider, self.counter,
                                self.show_all_button],
                               layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.controls.add_class("matdiff-controls")

        jac = derivation.kind == "jacobian"
        self.layout_toggle = w.ToggleButtons(
            options=["mixed", "numerator", "denominator"], value=derivation.layout,
            description="",
            tooltips=["J = ∂vec F/∂(vec X)ᵀ", "J = ∂vec F/∂(vec X)ᵀ",
                      "Jᵀ = ∂(vec F)ᵀ/∂vec X: the transpose"] if jac else
            ["G, shaped like the variable", "Gᵀ: the transpose", "G, shaped like the variable"],
            style={"button_width": "auto"}, layout=w.Layout(width="auto"))
        self.layout_toggle.add_class("matdiff-layout")
        # the label in the row of the buttons (a description would sit above them)
        self.layout_label = w.Label("layout", layout=w.Layout(width="auto"))
        self.layout_label.add_class("matdiff-layout-label")
        self.conventions_button = w.ToggleButton(value=False, description="conventions",
                                                 tooltip="which layout books and tools use",
                                                 layout=w.Layout(width="auto"))
        self.conventions_button.add_class("matdiff-conventions-button")
        self.conventions_html = w.HTML(conventions_table())
        self.conventions_html.add_class("matdiff-conventions")
        _show(self.conventions_html, False)
        self.conventions_button.observe(
            lambda ch: _show(self.conventions_html, bool(ch["new"])), names="value")
        self.picture_button = w.ToggleButton(value=picture, description="picture",
                                             tooltip="the entries of the derivative at "
                                                     "random small matrices",
                                             layout=w.Layout(width="auto"))
        self.picture_button.add_class("matdiff-picture-button")
        self.picture_html = w.HTML("")
        self.picture_html.add_class("matdiff-picture")
        self.layout_row = w.HBox([self.layout_label, self.layout_toggle, self.conventions_button,
                                  self.picture_button],
                                 layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.layout_row.add_class("matdiff-layout-row")

        self.rule_html = w.HTMLMath("")
        self.rule_html.add_class("matdiff-rule")
        self.step_html = w.HTMLMath("")
        self.step_html.add_class("matdiff-step")
        self.all_html = w.HTMLMath("")
        self.all_html.add_class("matdiff-all")
        self.result_html = w.HTMLMath("")
        self.result_html.add_class("matdiff-result")
        self.badge = w.HTML("")
        self.badge.add_class("matdiff-badge")
        self.claim_badge = w.HTML("")
        self.claim_badge.add_class("matdiff-claim-badge")

        # the answer first: title, problem, result and its badges; then the optional parts
        self.widget = w.VBox([self.style_html, self.title_html, self.problem_html,
                              self.result_html, self.badge, self.claim_badge,
                              self.layout_row, self.conventions_html, self.picture_html,
                              self.controls, self.rule_html, self.step_html, self.all_html],
                             layout=w.Layout(max_width="100%", overflow="hidden"))
        self.widget.add_class("matdiff-stepper")
        self.widget.add_class("matdiff-view")

        self.prev_button.on_click(lambda _: self._move(-1))
        self.next_button.on_click(lambda _: self._move(+1))
        self.slider.observe(lambda _: self._render(), names="value")
        self.show_all_button.observe(lambda _: self._render(), names="value")
        self.layout_toggle.observe(self._on_layout, names="value")
        self.picture_button.observe(lambda _: self._render(), names="value")
        self._render()

    # --- state -------------------------------------------------------------------------------
    @property
    def last(self) -> int:
        """The index of the step stating the result (the entry-wise form after it is shown
        in the result box)."""
        d = self.derivation
        return len(d.steps) - 1 - int(getattr(d, "index_step", False))

    @property
    def index(self) -> int:
        """The step shown (0 is the problem, ``last`` the identified result)."""
        return self.slider.value

    @index.setter
    def index(self, i: int) -> None:
        self.slider.value = max(0, min(int(i), self.last))

    @property
    def show_all(self) -> bool:
        return self.show_all_button.value

    @show_all.setter
    def show_all(self, value: bool) -> None:
        self.show_all_button.value = bool(value)

    def _move(self, delta: int) -> None:
        self.index = self.index + delta

    def _picture(self) -> str:
        """The derivative's picture, then the pictures of the commutation matrices and
        diag(vec A) factors in the result (always shown); built on first request."""
        d = self.derivation
        if d.layout not in self._pictures:
            try:
                from ..render.picture import picture_svg
                self._pictures[d.layout] = picture_svg(d)
            except Exception as exc:  # shown in place of the picture, the widget stays usable
                self._pictures[d.layout] = (f'<div class="matdiff-picture-error">no picture: '
                                            f"{html.escape(str(exc))}</div>")
            self._pictures[d.layout] += step_pictures(d, getattr(d, "result_step", d.steps[-1]))
        return self._pictures[d.layout]

    # --- drawing -----------------------------------------------------------------------------
    def _render(self) -> None:
        if self._busy:
            return
        d, i = self.derivation, self.index
        steps, last = d.steps, self.last
        everything = self.show_all
        self.title_html.value = title_html(d)
        self.problem_html.value = equation_html(steps[0].latex)
        self.result_html.value = result_box_html(d)
        # the pictures of K and diag(vec A) in the steps shown, on request (computed lazily)
        pictured = d if self.picture_button.value else None
        self.rule_html.value = rule_html(steps[i].rule)
        self.step_html.value = step_html(steps[i], pictured)
        self.all_html.value = steps_html(steps[:last], 1, pictured) if everything else ""
        self.counter.value = (f"all {last + 1} steps" if everything else
                              f"step {i + 1} of {last + 1}")

        self.prev_button.disabled = i <= 0
        self.next_button.disabled = i >= last
        for part in (self.prev_button, self.next_button, self.slider):
            _show(part, not everything)
        _show(self.controls, self.show_steps)
        # the step under the controls; at the last step the result box above is that step
        _show(self.step_html, self.show_steps and not everything and 0 < i < last)
        _show(self.rule_html, self.show_steps and not everything and 0 < i < last)
        _show(self.all_html, self.show_steps and everything)
        _show(self.result_html, True)
        picture = bool(self.picture_button.value)
        self.picture_html.value = self._picture() if picture else ""
        _show(self.picture_html, picture)
        _show(self.badge, self.check is not None)
        self.badge.value = "" if self.check is None else badge_html(self.check, d.layout)
        for cls in ("matdiff-pass", "matdiff-fail"):
            self.badge.remove_class(cls)
        if self.check is not None:
            ok = not isinstance(self.check, BaseException) and self.check.passed
            self.badge.add_class("matdiff-pass" if ok else "matdiff-fail")
        _show(self.claim_badge, self.verdict is not None)
        self.claim_badge.value = "" if self.verdict is None else verdict_badge_html(self.verdict)
        for cls in ("matdiff-pass", "matdiff-fail"):
            self.claim_badge.remove_class(cls)
        if self.verdict is not None:
            ok = not isinstance(self.verdict, BaseException) and self.verdict.correct
            self.claim_badge.add_class("matdiff-pass" if ok else "matdiff-fail")

    def shown_html(self) -> str:
        """The HTML of every visible part, top to bottom (what a reader sees)."""
        parts = [self.title_html, self.problem_html, self.result_html, self.badge,
                 self.claim_badge, self.picture_html, self.rule_html, self.step_html,
                 self.all_html]
        return "\n".join(p.value for p in parts if p.layout.display != "none")

    @property
    def result_visible(self) -> bool:
        return self.result_html.layout.display != "none"

    # --- the layout switch ---------------------------------------------------------------------
    def _on_layout(self, change) -> None:
        layout = change["new"]
        if layout == self.derivation.layout:
            return
        if layout not in self._cache:
            if self._derive is None:
                from ..api import derive
            else:
                derive = self._derive
            d = derive(self.derivation.source, layout=layout,
                       wrt=getattr(self.derivation, "wrt_spec", self.derivation.wrt.name))
            check = None
            if self.check is not None and self._checker is not None:
                try:
                    check = self._checker(d)
                except Exception as exc:  # shown in the badge, the widget stays usable
                    check = exc
            elif self.check is not None:
                check = self.check
            self._cache[layout] = (d, check)
        if self.claim is not None and layout not in self._verdicts:
            # the claim is judged again in the layout now shown
            from ..numeric.compare import judge
            try:
                self._verdicts[layout] = judge(self._cache[layout][0], self.claim)
            except Exception as exc:  # shown in the badge, the widget stays usable
                self._verdicts[layout] = exc
        at_end = self.index == self.last
        self._busy = True
        try:
            self.derivation, self.check = self._cache[layout]
            self.verdict = self._verdicts.get(layout, self.verdict)
            self.slider.max = self.last
            self.index = self.last if (at_end or not self.show_steps) else self.index
        finally:
            self._busy = False
        self._render()

    # --- display -----------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _show(widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


class MatdiffDisplay(StaticDisplay):
    """One output, two faces: the live stepper and a static rendering of all the steps.

    The static parts (render.static) depend only on the derivation and the check, never on
    object ids or timings, so the same cell always gives the same ``text/plain`` (nbval
    compares it).
    """

    def __init__(self, derivation, check: Any = None, *, show_steps: bool = True,
                 check_kwargs: dict | None = None, verdict: Any = None,
                 claim: str | None = None, picture: bool = False) -> None:
        super().__init__(derivation, check, show_steps=show_steps, verdict=verdict,
                         picture=picture)
        self.check_kwargs = check_kwargs
        self.claim = claim
        self._stepper: Stepper | None = None

    @property
    def stepper(self) -> Stepper:
        """The widget, built on first use (this is where ipywidgets gets imported)."""
        if self._stepper is None:
            kw = self.check_kwargs
            checker = None if kw is None else (lambda d: d.check(**kw))
            self._stepper = Stepper(self.derivation, self.check, show_steps=self.show_steps,
                                    checker=checker, verdict=self.verdict, claim=self.claim,
                                    picture=self.picture)
        return self._stepper

    def widget_bundle(self) -> dict[str, Any] | None:
        """The live widget alone, with a fixed text/plain; None without ipywidgets."""
        try:
            data = dict(self.stepper._repr_mimebundle_() or {})
        except ImportError:
            return None
        if WIDGET_MIME not in data:
            return None
        return {WIDGET_MIME: data[WIDGET_MIME], "text/plain": WIDGET_PLAIN}

    def show(self) -> None:
        """Display the widget and the static face as two outputs.

        An exporter renders one mimetype per output and, with widget state stored, picks
        the widget view, whose page needs JavaScript from the network; the static face in
        its own output is always exported. Front ends that render the widget hide the
        static output next to it (a CSS rule in it), so the notebook shows one view.
        """
        from IPython.display import display
        widget = self.widget_bundle()
        if widget is not None:
            display(widget, raw=True)
        display(self.static_bundle(), raw=True)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        data: dict[str, Any] = {}
        try:
            data.update(self.stepper._repr_mimebundle_(**kwargs) or {})
        except ImportError:  # no ipywidgets: the static face alone
            pass
        data.pop("text/plain", None)  # the widget's repr is neither useful nor deterministic
        data.update(self.static_bundle())
        if include:
            data = {k: v for k, v in data.items() if k in include}
        if exclude:
            data = {k: v for k, v in data.items() if k not in exclude}
        return data
