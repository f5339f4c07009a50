"""Structured variables (SPEC §7): vech(X) for symmetric X, vech(L) for lower-triangular L,
diag(X) for diagonal X; the duplication and elimination matrices; bad input.

Every reference case of tests/cases.py is redone with its variable made square (its column
size renamed to its row size; the other sizes stay unequal) and declared symmetric, lower or
diagonal, and checked against central finite differences taken in the free coordinates
(only the free entries are perturbed), with the matrices built here independently.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from cases import REFERENCE
from conftest import vec

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.check import random_values
from matdiff_magic.numeric.values import Env, commutation, value

# --- independent constructions ----------------------------------------------------------------


def vech_pairs(n: int) -> list[tuple[int, int]]:
    """(i, j), i >= j, column by column: the order of vech."""
    return [(i, j) for j in range(n) for i in range(j, n)]


def duplication(n: int) -> np.ndarray:
    P = vech_pairs(n)
    D = np.zeros((n * n, len(P)))
    for c, (i, j) in enumerate(P):
        D[i + j * n, c] = 1.0
        D[j + i * n, c] = 1.0
    return D


def elimination(n: int) -> np.ndarray:
    P = vech_pairs(n)
    L = np.zeros((len(P), n * n))
    for c, (i, j) in enumerate(P):
        L[c, i + j * n] = 1.0
    return L


def diag_embedding(n: int) -> np.ndarray:
    """M with vec(diag(x)) = M x."""
    M = np.zeros((n * n, n))
    for i in range(n):
        M[i + i * n, i] = 1.0
    return M


EMBED = {"vech": duplication, "lower": lambda n: elimination(n).T, "diag": diag_embedding}
PROPERTY = {"vech": "symmetric", "lower": "lower", "diag": "diagonal"}
SPEC = {"vech": "vech({})", "lower": "vech({})", "diag": "diag({})"}


# --- the reference cases with a structured variable -------------------------------------------

def structured_cell(cell: str, var: str, kind: str) -> str | None:
    """The cell with var made square (its column size renamed to its row size in every
    declaration) and declared with the structure; None if var is a vector."""
    lines = cell.split("\n")
    decl = next((ln for ln in lines if re.match(rf"^\s*([\w, ]*\b{var}\b[\w, ]*):", ln)), None)
    if decl is None:
        return None
    head, spec = decl.split(":", 1)
    words = spec.split()
    if len(words) < 3 or words[1] != "x":
        return None                      # a vector or a scalar
    r, c = words[0], words[2]
    props = [w for w in words[3:]]
    out = []
    for ln in lines:
        if ":" in ln and "=" not in ln.split(":")[0]:
            h, s = ln.split(":", 1)
            s = re.sub(rf"\b{re.escape(c)}\b", r, s) if c != r else s
            names = [n.strip() for n in h.split(",")]
            if var in names:             # give var its own declaration line
                others = [n for n in names if n != var]
                keep = [w for w in props if w in ("invertible", "positive")]
                if kind == "vech" and "spd" in props:
                    keep.append("spd")
                else:
                    keep.append(PROPERTY[kind])
                if others:
                    out.append(f"{', '.join(others)} : {s.strip()}")
                out.append(f"{var} : {r} x {r} {' '.join(keep)}")
                continue
            out.append(f"{h}:{s}")
        else:
            out.append(ln)
    return "\n".join(out)


def _square_cases():
    out = []
    for cell, var in REFERENCE:
        for kind in ("vech", "lower", "diag"):
            sc = structured_cell(cell, var, kind)
            if sc is not None:
                out.append(pytest.param(sc, var, kind, id=f"{kind}:{cell.splitlines()[-1]}"))
    return out


SQUARE = _square_cases()

# entry-wise log and sqrt are undefined at the structural zeros of a triangular or diagonal
# matrix: those targets have no derivative there to check
UNDEFINED_AT_ZEROS = ("sum(log(X) .* sqrt(X))",)


def find_point(d, seed: int = 0):
    """Random values honouring the declarations where the target is finite."""
    for attempt in range(12):
        vals, sizes = random_values(d, [seed, attempt])
        with np.errstate(all="ignore"):
            try:
                fx = value(d.target, Env(vals, sizes))
            except MatdiffError:
                continue
        if np.all(np.isfinite(fx)):
            return vals, sizes
    raise AssertionError("no point where the target is finite")


def fd_free(d, vals, sizes, var: str, M: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the target along the free coordinates: X + h unvec(M e_k)."""
    X = vals[var]

    def F(Xv):
        with np.errstate(all="ignore"):
            return value(d.target, Env({**vals, var: Xv}, sizes))
    cols = []
    for k in range(M.shape[1]):
        E = M[:, k].reshape(X.shape, order="F") * h
        cols.append(vec((F(X + E) - F(X - E)) / (2 * h)))
    J = np.column_stack(cols)
    return J.reshape(-1, 1) if J.shape[0] == 1 else J


@pytest.mark.parametrize("cell, var, kind", SQUARE)
def test_reference_case_in_free_coordinates(cell, var, kind):
    if kind != "vech" and cell.splitlines()[-1] in UNDEFINED_AT_ZEROS:
        with pytest.raises(MatdiffError):   # the check says so instead of passing
            derive(cell, wrt=SPEC[kind].format(var)).check()
        return
    d = derive(cell, wrt=SPEC[kind].format(var))
    vals, sizes = find_point(d)
    X = vals[var]
    n = X.shape[0]
    # the point honours the structure
    if kind == "vech":
        assert np.allclose(X, X.T)
    elif kind == "lower":
        assert np.allclose(X, np.tril(X))
    else:
        assert np.allclose(X, np.diag(np.diag(X)))
    M = EMBED[kind](n)
    want = fd_free(d, vals, sizes, var, M)
    got = d.evaluate(vals)
    assert got.shape == want.shape
    k = n * (n + 1) // 2 if kind != "diag" else n
    assert got.shape[-1 if d.kind == "jacobian" else 0] == k
    err = np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want)))
    assert err < 1e-6, (str(d.result), err)
    # the chain rule: the free-coordinate derivative is the plain one times the embedding
    plain = derive(cell, wrt=var).evaluate(vals)
    expect = M.T @ vec(plain).reshape(-1, 1) if d.kind == "gradient" else plain @ M
    assert np.allclose(got, expect, atol=1e-9)
    # the engine's own check perturbs only the free entries, and agrees
    for method in ("full", "directional"):
        res = d.check(method=method)
        assert res.passed, res.text()


def test_every_square_reference_case_is_covered():
    """Each reference case whose variable is a matrix appears for all three structures."""
    kinds = {}
    for p in SQUARE:
        kinds.setdefault(p.values[1] + p.id.split(":", 1)[1], set()).add(p.values[2])
    assert len(kinds) >= 15
    assert all(v == {"vech", "lower", "diag"} for v in kinds.values())


# --- the conventions -------------------------------------------------------------------------

def test_logdet_three_answers():
    d = derive("S : n x n spd\nlogdet(S)", wrt="vech(S)")
    assert d.result_unicode() == "D_nᵀ vec(S⁻¹)"
    assert str(d.result) == "D_n' vec(S^-1)"
    assert d.latex() == r"D_{n}^{\top} \operatorname{vec}\left(S^{-1}\right)"
    assert str(d.other_forms["sym"]) == "S^-1"
    assert str(d.other_forms["cookbook"]) == "2 S^-1 - I_n ∘ S^-1"
    text = d.text()
    assert "duplication matrix" in text and "D_n" in text
    assert "Matrix Cookbook" in text and "Srinivasan & Panda" in text
    assert "G + Gᵀ - G ∘ I" in text and "sym(G)" in text
    assert d.steps[-1].text == "∂f/∂vech S = D_nᵀ vec(S⁻¹)"
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    S = A @ A.T + 4 * np.eye(4)
    got = d.evaluate({"S": S})
    Si = np.linalg.inv(S)
    assert np.allclose(got, duplication(4).T @ vec(Si).reshape(-1, 1))
    # D_nᵀ vec G = vech(G + Gᵀ - G ∘ I): the Cookbook matrix holds the same numbers
    cook = 2 * Si - Si * np.eye(4)
    assert np.allclose(got, np.array([cook[i, j] for i, j in vech_pairs(4)]).reshape(-1, 1))


def test_matrix_forms_for_a_nonsymmetric_gradient():
    """tr(A S) with A general: G = Aᵀ is not symmetric; the three answers differ."""
    d = derive("S : n x n symmetric\nA : n x n\ntr(A S)", wrt="vech(S)")
    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 3))
    B = rng.standard_normal((3, 3))
    S = B + B.T
    env = Env({"A": A, "S": S}, {"n": 3})
    G = A.T
    cook = value(d.other_forms["cookbook"], env)
    sym = value(d.other_forms["sym"], env)
    assert np.allclose(cook, G + G.T - G * np.eye(3))
    assert np.allclose(sym, (G + G.T) / 2)
    # sym(G) is the gradient for the trace inner product on symmetric matrices:
    # df = tr(sym(G)ᵀ dS) for every symmetric dS, while the Cookbook form is not
    V = rng.standard_normal((3, 3))
    V = V + V.T
    h = 1e-6
    df = (np.trace(A @ (S + h * V)) - np.trace(A @ (S - h * V))) / (2 * h)
    assert np.isclose(np.sum(sym * V), df)
    assert not np.isclose(np.sum(cook * V), df)


def test_no_symmetry_is_used_on_dX():
    """The Jacobian of Sᵀ w.r.t. vech S is D_n (K D_n = D_n): dS is symmetric there, but the
    result must come from dSᵀ = K vec dS, never from dSᵀ = dS in the differential."""
    d = derive("S : n x n symmetric\nS'", wrt="vech(S)")
    assert str(d.result) == "D_n"
    diff = next(s for s in d.steps if s.rule.startswith("take the differential"))
    assert "dSᵀ" in diff.text
    assert str(derive("S : n x n symmetric\nS + S'", wrt="vech(S)").result) == "2 D_n"


def test_jacobian_and_layouts():
    d = derive("S : n x n symmetric\nA : n x n\nS A S", wrt="vech(S)")
    assert d.kind == "jacobian"
    assert str(d.result).endswith("D_n")
    dd = derive("S : n x n symmetric\nA : n x n\nS A S", wrt="vech(S)", layout="denominator")
    rng = np.random.default_rng(3)
    B = rng.standard_normal((4, 4))
    vals = {"S": B + B.T, "A": rng.standard_normal((4, 4))}
    assert np.allclose(dd.evaluate(vals), d.evaluate(vals).T)
    assert "vech S" in dd.steps[-1].text


def test_lower_cholesky_parameterisation():
    d = derive("L : n x n lower\ny : n\nS = L L'\nf = logdet(S) + y' inv(S) y", wrt="vech(L)")
    assert str(d.result).startswith("vech(")
    assert "elimination matrix" in d.text()
    res = d.check(method="full")
    assert res.passed, res.text()


def test_diag_wrt():
    d = derive("X : n x n diagonal\nA : n x n\ntr(A X)", wrt="diag(X)")
    assert str(d.result) == "diag(A')" or str(d.result) == "diag(A)"
    rng = np.random.default_rng(4)
    A = rng.standard_normal((4, 4))
    X = np.diag(rng.standard_normal(4))
    assert np.allclose(d.evaluate({"A": A, "X": X}), np.diag(A).reshape(-1, 1))


def test_jvp_in_free_coordinates():
    d = derive("S : n x n symmetric\nA : n x n\nS A S", wrt="vech(S)")
    rng = np.random.default_rng(5)
    B = rng.standard_normal((3, 3))
    vals = {"S": B + B.T, "A": rng.standard_normal((3, 3))}
    v = rng.standard_normal((6, 1))
    assert np.allclose(vec(d.jvp(vals, v)), (d.evaluate(vals) @ v).ravel())
    with pytest.raises(MatdiffError, match="vech"):
        d.jvp(vals, np.zeros((3, 3)))
    g = derive("S : n x n spd\nlogdet(S)", wrt="vech(S)")
    S = B @ B.T + 3 * np.eye(3)
    assert np.isclose(g.jvp({"S": S}, v)[0, 0], float(g.evaluate({"S": S}).ravel() @ v.ravel()))


def test_numpy_source_and_sympy_agree():
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    rng = np.random.default_rng(6)
    B = rng.standard_normal((3, 3))
    for cell, wrt, vals in [
            ("S : n x n spd\nA : n x m\nlogdet(S) + tr(A' S A)", "vech(S)",
             {"S": B @ B.T + 3 * np.eye(3), "A": rng.standard_normal((3, 2))}),
            ("S : n x n symmetric\nA : n x n\nS A S", "vech(S)", {"S": B + B.T, "A": B}),
            ("L : n x n lower\nA : n x n\nL A L'", "vech(L)", {"L": np.tril(B), "A": B}),
            ("L : n x n lower\ny : n\nlogdet(L L') + y' inv(L L') y", "vech(L)",
             {"L": np.tril(B) + 3 * np.eye(3), "y": rng.standard_normal((3, 1))}),
            ("X : n x n diagonal\nA : n x n\nlogdet(X) + tr(A X)", "diag(X)",
             {"X": np.diag([1.0, 2.0, 3.0]), "A": B}),
            ("X : n x n diagonal\nA : m x n\nC : n x m\nA X C", "diag(X)",
             {"X": np.diag(B[0]), "A": rng.standard_normal((2, 3)),
              "C": rng.standard_normal((3, 2))})]:
        d = derive(cell, wrt=wrt)
        want = d.evaluate(vals)
        ns: dict = {}
        exec(compile(d.numpy_source(), "<generated>", "exec"), ns)  # noqa: S102 - our code
        fn = ns["gradient"] if d.kind == "gradient" else ns["jacobian"]
        import inspect
        args = [vals[a] for a in inspect.signature(fn).parameters]
        assert np.allclose(fn(*args), want)
        sizes = {"n": 3, "m": 2}
        assert np.allclose(evaluate_sympy(d.to_sympy(), vals, sizes), want)
        assert "_duplication" not in d.numpy_source()   # applied, never formed


# --- D_n and L_n in the language -------------------------------------------------------------

def test_printing_round_trip():
    from matdiff_magic.lang.parse import parse_expr
    d = derive("S : n x n symmetric\nA : n x n\nS A S", wrt="vech(S)")
    syms = dict(d.cell.symbols)
    assert parse_expr(str(d.result), syms) == d.result
    for text in ["D_n' vec(S)", "L_n vec(S)", "vech(S)", "D_3 L_3", "inv(D_n' D_n) D_n'",
                 "D_{n}"]:
        e = parse_expr(text, syms)
        assert parse_expr(str(e), syms) == e


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_identities_numerically(n):
    from matdiff_magic.numeric.values import duplication as dup_np
    from matdiff_magic.numeric.values import elimination as elim_np
    from matdiff_magic.numeric.values import vech as vech_np
    D, L = duplication(n), elimination(n)
    assert np.array_equal(dup_np(n), D) and np.array_equal(elim_np(n), L)
    K = commutation(n, n)
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n))
    S = A + A.T
    assert np.allclose(D @ vech_np(S), vec(S).reshape(-1, 1))
    assert np.allclose(L @ vec(A), vech_np(A).ravel())
    assert np.allclose(K @ D, D)
    assert np.allclose(L @ D, np.eye(n * (n + 1) // 2))
    Dp = np.linalg.inv(D.T @ D) @ D.T
    assert np.allclose(Dp, np.linalg.pinv(D))
    assert np.allclose(Dp @ vec(A), vech_np((A + A.T) / 2).ravel())
    assert np.allclose(D.T @ vec(A), vech_np(A + A.T - A * np.eye(n)).ravel())


def _value(text: str, vals: dict, sizes: dict):
    from matdiff_magic.lang.parse import parse_cell
    cell = parse_cell("A : n x n\nS : n x n symmetric\n" + text)
    return value(cell.target, Env(vals, sizes)), cell.target


def test_identities_symbolically():
    from matdiff_magic.algebra.duplication import tidy
    from matdiff_magic.lang.parse import parse_cell
    decl = "A : n x n\nS : n x n symmetric\n"
    for text, want in [("K_{n,n} D_n", "D_n"), ("D_n' K_{n,n}", "D_n'"),
                       ("L_n D_n", "I_{n(n+1)/2}"), ("inv(D_n' D_n) D_n' D_n", "I_{n(n+1)/2}"),
                       ("inv(D_n' D_n) D_n' vec(A)", "vech(1/2 (A + A'))"),
                       ("(I_{n^2} + K_{n,n}) D_n", "2 D_n")]:
        e = parse_cell(decl + text).target
        t = tidy(e)
        assert str(t) == want, (text, str(t))
        rng = np.random.default_rng(0)
        B = rng.standard_normal((4, 4))
        env_vals = {"A": B, "S": B + B.T}
        assert np.allclose(value(e, Env(env_vals, {"n": 4})), value(t, Env(env_vals, {"n": 4})))


def test_dup_is_applied_not_formed():
    """D_nᵀ vec G at n = 300 evaluates without the 90000 x 45150 matrix."""
    d = derive("S : n x n spd\nA : n x n\ntr(A S)", wrt="vech(S)")
    rng = np.random.default_rng(7)
    n = 300
    A = rng.standard_normal((n, n))
    got = d.evaluate({"S": np.eye(n), "A": A})
    assert got.shape == (n * (n + 1) // 2, 1)
    i, j = np.triu_indices(n)[1], np.triu_indices(n)[0]
    want = np.where(i == j, A.T[i, j], A.T[i, j] + A.T[j, i])
    assert np.allclose(got.ravel(), want)


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, wrt, needle", [
    ("X : m x n\nsum(X)", "vech(X)", "square"),
    ("X : n x n\nlogdet(X)", "vech(X)", "symmetric"),
    ("X, Y : n x n symmetric\ntr(X Y)", "vech(X + Y)", "name of a declared variable"),
    ("X : n x n symmetric\ntr(X)", "vech(X')", "name of a declared variable"),
    ("X : n x n symmetric\ntr(X)", "diag(X)", "diagonal"),
    ("X : n x n diagonal\ntr(X)", "vech(X)", "diag(X)"),
    ("X : n x n symmetric\ntr(X)", "vech(Y)", "does not appear"),
    ("X : n x n symmetric\nY = X X\ntr(Y)", "vech(Y)", "definition"),
    ("X : n x n symmetric\ntr(X)", "tril(X)", "vech(X)"),
    ("X : n x n symmetric\ntr(X)", "vech()", "name"),
    ("X : m*n x m*n symmetric\ntr(X)", "vech(X)", "one name or a number"),
])
def test_bad_wrt(cell, wrt, needle):
    with pytest.raises(MatdiffError, match=re.escape(needle)):
        derive(cell, wrt=wrt)


def test_bad_wrt_points_at_the_declaration():
    with pytest.raises(MatdiffError) as exc:
        derive("A : n x n\nX : n x n invertible\nlogdet(X) + tr(A)", wrt="vech(X)")
    assert exc.value.line == 2 and exc.value.col == 1
    assert "'X : n x n symmetric'" in str(exc.value)


@pytest.mark.parametrize("decl, needle", [
    ("L : m x n lower", "square"),
    ("L : n x n lower symmetric", "diagonal"),
    ("L : n x n spd lower", "diagonal"),
])
def test_bad_lower_declaration(decl, needle):
    with pytest.raises(MatdiffError, match=needle):
        derive(decl + "\nsum(L)", wrt="L")


def test_values_that_break_the_structure():
    rng = np.random.default_rng(8)
    B = rng.standard_normal((3, 3))
    with pytest.raises(MatdiffError, match="declared symmetric"):
        derive("S : n x n symmetric\nsum(S S)", wrt="vech(S)").evaluate({"S": B})
    with pytest.raises(MatdiffError, match="declared lower"):
        derive("L : n x n lower\nsum(L L)", wrt="vech(L)").evaluate({"L": B})
    with pytest.raises(MatdiffError, match="declared diagonal"):
        derive("X : n x n diagonal\nsum(X X)", wrt="diag(X)").check(values={"X": B})


def test_magic_and_cli():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "matdiff_magic", "logdet(S)", "--wrt",
                          "vech(S)", "--shape", "S: n x n spd", "--check", "--no-steps"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "D_nᵀ vec(S⁻¹)" in out.stdout and "PASSED" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "matdiff_magic", "logdet(S)", "--wrt",
                          "vech(S)", "--shape", "S: n x n"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "symmetric" in bad.stderr

    from conftest import global_ipython
    ip = global_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    ip.run_cell_magic("matdiff", '--wrt "vech(S)" --check --out _dv', "S : n x n spd\nlogdet(S)")
    d = ip.user_ns["_dv"]
    assert d.wrt_spec == "vech(S)" and str(d.result) == "D_n' vec(S^-1)"


# --- vech as a function of the language ---------------------------------------------------------

@pytest.mark.parametrize("cell, wrt", [
    ("X : n x n\nvech(X X)", "X"),
    ("X : n x n\nA : n x n\nvech(2 A X)", "X"),
    ("X : n x n\nsum(vech(X))", "X"),
    ("X : n x n\nsum(vech(X) .* vech(X))", "X"),
    ("X : n x m\nvech(X X')", "X"),
])
def test_vech_function(cell, wrt, rng):
    d = derive(cell, wrt=wrt)
    vals, sizes = find_point(d)
    X = vals[wrt]
    want = fd_free(d, vals, sizes, wrt, np.eye(X.size))
    got = d.evaluate(vals)
    if d.kind == "gradient":
        want = want.reshape(X.shape, order="F")
    assert np.allclose(got, want, atol=1e-6)
    assert "L_n" in d.text() or "vech" in d.text()


def test_elimination_identities_in_results():
    assert str(derive("S : n x n symmetric\nvech(S)", wrt="vech(S)").result) == "I_{n(n+1)/2}"
    assert str(derive("L : n x n lower\nvech(L)", wrt="vech(L)").result) == "I_{n(n+1)/2}"
    assert derive("L : n x n lower\nvech(L)", wrt="vech(L)").result_unicode() == "I_(n(n+1)/2)"


def test_display_and_layout_switch_keep_the_coordinates():
    from matdiff_magic.notebook.widget import MatdiffDisplay, Stepper
    cell = "S : n x n symmetric\nA : n x n\nS A S"
    d = derive(cell, wrt="vech(S)")
    disp = MatdiffDisplay(d, d.check())
    bundle = disp._repr_mimebundle_()
    assert "D_n" in bundle["text/plain"] and "PASSED" in bundle["text/plain"]
    assert "vech" in bundle["text/html"]
    st = Stepper(d)
    st._on_layout({"new": "denominator"})   # re-derives with wrt='vech(S)'
    other = st._cache["denominator"][0]
    assert other.wrt_spec == "vech(S)" and other.layout == "denominator"
    assert other.result.shape == (d.result.shape[1], d.result.shape[0])


def test_deterministic():
    cell = "Σ : n x n spd\nC : n x n symmetric\nN : scalar\nf = -N/2 logdet(Σ) - 1/2 tr(inv(Σ) C)"
    a, b = derive(cell, wrt="vech(Σ)"), derive(cell, wrt="vech(Σ)")
    assert a.text() == b.text() and a.latex() == b.latex()
    assert a.numpy_source() == b.numpy_source()
    assert a.check(seed=3).max_rel_error == b.check(seed=3).max_rel_error


# --- generated cells ---------------------------------------------------------------------------

def _structured_generated(seeds: range):
    """Generated well-typed cells whose variable is square, redeclared symmetric, lower and
    diagonal in turn (tests/strategies.py)."""
    import random

    from strategies import random_case
    for seed in seeds:
        c = random_case(random.Random(seed))
        s = c.symbols.get(c.wrt)
        if s is None or "orthogonal" in s.props:
            continue
        r, cc = s.shape
        if r != cc or len(r.names) > 1 or (r.names and r.coef != 1) or \
                (not r.names and r.coef == 1):
            continue
        lines = c.cell.split("\n")
        idx = [i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(c.wrt)}\s*:", ln)]
        if len(idx) != 1:
            continue
        decl = lines[idx[0]].split("#")[0]
        bare = re.sub(r"\b(symmetric|spd|diagonal|lower)\b", "", decl)
        for kind in ("vech", "lower", "diag"):
            new = (decl if kind == "vech" and set(s.props) & {"symmetric", "spd"}
                   else f"{bare} {PROPERTY[kind]}")
            cell = "\n".join(lines[:idx[0]] + [new] + lines[idx[0] + 1:])
            yield seed, cell, SPEC[kind].format(c.wrt), kind


def test_generated_cells_in_free_coordinates():
    seen = {"vech": 0, "lower": 0, "diag": 0}
    for seed, cell, wrt, kind in _structured_generated(range(200)):
        d = derive(cell, wrt=wrt)
        try:
            res = d.check(seed=seed)
        except MatdiffError as exc:
            # entry-wise log/sqrt/negative powers at the structural zeros of a triangular or
            # diagonal matrix: no point where the target is defined (the sampler names the
            # conflict, or finds no point)
            msg = str(exc)
            assert kind != "vech" and ("no random point" in msg or "off-diagonal" in msg
                                       or "structural zeros" in msg), (cell, wrt, msg)
            continue
        assert res.passed, (cell, wrt, res.text())
        seen[kind] += 1
    assert min(seen.values()) >= 20, seen


@pytest.mark.parametrize("cell, wrt, size", [
    ("S : n x n symmetric\nlogdet(S)", "vech(S)", "n(n+1)/2 \\times 1"),
    ("L : n x n lower\ntr(L L')", "vech(L)", "n(n+1)/2 \\times 1"),
    ("D : n x n diagonal\ntr(D D)", "diag(D)", "n \\times 1"),
])
def test_problem_step_gives_the_size_of_the_free_entries(cell, wrt, size):
    """The problem line names the size of the coordinates (vech S is n(n+1)/2 x 1), not
    that of the matrix, in LaTeX as in the text."""
    d = derive(cell, wrt=wrt)
    latex = d.steps[0].latex
    assert latex.endswith(f"\\ ({size})"), latex
    assert "(n \\times n)" not in latex
