"""The ipywidgets stepper and the two-faced display, driven from Python (no kernel, no browser).

Tests that need the numerical check (``Derivation.check``) have ``check`` in their name.
"""

from __future__ import annotations

import html
import subprocess
import sys
from types import SimpleNamespace

import pytest

from matdiff_magic import derive
from matdiff_magic.notebook.widget import WIDGET_MIME, WIDGET_PLAIN, MatdiffDisplay, Stepper
from matdiff_magic.render.badge import badge_html
from matdiff_magic.render.html import EQ_STYLE, rule_markup

JAC = "X, Y : m x n\nZ = X Y' X"
GRAD = "A : p x m\nX : m x n\nB : n x p\ntr(A X B)"


def esc(latex: str) -> str:
    return html.escape(latex, quote=False)


@pytest.fixture
def jac():
    return derive(JAC, wrt="X")


@pytest.fixture
def grad():
    return derive(GRAD, wrt="X")


@pytest.fixture
def stepper(jac):
    return Stepper(jac)


def visible(w) -> bool:
    return w.layout.display != "none"


# --- structure -----------------------------------------------------------------------------------

def test_structure_and_css_classes(stepper):
    s = stepper
    assert s.prev_button.description == "previous"
    assert s.next_button.description == "next"
    assert s.show_all_button.description == "show all steps"
    classes = {
        s.widget: "matdiff-stepper", s.prev_button: "matdiff-prev",
        s.next_button: "matdiff-next", s.slider: "matdiff-slider",
        s.show_all_button: "matdiff-show-all", s.layout_toggle: "matdiff-layout",
        s.problem_html: "matdiff-problem", s.step_html: "matdiff-step",
        s.rule_html: "matdiff-rule", s.all_html: "matdiff-all",
        s.result_html: "matdiff-result", s.badge: "matdiff-badge",
        s.title_html: "matdiff-title", s.counter: "matdiff-counter",
    }
    for w, cls in classes.items():
        assert cls in w._dom_classes, cls
    import ipywidgets as widgets
    for w in (s.problem_html, s.step_html, s.all_html, s.result_html):
        assert isinstance(w, widgets.HTMLMath)
    kids = list(s.widget.children)
    assert kids[1] is s.title_html and kids[2] is s.problem_html
    # the answer first: the result box and its badges come before the stepping controls
    assert kids.index(s.result_html) < kids.index(s.badge) < kids.index(s.controls)
    # the rule is written above the equation it produces, as in the plain text
    assert kids.index(s.rule_html) < kids.index(s.step_html)
    assert "<style>" in kids[0].value and "overflow-x: auto" in kids[0].value
    # the layout toggle's label is in the row of its buttons, not a description above them
    assert s.layout_row.children[:2] == (s.layout_label, s.layout_toggle)
    assert s.layout_label.value == "layout" and s.layout_toggle.description == ""


def test_problem_is_always_at_the_top(stepper, jac):
    for _ in range(3):
        assert esc(jac.steps[0].latex) in stepper.problem_html.value
        assert "m \\times n" in stepper.problem_html.value  # with shapes
        assert visible(stepper.problem_html)
        stepper.next_button.click()


def test_initial_state_shows_the_answer(stepper, jac):
    assert jac.index_step and jac.result_step is jac.steps[-2]
    last = len(jac.steps) - 2   # the entry-wise last step is in the result box
    assert stepper.index == last and stepper.slider.value == last
    assert stepper.slider.min == 0 and stepper.slider.max == last
    assert not stepper.prev_button.disabled and stepper.next_button.disabled
    assert stepper.result_visible                      # no click needed
    assert esc(jac.latex()) in stepper.result_html.value
    assert rule_markup(jac.result_step.rule) in stepper.result_html.value
    assert rule_markup(jac.steps[-1].rule) in stepper.result_html.value   # entry by entry
    assert esc(jac.steps[-1].latex) in stepper.result_html.value
    assert not visible(stepper.step_html)              # the result is shown once
    assert not visible(stepper.all_html)
    assert not visible(stepper.badge)  # no check given
    assert stepper.counter.value == f"step {last + 1} of {last + 1}"


def test_each_equation_is_display_math_with_its_rule_above(stepper, jac):
    stepper.index = 0
    for i, step in enumerate(jac.steps[:-2]):
        assert stepper.index == i
        assert stepper.step_html.value == (f'<div class="matdiff-eq" style="{EQ_STYLE}">'
                                           f"$${esc(step.latex)}$$</div>")
        assert rule_markup(step.rule) in stepper.rule_html.value
        stepper.next_button.click()


def test_one_step_counter(stepper, jac):
    stepper.index = 2
    shown = stepper.shown_html()
    n = stepper.last + 1
    assert "of " + str(n) not in shown     # the counter is the only one
    assert stepper.counter.value == f"step 3 of {n}"
    stepper.show_all = True
    assert stepper.counter.value == f"all {n} steps"   # nothing stale
    assert not visible(stepper.slider) and not visible(stepper.prev_button)


def test_rule_formulas_are_inline_math(jac):
    markup = rule_markup("vec(XB) = (Bᵀ ⊗ I) vec X")
    assert markup.startswith("\\(") and "\\otimes" in markup and "<em>" not in markup
    prose = rule_markup("vec is linear: vec(A + B) = vec A + vec B")
    assert prose.startswith("vec is linear: \\(")
    assert rule_markup("the problem") == "the problem"
    assert rule_markup("a < b & c: x = 1") .startswith("a &lt; b &amp; c: ")


# --- navigation ----------------------------------------------------------------------------------

def test_next_and_previous(stepper, jac):
    stepper.prev_button.click()
    assert stepper.index == stepper.last - 1
    stepper.index = 0
    stepper.next_button.click()
    assert stepper.index == 1
    assert esc(jac.steps[1].latex) in stepper.step_html.value
    stepper.next_button.click()
    stepper.prev_button.click()
    assert stepper.index == 1
    assert not stepper.prev_button.disabled


def test_slider_moves_the_step(stepper, jac):
    stepper.slider.value = 3
    assert stepper.index == 3
    assert esc(jac.steps[3].latex) in stepper.step_html.value
    assert stepper.counter.value == f"step 4 of {stepper.last + 1}"
    stepper.next_button.click()
    assert stepper.slider.value == 4


def test_bounds(stepper, jac):
    last = len(jac.steps) - 2
    stepper.index = 0
    stepper.prev_button.click()  # a click on a disabled button still does nothing harmful
    assert stepper.index == 0
    for _ in range(last + 5):
        stepper.next_button.click()
    assert stepper.index == last
    assert stepper.next_button.disabled and not stepper.prev_button.disabled
    stepper.index = 100
    assert stepper.index == last
    stepper.index = -3
    assert stepper.index == 0 and stepper.prev_button.disabled


def test_result_box_stays_while_stepping(stepper, jac):
    last = len(jac.steps) - 2
    stepper.index = last - 1
    assert stepper.result_visible and visible(stepper.step_html)
    stepper.next_button.click()
    assert stepper.result_visible
    assert esc(jac.latex()) in stepper.result_html.value
    assert rule_markup(jac.result_step.rule) in stepper.result_html.value
    assert "matdiff-result" in stepper.result_html._dom_classes
    assert "matdiff-result-box" in stepper.result_html.value  # highlighted: a bordered box
    assert "mn×mn" in stepper.result_html.value               # with the Jacobian's size
    assert "mn×mn" in stepper.title_html.value                # and in the title
    assert not visible(stepper.step_html)  # the result is shown once, in its box


def test_show_all_shows_every_step(stepper, jac):
    stepper.index = 2
    stepper.show_all_button.value = True
    assert stepper.show_all
    shown = stepper.shown_html()
    for step in jac.steps:
        assert esc(step.latex) in shown
        assert rule_markup(step.rule) in shown
    assert stepper.result_visible and visible(stepper.all_html)
    assert not visible(stepper.step_html)
    assert not visible(stepper.prev_button) and not visible(stepper.next_button)
    assert not visible(stepper.slider)
    stepper.show_all = False
    assert stepper.index == 2 and visible(stepper.step_html)
    assert not stepper.prev_button.disabled and visible(stepper.slider)


def test_shown_html_is_one_step_at_a_time(stepper, jac):
    shown = stepper.shown_html()
    assert esc(jac.steps[1].latex) not in shown and esc(jac.steps[2].latex) not in shown
    assert esc(jac.latex()) in shown              # the answer
    stepper.index = 2
    shown = stepper.shown_html()
    assert esc(jac.steps[2].latex) in shown and esc(jac.steps[1].latex) not in shown


# --- layout --------------------------------------------------------------------------------------

def test_layout_toggle_rederives_a_jacobian(stepper, jac):
    den = derive(JAC, wrt="X", layout="denominator")
    assert not stepper.layout_toggle.disabled
    assert stepper.layout_toggle.value == "mixed"
    assert stepper.layout_toggle.options == ("mixed", "numerator", "denominator")
    stepper.index = stepper.last
    stepper.layout_toggle.value = "denominator"
    assert stepper.derivation.layout == "denominator"
    # still at the result
    assert stepper.index == stepper.last == len(den.steps) - 1 - den.index_step
    assert stepper.slider.max == len(den.steps) - 1 - den.index_step
    assert esc(den.latex()) in stepper.result_html.value
    assert "Y^{\\top} X \\otimes I_{m}" in stepper.result_html.value
    assert esc(jac.latex()) not in stepper.result_html.value
    assert "denominator layout" in stepper.title_html.value
    stepper.layout_toggle.value = "mixed"
    assert stepper.derivation is jac  # cached, not re-derived
    assert esc(jac.latex()) in stepper.result_html.value


def test_layout_toggle_keeps_the_position_inside(stepper):
    stepper.index = 2
    stepper.layout_toggle.value = "denominator"
    assert stepper.index == 2 and visible(stepper.step_html)


def test_layout_toggle_transposes_a_gradient_in_numerator_layout(grad):
    s = Stepper(grad)
    assert not s.layout_toggle.disabled
    s.layout_toggle.value = "numerator"
    assert s.derivation.layout == "numerator"
    assert "transposed (numerator layout)" in s.title_html.value
    assert str(s.derivation.result) != str(grad.result)
    s.layout_toggle.value = "mixed"
    assert s.derivation is grad
    assert "shaped like" in s.title_html.value


def test_conventions_table_is_one_click_away(grad):
    s = Stepper(grad)
    assert not visible(s.conventions_html)
    s.conventions_button.value = True
    assert visible(s.conventions_html)
    table = s.conventions_html.value
    for name in ("mixed", "numerator", "denominator", "Minka", "matrixcalculus.org"):
        assert name in table
    # its columns are spaced by inline styles (they hold in an untrusted notebook too)
    assert table.count("padding: 3px 16px 3px 0") == 4 * 4
    s.conventions_button.value = False
    assert not visible(s.conventions_html)


def test_layout_toggle_uses_the_given_derive(jac):
    calls = []

    def fake(source, wrt, layout):
        calls.append((wrt, layout))
        return derive(source, wrt=wrt, layout=layout)
    s = Stepper(jac, derive=fake)
    s.layout_toggle.value = "denominator"
    s.layout_toggle.value = "mixed"
    s.layout_toggle.value = "denominator"
    assert calls == [("X", "denominator")]


# --- badge ---------------------------------------------------------------------------------------

def fake_check(passed: bool):
    return SimpleNamespace(passed=passed, max_rel_error=3.2e-11 if passed else 0.25,
                           max_abs_error=1e-10, dims={"m": 3, "n": 4}, seed=0, method="full",
                           tol=1e-6,
                           text=lambda: "numerical check (fake)")


def test_badge_pass_and_fail(jac):
    s = Stepper(jac, fake_check(True))
    assert visible(s.badge)
    assert "matdiff-pass" in s.badge._dom_classes
    assert "passed" in s.badge.value and "3.2e-11" in s.badge.value
    assert "m=3, n=4" in s.badge.value and "seed 0" in s.badge.value
    assert "tolerance 1e-06" in s.badge.value and "max absolute error 1.0e-10" in s.badge.value
    assert "mixed layout" in s.badge.value          # which layout was checked
    assert "matdiff-badge-box" in s.badge.value     # a flex box that wraps when narrow
    s = Stepper(jac, fake_check(False))
    assert "matdiff-fail" in s.badge._dom_classes and "matdiff-pass" not in s.badge._dom_classes
    assert "FAILED" in s.badge.value and "2.5e-01" in s.badge.value
    assert "#d93025" in s.badge.value  # red


def test_badge_html_for_an_error():
    out = badge_html(ValueError("boom"))
    assert "matdiff-fail" in out and "boom" in out


def test_layout_toggle_reruns_the_check(jac):
    seen = []

    def checker(d):
        seen.append(d.layout)
        return fake_check(False)
    s = Stepper(jac, fake_check(True), checker=checker)
    s.layout_toggle.value = "denominator"
    assert seen == ["denominator"] and "matdiff-fail" in s.badge._dom_classes
    s.layout_toggle.value = "mixed"
    assert "matdiff-pass" in s.badge._dom_classes and seen == ["denominator"]


def test_checker_error_shows_in_the_badge(jac):
    def checker(d):
        raise RuntimeError("no luck")
    s = Stepper(jac, fake_check(True), checker=checker)
    s.layout_toggle.value = "denominator"
    assert "no luck" in s.badge.value and "matdiff-fail" in s.badge._dom_classes


def test_real_check_badge(jac):
    s = Stepper(jac, jac.check(seed=0), checker=lambda d: d.check(seed=0))
    assert "matdiff-pass" in s.badge._dom_classes
    s.layout_toggle.value = "denominator"
    assert "matdiff-pass" in s.badge._dom_classes and "denominator layout" in s.badge.value


# --- no steps ------------------------------------------------------------------------------------

def test_no_steps_mode(jac):
    s = Stepper(jac, show_steps=False)
    assert not visible(s.controls)
    assert s.result_visible and s.index == s.last
    assert not visible(s.step_html) and not visible(s.all_html)
    s.layout_toggle.value = "denominator"
    assert s.index == s.last and s.result_visible


# --- the two-faced display ----------------------------------------------------------------------

def test_display_bundle_has_widget_and_static_faces(jac):
    disp = MatdiffDisplay(jac)
    data = disp._repr_mimebundle_()
    assert data[WIDGET_MIME]["model_id"] == disp.stepper.widget.model_id
    entry = f"   entry by entry: {jac.index_form().text}"
    assert data["text/plain"] == jac.text()        # the entry-wise form is the last step
    assert data["text/plain"].endswith(jac.index_form().text)
    assert entry not in data["text/plain"]        # and is not repeated
    assert "\\begin{aligned}" in data["text/latex"] and jac.latex() in data["text/latex"]
    assert jac.index_form().latex in data["text/latex"]
    assert data["text/html"] == disp.html()
    assert esc(jac.latex()) in data["text/html"] and "matdiff-result-box" in data["text/html"]
    assert disp._repr_mimebundle_()[WIDGET_MIME] == data[WIDGET_MIME]  # one widget


def test_widget_and_static_bundles_are_separate_outputs(jac):
    disp = MatdiffDisplay(jac)
    widget, static = disp.widget_bundle(), disp.static_bundle()
    assert set(widget) == {WIDGET_MIME, "text/plain"} and widget["text/plain"] == WIDGET_PLAIN
    assert WIDGET_MIME not in static and static["text/plain"].startswith(jac.text())
    html_ = static["text/html"]
    # the static view: answer first, highlighted, each rule above its equation
    assert html_.index("matdiff-result-box") < html_.index("the steps")
    for step in jac.steps:
        assert html_.index(rule_markup(step.rule, mathml=True)) < html_.rindex(esc(step.latex))
    # and it hides itself next to a rendered stepper
    assert ":has(.matdiff-stepper) + .jp-OutputArea-child:has(.matdiff-static)" in html_


def test_display_static_face_is_deterministic(jac):
    a = MatdiffDisplay(jac)._repr_mimebundle_()
    b = MatdiffDisplay(derive(JAC, wrt="X"))._repr_mimebundle_()
    for mime in ("text/plain", "text/latex", "text/html"):
        assert a[mime] == b[mime]
    assert "0x" not in a["text/plain"]


def test_display_include_exclude(jac):
    disp = MatdiffDisplay(jac)
    assert set(disp._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert WIDGET_MIME not in disp._repr_mimebundle_(exclude={WIDGET_MIME})


def test_display_no_steps(jac):
    data = MatdiffDisplay(jac, show_steps=False)._repr_mimebundle_()
    assert data["text/plain"] == jac.result_step.text + "\nentry by entry: " + \
        jac.index_form().text
    assert jac.steps[1].latex not in data["text/latex"]


def test_display_with_check(jac):
    data = MatdiffDisplay(jac, fake_check(True))._repr_mimebundle_()
    assert data["text/plain"].endswith("\nnumerical check (fake)")
    assert "matdiff-pass" in data["text/html"]


def test_display_with_real_check(jac):
    res = jac.check(seed=0)
    data = MatdiffDisplay(jac, res, check_kwargs={"seed": 0})._repr_mimebundle_()
    entry = f"   entry by entry: {jac.index_form().text}"
    assert data["text/plain"] == jac.text() + "\n" + res.text()
    assert entry not in data["text/plain"]


def test_widget_module_does_not_import_ipywidgets():
    code = ("import sys, matdiff_magic.notebook.widget, matdiff_magic.notebook.magic; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
