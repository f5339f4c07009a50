"""Steps as data: derive() computes the result and records no step it is not asked for; the
steps hold their rule and expressions, and render/steps.py prints them when first read."""

from __future__ import annotations

import pytest

from matdiff_magic import Step, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.render import steps as RS
from matdiff_magic.render.steps import binding, fresh_letters, steps_latex


def _refuse(*args, **kwargs):
    raise AssertionError("printed while deriving")


def test_derive_from_code_prints_nothing(monkeypatch):
    monkeypatch.setattr(RS, "equation", _refuse)
    monkeypatch.setattr(RS, "rule_text", _refuse)
    d = derive("A : p x m\nX : m x n\nB : n x p\nf = tr(A X B)", wrt="X")
    assert str(d.result) == "A' B'"
    assert d._steps is None          # the steps are recorded when first read


def test_steps_are_recorded_and_printed_when_read():
    d = derive("X : n x n invertible\nF = inv(X)", wrt="X")
    assert d._steps is None
    steps = d.steps
    assert all(s._text is None and s._latex is None for s in steps)
    assert steps[-2].text.startswith("∂vec F/∂(vec X)ᵀ = ")
    assert steps[-2]._latex is None   # each form printed on its own first use
    assert "\\frac" in steps[-2].latex
    assert d.steps is steps           # recorded once


def test_steps_read_later_equal_steps_read_at_once():
    cell = "X : m x n\nW : n x k\nH = X W\nf = sum(sigmoid(H))"
    first = derive(cell, wrt="W")
    text = first.text()
    again = derive(cell, wrt="W")
    assert [s.rule for s in again.steps] == [s.rule for s in first.steps]
    assert again.text() == text
    assert again.backprop is not None and again.backprop.gradient == first.backprop.gradient


def test_a_step_given_as_strings_keeps_them():
    e = E.Sym((E.Dim.of("m"), E.Dim.of("n")), "X", frozenset())
    s = Step("a rule", "dF = dX", "\\mathrm{d}F = \\mathrm{d}X", e)
    assert (s.rule, s.text, s.latex, s.expr) == ("a rule", "dF = dX",
                                                  "\\mathrm{d}F = \\mathrm{d}X", e)
    assert s == Step("a rule", "dF = dX", "\\mathrm{d}F = \\mathrm{d}X", e)
    assert str(s) == "dF = dX    [a rule]"
    assert s.prefixed("first: ").rule == "first: a rule"


def test_a_step_as_data_prints_both_targets():
    x = E.Sym((E.Dim.of("m"), E.Dim.of("n")), "X", frozenset())
    s = Step.of(("identities", "take the differential: ", ("d(Aᵀ) = (dA)ᵀ",),
                 frozenset({"A"}), None, ""), ("eq", ("d", "F"), E.transpose(E.D(x.shape, x))))
    assert s.rule == "take the differential: d(Pᵀ) = (dP)ᵀ"
    assert s.text == "dF = dXᵀ"
    assert s.latex.startswith("\\mathrm{d}F = ")
    assert steps_latex([s]).startswith("$$\\begin{aligned}\n&\\text{1. take the differential")


@pytest.mark.parametrize("identity, used, want", [
    ("vec(AXB) = (Bᵀ ⊗ A) vec X", {"A", "B", "X"}, "vec(PQR) = (Rᵀ ⊗ P) vec Q"),
    ("d tr(A) = tr(dA)", {"X"}, "d tr(A) = tr(dA)"),
    ("d(A⁻¹) = -A⁻¹ dA A⁻¹", {"A", "P"}, "d(Q⁻¹) = -Q⁻¹ dQ Q⁻¹"),
])
def test_an_identity_binds_its_letters_away_from_the_cells(identity, used, want):
    assert fresh_letters(identity, used) == want
    assert all(c not in used for c in binding(identity, used).values())
