"""solve(A, B) and A \\ B as a node of their own (SPEC §11): the differential step is the
solve's rule, dX = A⁻¹(dB − dA X), the value a solve (never an inverse), and every later
stage sees the same A⁻¹B as before. Sizes are unequal (A 4 x 4, B 4 x 3) and the finite
differences are of a solve the test performs itself (np.linalg.solve)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from conftest import fd_jacobian as _fd

from matdiff_magic import derive, ops
from matdiff_magic.algebra import expr as E
from matdiff_magic.algebra.simplify import simplify
from matdiff_magic.lang.parse import parse_expr
from matdiff_magic.numeric.values import Env, value
from matdiff_magic.render import to_latex, to_text, to_unicode

N, P = 4, 3
DIMS = {"n": N, "p": P}
DECL = "A : n x n\nB : n x p\nb, c : n\nW : p x n\n"
RULE = "solves P X = Q; differentiate both sides: dP X + P dX = dQ, so dX = P⁻¹(dQ − dP X)"


def _values(seed: int = 0) -> dict:
    rng = np.random.default_rng([21, 7, seed])
    return {"A": rng.standard_normal((N, N)) + 3 * np.eye(N), "B": rng.standard_normal((N, P)),
            "b": rng.standard_normal((N, 1)), "c": rng.standard_normal((N, 1)),
            "W": rng.standard_normal((P, N))}


def _x(v):
    return np.linalg.solve(v["A"], v["B"])


CASES = [   # (target, its value by a solve the test performs, the variables)
    ("A \\ B", _x, "AB"),
    ("solve(A, B)", _x, "AB"),
    ("A\\b", lambda v: np.linalg.solve(v["A"], v["b"]), "Ab"),
    ("c' (A \\ b)", lambda v: v["c"].T @ np.linalg.solve(v["A"], v["b"]), "Ab"),
    ("tr(W solve(A, B))", lambda v: np.trace(v["W"] @ _x(v)), "AB"),
    ("(A \\ B)' A", lambda v: _x(v).T @ v["A"], "AB"),
    ("solve(A + A', B)", lambda v: np.linalg.solve(v["A"] + v["A"].T, v["B"]), "A"),
]
PAIRS = [(t, f, w) for t, f, ws in CASES for w in ws]


@pytest.mark.parametrize("target, f, wrt", PAIRS, ids=[f"{t} wrt {w}" for t, _, w in PAIRS])
def test_derivative_matches_finite_differences_of_the_solve(target, f, wrt):
    d = derive(DECL + target, wrt=wrt)
    v = _values()
    np.testing.assert_allclose(np.asarray(d.evaluate(v), dtype=float), _fd(f, v, wrt),
                               rtol=1e-6, atol=1e-7)
    assert d.check(dims=DIMS).passed
    V = np.random.default_rng(2).standard_normal(v[wrt].shape)
    J = np.asarray(d.evaluate(v))
    want = [[np.sum(J * V)]] if d.kind == "gradient" else \
        (J @ V.reshape(-1, order="F")).reshape(-1, 1)
    got = d.jvp(v, V)
    np.testing.assert_allclose(np.reshape(got, np.shape(want), order="F"), want, rtol=1e-8,
                               atol=1e-10)


def test_the_differential_step_is_the_solves_rule():
    d = derive(DECL + "A \\ B", wrt="A")
    rules = [s.rule for s in d.steps]
    assert any(RULE in r and r.startswith("take the differential") for r in rules)
    assert not any("d(P⁻¹)" in r for r in rules)     # no longer d(A⁻¹) B, then -A⁻¹ dA A⁻¹
    step = next(s for s in d.steps if RULE in s.rule)
    assert step.text == "dF = -A⁻¹ dA A⁻¹B"
    assert str(d.result) == "-(B' A^-T ⊗ A^-1)"       # the result as before: A⁻¹B inside
    # through a product, the pending differential first, then the solve's rule
    d = derive(DECL + "c' solve(A, b)", wrt="A")
    texts = [s.text for s in d.steps]
    assert "df = cᵀ d(A⁻¹b)" in texts and "df = -cᵀA⁻¹ dA A⁻¹b" in texts
    assert str(d.result) == "-A^-T c b' A^-T"


def test_the_value_is_a_solve_not_an_inverse(monkeypatch):
    d = derive(DECL + "A \\ B", wrt="B")
    e = d.target
    assert isinstance(e, E.Call) and e.name == "solve"
    v = _values(3)

    def refuse(*a, **k):
        raise AssertionError("the inverse was formed")
    monkeypatch.setattr(np.linalg, "inv", refuse)
    np.testing.assert_allclose(value(e, Env(v, DIMS)), _x(v), rtol=1e-12)
    got = eval(ops.get("solve").code.format("A", "B"), {"np": np, **v})   # generated code
    np.testing.assert_allclose(got, _x(v), rtol=1e-12)


def test_printed_forms():
    d = derive(DECL + "A \\ B", wrt="A")
    e = d.target
    assert to_unicode(e) == "A⁻¹B" and to_latex(e) == "A^{-1} B"
    assert to_text(e) == "solve(A, B)"                 # the cell language keeps the name
    assert parse_expr(to_text(e), d.cell.symbols) == e
    w = E.mul(d.cell.symbols["W"], e)
    assert to_unicode(w) == "WA⁻¹B" and to_latex(w) == "W A^{-1} B"   # no parentheses
    t = E.transpose(e)
    assert to_unicode(t) == "(A⁻¹B)ᵀ" and to_text(t) == "solve(A, B)'"
    assert "A^{-1} B" in d.steps[0].latex


def test_the_simplifier_compares_it_as_the_inverse_times():
    syms = derive(DECL + "A \\ B", wrt="A").cell.symbols
    a, b = syms["A"], syms["B"]
    assert simplify(E.call("solve", a, b)) == simplify(E.mul(E.inverse(a), b))
    assert simplify(E.mul(a, E.call("solve", a, b))) == b
    d = derive("A : n x n\nB : n x n\ntr(A \\ B)", wrt="A")
    assert str(d.result) == "-A^-T B' A^-T"
    for claim in ("-inv(A)' B' inv(A)'", "-inv(A)' (A \\ B)'", "-(solve(A, B) inv(A))'"):
        assert d.compare(claim).correct, claim
    assert not d.compare("-(A \\ B)' inv(A)'").correct


def test_folds():
    syms = derive(DECL + "A \\ B", wrt="A").cell.symbols
    a, b = syms["A"], syms["B"]
    assert E.call("solve", E.identity(a.shape[0]), b) == b
    assert E.call("solve", a, E.identity(a.shape[0])) == E.inverse(a)
    assert E.call("solve", E.inverse(a), b) == E.mul(a, b)
    assert E.is_zero(E.call("solve", a, E.zero(b.shape)))


def test_an_equation_line_solves_with_the_node_and_its_hessian():
    """tr(X B') with A X = B, w.r.t. A: the steps use the solve's rule, and the Hessian
    agrees with finite differences of the gradient the test computes by a solve."""
    cell = DECL + "X : n x p\nA X = B\ntr(X W)"
    d = derive(cell, wrt="A")
    assert str(d.cell.definitions[0][1]) == "solve(A, B)"
    assert any(RULE in s.rule for s in d.steps)
    v = _values(4)

    def f(u):
        return np.trace(np.linalg.solve(u["A"], u["B"]) @ u["W"])
    np.testing.assert_allclose(d.evaluate(v), _fd(f, v, "A"), rtol=1e-6, atol=1e-7)
    h = derive(cell, wrt="A", order=2)

    def grad(u):   # ∂f/∂A = -A⁻ᵀ Wᵀ Xᵀ, X = A⁻¹B
        a = u["A"]
        return -np.linalg.solve(a.T, u["W"].T) @ np.linalg.solve(a, u["B"]).T
    np.testing.assert_allclose(grad(v), _fd(f, v, "A"), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(h.evaluate(v), dtype=float), _fd(grad, v, "A"),
                               rtol=1e-6, atol=1e-7)
    assert h.check(dims=DIMS).passed


def test_generated_code_and_sympy_of_a_result_through_a_solve():
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    d = derive(DECL + "c' (A \\ B) W c", wrt="A")
    v = _values(5)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    args = inspect.signature(ns["gradient"]).parameters
    np.testing.assert_allclose(ns["gradient"](*(v[a] for a in args)), d.evaluate(v),
                               rtol=1e-10)
    small = {"n": 2, "p": 3}
    rng = np.random.default_rng(6)
    s = {"A": rng.standard_normal((2, 2)) + 2 * np.eye(2), "B": rng.standard_normal((2, 3)),
         "c": rng.standard_normal((2, 1)), "W": rng.standard_normal((3, 2))}
    np.testing.assert_allclose(np.asarray(evaluate_sympy(d.to_sympy(), s, small), dtype=float),
                               d.evaluate(s), rtol=1e-8, atol=1e-10)
    form = d.index_form()   # entry by entry, evaluated on its own
    assert form.text.startswith("∂f/∂A_kl = ")
    np.testing.assert_allclose(form.evaluate(v, DIMS), d.evaluate(v), rtol=1e-10)
