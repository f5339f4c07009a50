"""X^k for a declared integer k (SPEC §10): every stage of the registry entries mpow,
mpow_frechet and mpow_jacobian (two symbols, so not in tests/test_ops.py's one-symbol rows),
against central finite differences at random points of unequal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from spectral_cases import assert_against_finite_differences, assert_stages, general, rng

from matdiff_magic import MatdiffError, derive, ops
from matdiff_magic.algebra import expr as E
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric import codegen
from matdiff_magic.numeric.values import Env, value
from matdiff_magic.render import to_latex, to_text, to_unicode

m, n, p = 3, 4, 5
mp = np.linalg.matrix_power

CASES = [
    ("X : n x n\nk : scalar integer\nX^k", "X", lambda g: dict(X=general(g, n) / 2, k=3),
     lambda d: mp(d["X"], 3)),
    ("X : p x p\nk : scalar integer\ntr(X^k)", "X", lambda g: dict(X=general(g, p) / 2, k=4),
     lambda d: np.trace(mp(d["X"], 4))),
    ("X : m x m\nA : m x n\nk : scalar integer\nfro(X^k A)^2", "X",
     lambda g: dict(X=general(g, m) / 2, A=general(g, m, n), k=2),
     lambda d: np.linalg.norm(mp(d["X"], 2) @ d["A"]) ** 2),
    ("X : n x n\nk : scalar integer\nX^(k - 1) X'", "X",
     lambda g: dict(X=general(g, n) / 2, k=3), lambda d: mp(d["X"], 2) @ d["X"].T),
]
IDS = [c[0].splitlines()[-1] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_stage(case):
    """evaluate() against finite differences; check(), the generated code and jvp."""
    assert_against_finite_differences(case)
    assert_stages(case, seed=5)


def test_gradient_of_the_trace_is_k_x_to_the_k_minus_1_transposed():
    d = derive("X : n x n\nk : scalar integer\ntr(X^k)", wrt="X")
    assert str(d.result) == "k (X')^(k - 1)"
    assert parse_expr(str(d.result), d.cell.symbols) == d.result
    assert parse_expr(to_latex(d.result), d.cell.symbols) == d.result
    assert any("Σⱼ₌₀^{k-1}" in s.rule for s in d.steps)


def test_the_entries_stages():
    cell = parse_cell("X : n x n\nk : scalar integer\nE : n x n\nX^k")
    x, k, e = (cell.symbols[c] for c in "XkE")
    env = Env({"X": general(rng(1), 4), "k": np.array([[3.0]]), "E": general(rng(2), 4)},
              {"n": 4})
    pw, fr, jac = cell.target, E.call("mpow_frechet", x, k, e), E.call("mpow_jacobian", x, k)
    for node in (pw, fr, jac):
        op = ops.get(node.name)
        assert op.value is not None and op.code and op.latex and "=" in op.d.text
        assert to_unicode(node) and to_latex(node) and to_text(node)
    assert parse_expr(to_text(pw), cell.symbols) == pw
    assert parse_expr(to_latex(pw), cell.symbols) == pw
    X, K, V = env.values["X"], 3, env.values["E"]
    np.testing.assert_allclose(value(pw, env), mp(X, K))
    np.testing.assert_allclose(value(fr, env), sum(mp(X, j) @ V @ mp(X, K - 1 - j)
                                                   for j in range(K)))
    np.testing.assert_allclose(value(jac, env) @ V.reshape(-1, order="F"),
                               value(fr, env).reshape(-1, order="F"))
    ns = {"np": np}
    exec(codegen._HELPERS + codegen.group_helpers("mpow"), ns)   # the engine's own helpers
    np.testing.assert_allclose(eval(ops.get("mpow_frechet").code.format("X", "k", "E"),
                                    {**ns, "X": X, "k": 3.0, "E": V}), value(fr, env))
    np.testing.assert_allclose(eval(ops.get("mpow_jacobian").code.format("X", "k"),
                                    {**ns, "X": X, "k": 3.0}), value(jac, env))
    # tr(Wᵀ L(X, E)) = tr(L(Xᵀ, W)ᵀ E)
    w = E.Sym(x.shape, "W")
    env.values["W"] = general(rng(3), 4)
    w2 = value(ops.get("mpow_frechet").adjoint.build(w, x, k, e), env)
    assert np.isclose(np.sum(env.values["W"] * value(fr, env)), np.sum(w2 * V))


def test_bad_exponents_are_named():
    with pytest.raises(MatdiffError, match="needs k declared an integer"):
        derive("X : n x n\nk : scalar\nX^k", wrt="X")
    with pytest.raises(MatdiffError, match="'integer' is for a scalar"):
        derive("X : n x n\nk : n integer\nX", wrt="X")
    d = derive("X : n x n\nk : scalar integer\nX^k", wrt="X")
    with pytest.raises(MatdiffError, match="declared integer but its value is not"):
        d.evaluate({"X": np.eye(4), "k": 2.5})
    with pytest.raises(MatdiffError, match="nonnegative integer at these values, got -2"):
        d.evaluate({"X": np.eye(4), "k": -2})
    with pytest.raises(MatdiffError, match="no derivative with respect to it"):
        derive("X : n x n\nk : scalar integer\ntr(X^k)", wrt="k")
