"""Matrix functions expm, logm, sqrtm, sinm, cosm (SPEC §10) through every stage, against
central finite differences of SciPy's values at random points of unequal sizes; the Fréchet
forms as the references write them, tr f(X) -> f′(X)ᵀ, det(expm(X)) = e^{tr X}, and the
JVP applied without forming the n² x n² Jacobian."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.linalg as sla
from spectral_cases import (
    assert_against_finite_differences,
    assert_stages,
    general,
    rng,
    spd,
    symmetric,
)

from matdiff_magic import MatdiffError, derive
from matdiff_magic.cli import main

m, n, p = 3, 4, 5


def _right(g, k):
    """A general k x k matrix with every eigenvalue in the right half plane."""
    a = g.standard_normal((k, k)) / np.sqrt(k)
    return a + (0.5 - min(0.0, np.min(np.linalg.eigvals(a).real))) * np.eye(k)


def _real(f):
    return lambda a: np.real(f(a))


expm, logm, sqrtm = sla.expm, _real(sla.logm), _real(sla.sqrtm)
sinm, cosm = sla.sinm, sla.cosm

CASES = [
    # expm
    ("X : n x n\nexpm(X)", "X", lambda g: dict(X=general(g, n) / 2), lambda d: expm(d["X"])),
    ("X : n x n\nA : n x n\ntr(expm(X) A)", "X",
     lambda g: dict(X=general(g, n) / 2, A=general(g, n)),
     lambda d: np.trace(expm(d["X"]) @ d["A"])),
    ("A : p x m\nB : m x p\nexpm(A B)", "A", lambda g: dict(A=general(g, p, m) / 2,
                                                           B=general(g, m, p) / 2),
     lambda d: expm(d["A"] @ d["B"])),
    ("S : n x n symmetric\nC : m x n\nC expm(S) C'", "S",
     lambda g: dict(S=symmetric(g, n) / 3, C=general(g, m, n)),
     lambda d: d["C"] @ expm(d["S"]) @ d["C"].T),
    ("X : p x p\ntr(expm(X))", "X", lambda g: dict(X=general(g, p) / 2),
     lambda d: np.trace(expm(d["X"]))),
    ("X : n x n\ndet(expm(X))", "X", lambda g: dict(X=general(g, n) / 2),
     lambda d: np.linalg.det(expm(d["X"]))),
    # logm
    ("X : n x n\nlogm(X)", "X", lambda g: dict(X=_right(g, n)), lambda d: logm(d["X"])),
    ("X : p x p\ntr(logm(X))", "X", lambda g: dict(X=_right(g, p)),
     lambda d: np.trace(logm(d["X"]))),
    ("S : n x n spd\nw : n\nw' logm(S) w", "S", lambda g: dict(S=spd(g, n), w=general(g, n, 1)),
     lambda d: (d["w"].T @ logm(d["S"]) @ d["w"]).item()),
    ("A : m x p\nlogm(A A' + I)", "A", lambda g: dict(A=general(g, m, p)),
     lambda d: logm(d["A"] @ d["A"].T + np.eye(m))),
    # sqrtm
    ("X : n x n\nsqrtm(X)", "X", lambda g: dict(X=_right(g, n)), lambda d: sqrtm(d["X"])),
    ("S : n x n spd\ntr(sqrtm(S))", "S", lambda g: dict(S=spd(g, n)),
     lambda d: np.trace(sqrtm(d["S"]))),
    ("X : p x p\nB : p x m\nfro(sqrtm(X) B)^2", "X", lambda g: dict(X=_right(g, p),
                                                                   B=general(g, p, m)),
     lambda d: np.linalg.norm(sqrtm(d["X"]) @ d["B"]) ** 2),
    ("A : m x n\nsqrtm(A' A + I)", "A", lambda g: dict(A=general(g, m, n)),
     lambda d: sqrtm(d["A"].T @ d["A"] + np.eye(n))),
    # sinm, cosm
    ("X : n x n\nsinm(X)", "X", lambda g: dict(X=general(g, n) / 2), lambda d: sinm(d["X"])),
    ("X : m x m\ntr(sinm(X))", "X", lambda g: dict(X=general(g, m)),
     lambda d: np.trace(sinm(d["X"]))),
    ("S : p x p symmetric\nx : p\nx' sinm(S) x", "S",
     lambda g: dict(S=symmetric(g, p) / 2, x=general(g, p, 1)),
     lambda d: (d["x"].T @ sinm(d["S"]) @ d["x"]).item()),
    ("X : n x n\ncosm(X)", "X", lambda g: dict(X=general(g, n) / 2), lambda d: cosm(d["X"])),
    ("X : p x p\nA : p x p\ntr(A cosm(X))", "X", lambda g: dict(X=general(g, p) / 2,
                                                               A=general(g, p)),
     lambda d: np.trace(d["A"] @ cosm(d["X"]))),
    ("S : m x m symmetric\ncosm(S) + sinm(S)", "S", lambda g: dict(S=symmetric(g, m) / 2),
     lambda d: cosm(d["S"]) + sinm(d["S"])),
]
IDS = [c[0].splitlines()[-1] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_finite_differences_check_jvp_and_code(case):
    """evaluate() against finite differences; check(), the generated code and jvp."""
    assert_against_finite_differences(case)
    assert_stages(case, seed=2)


@pytest.mark.parametrize("cell, result", [
    ("X : n x n\ntr(expm(X))", "expm(X)'"),
    ("S : n x n spd\ntr(sqrtm(S))", "1/2 sqrtm(S)^-1"),
    ("X : n x n\ntr(logm(X))", "X^-T"),
    ("X : n x n\ntr(sinm(X))", "cosm(X)'"),
    ("X : n x n\ntr(cosm(X))", "-sinm(X)'"),
    ("S : n x n symmetric\ntr(expm(S))", "expm(S)"),
    ("X : n x n\ndet(expm(X))", "exp(tr(X)) I_n"),
])
def test_trace_of_a_function_is_its_derivative_transposed(cell, result):
    assert str(derive(cell, wrt=cell[0]).result) == result


def test_the_forms_the_references_write():
    d = derive("X : n x n\nexpm(X)", wrt="X")
    assert any("d e^P = ∫₀¹ e^{sP} dP e^{(1-s)P} ds" in s.rule for s in d.steps)
    assert "∫₀¹ e^(sX) dX e^((1-s)X) ds" in d.text()
    assert d.latex() == "\\int_0^1 e^{(1-s)X^{\\top}} \\otimes e^{sX}\\,\\mathrm{d}s"
    d = derive("X : n x n\nsqrtm(X)", wrt="X")
    assert "(I ⊗ sqrtm(X) + sqrtm(X)ᵀ ⊗ I)⁻¹" in d.text()
    assert any("Sylvester" in s.rule for s in d.steps)
    d = derive("X : n x n\nlogm(X)", wrt="X")
    assert "∫₀¹ (s(X - I) + I)⁻¹ dX (s(X - I) + I)⁻¹ ds" in d.text()
    d = derive("S : n x n symmetric\nexpm(S)", wrt="S")
    assert any("Daleckii–Krein" in s.rule and "Loewner" in s.rule for s in d.steps)
    assert "V (F_expm ∘ (Vᵀ dS V)) Vᵀ" in d.text()
    assert "diag(vec F_expm(S))" in d.text()


def test_jvp_never_forms_the_jacobian():
    k = 40   # the Jacobian would be 1600 x 1600: 20 MB
    g = rng(11)
    x = general(g, k) / np.sqrt(k)
    v = general(g, k)
    for fn, ref in (("expm", lambda: sla.expm_frechet(x, v, compute_expm=False)),
                    ("sqrtm", None)):
        d = derive(f"X : n x n\n{fn}(X)", wrt="X")
        xx = x if fn == "expm" else x @ x.T + np.eye(k)
        d.jvp({"X": xx}, v)   # warm up (imports)
        tracemalloc.start()
        got = d.jvp({"X": xx}, v)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4 * 1024 * 1024, peak
        if ref is not None:
            np.testing.assert_allclose(got, ref(), rtol=1e-10, atol=1e-12)
        else:
            r = sla.sqrtm(xx).real
            np.testing.assert_allclose(r @ got + got @ r, v, atol=1e-8)


@pytest.mark.parametrize("fn, h", [("expm", "K_{n,n} expm_jacobian(X)"),
                                   ("sinm", "K_{n,n} cosm_jacobian(X)"),
                                   ("cosm", "-K_{n,n} sinm_jacobian(X)")])
def test_hessian_of_a_trace_is_the_frechet_operator_composed_with_k(fn, h):
    # d² tr f(X) = tr(L_{f′}(X, dX) dX): H = K J_{f′}(X), symmetric since J(X)ᵀ = K J(X) K
    # (Higham, Functions of Matrices, ch. 3)
    d = derive(f"X : n x n\ntr({fn}(X))", wrt="X", order=2)
    assert str(d.result) == h
    assert any("Bᵀ = B" in s.rule for s in d.steps)
    assert d.check(seed=2, dims={"n": 4}).passed
    g = rng(14)
    x, v = general(g, 5) / 3, general(g, 5)
    hv = d.hvp({"X": x}, v)
    if fn == "expm":
        np.testing.assert_allclose(hv, sla.expm_frechet(x, v, compute_expm=False).T,
                                   rtol=1e-10, atol=1e-12)
    hm = d.evaluate({"X": x})
    np.testing.assert_allclose(hm, hm.T, atol=1e-10)
    np.testing.assert_allclose(hv.reshape(-1, order="F"), hm @ v.reshape(-1, order="F"),
                               rtol=1e-9, atol=1e-11)


def test_hvp_of_the_trace_of_expm_applies_one_frechet_derivative():
    k = 40   # the Hessian would be 1600 x 1600: 20 MB
    d = derive("X : n x n\ntr(expm(X))", wrt="X", order=2)
    g = rng(15)
    x, v = general(g, k) / np.sqrt(k), general(g, k)
    d.hvp({"X": x}, v)   # warm up
    tracemalloc.start()
    got = d.hvp({"X": x}, v)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, peak
    np.testing.assert_allclose(got, sla.expm_frechet(x, v, compute_expm=False).T, rtol=1e-10,
                               atol=1e-12)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's generated code
    np.testing.assert_allclose(ns["hvp"](x, v), got, rtol=1e-10, atol=1e-12)


def test_negative_eigenvalues_are_named():
    d = derive("X : n x n\nlogm(X)", wrt="X")
    with pytest.raises(MatdiffError, match="closed negative real axis at these values: "
                                           "λ = -1 \\(logm needs none there\\)"):
        d.evaluate({"X": np.diag([1.0, 2.0, -1.0, 3.0])})
    d = derive("X : n x n\ntr(sqrtm(X))", wrt="X")
    with pytest.raises(MatdiffError, match="λ = 0 \\(sqrtm needs none there\\)"):
        d.evaluate({"X": np.diag([1.0, 2.0, 0.0, 3.0])})


def test_the_sampler_keeps_eigenvalues_off_the_negative_axis():
    for cell in ("X : p x p\nlogm(X)", "S : n x n symmetric\nsqrtm(S)",
                 "X : n x n\ntr(sqrtm(X))"):
        d = derive(cell, wrt=cell[0])
        for seed in range(4):
            assert d.check(seed=seed).passed


def test_to_sympy_says_sympy_has_no_form():
    with pytest.raises(MatdiffError, match="SymPy has no matrix expression"):
        derive("X : n x n\nexpm(X)", wrt="X").to_sympy()


def test_compare_a_claim():
    d = derive("X : n x n\ntr(expm(X))", wrt="X")
    assert d.compare("expm(X)'").correct
    assert d.compare("expm(X)").diagnosis == "transposed"
    assert d.compare("2 expm(X)'").diagnosis == "scaled"


def test_scalar_argument_is_the_scalar_function():
    assert str(derive("s : scalar\nexpm(s) + sqrtm(s)", wrt="s").result) == \
        str(derive("s : scalar\nexp(s) + sqrt(s)", wrt="s").result)


def test_cli_and_magic(capsys, ip):
    assert main(["tr(expm(X) A)", "--wrt", "X", "--shape", "X, A: n x n", "--check"]) == 0
    out = capsys.readouterr().out
    assert "∫₀¹ e^(sXᵀ) Aᵀ e^((1-s)Xᵀ) ds" in out
    assert main(["tr(sqrtm(S))", "--wrt", "S", "--shape", "S: n x n spd", "--latex"]) == 0
    assert "\\tfrac{1}{2} \\operatorname{sqrtm}" in capsys.readouterr().out
    ip.run_cell("%%matdiff --wrt X --out dd\nX : n x n\ntr(expm(X))")
    assert str(ip.user_ns["dd"].result) == "expm(X)'"


def test_a_printed_frechet_derivative_reads_back_and_is_linear_in_its_direction():
    # the result of tr(expm(X) A) holds L_exp(Xᵀ, Aᵀ); written back in a cell (SciPy's name)
    # it is linear in its direction: d L(X, E) = L(X, dE); through X it needs the second
    # Fréchet derivative, refused with a caret
    d = derive("X : n x n\nA : n x n\ntr(expm(X) A)", wrt="X")
    assert str(d.result) == "expm_frechet(X', A')"
    e = derive("X : n x n\nE : n x n\nA : n x n\ntr(A' expm_frechet(X, E))", wrt="E")
    assert str(e.result) == "expm_frechet(X', A)"
    g = rng(16)
    x, a, w = general(g, 4) / 2, general(g, 4), general(g, 4)
    np.testing.assert_allclose(np.sum(e.evaluate({"X": x, "E": w, "A": a}) * w),
                               np.sum(a * sla.expm_frechet(x, w, compute_expm=False)),
                               rtol=1e-10)
    assert e.check(seed=1).passed
    with pytest.raises(MatdiffError, match="second Fréchet derivative") as err:
        derive("X : n x n\nE : n x n\ntr(expm_frechet(X, E))", wrt="X")
    assert "^" in str(err.value)
