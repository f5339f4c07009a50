"""One rule a step: the differential taken one rule at a time, and the trace method one
identity at a time, each step an equality checked numerically.

A step's expression holds differentials not yet taken, d(e). Each is replaced by the
engine's differential of e, dX by a random direction V, and the value is compared with the
directional derivative of the target by central differences, at unequal sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE
from textbook import TEXTBOOK

from matdiff_magic import derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.calculus.differential import differential, differential_steps, is_pending
from matdiff_magic.lang.parse import parse_cell
from matdiff_magic.numeric.sample import find_point
from matdiff_magic.numeric.values import make_env, value

CELLS = [(c, w) for c, w in REFERENCE] + [(t.cell, t.wrt) for t in TEXTBOOK]
IDS = [f"ref{i}" for i in range(len(REFERENCE))] + [t.id for t in TEXTBOOK]
SIZES = {"m": 3, "n": 4, "p": 2, "q": 5, "r": 6, "s": 7}


def _values(cell, seed):
    """Values at unequal sizes (3, 4, 2, 5, ...) for the dimensions the cell names."""
    from matdiff_magic.numeric.sample import _dim_names
    names = _dim_names(cell.symbols)
    return find_point(cell, seed, {k: v for k, v in SIZES.items() if k in names}).values


def _direction(x: E.Sym, values: dict, seed: int) -> np.ndarray:
    V = np.random.default_rng(seed).standard_normal(values[x.name].shape)
    return V + V.T if x.props & {"symmetric", "spd"} else V


def _taken(e: E.Expr, x: E.Sym, v: E.Sym) -> E.Expr:
    """e with every d(·) not yet taken replaced by its differential, and dX by v."""
    if is_pending(e):
        return _taken(differential(e.arg, x)[0], x, v)
    if isinstance(e, E.D):
        return v
    if not e.children:
        return e
    return E.rebuild(e, tuple(_taken(c, x, v) for c in e.children))


def _directional(cell, values, x, V, h=1e-6) -> np.ndarray:
    def at(t):
        vals = dict(values)
        vals[x.name] = values[x.name] + t * V
        return value(cell.target, make_env(cell.symbols, vals))
    return (at(h) - at(-h)) / (2 * h)


@pytest.mark.parametrize("cell_text, wrt", CELLS, ids=IDS)
def test_each_differential_step_is_an_equality(cell_text, wrt):
    cell = parse_cell(cell_text)
    x = cell.symbols[wrt]
    steps = differential_steps(cell.target, x)
    assert steps is not None
    # one rule a step, and never the same expression twice
    exprs = [e for _, e in steps]
    assert len(set(exprs)) == len(exprs)
    assert all(";" not in r for r, _ in steps)
    values = _values(cell, 3)
    V = _direction(x, values, 7)
    v = E.Sym(x.shape, "__V", frozenset())
    want = _directional(cell, values, x, V)
    symbols = dict(cell.symbols, __V=v)
    for rule, e in steps:
        got = value(_taken(e, x, v), make_env(symbols, dict(values, __V=V)))
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), (rule, str(e))


def test_rules_are_applied_in_the_order_taught():
    cell = parse_cell("X: m x n\nW: n x p\nY: m x p\nf = fro(X W - Y)^2")
    steps = differential_steps(cell.target, cell.symbols["W"])
    assert [r for r, _ in steps] == ["d‖A‖_F² = 2 tr(Aᵀ dA)", "d(A + B) = dA + dB",
                                      "constant factors stay: d(A X B) = A dX B"]


def test_the_residual_is_not_opened_and_closed_again():
    d = derive("X: m x n\nW: n x p\nY: m x p\nf = fro(X W - Y)^2", wrt="W")
    shown = "\n".join(s.text for s in d.steps)
    assert "WᵀXᵀ" not in shown and "(XW - Y)ᵀ X dW" in shown
    assert d.result_unicode() == "2 Xᵀ(XW - Y)"


def test_differential_steps_show_pending_differentials():
    d = derive("A, X, B: n x n\nf = tr(A X B X')", wrt="X")
    diff = [s for s in d.steps if "differential" in s.rule]
    assert [s.text for s in diff] == ["df = tr(d(AXBXᵀ))", "df = tr(A dX BXᵀ + AXB d(Xᵀ))",
                                      "df = tr(A dX BXᵀ + AXB dXᵀ)"]
    assert "\\mathrm{d}\\left(A X B X^{\\top}\\right)" in diff[0].latex
    # the rule's letters are not the cell's: A, B and X mean the cell's matrices
    assert diff[0].rule.endswith("d tr(P) = tr(dP)")


def test_too_many_rules_fall_back_to_one_step():
    cell = parse_cell("X: n x n\nf = tr(exp(sin(cos(tanh(exp(sin(cos(tanh(X)))))))))")
    x = cell.symbols["X"]
    assert differential_steps(cell.target, x, max_steps=4) is None
    nested = "exp(" * 18 + "X" + ")" * 18                         # 19 rules: past 16
    d = derive(f"X: n x n\nf = tr({nested})", wrt="X")
    assert d.steps[1].rule.startswith("take the differential: ") and ";" in d.steps[1].rule


GRADIENT_CELLS = [(c, w) for c, w in CELLS if derive(c, wrt=w).kind == "gradient"]


@pytest.mark.parametrize("cell_text, wrt", GRADIENT_CELLS,
                         ids=[f"g{i}" for i in range(len(GRADIENT_CELLS))])
def test_each_trace_method_step_is_an_equality(cell_text, wrt):
    """Each step rewrites one term of df: its value is that term's value."""
    d = derive(cell_text, wrt=wrt)
    x = d.wrt
    first = next(i for i, s in enumerate(d.steps) if s.rule.startswith("trace method"))
    df = d.steps[first - 1].expr
    per_term = [s for s in d.steps[first:] if s.rule.startswith("trace method: ")
                and not s.text.startswith(f"d{d.name} = ")]
    values = _values(d.cell, 5)
    V = _direction(x, values, 11)
    v = E.Sym(x.shape, "__V", frozenset())
    env = make_env(dict(d.cell.symbols, __V=v), dict(values, __V=V))
    terms = [value(_taken(t, x, v), env).item()
             for t in (df.args if isinstance(df, E.Add) else (df,))]
    want = _directional(d.cell, values, x, V).item()
    assert np.isclose(sum(terms), want, rtol=1e-5, atol=1e-6)
    for s in per_term:
        assert ";" not in s.rule                      # one identity a step
        got = value(_taken(s.expr, x, v), env).item()
        assert any(np.isclose(got, t, rtol=1e-7, atol=1e-9) for t in terms), (s.rule, s.text)
    g = value(d.mixed, make_env(d.cell.symbols, values))
    assert np.isclose(np.sum(g * V), want, rtol=1e-5, atol=1e-6)


def test_trace_method_term_by_term():
    d = derive("A, X, B: n x n\nf = tr(A X B X')", wrt="X")
    trace = [(s.rule, s.text) for s in d.steps if s.rule.startswith("trace method")]
    assert trace == [
        ("trace method: cyclic property: tr(Wᵀ P M Q) = tr((Pᵀ W Qᵀ)ᵀ M)",
         "tr(A dX BXᵀ) = tr(BXᵀA dX)"),
        ("trace method: tr(Pᵀ) = tr(P)", "tr(AXB dXᵀ) = tr(BᵀXᵀAᵀ dX)"),
        ("trace method: the terms together, each in the form tr(Gₖᵀ dX), G = Σₖ Gₖ",
         "df = tr(Gᵀ dX),  G = AᵀXBᵀ + AXB")]


def test_a_reordering_is_a_step_of_its_own():
    """The trace method works on the terms as the last step shows them: when tidying only
    reorders the factors, that is said, so the next step's left side matches."""
    d = derive("X: m x n\nW: n x p\nH = X W\nf = sum(sigmoid(H))", wrt="W")
    rules = [s.rule for s in d.steps]
    i = rules.index("simplify: reorder, A ∘ B = B ∘ A and A + B = B + A")
    assert rules[i - 1].startswith("the differential: ")
    assert d.steps[i + 1].text.startswith(d.steps[i].text.split(" = ", 1)[1])


@pytest.mark.parametrize("cell_text, wrt", CELLS, ids=IDS)
def test_simplify_steps_say_what_they_do(cell_text, wrt):
    for s in derive(cell_text, wrt=wrt).steps:
        if s.rule.startswith("simplify"):
            assert s.rule.partition(": ")[2].strip(), s.rule


HESSIAN_CELLS = [
    ("x : n\nA : n x n\nx' A x", "x"),
    ("X : n x n spd\nlogdet(X)", "X"),
    ("X : n x n\ndet(X)", "X"),
    ("X : n x n\ntr(X^3)", "X"),
    ("X : N x d\nw : d\ny : N\n-(y' log(sigmoid(X w)) + (1_N - y)' log(1_N - sigmoid(X w)))",
     "w"),
    ("X : N x d\nw : d\ny : N\nsum(log(1_N + exp(X w))) - y' X w", "w"),
]


@pytest.mark.parametrize("cell_text, wrt", HESSIAN_CELLS)
def test_each_second_differential_step_is_an_equality(cell_text, wrt):
    """The second differential dG, one rule a step: each step's dG, its pending d(·) taken,
    is the directional derivative of the gradient G by central differences."""
    h = derive(cell_text, wrt=wrt, order=2)
    y, g = h.y, h.g
    steps = [s for s in h.steps if s.rule.startswith("second differential")]
    assert steps and all(s.expr is not None for s in steps)
    assert all(";" not in s.rule for s in steps[1:])        # one rule a step after the first
    plain = h.plain
    values = _values(plain, 3)
    V = _direction(y, values, 7)

    def G(t):
        vals = dict(values)
        vals[y.name] = values[y.name] + t * V
        return value(g, make_env(plain.symbols, vals))
    want = (G(1e-6) - G(-1e-6)) / 2e-6
    v = E.Sym(y.shape, "__V", frozenset())
    env = make_env(dict(plain.symbols, __V=v), dict(values, __V=V))
    for s in steps:
        got = value(_taken(s.expr, y, v), env)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), (s.rule, s.text)
