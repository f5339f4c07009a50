"""Equation lines (SPEC §11): with the unknown declared, a line such as A X + X B = C,
A X = B or X - A X Aᵀ = Q defines it implicitly and the target may use it. Checked at random
points of unequal sizes (m, n, p = 3, 4, 5) against finite differences of the solve the test
performs itself; the adjoint form (a scalar target's gradient, one solve with the transposed
operator) against the direct one; every ill-posed line is a MatdiffError with its caret."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian as _fd  # the gradient, or d vec f / d (vec x)ᵀ
from scipy.linalg import solve_sylvester

from matdiff_magic import MatdiffError, derive

M, N, P = 3, 4, 5
DIMS = {"m": M, "n": N, "p": P}


def _values(seed: int = 0) -> dict:
    rng = np.random.default_rng([19, seed])
    return {
        "A": rng.standard_normal((M, M)) / 2 + 2 * np.eye(M),
        "B": rng.standard_normal((N, N)) / 2 + 2 * np.eye(N),
        "C": rng.standard_normal((M, N)), "D": rng.standard_normal((M, N)),
        "Q": rng.standard_normal((M, M)), "W": rng.standard_normal((M, M)),
        "S": rng.standard_normal((M, M)) / 4,       # a Stein equation needs |λᵢλⱼ| ≠ 1
        "E": rng.standard_normal((M, P)), "F": rng.standard_normal((M, P)),
        "G": rng.standard_normal((P, P)) + 3 * np.eye(P), "H": rng.standard_normal((M, P)),
    }


def _vec(a):
    return a.reshape(-1, 1, order="F")


def _unvec(v, rows):
    return v.reshape(rows, -1, order="F")


def _stein(v):     # X - S X Sᵀ = Q
    s = v["S"]
    return _unvec(np.linalg.solve(np.eye(M * M) - np.kron(s, s), _vec(v["Q"])), M)


def _transposed(v):     # Xᵀ + A X = W: vec Xᵀ = K vec X
    K = np.zeros((M * M, M * M))
    for i in range(M):
        for j in range(M):
            K[i * M + j, j * M + i] = 1.0
    return _unvec(np.linalg.solve(K + np.kron(np.eye(M), v["A"]), _vec(v["W"])), M)


# (declarations, the equation, the solve the test performs, the targets, the variables)
EQUATIONS = [
    ("A : m x m\nE : m x p\nX : m x p", "A X = E",
     lambda v: np.linalg.solve(v["A"], v["E"]), "AE"),
    ("G : p x p\nE : m x p\nX : m x p", "X G = E",
     lambda v: np.linalg.solve(v["G"].T, v["E"].T).T, "GE"),
    ("A : m x m\nB : n x n\nC : m x n\nX : m x n", "A X + X B = C",
     lambda v: solve_sylvester(v["A"], v["B"], v["C"]), "ABC"),
    ("A : m x m\nQ : m x m\nX : m x m", "A X + X A' + Q = 0",
     lambda v: solve_sylvester(v["A"], v["A"].T, -v["Q"]), "AQ"),
    ("S : m x m\nQ : m x m\nX : m x m", "X - S X S' = Q", _stein, "SQ"),
    ("A : m x m\nW : m x m\nX : m x m", "X' + A X = W", _transposed, "AW"),
    ("A : m x m\nB : n x n\nC : m x n\nX : m x n", "2 X + A X = C - X B",
     lambda v: solve_sylvester(v["A"] + 2 * np.eye(M), v["B"], v["C"]), "ABC"),
]
TARGETS = [   # (target, value from X and the values)
    ("X", lambda x, v: x),
    ("sum(X .* X)", lambda x, v: np.sum(x * x)),
]
PAIRS = [(decl, eq, solve, t, fn, w) for decl, eq, solve, ws in EQUATIONS
         for t, fn in TARGETS for w in ws]
IDS = [f"{eq}; {t} wrt {w}" for _, eq, _, t, _, w in PAIRS]


def _cell(decl: str, eq: str, target: str) -> str:
    return f"{decl}\n{eq}\n{target}"


@pytest.mark.parametrize("decl, eq, solve, target, fn, wrt", PAIRS, ids=IDS)
def test_matches_finite_differences_of_the_solve(decl, eq, solve, target, fn, wrt):
    d = derive(_cell(decl, eq, target), wrt=wrt)
    v = _values()
    got = np.asarray(d.evaluate(v), dtype=float)
    want = _fd(lambda u: fn(solve(u), u), v, wrt)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert d.check().passed


@pytest.mark.parametrize("decl, eq, solve, target, fn, wrt", PAIRS[::3], ids=IDS[::3])
def test_jvp_and_generated_code(decl, eq, solve, target, fn, wrt):
    import inspect
    d = derive(_cell(decl, eq, target), wrt=wrt)
    v = _values(1)
    V = np.random.default_rng(2).standard_normal(v[wrt].shape)
    J = np.asarray(d.evaluate(v))
    jvp = d.jvp(v, V)
    want = [[np.sum(J * V)]] if d.kind == "gradient" else J @ _vec(V)
    np.testing.assert_allclose(np.reshape(jvp, np.shape(want), order="F"), want, rtol=1e-8,
                               atol=1e-10)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    fn_ = ns.get("gradient") or ns["jacobian"]
    args = [v[s] for s in inspect.signature(fn_).parameters]
    np.testing.assert_allclose(fn_(*args), J, rtol=1e-8, atol=1e-10)


def test_the_acceptance_line_gives_the_adjoint():
    """A X + X Aᵀ = Q, then tr(X): the gradient w.r.t. Q is the adjoint Λ, AᵀΛ + ΛA = I."""
    cell = "A : n x n\nQ : n x n symmetric\nX : n x n\nA X + X A' = Q\ntr(X)"
    d = derive(cell, wrt="Q")
    assert str(d.result) == "sylvester(A', A, I_n)"
    rng = np.random.default_rng(3)
    a = rng.standard_normal((N, N)) - 3 * np.eye(N)
    lam = d.evaluate({"A": a, "Q": np.eye(N)})
    np.testing.assert_allclose(a.T @ lam + lam @ a, np.eye(N), atol=1e-10)
    text = d.text()
    assert "the equation A X + X A' = Q is linear in X" in text
    assert "differentiate both sides" in text and "the adjoint method" in text
    assert "the adjoint Λ" in text and "transposed operator" in text


@pytest.mark.parametrize("decl, eq, solve, ws", EQUATIONS, ids=[e[1] for e in EQUATIONS])
def test_adjoint_form_agrees_with_the_direct_one(decl, eq, solve, ws):
    """The gradient of f = tr(Hᵀ X) through the equation (the adjoint method: one solve
    with the transposed operator) equals the direct form: the Jacobian ∂vec X/∂(vec θ)ᵀ
    applied to ∂f/∂X."""
    v = _values(4)
    x = solve(v)
    v["H"] = np.random.default_rng(5).standard_normal(x.shape)
    r, c = x.shape
    hdecl = decl + f"\nH : {'m' if r == M else 'n'} x {'m' if c == M else 'n' if c == N else 'p'}"
    hdecl = "\n".join([*decl.split("\n")[:-1], hdecl.split("\n")[-1], decl.split("\n")[-1]])
    for w in ws:
        g = derive(_cell(hdecl, eq, "tr(H' X)"), wrt=w).evaluate(v)
        jac = derive(_cell(hdecl, eq, "X"), wrt=w).evaluate(v)
        direct = (jac.T @ _vec(v["H"])).reshape(v[w].shape, order="F")
        np.testing.assert_allclose(g, direct, rtol=1e-9, atol=1e-11)


def test_solves_are_the_registry_operations():
    defs = {eq: derive(_cell(decl, eq, "X"), wrt=ws[0]).cell.definitions[0][1]
            for decl, eq, _, ws in EQUATIONS}
    assert str(defs["A X = E"]) == "solve(A, E)"   # printed A⁻¹E
    assert str(defs["X G = E"]) == "E G^-1"
    assert str(defs["A X + X B = C"]) == "sylvester(A, B, C)"
    assert str(defs["A X + X A' + Q = 0"]) == "lyap(A, Q)"
    assert str(defs["2 X + A X = C - X B"]) == "sylvester(2 I_m + A, B, C)"
    assert str(defs["X - S X S' = Q"]) == "dlyap(S, S', Q)"     # the Stein equation
    assert str(defs["X' + A X = W"]) == "unvec((K_{m,m} + I_m ⊗ A)^-1 vec(W), m)"


def test_a_solve_inside_an_equation():
    """A \\ X = C is linear in X: X = A C."""
    d = derive("A : m x m\nE : m x p\nX : m x p\nA \\ X = E\nsum(X)", wrt="E")
    assert str(d.cell.definitions[0][1]) == "A E"
    assert str(d.result) == "A' 1_m 1_p'"


def test_a_claim_and_a_definition_after_the_equation():
    cell = "A : m x m\nB : n x n\nC : m x n\nX : m x n\nA X + X B = C\nY = X' X\ntr(Y)"
    d = derive(cell, wrt="C")
    v = _values(6)
    want = _fd(lambda u: np.trace(solve_sylvester(u["A"], u["B"], u["C"]).T
                                  @ solve_sylvester(u["A"], u["B"], u["C"])), v, "C")
    np.testing.assert_allclose(d.evaluate(v), want, rtol=1e-6, atol=1e-8)
    assert d.compare("2 sylvester(A', B', sylvester(A, B, C))").correct
    assert not d.compare("2 sylvester(A, B, sylvester(A, B, C))").correct
    assert d.compare("2 sylvester(A', B', X)").correct     # a claim may name the unknown
    # the operator instead of its transpose: right only if A and B were symmetric
    assert d.compare("2 sylvester(A, B, X)").diagnosis == "needs-symmetry"


def test_second_derivative_through_an_equation_line():
    """tr(Hᵀ X) with A X = E, w.r.t. A: the Hessian of a solve, against finite differences
    of the gradient."""
    cell = "A : m x m\nE, H : m x p\nX : m x p\nA X = E\ntr(H' X)"
    h = derive(cell, wrt="A", order=2)
    g = derive(cell, wrt="A")
    v = _values(7)
    got = h.evaluate(v)
    want = _fd(lambda u: _vec(g.evaluate(u)), v, "A")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert h.check().passed


def test_second_derivative_through_a_sylvester_line():
    """tr(Hᵀ X) with A X + X B = C, w.r.t. A: the Hessian holds the Kronecker sum."""
    cell = "A : m x m\nB : n x n\nC, H : m x n\nX : m x n\nA X + X B = C\ntr(H' X)"
    h = derive(cell, wrt="A", order=2)
    assert "⊕" in str(h.result)
    g = derive(cell, wrt="A")
    v = _values(8)
    v["H"] = np.random.default_rng(9).standard_normal((M, N))
    np.testing.assert_allclose(h.evaluate(v), _fd(lambda u: _vec(g.evaluate(u)), v, "A"),
                               rtol=1e-5, atol=1e-7)
    assert h.check().passed


# (cell, line, column of the caret, words in the message)
ILL_POSED = [
    ("A : n x n\nX : n x n\nX A X = A\ntr(X)", 3, 7, "not linear in X"),
    ("A : n x n\nX : n x n\nX .* X = A\ntr(X)", 3, 8, "not linear in X"),
    ("A : n x n\nX : n x n\nexp(X) = A\ntr(X)", 3, 8, "not linear in X"),
    ("A : n x n\nX, Y : n x n\nA X + Y = A\ntr(X)", 3, 9, "declared together"),
    ("A : n x n\nB : n x n\nX : n x n\nA X = B\ntr(A)", 4, 5, "no line after it uses X"),
    ("A : n x n\nX : n x n\ntr(I_n) = 3\ntr(X)", 3, 9, "nor an equation in a declared unknown"),
    ("A : n x n\nX : n x n\nA + X - X = A\ntr(X)", 3, 11, "cancels out"),
    ("A : n x n\nC : n x n\nX : n x n\nA X - X A = C\ntr(X)", 4, 11, "singular for every"),
    ("A : n x p\nB : n x n\nX : p x n\nA X = B\nsum(X)", 4, 5, "their numbers must be equal"),
    ("A : n x n\nB : n x p\nX : n x n\nA X = B\ntr(X)", 4, 5, "differ in shape"),
    ("A : n x n\nX : n x n\nH = X\nA X = A\ntr(H)", 4, 5, "an earlier line uses X"),
    ("A : n x n\nX : n x n\nA X = A", 3, 5, "not a target"),
    ("A : n x n\nX : n x n\nA X = A = X\ntr(X)", 3, 9, "one '='"),
    ("A : n x n\nX : n x n\nA X =\ntr(X)", 3, 5, "both sides"),
]


@pytest.mark.parametrize("cell, line, col, words", ILL_POSED,
                         ids=[c[0].split("\n")[-2] for c in ILL_POSED])
def test_ill_posed_lines_are_errors_with_a_caret(cell, line, col, words):
    with pytest.raises(MatdiffError) as info:
        derive(cell, wrt="A")
    err = info.value
    assert words in err.message, err.message
    assert (err.line, err.col) == (line, col), str(err)
    last = str(err).splitlines()[-1]
    assert last.strip() == "^" and len(last) == col + 4, str(err)


def test_the_unknown_is_not_a_variable():
    with pytest.raises(MatdiffError, match="'X' is a definition, not a variable"):
        derive("A : n x n\nC : n x n\nX : n x n\nA X = C\ntr(X)", wrt="X")


def test_a_singular_operator_at_the_values_names_the_condition():
    d = derive("A : n x n\nB : n x n\nC : n x n\nX : n x n\nA X + X B = C\ntr(X' X)", wrt="A")
    a = np.diag([1.0, 2.0, 3.0])
    with pytest.raises(MatdiffError, match="A and −B share an eigenvalue") as info:
        d.evaluate({"A": a, "B": -np.diag([3.0, 5.0, 7.0]), "C": np.ones((3, 3))})
    err = info.value    # pointed at the equation line, with its caret
    assert (err.line, err.col) == (5, 11) and str(err).splitlines()[-1].strip() == "^"
    assert "the solve of the equation for X" in err.message
    with pytest.raises(MatdiffError, match="share an eigenvalue") as info:
        d.jvp({"A": a, "B": -np.diag([3.0, 5.0, 7.0]), "C": np.ones((3, 3))}, np.eye(3))
    assert info.value.line == 5


def test_magic_and_cli():
    import contextlib
    import io

    from IPython.testing.globalipapp import get_ipython

    from matdiff_magic.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["A : n x n\nQ : n x n\nX : n x n\nA X + X A' = Q\ntr(X)", "--wrt", "Q",
                       "--check"])
    assert status == 0 and "sylvester(Aᵀ, A, I_n)" in out.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):   # the declarations given as --shape, in order
        status = main(["A X + X A' = Q\ntr(X)", "--wrt", "Q", "--shape", "A: n x n",
                       "--shape", "Q: n x n", "--shape", "X: n x n"])
    assert status == 0 and "sylvester(Aᵀ, A, I_n)" in out.getvalue()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["A : n x n\nX : n x n\nX A X = A\ntr(X)", "--wrt", "A"])
    assert status == 2 and "not linear in X" in err.getvalue() and "^" in err.getvalue()
    ip = get_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    ip.run_cell_magic("matdiff", "--wrt E --out eq_d",
                      "A : m x m\nE : m x p\nX : m x p\nA X = E\nsum(X)")
    assert str(ip.user_ns["eq_d"].result) == "A^-T 1_m 1_p'"


def test_an_unknown_written_after_its_equation_but_folded_away():
    """(N - N) x is 0, but the line writes x: the equation solves for it, and the
    derivative is zero; an unknown no later line writes is still refused."""
    d = derive("A : n x n\nN : n x n\nb : n\nx : n\nA x = b\n(N - N) x", wrt="A")
    from matdiff_magic.algebra import expr as E
    assert E.is_zero(d.result)
    with pytest.raises(MatdiffError, match="no line after it uses x"):
        derive("A : n x n\nb : n\nx : n\nA x = b\nb  # x", wrt="A")
