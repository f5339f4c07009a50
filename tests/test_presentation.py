"""How checks and steps are presented: errors said once when equal, rule names in LaTeX."""

from matdiff_magic import derive
from matdiff_magic.derivation import steps_latex
from matdiff_magic.numeric.check import CheckResult, error_phrase


def _result(rel: float, abs_: float) -> CheckResult:
    return CheckResult(True, abs_, rel, {"n": 3}, 0, "full")


def test_equal_errors_are_printed_once_with_the_reason():
    text = _result(2.5e-12, 2.5e-12).text()
    assert text.count("2.5e-12") == 1
    assert "no finite difference exceeds 1" in text and "tolerance 1e-06" in text


def test_errors_equal_to_two_digits_are_printed_once():
    text = error_phrase(_result(1.0e-11, 1.04e-11))
    assert text.count("1.0e-11") == 1 and "close to 1" in text


def test_different_errors_are_both_printed():
    text = _result(6.7e-10, 2.5e-9).text()
    assert "max relative error 6.7e-10" in text and "max absolute error 2.5e-09" in text


def test_a_real_check_names_its_normalisation():
    r = derive("X, Y : m x n\nZ = X Y' X", wrt="X").check()
    assert r.max_abs_error == r.max_rel_error   # finite differences of size < 1 here
    assert "absolute = relative" in r.text()


def test_latex_steps_carry_the_rule_names():
    d = derive("A : p x q\nX : m x n\nF = kron(A, X)", wrt="X")
    latex = d._repr_latex_()
    assert latex == steps_latex(d.steps)
    for i, s in enumerate(d.steps, 1):
        assert f"\\text{{{i}. " in latex
        assert s.latex in latex
    assert "K_\\{n,p\\}" in latex                # braces of the rule text escaped
    assert latex.count("\\text{") >= len(d.steps)


def test_rule_prose_sets_subscripts_as_subscripts():
    """Rule text beside typeset equations: I_m, K_nn and ∂F_i/∂x_k as subscripts, an
    operation's name (log_softmax) as written."""
    from matdiff_magic.render.html import rule_markup
    out = rule_markup("entry by entry: ∂F_i/∂x_k in the row of F_i; K_nn and log_softmax")
    assert "∂F<sub>i</sub>/∂x<sub>k</sub>" in out and "K<sub>nn</sub>" in out
    assert "log_softmax" in out and "_" not in out.replace("log_softmax", "")
