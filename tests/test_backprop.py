"""The gradient through definitions, backwards (backprop.py): the same gradient as the
substituted one, in the definitions' names, checked numerically."""

from __future__ import annotations

import numpy as np
import pytest

from matdiff_magic import derive
from matdiff_magic.calculus.backprop import substitute_definitions
from matdiff_magic.numeric.sample import draw_values
from matdiff_magic.numeric.values import make_env, value

CELLS = [
    ("X : N x d\nW : d x k\nH = X W\nf = sum(sigmoid(H))", "W", "Xᵀ(σ(H) ∘ (𝟏_(N×k) - σ(H)))"),
    ("W : m x n\nX : n x q\nH = tanh(W X)\nf = sum(H .* H)", "W", "2 (H ∘ (𝟏_(m×q) - H^∘2)) Xᵀ"),
    ("W1 : h x d\nW2 : k x h\nx : d\nH = tanh(W1 x)\nO = W2 H\nf = sum(O .* O)", "W1",
     "2 ((W2ᵀ O) ∘ (𝟏_h - H^∘2)) xᵀ"),
    ("W1 : h x d\nW2 : k x h\nx : d\nH = tanh(W1 x)\nO = W2 H\nf = sum(O .* O)", "W2", None),
    ("A : q x m\nX : m x n\nB : q x n\nR = A X - B\nf = tr(R' R)", "X", "2 AᵀR"),
    ("S : n x n spd\ny : n\nP = inv(S)\nf = logdet(S) + y' P y", "S", None),
    ("X : N x d\nw : d\ny : N\np = sigmoid(X w)\nf = -(y' log(p) + (1_N - y)' log(1_N - p))",
     "w", None),
]


@pytest.mark.parametrize("cell, wrt, shown", CELLS, ids=[f"{c.splitlines()[-1]}|{w}"
                                                          for c, w, _ in CELLS])
def test_backprop_gradient_equals_the_substituted_one(cell, wrt, shown):
    d = derive(cell, wrt=wrt)
    bp = d.backprop
    assert bp is not None
    if shown is not None:
        assert d.result_unicode() != shown   # the substituted form is another spelling
        assert any(shown in s.text for s in d.steps)
    written = d._as_written()[:-1]
    g = substitute_definitions(bp.gradient, written)
    for seed in (1, 2):
        vals, sizes = draw_values(d, None, seed)
        env = make_env(d.cell.symbols, vals, sizes)
        np.testing.assert_allclose(value(g, env), d.evaluate(vals), rtol=1e-9, atol=1e-11)
    assert d.check(seed=4).passed


def test_steps_show_the_chain_rule_through_definitions():
    d = derive(CELLS[0][0], wrt="W")
    rules = [s.rule for s in d.steps]
    i = next(k for k, r in enumerate(rules) if r.startswith("the chain rule through"))
    assert rules[i + 1].startswith("backpropagation")
    assert d.steps[i].text == "dH = X dW"
    assert d.result_step.rule.startswith("identify the gradient")


def test_no_backprop_without_definitions_that_depend_on_the_variable():
    assert derive("X : m x n\nA : m x m\nf = tr(X' A X)", wrt="X").backprop is None
    assert derive("A : m x m\nX : m x n\nB = A A\nf = tr(X' B X)", wrt="X").backprop is None
