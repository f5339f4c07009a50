"""The element-wise functions tan, softplus, log1p, expm1, relu and step: rule, vec form,
values, generated code, SymPy, printing, and the check kept away from kinks and poles.

Sizes are unequal (m=3, n=4, p=2, q=5) so that a transposed factor cannot hide.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import DIMS, fd_jacobian, vec

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric.sample import draw_values
from matdiff_magic.render import to_latex

m, n, p, q = DIMS["m"], DIMS["n"], DIMS["p"], DIMS["q"]


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


# name -> (f, f', a function mapping a general matrix into the domain)
FUNCS = {
    "tan": (np.tan, lambda x: 1 + np.tan(x) ** 2, lambda a: 0.5 * np.tanh(a)),
    "softplus": (lambda x: np.log1p(np.exp(x)), sigmoid, lambda a: a),
    "log1p": (np.log1p, lambda x: 1 / (1 + x), lambda a: np.abs(a) - 0.5),
    "expm1": (np.expm1, np.exp, lambda a: a),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), lambda a: a),
}


@pytest.mark.parametrize("name", FUNCS)
def test_vec_form_of_f_of_AXB(name, rng):
    """vec d f(AXB) = diag(vec f'(AXB)) (Bᵀ ⊗ A) vec dX, against NumPy and finite differences."""
    f, fp, _ = FUNCS[name]
    A = rng.standard_normal((p, m))
    B = rng.standard_normal((n, q))
    X = rng.standard_normal((m, n)) * 0.3
    if name == "log1p":
        A, B = np.abs(A), np.abs(B)
        X = np.abs(X)
    if name == "relu":   # keep A X B away from 0 (the kink)
        M = A @ X @ B
        assert np.min(np.abs(M)) > 1e-4
    vals = {"A": A, "X": X, "B": B}
    d = derive(f"A : p x m\nX : m x n\nB : n x q\n{name}(A X B)", wrt="X")
    J = d.evaluate(vals)
    closed = np.diag(vec(fp(A @ X @ B))) @ np.kron(B.T, A)
    np.testing.assert_allclose(J, closed, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(J, fd_jacobian(lambda v: f(v["A"] @ v["X"] @ v["B"]), vals, "X"),
                               rtol=1e-6, atol=1e-7)
    # the rule is named in the differential step
    # (in a letter the cell does not use: the cell has its own A)
    assert re.search(rf"d {name}\([A-Z]\)", d.steps[1].rule) or (
        name == "softplus" and "softplus" in d.steps[1].rule)


@pytest.mark.parametrize("name", FUNCS)
def test_gradient_of_sum(name, rng):
    f, fp, into = FUNCS[name]
    X = into(rng.standard_normal((m, n)))
    g = derive(f"X : m x n\nsum({name}(X))", wrt="X").evaluate({"X": X})
    np.testing.assert_allclose(g, fp(X), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("method", ["full", "directional"])
def test_check_passes_and_catches_a_wrong_rule(name, method):
    d = derive(f"A : p x m\nX : m x n\n{name}(A X)", wrt="X")
    r = d.check(method=method)
    assert r.passed, r.text()
    assert not d.check(method=method, result=E.scale(2, d.result)).passed


def test_softplus_is_stable_and_relu_convention_at_zero():
    d = derive("x : n\nsum(softplus(x))", wrt="x")
    x = np.array([[-800.0], [0.0], [800.0], [1.0]])
    from matdiff_magic.numeric.values import Env, value
    cell = parse_cell("x : n\nsoftplus(x)")
    v = value(cell.target, Env({"x": x}, {"n": 4}))
    np.testing.assert_allclose(v.ravel(), [0.0, np.log(2), 800.0, np.log1p(np.e)])
    np.testing.assert_allclose(d.evaluate({"x": x}).ravel(), sigmoid(x).ravel())
    # relu'(0) = step(0) = 0 (the stated convention)
    g = derive("x : n\nsum(relu(x))", wrt="x").evaluate({"x": np.array([[-1.0], [0.0],
                                                                        [2.0]])})
    np.testing.assert_array_equal(g.ravel(), [0.0, 0.0, 1.0])
    # step is piecewise constant: derivative 0
    s = derive("x : n\nsum(step(x))", wrt="x")
    assert np.all(s.evaluate({"x": np.ones((3, 1))}) == 0)
    assert s.steps[1].rule.startswith("the differential is zero: ") and "step" in \
        s.steps[1].rule


@pytest.mark.parametrize("name", [*FUNCS, "step"])
def test_printing_round_trips_and_codegen(name, rng):
    d = derive(f"A : p x m\nX : m x n\nB : n x q\nF = A {name}(X) B", wrt="X")
    syms = d.cell.symbols
    for e in (d.target, d.result):
        if not E.is_zero(e):
            assert parse_expr(str(e), syms) == e
    assert parse_expr(f"A \\{'operatorname{' + name + '}' if name != 'tan' else 'tan'}"
                      "\\left(X\\right) B", syms) == d.target
    vals = {"A": rng.standard_normal((p, m)), "X": np.abs(rng.standard_normal((m, n))) * 0.5
            + 0.1, "B": rng.standard_normal((n, q))}
    ns: dict = {}
    exec(d.numpy_source(), ns)   # generated code from the engine, not user text
    np.testing.assert_allclose(ns["jacobian"](**vals), d.evaluate(vals), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("name", [*FUNCS, "step"])
def test_sympy_export(name):
    import sympy as sp
    d = derive(f"x : n\nsum({name}(x))", wrt="x")
    x = np.array([[0.3], [0.7], [1.1]])
    got = d.to_sympy()
    sub = {sp.MatrixSymbol("x", 3, 1): sp.Matrix(x)} if hasattr(got, "subs") else {}
    try:
        expr = got.subs({sp.Symbol("n", positive=True, integer=True): 3}).subs(sub)
        val = np.array(sp.Matrix(expr.doit()).evalf(), dtype=float).reshape(-1, 1)
    except Exception as exc:   # noqa: BLE001 - report what SymPy could not do
        pytest.fail(f"to_sympy() of {name}: {exc}")
    np.testing.assert_allclose(val, d.evaluate({"x": x}), rtol=1e-10, atol=1e-12)


def test_latex_and_unicode_names():
    d = derive("X : m x n\nF = tan(X) + softplus(X) + log1p(X .* X) + expm1(X) + relu(X)",
               wrt="X")
    tex = to_latex(d.target)
    for piece in ("\\tan", "\\operatorname{softplus}", "\\operatorname{log1p}",
                  "\\operatorname{expm1}", "\\operatorname{relu}"):
        assert piece in tex
    assert "step(" in d.result_unicode() and "σ(" in d.result_unicode()
    assert parse_cell("X : m x n\n\\tan(X)").target == parse_cell("X : m x n\ntan(X)").target


# --- the check keeps away from kinks and poles ----------------------------------------------

def test_relu_kink_redrawn_when_partly_given_and_refused_when_fixed():
    d = derive("A, X : m x n\nsum(relu(X - A))", wrt="X")
    x0 = draw_values(d, seed=0, values={"A": np.zeros((3, 4))})[0]["X"]
    # with A = the first X drawn, X - A = 0 at the first point: every step crosses the kink
    r = d.check(values={"A": x0})
    assert r.passed, r.text()
    with pytest.raises(MatdiffError, match="kink of relu"):
        d.check(values={"A": x0, "X": x0})


def test_tan_pole_avoided():
    d = derive("X : m x n\nsum(tan(X))", wrt="X")
    near = np.full((2, 3), np.pi / 2 - 1e-3)
    with pytest.raises(MatdiffError, match="pole"):
        d.check(values={"X": near})
    d2 = derive("A, X : m x n\nsum(tan(X + A))", wrt="X")
    x0 = draw_values(d2, seed=0, values={"A": np.zeros((3, 4))})[0]["X"]
    A = np.zeros((3, 4))
    A[0, 0] = np.pi / 2 - x0[0, 0]
    assert d2.check(values={"A": A}).passed   # the first point is at the pole: redrawn


def test_abs_kink_is_avoided_too():
    d = derive("A, X : m x n\nsum(abs(X - A))", wrt="X")
    x0 = draw_values(d, seed=0, values={"A": np.zeros((3, 4))})[0]["X"]
    near = x0.copy()
    near[0, 0] += 1e-7       # within a step of the kink at one entry
    assert d.check(values={"A": near}).passed
