"""Solves as operations (SPEC §11): solve(A, B) and A \\ B, sylvester(A, B, C), lyap(A, Q) and
the Kronecker sum A ⊕ B, at random points of unequal sizes (m, n, p = 3, 4, 5), against
finite differences of the solve the test performs itself (np.linalg.solve and SciPy's
solve_sylvester), through every stage: evaluate, jvp, check, compare, numpy_source,
to_sympy, the printers, the magic and the command line."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian as _fd  # the gradient, or d vec f / d (vec x)ᵀ
from scipy.linalg import solve_sylvester

from matdiff_magic import MatdiffError, derive
from matdiff_magic.cli import main
from matdiff_magic.lang.parse import parse_expr
from matdiff_magic.render import to_latex, to_text

M, N, P = 3, 4, 5
DIMS = {"m": M, "n": N, "p": P}


def _values(seed: int = 0) -> dict:
    rng = np.random.default_rng([21, seed])
    return {
        "A": rng.standard_normal((M, M)) + 2 * np.eye(M),   # A and -B: no common eigenvalue
        "B": rng.standard_normal((N, N)) + 2 * np.eye(N),
        "C": rng.standard_normal((M, N)), "D": rng.standard_normal((M, N)),
        "S": rng.standard_normal((N, N)) + 3 * np.eye(N),   # a square left side of a solve
        "R": rng.standard_normal((N, P)), "r": rng.standard_normal((N, 1)),
        "c": rng.standard_normal((N, 1)), "Q": rng.standard_normal((M, M)),
        "W": rng.standard_normal((M, M)),
    }


def _syl(v):
    return solve_sylvester(v["A"], v["B"], v["C"])


def _lyap(v):   # A X + X Aᵀ + Q = 0
    return solve_sylvester(v["A"], v["A"].T, -v["Q"])


def _dlyap(v):  # A X B - X + C = 0: (I - Bᵀ ⊗ A) vec X = vec C
    a, b = v["A"] / 4, v["B"] / 4
    x = np.linalg.solve(np.eye(M * N) - np.kron(b.T, a), v["C"].reshape(-1, order="F"))
    return x.reshape(M, N, order="F")


DECL = ("A : m x m\nB : n x n\nC, D : m x n\nS : n x n\nR : n x p\nr, c : n\n"
        "Q, W : m x m\n")
CASES = [   # (target, NumPy value, the variables to differentiate with respect to)
    ("sylvester(A, B, C)", _syl, "ABC"),
    ("tr(D' sylvester(A, B, C))", lambda v: np.trace(v["D"].T @ _syl(v)), "ABC"),
    ("sylvester(A, B, C)' D", lambda v: _syl(v).T @ v["D"], "ABC"),
    ("lyap(A, Q)", _lyap, "AQ"),
    ("tr(W lyap(A, Q))", lambda v: np.trace(v["W"] @ _lyap(v)), "AQ"),
    ("lyap(A, Q) W", lambda v: _lyap(v) @ v["W"], "AQ"),
    ("dlyap(A / 4, B / 4, C)", _dlyap, "ABC"),
    ("tr(D' dlyap(A / 4, B / 4, C))", lambda v: np.trace(v["D"].T @ _dlyap(v)), "ABC"),
    ("S \\ R", lambda v: np.linalg.solve(v["S"], v["R"]), "SR"),
    ("solve(S, R)", lambda v: np.linalg.solve(v["S"], v["R"]), "SR"),
    ("c' solve(S, r)", lambda v: v["c"].T @ np.linalg.solve(v["S"], v["r"]), "Sr"),
    ("fro(S \\ R)^2", lambda v: np.sum(np.linalg.solve(v["S"], v["R"]) ** 2), "SR"),
]
PAIRS = [(t, f, w) for t, f, ws in CASES for w in ws]
IDS = [f"{t} wrt {w}" for t, _, w in PAIRS]


@pytest.mark.parametrize("target, value, wrt", PAIRS, ids=IDS)
def test_matches_finite_differences_of_the_solve(target, value, wrt):
    d = derive(DECL + target, wrt=wrt)
    v = _values()
    got = np.asarray(d.evaluate(v), dtype=float)
    want = _fd(value, v, wrt)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert d.check(dims=DIMS).passed


@pytest.mark.parametrize("target, value, wrt", PAIRS, ids=IDS)
def test_jvp_and_generated_code(target, value, wrt):
    d = derive(DECL + target, wrt=wrt)
    v = _values(1)
    V = np.random.default_rng(5).standard_normal(v[wrt].shape)
    J = np.asarray(d.evaluate(v))
    jvp = d.jvp(v, V)
    if d.kind == "gradient":
        np.testing.assert_allclose(jvp, [[np.sum(J * V)]], rtol=1e-9)
    else:
        np.testing.assert_allclose(jvp.reshape(-1, order="F"), J @ V.reshape(-1, order="F"),
                                   rtol=1e-8, atol=1e-10)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    args = [v[s] for s in _arguments(ns)]
    if d.kind == "gradient":
        np.testing.assert_allclose(ns["gradient"](*args), J, rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(ns["jacobian"](*args), J, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ns["jvp"](*args, V), jvp, rtol=1e-9, atol=1e-12)


def _arguments(ns: dict) -> list[str]:
    import inspect
    fn = ns.get("gradient") or ns["jacobian"]
    return list(inspect.signature(fn).parameters)


def test_jvp_solves_instead_of_forming_the_kronecker_sum(monkeypatch):
    """The Jacobian of sylvester(A, B, C) w.r.t. C is (Bᵀ ⊕ A)⁻¹: jvp applies it by a
    Sylvester solve, never by inverting the mn x mn matrix."""
    d = derive(DECL + "sylvester(A, B, C)", wrt="C")
    assert str(d.result) == "(B' ⊕ A)^-1"
    v = _values(2)
    V = np.random.default_rng(3).standard_normal((M, N))
    want = solve_sylvester(v["A"], v["B"], V)

    def refuse(*a, **k):
        raise AssertionError("the inverse was formed")
    monkeypatch.setattr(np.linalg, "inv", refuse)
    np.testing.assert_allclose(d.jvp(v, V), want, rtol=1e-10)


@pytest.mark.parametrize("target, wrt", [("sylvester(A, B, C)", "A"),
                                         ("tr(D' sylvester(A, B, C))", "B"),
                                         ("tr(W lyap(A, Q))", "A")])
def test_to_sympy_gives_the_same_numbers(target, wrt):
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    d = derive(DECL + target, wrt=wrt)
    small = {"m": 2, "n": 3, "p": 2}
    rng = np.random.default_rng(4)
    v = {"A": rng.standard_normal((2, 2)) + 2 * np.eye(2),
         "B": rng.standard_normal((3, 3)) + 2 * np.eye(3),
         "C": rng.standard_normal((2, 3)), "D": rng.standard_normal((2, 3)),
         "Q": rng.standard_normal((2, 2)), "W": rng.standard_normal((2, 2))}
    got = evaluate_sympy(d.to_sympy(), v, small)
    want = d.evaluate(v)
    np.testing.assert_allclose(np.asarray(got, dtype=float).reshape(want.shape), want,
                               rtol=1e-8, atol=1e-10)


def test_results_are_short_and_textbook():
    assert str(derive(DECL + "sylvester(A, B, C)", wrt="C").result) == "(B' ⊕ A)^-1"
    assert str(derive(DECL + "lyap(A, Q)", wrt="Q").result) == "-(A ⊕ A)^-1"
    d = derive(DECL + "tr(D' sylvester(A, B, C))", wrt="C")
    assert str(d.result) == "sylvester(A', B', D)"   # the adjoint: Aᵀ Λ + Λ Bᵀ = D
    d = derive(DECL + "sylvester(A, B, C)", wrt="A")
    assert str(d.result) == "-(B' ⊕ A)^-1 (sylvester(A, B, C)' ⊗ I_m)"


def test_steps_state_the_equation_and_the_kronecker_sum():
    d = derive("A : m x m\nB : n x n\nC : m x n\nsylvester(A, B, C)", wrt="A")
    text = d.text()
    # the identity in letters that are not the cell's own: A, B, C become P, Q, R
    assert "X = sylvester(P, Q, R) solves P X + X Q = R; differentiate both sides" in text
    assert "the Kronecker sum Qᵀ ⊕ P := Qᵀ ⊗ I + I ⊗ P" in text
    assert "(Bᵀ ⊕ A)⁻¹" in text
    d = derive("A : n x n\nQ : n x n\nW : n x n\ntr(W lyap(A, Q))", wrt="Q")
    text = d.text()
    assert "X = lyap(P, C) solves P X + X Pᵀ + C = 0; differentiate both sides" in text
    assert "for R U + U Rᵀ + M = 0, with the adjoint Λ = lyap(Rᵀ, P)" in text
    assert "the adjoint method" in text and "transposed operator" in text


@pytest.mark.parametrize("target", ["sylvester(A, B, C)", "lyap(A, Q)", "B ⊕ A",
                                    "(B' ⊕ A)^-1", "kron(B, A) + B ⊕ A"])
def test_printed_forms_parse_back(target):
    d = derive(DECL + target, wrt="A")
    for e in (d.target, d.result):
        assert parse_expr(to_text(e), d.cell.symbols) == e
        assert parse_expr(to_latex(e), d.cell.symbols) == e
    assert "\\oplus" in to_latex(derive(DECL + "B ⊕ A", wrt="A").target)


def test_compare_judges_claims():
    d = derive(DECL + "tr(D' sylvester(A, B, C))", wrt="C")
    assert d.compare("sylvester(A', B', D)").correct
    v = d.compare("sylvester(A, B, D)")
    assert not v.correct
    d = derive(DECL + "sylvester(A, B, C)", wrt="C")
    assert d.compare("inv(kron(I_n, A) + kron(B', I_m))").correct


@pytest.mark.parametrize("target, words", [
    ("sylvester(A, B, D')", "C must be m x n"),
    ("sylvester(C, B, C)", "square"),
    ("lyap(A, C)", "Q must be m x m"),
    ("C ⊕ A", "square"),
])
def test_shape_errors_have_a_caret(target, words):
    with pytest.raises(MatdiffError) as info:
        derive(DECL + target, wrt="A")
    assert words in str(info.value) and "^" in str(info.value).splitlines()[-1]


def test_singular_operator_names_the_condition():
    d = derive("A : n x n\nC : n x n\nB : n x n\nsylvester(A, B, C)", wrt="A")
    v = _values()
    a = v["S"]
    with pytest.raises(MatdiffError, match="A and −B share an eigenvalue"):
        d.evaluate({"A": a, "B": -a, "C": v["S"].T})
    d = derive("A : n x n\nQ : n x n\nlyap(A, Q)", wrt="A")
    rot = np.array([[0.0, 1.0], [-1.0, 0.0]])     # eigenvalues ±i: i + (-i) = 0
    with pytest.raises(MatdiffError, match="add up to zero"):
        d.evaluate({"A": rot, "Q": np.eye(2)})


def test_cli_and_magic():
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["sylvester(A, B, C)", "--wrt", "C", "--shape", "A: m x m", "--shape",
                       "B: n x n", "--shape", "C: m x n", "--check"])
    assert status == 0 and "⊕" in out.getvalue()
    from IPython.testing.globalipapp import get_ipython
    ip = get_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    ip.run_cell_magic("matdiff", "--wrt Q --out lyap_d",
                      "A : n x n\nQ : n x n\ntr(lyap(A, Q))")
    assert str(ip.user_ns["lyap_d"].result) == "lyap(A', I_n)"
