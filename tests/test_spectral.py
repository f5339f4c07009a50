"""Eigenvalues (SPEC §10): eig(S), λ_max, λ_min of a symmetric S, λ_max of a general X,
sum(eig(X)) = tr X, prod(eig(X)) = det X and prod(x), through every stage, against central
finite differences of independent NumPy versions at random points of unequal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from spectral_cases import (
    assert_against_finite_differences,
    assert_stages,
    fd,
    general,
    real_top,
    relative_error,
    rng,
    spd,
    symmetric,
)

from matdiff_magic import MatdiffError, derive
from matdiff_magic.cli import main
from matdiff_magic.lang.parse import parse_expr
from matdiff_magic.render import to_unicode

m, n, p = 3, 4, 5


def _lmax(s):
    return np.linalg.eigvalsh((s + s.T) / 2)[-1] if np.allclose(s, s.T) else \
        np.max(np.linalg.eigvals(s).real)


def _lmin(s):
    return np.min(np.linalg.eigvals(s).real)


def _eig(s):
    return np.sort(np.linalg.eigvals(s).real).reshape(-1, 1)


# (cell, wrt, values, NumPy function): each operation in at least three compositions
CASES = [
    # eig(S), S symmetric
    ("S : n x n symmetric\neig(S)", "S", lambda g: dict(S=symmetric(g, n)),
     lambda d: _eig(d["S"])),
    ("S : n x n symmetric\nw : n\nw' eig(S)", "S",
     lambda g: dict(S=symmetric(g, n), w=general(g, n, 1)), lambda d: d["w"].T @ _eig(d["S"])),
    ("A : m x n\nB : n x n symmetric\neig(A' A + B)", "A",
     lambda g: dict(A=general(g, m, n), B=symmetric(g, n)),
     lambda d: _eig(d["A"].T @ d["A"] + d["B"])),
    ("S : p x p symmetric\nC : m x p\nC exp(eig(S))", "S",
     lambda g: dict(S=symmetric(g, p), C=general(g, m, p)),
     lambda d: d["C"] @ np.exp(_eig(d["S"]))),
    # λ_max and λ_min of a symmetric argument
    ("S : n x n symmetric\nlambda_max(S)", "S", lambda g: dict(S=symmetric(g, n)),
     lambda d: _lmax(d["S"])),
    ("A : m x n\nlambda_max(A' A)", "A", lambda g: dict(A=general(g, m, n)),
     lambda d: np.max(np.linalg.eigvals(d["A"].T @ d["A"]).real)),
    ("S : n x n symmetric\nX : n x p\nlambda_max(X' S X) ^ 2", "X",
     lambda g: dict(S=spd(g, n), X=general(g, n, p)),
     lambda d: np.max(np.linalg.eigvals(d["X"].T @ d["S"] @ d["X"]).real) ** 2),
    ("S : n x n symmetric\nlambda_min(S)", "S", lambda g: dict(S=symmetric(g, n)),
     lambda d: _lmin(d["S"])),
    ("S : p x p spd\nlambda_max(S) / lambda_min(S)", "S", lambda g: dict(S=spd(g, p)),
     lambda d: _lmax(d["S"]) / _lmin(d["S"])),
    ("A : p x m\nB : m x m symmetric\nlog(lambda_min(A' A + B' B))", "A",
     lambda g: dict(A=general(g, p, m), B=symmetric(g, m)),
     lambda d: np.log(_lmin(d["A"].T @ d["A"] + d["B"] @ d["B"]))),
    # λ_max of a general square X (real and simple at the point)
    ("X : n x n\nlambda_max(X)", "X", lambda g: dict(X=real_top(g, n)),
     lambda d: np.max(np.linalg.eigvals(d["X"]).real)),
    ("X : p x p\nA : p x p\nlambda_max(X A) + tr(X)", "X",
     lambda g: dict(X=real_top(g, p), A=np.eye(p) + 0.1 * general(g, p)),
     lambda d: np.max(np.linalg.eigvals(d["X"] @ d["A"]).real) + np.trace(d["X"])),
    ("X : m x m\nexp(lambda_max(2 X))", "X", lambda g: dict(X=real_top(g, m)),
     lambda d: np.exp(np.max(np.linalg.eigvals(2 * d["X"]).real))),
    # sum(eig(X)) = tr X and prod(eig(X)) = det X of a general X; prod(x)
    ("X : n x n\nsum(eig(X))", "X", lambda g: dict(X=general(g, n)),
     lambda d: np.sum(np.linalg.eigvals(d["X"])).real),
    ("X : n x n\nprod(eig(X))", "X", lambda g: dict(X=general(g, n)),
     lambda d: np.prod(np.linalg.eigvals(d["X"])).real),
    ("A : m x n\nprod(eig(A A')) + sum(eig(A' A))", "A", lambda g: dict(A=general(g, m, n)),
     lambda d: np.prod(np.linalg.eigvals(d["A"] @ d["A"].T)).real
     + np.trace(d["A"].T @ d["A"])),
    ("x : n\nprod(x)", "x", lambda g: dict(x=general(g, n, 1)), lambda d: np.prod(d["x"])),
    ("A : m x p\nx : p\nprod(A x)", "x", lambda g: dict(A=general(g, m, p), x=general(g, p, 1)),
     lambda d: np.prod(d["A"] @ d["x"])),
    ("X : m x n\nprod(exp(X))", "X", lambda g: dict(X=general(g, m, n) / 3),
     lambda d: np.prod(np.exp(d["X"]))),
]
IDS = [c[0].splitlines()[-1] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_against_finite_differences(case):
    assert_against_finite_differences(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_jvp_and_generated_code(case):
    assert_stages(case, seed=1)


def test_lambda_min_is_v_v_transposed():
    d = derive("S : n x n symmetric\nlambda_min(S)", wrt="S")
    assert str(d.result) == "eigvec_min(S) eigvec_min(S)'"
    assert d.latex() == ("\\operatorname{eigvec\\_min}\\left(S\\right) "
                         "\\operatorname{eigvec\\_min}\\left(S\\right)^{\\top}")
    assert parse_expr(d.latex(), d.cell.symbols) == d.result
    rules = [s.rule for s in d.steps]
    assert any("dλ = vᵀ dS v" in r and "simple" in r for r in rules)


def test_general_lambda_max_is_u_v_over_u_v():
    # u vᵀ / (uᵀv), written u vᵀ with the normalization uᵀv = 1 that the step states
    d = derive("X : n x n\nlambda_max(X)", wrt="X")
    assert str(d.result) == "leigvec_max(X) eigvec_max(X)'"
    assert "∂f/∂X = u_max(X) v_max(X)ᵀ" in d.text()
    assert any("Magnus 1985" in s.rule and "uᵀv = 1" in s.rule for s in d.steps)
    x = real_top(rng(2), n)
    w, vr = np.linalg.eig(x)
    wl, vl = np.linalg.eig(x.T)
    k, kl = np.argmax(w.real), np.argmax(wl.real)
    u, v = vl[:, kl].real, vr[:, k].real
    np.testing.assert_allclose(d.evaluate({"X": x}), np.outer(u, v) / (u @ v), atol=1e-12)


def test_eig_jacobian_has_rows_vec_v_v():
    d = derive("S : n x n symmetric\neig(S)", wrt="S")
    assert str(d.result) == "khatrirao(eigvecs(S), eigvecs(S))'"
    s = symmetric(rng(3), n)
    w, v = np.linalg.eigh(s)
    jac = d.evaluate({"S": s})
    for i in range(n):
        np.testing.assert_allclose(jac[i], np.outer(v[:, i], v[:, i]).reshape(-1, order="F"),
                                   atol=1e-12)


def test_sum_and_prod_of_eig_fold():
    assert str(derive("X : n x n\nsum(eig(X))", wrt="X").result) == "I_n"
    assert str(derive("X : n x n\nprod(eig(X))", wrt="X").result) == "det(X) X^-T"


def test_repeated_eigenvalue_is_named():
    d = derive("S : n x n symmetric\nlambda_max(S)", wrt="S")
    with pytest.raises(MatdiffError, match="λ_max is not simple at these values: λ₃ = λ₄ = 2"):
        d.evaluate({"S": np.diag([1.0, -1.0, 2.0, 2.0])})
    d = derive("S : n x n symmetric\neig(S)", wrt="S")
    with pytest.raises(MatdiffError, match="not simple at these values: λ₁ = λ₂ = -1"):
        d.evaluate({"S": np.diag([-1.0, -1.0, 2.0, 3.0])})


def test_complex_lambda_max_is_named():
    d = derive("X : n x n\nlambda_max(X)", wrt="X")
    rot = np.array([[0.0, -1.0, 0, 0], [1.0, 0.0, 0, 0], [0, 0, -1.0, 0], [0, 0, 0, -2.0]])
    with pytest.raises(MatdiffError, match="λ_max is not real at these values: 0 ± 1i"):
        d.evaluate({"X": rot})


def test_eig_of_a_general_matrix_names_the_spellings_that_work():
    with pytest.raises(MatdiffError) as exc:
        derive("X : n x n\neig(X)", wrt="X")
    msg = str(exc.value)
    for spelling in ("symmetric", "lambda_max(X)", "sum(eig(X))", "prod(eig(X))"):
        assert spelling in msg
    assert "^" in msg   # the caret


def test_the_sampler_honours_the_conditions():
    # λ_max of a general X: the check's points have a real, simple top eigenvalue
    d = derive("X : p x p\nlambda_max(X)", wrt="X")
    for seed in range(5):
        assert d.check(seed=seed).passed


def test_no_sympy_form_is_a_matdiff_error():
    d = derive("S : n x n symmetric\nlambda_max(S)", wrt="S")
    with pytest.raises(MatdiffError, match="SymPy has no matrix expression"):
        d.to_sympy()
    assert derive("x : n\nprod(x)", wrt="x").to_sympy() is not None


def test_compare_a_claim():
    d = derive("X : n x n\nprod(eig(X))", wrt="X")
    assert d.compare("det(X) inv(X)'").correct
    assert d.compare("det(X) inv(X)").diagnosis == "transposed"
    assert d.compare("2 X").diagnosis == "wrong"


def test_latex_spellings():
    a = derive("S : n x n symmetric\n\\lambda_{\\max}(S)", wrt="S")
    b = derive("S : n x n symmetric\nlambda_max(S)", wrt="S")
    assert str(a.result) == str(b.result)
    c = derive("S : n x n symmetric\n\\lambda_\\min(S) + \\operatorname{eig}(S)' 1_n", wrt="S")
    assert c.check().passed


def test_cli_and_magic(capsys, ip):
    assert main(["lambda_max(S)", "--wrt", "S", "--shape", "S: n x n symmetric",
                 "--check"]) == 0
    out = capsys.readouterr().out
    assert "v_max(S) v_max(S)ᵀ" in out and "passed" in out.lower()
    assert main(["eig(X)", "--wrt", "X", "--shape", "X: n x n"]) == 2
    assert "symmetric" in capsys.readouterr().err
    ip.run_cell("%%matdiff --wrt S --out dd\nS : n x n symmetric\nlambda_min(S)")
    assert str(ip.user_ns["dd"].result) == "eigvec_min(S) eigvec_min(S)'"


HESSIANS = [
    ("S : n x n symmetric\nlambda_max(S)", "S", lambda g: symmetric(g, n)),
    ("S : p x p symmetric\nlambda_min(S)", "S", lambda g: symmetric(g, p)),
    ("X : n x n\nlambda_max(X)", "X", lambda g: real_top(g, n)),
    ("A : m x n\nlambda_max(A' A)", "A", lambda g: general(g, m, n)),
    ("X : n x n\ntr(expm(X))", "X", lambda g: general(g, n) / 2),
    ("X : m x m\ntr(expm(X)) + lambda_max(X)", "X", lambda g: real_top(g, m)),
]


@pytest.mark.parametrize("cell, wrt, point", HESSIANS,
                         ids=[h[0].splitlines()[-1] for h in HESSIANS])
def test_hessians_against_finite_differences_of_the_gradient(cell, wrt, point):
    h = derive(cell, wrt=wrt, order=2)
    g = derive(cell.replace(" symmetric", ""), wrt=wrt)   # of independent entries (SPEC §6)
    x = point(rng(9))
    others = {"A": x} if wrt == "A" else {wrt: x}
    got = h.evaluate(others)
    want = fd(lambda d: g.evaluate(d), others, wrt)
    assert relative_error(got, want) < 1e-6
    np.testing.assert_allclose(got, got.T, atol=1e-10)
    assert h.check(seed=1).passed
    v = rng(10).standard_normal(x.shape)
    np.testing.assert_allclose(h.hvp(others, v).reshape(-1, order="F"),
                               got @ v.reshape(-1, order="F"), rtol=1e-9, atol=1e-12)


def test_hessian_of_lambda_max_is_the_textbook_one():
    # d²λ = 2 uᵀ dX R dX v with R = (λI - X)^# (Magnus & Neudecker ch. 8, second order)
    h = derive("S : n x n symmetric\nlambda_max(S)", wrt="S", order=2)
    r_text = ("((lambda_max(S) I_n - S + eigvec_max(S) leigvec_max(S)')^-1 - eigvec_max(S) "
              "leigvec_max(S)')")
    assert str(h.result) == (f"K_{{n,n}} ({r_text}' ⊗ eigvec_max(S) leigvec_max(S)' + "
                             f"leigvec_max(S) eigvec_max(S)' ⊗ {r_text})")
    # at the point, u = v and (λI - S)^# = (λI - S)⁺: the symmetric form of the references
    assert to_unicode(h.at_point) == ("K_nn ((λ_max(S) I - S)⁺ ⊗ v_max(S) v_max(S)ᵀ + "
                                      "v_max(S) v_max(S)ᵀ ⊗ (λ_max(S) I - S)⁺)")
    s = symmetric(rng(12), n)
    w, v = np.linalg.eigh(s)
    r = sum(np.outer(v[:, j], v[:, j]) / (w[-1] - w[j]) for j in range(n - 1))
    e = rng(13).standard_normal((n, n))
    quad = e.reshape(-1, order="F") @ h.evaluate({"S": s}) @ e.reshape(-1, order="F")
    assert np.isclose(quad, 2 * v[:, -1] @ e @ r @ e @ v[:, -1])


def test_eig_of_a_general_matrix_points_at_the_call():
    """The caret stands under the eig(...) that needs a symmetric argument."""
    with pytest.raises(MatdiffError) as exc:
        derive("X : n x n\n2 + sum(eig(X) .* eig(X))", wrt="X")
    assert exc.value.line == 2 and exc.value.col == 9
    assert "Declare it symmetric ('X : n x n symmetric')" in exc.value.message
    with pytest.raises(MatdiffError) as exc:
        derive("X : n x n\nA = X + 1\neig(A)", wrt="X")
    assert "Write it in a symmetric form" in exc.value.message
