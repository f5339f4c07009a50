"""chol(S), the lower Cholesky factor (SPEC §11): dL = L Φ(L⁻¹ dS L⁻ᵀ) (Murray 2016), w.r.t.
vech(S) and w.r.t. S with independent entries, at random points of unequal sizes
(m, n, p = 3, 4, 5) against finite differences of np.linalg.cholesky, through every stage."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian as _fd  # the gradient, or d vec f / d (vec x)ᵀ

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import parse_expr
from matdiff_magic.render import to_latex, to_text

M, N, P = 3, 4, 5
DECL = "S : n x n spd\nA : n x n\nB : m x n\nC : n x p\n"


def _values(seed: int = 0) -> dict:
    rng = np.random.default_rng([23, seed])
    g = rng.standard_normal((N, N))
    return {"S": g @ g.T + N * np.eye(N), "A": rng.standard_normal((N, N)),
            "B": rng.standard_normal((M, N)), "C": rng.standard_normal((N, P))}


def _chol(v):
    return np.linalg.cholesky(v["S"])


def _vech(s):
    return np.array([s[i, j] for j in range(len(s)) for i in range(j, len(s))])


def _unvech(x, k):
    s = np.zeros((k, k))
    c = 0
    for j in range(k):
        for i in range(j, k):
            s[i, j] = s[j, i] = x[c]
            c += 1
    return s


def _fd_vech(f, v: dict, h: float = 1e-6) -> np.ndarray:
    """Central differences w.r.t. the free entries vech(S) (S kept symmetric)."""
    x = _vech(v["S"])
    cols = []
    for c in range(len(x)):
        e = np.zeros(len(x))
        e[c] = h
        hi = np.atleast_2d(f(dict(v, S=_unvech(x + e, N))))
        lo = np.atleast_2d(f(dict(v, S=_unvech(x - e, N))))
        cols.append(((hi - lo) / (2 * h)).reshape(-1, order="F"))
    J = np.column_stack(cols)
    return J.reshape(-1, 1) if J.shape[0] == 1 else J


CASES = [
    ("chol(S)", _chol),
    ("tr(A chol(S))", lambda v: np.trace(v["A"] @ _chol(v))),
    ("B chol(S) C", lambda v: v["B"] @ _chol(v) @ v["C"]),
    ("sum(chol(S) .* chol(S))", lambda v: np.sum(_chol(v) ** 2)),
    ("fro(B chol(S)')^2", lambda v: np.sum((v["B"] @ _chol(v).T) ** 2)),
]


@pytest.mark.parametrize("target, value", CASES, ids=[c[0] for c in CASES])
def test_wrt_vech_matches_finite_differences(target, value):
    d = derive(DECL + target, wrt="vech(S)")
    v = _values()
    got = np.asarray(d.evaluate(v), dtype=float)
    want = _fd_vech(value, v)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert d.check().passed


@pytest.mark.parametrize("target, value", CASES, ids=[c[0] for c in CASES])
def test_wrt_independent_entries_reads_the_symmetric_part(target, value):
    """With every entry of S independent, chol(S) is the factor of (S + Sᵀ)/2."""
    d = derive(DECL + target, wrt="S")
    v = _values(1)
    got = np.asarray(d.evaluate(v), dtype=float)

    def sym(u):
        return value(dict(u, S=(u["S"] + u["S"].T) / 2))
    want = _fd(sym, v, "S")
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert d.check().passed


def test_wrt_another_variable():
    d = derive(DECL + "B chol(S) C", wrt="B")
    v = _values(2)
    np.testing.assert_allclose(d.evaluate(v), _fd(lambda u: u["B"] @ _chol(u) @ u["C"], v, "B"),
                               rtol=1e-6, atol=1e-8)
    assert str(d.result) == "C' chol(S)' ⊗ I_m"


def test_logdet_through_the_factor():
    """log det S = 2 Σ log Lᵢᵢ: the same gradient as logdet(S)."""
    v = _values(3)
    a = derive(DECL + "2 sum(log(diag(chol(S))))", wrt="vech(S)").evaluate(v)
    b = derive(DECL + "logdet(S)", wrt="vech(S)").evaluate(v)
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_the_step_states_the_convention_and_the_identity():
    d = derive(DECL + "tr(A chol(S))", wrt="vech(S)")
    text = d.text()
    assert "lower-triangular factor with S = L Lᵀ (NumPy's convention; MATLAB's chol(S) is " \
           "the upper factor Lᵀ)" in text
    assert "dL = L Φ(L⁻¹ dS L⁻ᵀ), Φ the lower triangle with the diagonal halved (Murray " \
           "2016)" in text
    assert "D_n" in text


def test_jvp_code_and_claims():
    import inspect
    d = derive(DECL + "B chol(S) C", wrt="S")
    v = _values(4)
    V = np.random.default_rng(1).standard_normal((N, N))
    J = d.evaluate(v)
    np.testing.assert_allclose(d.jvp(v, V).reshape(-1, order="F"), J @ V.reshape(-1, order="F"),
                               rtol=1e-9, atol=1e-11)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    args = [v[s] for s in inspect.signature(ns["jacobian"]).parameters]
    np.testing.assert_allclose(ns["jacobian"](*args), J, rtol=1e-9, atol=1e-11)
    g = derive(DECL + "tr(A chol(S))", wrt="S")
    assert g.compare(str(g.result)).correct
    assert not g.compare("A'").correct


def test_to_sympy_says_it_has_no_form():
    with pytest.raises(MatdiffError, match="SymPy has no matrix expression for the Cholesky"):
        derive(DECL + "tr(A chol(S))", wrt="S").to_sympy()


def test_printed_forms_parse_back():
    d = derive(DECL + "tr(A chol(S))", wrt="S")
    for e in (d.target, d.result):
        assert parse_expr(to_text(e), d.cell.symbols) == e
        assert parse_expr(to_latex(e), d.cell.symbols) == e


@pytest.mark.parametrize("cell, col", [
    ("S : n x n\nchol(S)", 1),
    ("S : n x n symmetric\ntr(chol(S))", 4),
    ("X : n x n\nchol(X' X)", 1),
    ("S : m x n\nchol(S)", 1),
])
def test_chol_of_a_matrix_not_declared_spd_names_the_declaration(cell, col):
    with pytest.raises(MatdiffError) as info:
        derive(cell, wrt=cell[0])
    err = info.value
    assert ("spd" in err.message or "square" in err.message) and err.col == col
    assert "^" in str(err).splitlines()[-1]


def test_magic_and_cli():
    import contextlib
    import io

    from IPython.testing.globalipapp import get_ipython

    from matdiff_magic.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["tr(A chol(S))", "--wrt", "vech(S)", "--shape", "S: n x n spd",
                       "--shape", "A: n x n", "--check"])
    assert status == 0 and "Murray 2016" in out.getvalue()
    ip = get_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    ip.run_cell_magic("matdiff", "--wrt vech(S) --out chol_d", DECL + "tr(A chol(S))")
    assert "chol(S)" in str(ip.user_ns["chol_d"].result)


def test_the_cholesky_phi_leaves_the_name_phi_free():
    """Murray's Φ is the registry entry ``cholphi``: ``Phi``, the name papers give a design
    matrix, can still be declared."""
    d = derive("Phi : n x p\nw : p\ny : n\nfro(Phi w - y)^2", wrt="w")
    assert str(d.result) == "2 Phi' (Phi w - y)"
    assert d.check().passed


def test_a_second_derivative_through_chol_says_why_it_is_not_taken():
    with pytest.raises(MatdiffError, match="a second derivative takes every entry of S as "
                                           "free, without the declared properties: spd") as e:
        derive("S : n x n spd\ntr(chol(S))", wrt="S", order=2)
    assert "^" in str(e.value).splitlines()[-1]
