"""Singular values and norms (SPEC §10): svd(X), ‖X‖₂ (opnorm), ‖X‖_* (nucnorm), cond,
‖x‖₁, ‖x‖_∞, max and min through every stage, against central finite differences at random
points of unequal sizes; their LaTeX spellings, and the values where no derivative exists."""

from __future__ import annotations

import numpy as np
import pytest
from spectral_cases import (
    assert_against_finite_differences,
    assert_stages,
    general,
    rng,
    spd,
)

from matdiff_magic import MatdiffError, derive
from matdiff_magic.cli import main

m, n, p, q = 3, 4, 5, 5


def _sv(a):
    return np.linalg.svd(a, compute_uv=False).reshape(-1, 1)


def _op(a):
    return np.linalg.norm(a, 2)


def _nuc(a):
    return np.linalg.norm(a, "nuc")


CASES = [
    ("X : q x m\nsvd(X)", "X", lambda g: dict(X=general(g, q, m)), lambda d: _sv(d["X"])),
    ("A : m x n\nB : n x p\nsvd(A B)", "A", lambda g: dict(A=general(g, m, n),
                                                          B=general(g, n, p)),
     lambda d: _sv(d["A"] @ d["B"])),
    ("X : p x n\nsum(exp(svd(X)))", "X", lambda g: dict(X=general(g, p, n)),
     lambda d: np.exp(_sv(d["X"])).sum()),
    ("X : q x m\n\\|X\\|_2^2", "X", lambda g: dict(X=general(g, q, m)),
     lambda d: _op(d["X"]) ** 2),
    ("X : m x n\nA : n x p\nopnorm(X A)", "X", lambda g: dict(X=general(g, m, n),
                                                             A=general(g, n, p)),
     lambda d: _op(d["X"] @ d["A"])),
    ("X : p x n\nexp(opnorm(X) / 4)", "X", lambda g: dict(X=general(g, p, n)),
     lambda d: np.exp(_op(d["X"]) / 4)),
    ("X : q x m\n\\|X\\|_*", "X", lambda g: dict(X=general(g, q, m)), lambda d: _nuc(d["X"])),
    ("X : m x n\nY : m x n\nnucnorm(X - Y)^2", "X", lambda g: dict(X=general(g, m, n),
                                                                  Y=general(g, m, n)),
     lambda d: _nuc(d["X"] - d["Y"]) ** 2),
    ("A : p x p\nX : p x n\nnucnorm(A X) + fro(X)", "X",
     lambda g: dict(A=general(g, p, p), X=general(g, p, n)),
     lambda d: _nuc(d["A"] @ d["X"]) + np.linalg.norm(d["X"])),
    ("S : n x n spd\ncond(S)", "S", lambda g: dict(S=spd(g, n)),
     lambda d: np.linalg.cond(d["S"])),
    ("X : p x m\ncond(X)", "X", lambda g: dict(X=general(g, p, m)),
     lambda d: np.linalg.cond(d["X"])),
    ("X : m x n\nlog(cond(X X'))", "X", lambda g: dict(X=general(g, m, n)),
     lambda d: np.log(np.linalg.cond(d["X"] @ d["X"].T))),
    ("x : n\n\\|x\\|_1", "x", lambda g: dict(x=general(g, n, 1)),
     lambda d: np.abs(d["x"]).sum()),
    ("A : p x n\nx : n\nnorm1(A x)", "x", lambda g: dict(A=general(g, p, n), x=general(g, n, 1)),
     lambda d: np.abs(d["A"] @ d["x"]).sum()),
    ("x : p\nnorm1(x)^2 + x' x", "x", lambda g: dict(x=general(g, p, 1)),
     lambda d: np.abs(d["x"]).sum() ** 2 + (d["x"].T @ d["x"]).item()),
    ("x : n\n\\|x\\|_\\infty", "x", lambda g: dict(x=general(g, n, 1)),
     lambda d: np.abs(d["x"]).max()),
    ("A : m x p\nx : p\nnorminf(A x)", "x",
     lambda g: dict(A=general(g, m, p), x=general(g, p, 1)),
     lambda d: np.abs(d["A"] @ d["x"]).max()),
    ("x : n\nnorminf(exp(x)) * 2", "x", lambda g: dict(x=general(g, n, 1)),
     lambda d: 2 * np.exp(d["x"]).max()),
    ("x : n\nmax(x)", "x", lambda g: dict(x=general(g, n, 1)), lambda d: d["x"].max()),
    ("x : p\nmax(abs(x))", "x", lambda g: dict(x=general(g, p, 1)),
     lambda d: np.abs(d["x"]).max()),
    ("X : m x n\nA : n x m\nmax(X A)", "X", lambda g: dict(X=general(g, m, n),
                                                          A=general(g, n, m)),
     lambda d: (d["X"] @ d["A"]).max()),
    ("x : n\nmin(x)", "x", lambda g: dict(x=general(g, n, 1)), lambda d: d["x"].min()),
    ("x : p\nmin(x .* x)", "x", lambda g: dict(x=general(g, p, 1)),
     lambda d: (d["x"] ** 2).min()),
    ("X : m x n\nmin(sin(X)) + max(X)", "X", lambda g: dict(X=general(g, m, n)),
     lambda d: np.sin(d["X"]).min() + d["X"].max()),
]
IDS = [c[0].splitlines()[-1] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_stage(case):
    """evaluate() against finite differences; check(), the generated code and jvp."""
    assert_against_finite_differences(case)
    assert_stages(case, seed=3)


def test_textbook_forms():
    d = derive("X : q x m\n\\|X\\|_2^2", wrt="X")
    assert str(d.result) == "2 opnorm(X) svd_u1(X) svd_v1(X)'"
    assert "2 ‖X‖₂ u₁(X) v₁(X)ᵀ" in d.text()
    assert str(derive("X : q x m\nnucnorm(X)", wrt="X").result) == "svd_U(X) svd_V(X)'"
    assert str(derive("x : n\nmax(x)", wrt="x").result) == "argmax_e(x)"
    d = derive("X : q x m\nsvd(X)", wrt="X")
    assert str(d.shape[0]) == "min(m,q)"
    x = general(rng(4), q, m)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    jac = d.evaluate({"X": x})
    for i in range(m):
        np.testing.assert_allclose(jac[i], np.outer(u[:, i], vt[i]).reshape(-1, order="F"),
                                   atol=1e-12)


def test_latex_spellings_read_as_the_plain_ones():
    for tex, plain, decl in (("\\|X\\|_2", "opnorm(X)", "X : q x m"),
                             ("\\|X\\|_*", "nucnorm(X)", "X : q x m"),
                             ("\\|x\\|_1", "norm1(x)", "x : n"),
                             ("\\|x\\|_{\\infty}", "norminf(x)", "x : n"),
                             ("\\lVert X \\rVert_2", "opnorm(X)", "X : q x m"),
                             ("\\|x\\|_2", "norm2(x)", "x : n"),
                             ("\\max(x)", "max(x)", "x : n")):
        w = decl[0]
        assert str(derive(f"{decl}\n{tex}", wrt=w).result) == \
            str(derive(f"{decl}\n{plain}", wrt=w).result)


def test_norm2_of_a_matrix_names_both_readings():
    with pytest.raises(MatdiffError) as exc:
        derive("X : q x m\nnorm2(X)", wrt="X")
    assert "fro()" in str(exc.value) and "opnorm()" in str(exc.value) and "^" in str(exc.value)


def test_ties_and_rank_deficiency_are_named():
    d = derive("x : n\nmax(x)", wrt="x")
    with pytest.raises(MatdiffError, match="attained twice at these values: x₂ = x₄ = 3"):
        d.evaluate({"x": np.array([[1.0], [3.0], [-2.0], [3.0]])})
    d = derive("X : m x n\nopnorm(X)", wrt="X")
    with pytest.raises(MatdiffError, match="σ₁ is not simple at these values: σ₁ = σ₂ = 2"):
        d.evaluate({"X": np.hstack([2 * np.eye(m)[:, :2], np.zeros((m, 2))])})
    d = derive("X : q x m\nnucnorm(X)", wrt="X")
    with pytest.raises(MatdiffError, match="rank deficient at these values: σ₃ = 0"):
        d.evaluate({"X": np.outer(np.arange(1.0, q + 1), [1.0, 2, 0]) +
                    np.outer(np.ones(q), [0, 1.0, 0])})
    d = derive("x : n\nnorminf(x)", wrt="x")
    with pytest.raises(MatdiffError, match="\\|x₁\\| = \\|x₃\\| = 2"):
        d.evaluate({"x": np.array([[2.0], [1.0], [-2.0], [0.5]])})


def test_cli_and_magic(capsys, ip):
    assert main(["\\|X\\|_2^2", "--wrt", "X", "--shape", "X: q x m", "--check"]) == 0
    assert "2 ‖X‖₂ u₁(X) v₁(X)ᵀ" in capsys.readouterr().out
    ip.run_cell("%%matdiff --wrt X --out dd\nX : q x m\n\\|X\\|_*")
    assert str(ip.user_ns["dd"].result) == "svd_U(X) svd_V(X)'"


def test_norm1_at_a_zero_entry_names_the_kink():
    d = derive("x : n\nnorm1(x)", wrt="x")
    with pytest.raises(MatdiffError) as exc:
        d.evaluate({"x": np.array([[1.0], [0.0], [-2.0]])})
    assert exc.value.message == ("the derivative is not defined at these values: it divides "
                                 "by abs(x), which is 0 in entry 2 (|·| and norm1 have a "
                                 "kink at 0)")
