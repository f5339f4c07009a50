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
from matdiff_magic.widget import WIDGET_MIME, MatdiffDisplay, Stepper, badge_html

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
    assert s.widget.children[0] is s.title_html and s.widget.children[1] is s.problem_html


def test_problem_is_always_at_the_top(stepper, jac):
    for _ in range(3):
        assert esc(jac.steps[0].latex) in stepper.problem_html.value
        assert "m \\times n" in stepper.problem_html.value  # with shapes
        assert visible(stepper.problem_html)
        stepper.next_button.click()


def test_initial_state(stepper, jac):
    assert stepper.index == 0 and stepper.slider.value == 0
    assert stepper.slider.min == 0 and stepper.slider.max == len(jac.steps) - 1
    assert stepper.prev_button.disabled and not stepper.next_button.disabled
    assert not stepper.result_visible
    assert visible(stepper.step_html) and visible(stepper.rule_html)
    assert not visible(stepper.all_html)
    assert not visible(stepper.badge)  # no check given
    assert stepper.counter.value == f"step 1 of {len(jac.steps)}"


def test_each_equation_is_display_math_with_its_rule(stepper, jac):
    for i, step in enumerate(jac.steps[:-1]):
        assert stepper.index == i
        assert stepper.step_html.value == f"$${esc(step.latex)}$$"
        assert esc(step.rule) in stepper.rule_html.value
        stepper.next_button.click()


# --- navigation ----------------------------------------------------------------------------------

def test_next_and_previous(stepper, jac):
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
    assert stepper.counter.value == f"step 4 of {len(jac.steps)}"
    stepper.next_button.click()
    assert stepper.slider.value == 4


def test_bounds(stepper, jac):
    last = len(jac.steps) - 1
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


def test_result_box_appears_at_the_end(stepper, jac):
    last = len(jac.steps) - 1
    stepper.index = last - 1
    assert not stepper.result_visible
    stepper.next_button.click()
    assert stepper.result_visible
    assert esc(jac.latex()) in stepper.result_html.value
    assert esc(jac.steps[-1].rule) in stepper.result_html.value
    assert "matdiff-result" in stepper.result_html._dom_classes
    assert stepper.result_html.layout.border  # highlighted: a bordered box
    assert not visible(stepper.step_html)  # the result is shown once, in its box
    stepper.prev_button.click()
    assert not stepper.result_visible


def test_show_all_shows_every_step(stepper, jac):
    stepper.index = 2
    stepper.show_all_button.value = True
    assert stepper.show_all
    shown = stepper.shown_html()
    for step in jac.steps:
        assert esc(step.latex) in shown
        assert esc(step.rule) in shown
    assert stepper.result_visible and visible(stepper.all_html)
    assert not visible(stepper.step_html)
    assert stepper.prev_button.disabled and stepper.next_button.disabled
    assert stepper.slider.disabled
    stepper.show_all = False
    assert stepper.index == 2 and not stepper.result_visible
    assert not stepper.prev_button.disabled and not stepper.slider.disabled


def test_shown_html_is_one_step_at_a_time(stepper, jac):
    shown = stepper.shown_html()
    assert esc(jac.steps[1].latex) not in shown
    assert esc(jac.latex()) not in shown


# --- layout --------------------------------------------------------------------------------------

def test_layout_toggle_rederives_a_jacobian(stepper, jac):
    den = derive(JAC, wrt="X", layout="denominator")
    assert not stepper.layout_toggle.disabled
    assert stepper.layout_toggle.value == "mixed"
    assert stepper.layout_toggle.options == ("mixed", "numerator", "denominator")
    stepper.index = stepper.last
    stepper.layout_toggle.value = "denominator"
    assert stepper.derivation.layout == "denominator"
    assert stepper.index == stepper.last == len(den.steps) - 1  # still at the result
    assert stepper.slider.max == len(den.steps) - 1
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
    assert stepper.index == 2 and not stepper.result_visible


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
                           text=lambda: "numerical check (fake)")


def test_badge_pass_and_fail(jac):
    s = Stepper(jac, fake_check(True))
    assert visible(s.badge)
    assert "matdiff-pass" in s.badge._dom_classes
    assert "passed" in s.badge.value and "3.2e-11" in s.badge.value
    assert "m=3, n=4" in s.badge.value and "seed 0" in s.badge.value
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
    assert "matdiff-pass" in s.badge._dom_classes


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
    assert data["text/plain"] == jac.text()
    assert "\\begin{aligned}" in data["text/latex"] and jac.latex() in data["text/latex"]
    assert data["text/html"] == jac.html()
    assert disp._repr_mimebundle_()[WIDGET_MIME] == data[WIDGET_MIME]  # one widget


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
    assert data["text/plain"] == jac.steps[-1].text
    assert jac.steps[1].latex not in data["text/latex"]


def test_display_with_check(jac):
    data = MatdiffDisplay(jac, fake_check(True))._repr_mimebundle_()
    assert data["text/plain"].endswith("\nnumerical check (fake)")
    assert "matdiff-pass" in data["text/html"]


def test_display_with_real_check(jac):
    res = jac.check(seed=0)
    data = MatdiffDisplay(jac, res, check_kwargs={"seed": 0})._repr_mimebundle_()
    assert data["text/plain"] == jac.text() + "\n" + res.text()


def test_widget_module_does_not_import_ipywidgets():
    code = ("import sys, matdiff_magic.widget, matdiff_magic.magic; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
