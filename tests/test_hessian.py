"""Second derivatives: Hessians and mixed blocks by the second differential (derive(order=2)).

Every Hessian is compared with second-order central differences of the target itself (the
engine's NumPy value of the parsed expression, independent of any derivative), at random
matrices of unequal sizes drawn as the check draws them; symmetry and matrix-free products
are checked against the dense H.
"""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.algebra.hessian_rules import canonical, hadamard_canonical, kcollect, kmove
from matdiff_magic.cli import main
from matdiff_magic.numeric.hessian_numeric import _point
from matdiff_magic.numeric.values import Env, apply, commutation, value


def vec(M) -> np.ndarray:
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def f_of(h, values: dict, sizes: dict, name: str):
    """f as a function of the variable's entries, from the parsed target (no derivative)."""
    target = h.target

    def f(M: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(value(target, Env({**values, name: M}, sizes))[0, 0])
    return f


def fd_hessian(f, X: np.ndarray) -> np.ndarray:
    """Second-order central differences, (mn) x (mn), column-major vec."""
    n = X.size
    step = 1e-4 * max(1.0, float(np.max(np.abs(X))))
    E_ = [np.zeros(n) for _ in range(n)]
    for k in range(n):
        E_[k][k] = step
    shift = [e.reshape(X.shape, order="F") for e in E_]
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            v = (f(X + shift[i] + shift[j]) - f(X + shift[i] - shift[j])
                 - f(X - shift[i] + shift[j]) + f(X - shift[i] - shift[j])) / (4 * step**2)
            H[i, j] = H[j, i] = v
    return H


def fd_mixed(f2, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """∂²f/∂(vec X)∂(vec Y)ᵀ by central differences in both variables."""
    sx = 1e-4 * max(1.0, float(np.max(np.abs(X))))
    sy = 1e-4 * max(1.0, float(np.max(np.abs(Y))))
    H = np.empty((X.size, Y.size))
    for i in range(X.size):
        ei = np.zeros(X.size)
        ei[i] = sx
        ei = ei.reshape(X.shape, order="F")
        for j in range(Y.size):
            ej = np.zeros(Y.size)
            ej[j] = sy
            ej = ej.reshape(Y.shape, order="F")
            H[i, j] = (f2(X + ei, Y + ej) - f2(X + ei, Y - ej) - f2(X - ei, Y + ej)
                       + f2(X - ei, Y - ej)) / (4 * sx * sy)
    return H


def close(a, b, rtol=2e-5) -> bool:
    return float(np.max(np.abs(a - b))) <= rtol * max(1.0, float(np.max(np.abs(b))))


def point(h, seed=0):
    """The point the check uses: drawn by the check's sampler, where f, G and H are defined."""
    vals, sizes, _ = _point(h, seed, None, None)
    return vals, sizes


# --- the textbook examples ---------------------------------------------------------------------

EXAMPLES = [
    ("x : n\nA : n x n\nx' A x", "x", "A + A'"),
    ("x : n\nA : n x n symmetric\nx' A x", "x", "2 A"),
    ("X : m x n\nA : m x m\ntr(X' A X)", "X", "I_n ⊗ (A + A')"),
    ("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X", "2 (I_n ⊗ A' A)"),
    ("X : n x n spd\nlogdet(X)", "X", "-K_{n,n} (X^-T ⊗ X^-1)"),
    ("X : n x n\ndet(X)", "X", ("det(X) (vec(X^-T) vec(X^-T)' - K_{n,n} (X^-T ⊗ X^-1))",
                                 "det(X) vec(X^-T) vec(X^-T)' - det(X) K_{n,n} (X^-T ⊗ X^-1)")),
    ("X : n x n\nA : n x n\nB : n x n\ntr(X A X B)", "X", "K_{n,n} (A' ⊗ B + B' ⊗ A)"),
    ("X : n x n\ntr(X^3)", "X", "3 K_{n,n} (I_n ⊗ X + X' ⊗ I_n)"),
    ("u : 1 x n\nv : n\nexp(u v)", "u", "exp(u v) v v'"),
    ("X : N x d\nw : d\ny : N\n-(y' log(sigmoid(X w)) + (1_N - y)' log(1_N - sigmoid(X w)))",
     "w", "X' diag(sigmoid(X w) ∘ (1_N - sigmoid(X w))) X"),
]


def _forms(form) -> tuple[str, ...]:
    """The textbook form, or equally short ones (the simplifier may factor a scalar out)."""
    return form if isinstance(form, tuple) else (form,)


@pytest.mark.parametrize("cell, wrt, form", EXAMPLES, ids=[_forms(e[2])[0] for e in EXAMPLES])
def test_textbook_form(cell, wrt, form):
    h = derive(cell, wrt=wrt, order=2)
    assert str(h.result) in _forms(form)
    assert h.steps[-1].rule.startswith(("identify the Hessian", "at the point"))


def test_textbook_values():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal((4, 1))
    h = derive("x : n\nA : n x n\nx' A x", wrt="x", order=2)
    assert np.allclose(h.evaluate({"x": x, "A": A}), A + A.T)
    X, A3 = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    h = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X", order=2)
    assert np.allclose(h.evaluate({"X": X, "A": A3}), np.kron(np.eye(4), A3 + A3.T))
    A, X, B = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    h = derive("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", wrt="X", order=2)
    assert np.allclose(h.evaluate({"A": A, "X": X, "B": B}), 2 * np.kron(np.eye(4), A.T @ A))
    Xd, w = rng.standard_normal((6, 3)), rng.standard_normal((3, 1))
    y = (rng.random((6, 1)) > 0.5).astype(float)
    h = derive(EXAMPLES[-1][0], wrt="w", order=2)
    s = 1 / (1 + np.exp(-Xd @ w))
    want = Xd.T @ np.diag((s * (1 - s))[:, 0]) @ Xd
    assert np.allclose(h.evaluate({"X": Xd, "w": w, "y": y}), want)


def test_properties_describe_the_point_not_the_function():
    """logdet X with X spd: H is the derivative of X⁻ᵀ (independent entries), not of X⁻¹."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 4))
    X = a @ a.T + 4 * np.eye(4)
    Xi = np.linalg.inv(X)
    h = derive("X : n x n spd\nlogdet(X)", wrt="X", order=2)
    H = h.evaluate({"X": X})
    right = -commutation(4, 4) @ np.kron(Xi.T, Xi)
    wrong = -np.kron(Xi.T, Xi)        # the Jacobian of X⁻¹, what Xᵀ = X used too early gives
    assert np.allclose(H, right)
    assert not np.allclose(H, wrong)
    # the same as with no property at all, and the independent finite differences agree
    plain = derive("X : n x n\nlogdet(X)", wrt="X", order=2)
    assert str(plain.result) == str(h.result)
    assert close(H, fd_hessian(lambda M: np.linalg.slogdet(M)[1], X), 1e-5)
    assert "at the point" in h.text() and "-K_nn (X⁻¹ ⊗ X⁻¹)" in h.text()
    assert h.check().passed


def test_steps_follow_the_textbook():
    h = derive("x : n\nA : n x n\nx' A x", wrt="x", order=2)
    rules = [s.rule for s in h.steps]
    assert rules[0].startswith("the problem")
    assert any(r.startswith("first differential: take the differential") for r in rules)
    assert any(r.startswith("second differential: d(df) with dx constant") for r in rules)
    assert any("quadratic form" in r for r in rules)
    assert any(r.startswith("second identification theorem") for r in rules)
    assert all(s.text and s.latex for s in h.steps)
    assert "d²f = (vec dx)ᵀ" in h.text()
    assert h.shape == derive("x : n\nx' x", wrt="x", order=2).shape


def test_non_symmetric_b_is_symmetrized():
    """d²f = 2 tr(dX A dX B)-like terms give a B that is not symmetric: H = ½(B + Bᵀ)."""
    h = derive("X : n x n\nA : n x n\nB : n x n\ntr(X A X B)", wrt="X", order=2)
    vals, sizes = point(h)
    H = h.evaluate(vals)
    assert np.allclose(H, H.T)
    assert close(H, fd_hessian(f_of(h, vals, sizes, "X"), vals["X"]))


# --- every first-order reference case with a scalar target -------------------------------------

SCALAR = [(c, w) for c, w in REFERENCE if derive(c, wrt=w).kind == "gradient"]


def test_there_are_scalar_reference_cases():
    assert len(SCALAR) >= 10


@pytest.mark.parametrize("cell, wrt", SCALAR, ids=[c.splitlines()[-1] for c, _ in SCALAR])
def test_reference_hessian_against_finite_differences(cell, wrt):
    h = derive(cell, wrt=wrt, order=2)
    for seed in (0, 1):
        vals, sizes = point(h, seed)
        H = h.evaluate(vals)
        n = vals[wrt].size
        assert H.shape == (n, n)
        assert np.allclose(H, H.T, atol=1e-10 * max(1.0, np.max(np.abs(H)))), "not symmetric"
        fd = fd_hessian(f_of(h, vals, sizes, wrt), vals[wrt])
        assert close(H, fd), f"H differs from finite differences: {h.result}"
        V = np.random.default_rng(seed).standard_normal(vals[wrt].shape)
        assert np.allclose(h.hvp(vals, V).reshape(-1, order="F"), H @ vec(V))
    assert h.check().passed
    assert h.check(method="directional", seed=3).passed


def test_sizes_are_unequal():
    h = derive("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", wrt="X", order=2)
    vals, _ = point(h)
    assert len({vals["A"].shape[0], vals["X"].shape[0], vals["X"].shape[1]}) == 3


# --- the check ---------------------------------------------------------------------------------

def test_check_reports_symmetry_and_gradient():
    h = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X", order=2)
    r = h.check()
    assert r.passed and r.method == "full"
    assert r.symmetry_error < 1e-12
    assert r.gradient_check is not None and r.gradient_check.passed
    assert "symmetry" in r.text()


def test_check_with_sizes_that_only_products_name():
    """x : n*n: no value fixes n alone; the gradient's check gets the sizes of the point."""
    h = derive("x : n*n\nsum(exp(x))", wrt="x", order=2)
    r = h.check()
    assert r.passed and r.gradient_check.passed


def test_check_catches_a_wrong_hessian():
    h = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X", order=2)
    A = E.sym("A", "m", "m")
    h.result = E.kron(E.identity(h.x.shape[1]), E.scale(2, A))   # 2A: needs A symmetric
    r = h.check()
    assert not r.passed and r.max_rel_error > 1e-3
    assert not h.check(method="directional").passed


def test_large_directional_check_is_matrix_free():
    h = derive("x : n\nA : n x n\nx' A x", wrt="x", order=2)
    r = h.check(dims={"n": 1000})
    assert r.passed and r.method == "directional"
    h = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X", order=2)
    r = h.check(dims={"m": 300, "n": 200})      # H would have 3.6e9 entries
    assert r.passed and r.method == "directional" and r.symmetry_error < 1e-8


def test_hvp_is_matrix_free_at_size():
    rng = np.random.default_rng(4)
    h = derive("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", wrt="X", order=2)
    A, X, B = (rng.standard_normal(s) for s in ((50, 300), (300, 200), (50, 200)))
    V = rng.standard_normal((300, 200))
    assert np.allclose(h.hvp({"A": A, "X": X, "B": B}, V), 2 * A.T @ A @ V)


# --- mixed second derivatives ------------------------------------------------------------------

def test_mixed_block():
    h = derive("A : m x p\nX : m x n\nY : p x n\ntr(X' A Y)", wrt="X", order=2, wrt2="Y")
    assert h.kind == "mixed" and str(h.result) == "I_n ⊗ A"
    vals, sizes = point(h)
    H = h.evaluate(vals)
    assert H.shape == (vals["X"].size, vals["Y"].size)
    assert np.allclose(H, np.kron(np.eye(vals["X"].shape[1]), vals["A"]))
    assert h.check().passed


@pytest.mark.parametrize("cell, x, y", [
    ("W : m x n\nX : n x q\nH = tanh(W X)\nf = sum(H .* H)", "W", "X"),
    ("S : n x n spd\ny : n\ny' inv(S) y", "S", "y"),
    ("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "A", "X"),
])
def test_mixed_against_finite_differences(cell, x, y):
    h = derive(cell, wrt=x, order=2, wrt2=y)
    vals, sizes = point(h)

    def f2(Xv, Yv):
        with np.errstate(all="ignore"):
            return float(value(h.target, Env({**vals, x: Xv, y: Yv}, sizes))[0, 0])
    H = h.evaluate(vals)
    assert close(H, fd_mixed(f2, vals[x], vals[y]))
    other = derive(cell, wrt=y, order=2, wrt2=x)
    assert np.allclose(other.evaluate(vals), H.T)
    V = np.random.default_rng(0).standard_normal(vals[y].shape)
    assert np.allclose(vec(h.hvp(vals, V)), H @ vec(V))
    assert h.check().passed and h.check(method="directional").passed


# --- exports -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, wrt, form", EXAMPLES, ids=[_forms(e[2])[0] for e in EXAMPLES])
def test_numpy_source_hessian_and_hvp(cell, wrt, form):
    h = derive(cell, wrt=wrt, order=2)
    src = h.numpy_source()
    assert "def hessian(" in src and "def hvp(" in src
    ns: dict = {}
    exec(compile(src, "<generated>", "exec"), ns)    # the generated code, not user text
    vals, _ = point(h)
    args = [vals[n] for n in h.cell.symbols if n in vals and n in src.split("def hessian(")[1]
            .split(")")[0].replace(" ", "").split(",")]
    H = h.evaluate(vals)
    assert np.allclose(ns["hessian"](*args), H)
    V = np.random.default_rng(5).standard_normal(vals[wrt].shape)
    assert np.allclose(vec(ns["hvp"](*args, V)), H @ vec(V))


@pytest.mark.parametrize("cell", ["X : m x n\nA : m x m\ntr(X' A X)", "X : n x n\nlogdet(X)",
                                  "X : n x n\ndet(X)"])
def test_to_sympy_hessian(cell):
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    h = derive(cell, wrt="X", order=2)
    vals, sizes = point(h)
    got = evaluate_sympy(h.to_sympy(), vals, sizes)
    assert np.allclose(got, h.evaluate(vals))


def test_deterministic():
    for cell, wrt, _ in EXAMPLES:
        a, b = derive(cell, wrt=wrt, order=2), derive(cell, wrt=wrt, order=2)
        assert a.text() == b.text() and a.html() == b.html()
        assert a.numpy_source() == b.numpy_source()


BIG = {
    "tr(X^64)": "X : n x n\ntr(X^64)",
    "nested exp, depth 60": "X : m x n\nsum(" + "exp(" * 60 + "X" + ")" * 60 + ")",
    "20 Hadamard factors of sums": "X : m x n\nsum(" + " .* ".join(
        f"(X + A{i})" for i in range(20)) + ")",
    "product chain of 200": "X : n x n\ntr(" + " ".join(["X"] * 200) + ")",
    "nested logdet, depth 20": "X : n x n\n" + "logdet(X' X + exp(" * 20 + "0" + ") I)" * 20,
}


@pytest.mark.parametrize("name", list(BIG))
def test_big_inputs_return_or_raise_in_bounded_time(name):
    from conftest import guard
    with guard():
        try:
            h = derive(BIG[name], wrt="X", order=2)
            h.text()
        except MatdiffError:
            pass


# --- rewrite rules, verified numerically -------------------------------------------------------

def _env(rng, sizes, syms):
    return Env({s.name: rng.standard_normal((sizes[str(s.shape[0])], sizes[str(s.shape[1])]))
                for s in syms}, sizes)


def test_kmove_identity():
    """(C ⊗ D) K_{q,n} = K_{p,m} (D ⊗ C) for C (p x q), D (m x n)."""
    rng = np.random.default_rng(6)
    C, D = E.sym("C", "p", "q"), E.sym("D", "m", "n")
    e = E.mul(E.kron(C, D), E.comm(C.shape[1], D.shape[1]))
    moved = kmove(e)
    assert isinstance(moved, E.Mul) and isinstance(moved.args[0], E.Comm)
    env = _env(rng, {"p": 2, "q": 3, "m": 4, "n": 5}, [C, D])
    eye = np.eye(15)
    assert np.allclose(apply(e, eye, env), apply(moved, eye, env))


def test_vec_trick_backwards_and_k_through_sums():
    """(P ⊗ Q) vec M = vec(Q M Pᵀ), (vec M)ᵀ (P ⊗ Q) = vec(Qᵀ M P)ᵀ and
    (Σ Cᵢ ⊗ Dᵢ) K = Σ K (Dᵢ ⊗ Cᵢ)."""
    rng = np.random.default_rng(8)
    sizes = {"p": 2, "q": 3, "r": 4, "s": 5}
    P, Q = E.sym("P", "p", "q"), E.sym("Q", "r", "s")
    M, N = E.sym("M", "s", "q"), E.sym("N", "r", "p")
    C, D = E.sym("C", "p", "q"), E.sym("D", "r", "s")
    env = _env(rng, sizes, [P, Q, M, N, C, D])
    for e in (E.mul(E.kron(P, Q), E.call("vec", M)),
              E.mul(E.transpose(E.call("vec", N)), E.kron(P, Q)),
              E.mul(E.add(E.kron(C, D), E.scale(2, E.kron(P, Q))),
                    E.comm(C.shape[1], D.shape[1]))):
        got = kmove(e)
        assert got != e
        assert not contains_kron_vec(got)
        eye = np.eye(value(e, env).shape[1])
        assert np.allclose(apply(e, eye, env), apply(got, eye, env))


def contains_kron_vec(e: E.Expr) -> bool:
    if isinstance(e, E.Mul):
        for a, b in zip(e.args, e.args[1:]):
            if isinstance(a, E.Kron) and isinstance(b, E.Call) and b.name == "vec":
                return True
    return any(contains_kron_vec(c) for c in e.children)


def test_kcollect_and_hadamard_rules_keep_the_value():
    rng = np.random.default_rng(7)
    A, B, C = E.sym("A", "m", "n"), E.sym("B", "p", "q"), E.sym("C", "p", "q")
    e = E.add(E.kron(A, B), E.scale(3, E.kron(A, C)))
    got = kcollect(e)
    assert isinstance(got, E.Kron)
    env = _env(rng, {"m": 2, "n": 3, "p": 4, "q": 5}, [A, B, C])
    assert np.allclose(value(e, env), value(got, env))
    s = E.call("sigmoid", E.sym("Z", "m", "n"))
    Y = E.sym("Y", "m", "n")
    one = E.ones_like(s.shape)
    g = E.add(E.neg(E.hadamard(Y, E.add(one, E.neg(s)))),
              E.hadamard(s, E.hadpow(s, -1), E.add(one, E.neg(Y)), s))
    got = canonical(hadamard_canonical(g))
    assert str(got) == "sigmoid(Z) - Y"
    env = _env(rng, {"m": 3, "n": 4}, [E.sym("Z", "m", "n"), Y])
    assert np.allclose(value(g, env), value(got, env))


# --- bad input, the magic's and the command line's options -------------------------------------

@pytest.mark.parametrize("kw, words", [
    ({"order": 3}, "order must be 1"),
    ({"order": True}, "order must be 1"),
    ({"order": "2"}, "order must be 1"),
    ({"wrt2": "X"}, "give order=2"),
    ({"order": 2, "wrt": "Q"}, "'Q' does not appear"),
    ({"order": 2, "wrt2": "Q"}, "'Q' does not appear"),
    ({"order": 2, "wrt": "X,A", "wrt2": "A"}, "one variable in wrt"),
])
def test_bad_requests(kw, words):
    kw = {"wrt": "X", **kw}
    with pytest.raises(MatdiffError, match=words):
        derive("X : m x n\nA : m x m\ntr(X' A X)", **kw)


def test_structured_coordinate_is_refused_in_a_mixed_block():
    with pytest.raises(MatdiffError, match="structured coordinate"):
        derive("S : n x n spd\nA : n x n\nlogdet(S) + tr(A S)", wrt="vech(S)", wrt2="A",
               order=2)


def test_matrix_target_suggests_a_scalar():
    with pytest.raises(MatdiffError) as exc:
        derive("X, Y : m x n\nZ = X Y' X", wrt="X", order=2)
    msg = str(exc.value)
    assert "scalar" in msg and "tr(Z)" in msg and "line 2" in msg


def test_several_variables_give_one_hessian_each():
    hs = derive("A : m x p\nX : m x n\nY : p x n\ntr(X' A Y) + tr(X' X)", wrt="X,Y", order=2)
    assert [h.wrt.name for h in hs] == ["X", "Y"]
    assert str(hs[1].result) == "0 I_{n*p}"
    assert all(h.check().passed for h in hs)


def test_cli_order_2(capsys):
    assert main(["x' A x", "--wrt", "x", "--shape", "x: n", "--shape", "A: n x n",
                 "--order", "2", "--check"]) == 0
    out = capsys.readouterr().out
    assert "second identification theorem" in out and "PASSED" in out
    assert out.splitlines()[-2].strip() == "∂²f/∂(vec x)∂(vec x)ᵀ = A + Aᵀ"
    assert main(["X", "--shape", "X: m x n", "--order", "2"]) == 2
    assert "scalar" in capsys.readouterr().err
    assert main(["tr(X)", "--shape", "X: n x n", "--order", "3"]) == 2


def test_claims_about_a_hessian():
    h = derive("x : n\nA : n x n\nx' A x", wrt="x", order=2)
    assert h.compare("A + A'").correct
    v = h.compare("2 A")
    assert not v.correct and v.diagnosis == "needs-symmetry"
    assert main(["x' A x", "--wrt", "x", "--shape", "x: n", "--shape", "A: n x n",
                 "--order", "2", "--no-steps", "--claim", "A' + A"]) == 0


def test_magic_order_2():
    from conftest import global_ipython
    from IPython.utils.capture import capture_output

    from matdiff_magic.notebook.magic import parse_line
    expr, args = parse_line("tr(X' A Y) --wrt X --wrt2 Y --order 2")
    assert expr == "tr(X' A Y)" and args.order == 2 and args.wrt2 == "Y" and args.wrt == "X"
    ip = global_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    try:
        with capture_output() as cap:
            ip.run_cell("%%matdiff --wrt X --order 2 --check --out hh\nX : n x n spd\n"
                        "logdet(X)")
        assert cap.stderr == ""
        from display_pairs import paired  # the widget's output, then the static one
        text = paired([o.data for o in cap.outputs])[0]["text/plain"]
        assert "second identification theorem" in text and "PASSED" in text
        assert str(ip.user_ns["hh"].result) == "-K_{n,n} (X^-T ⊗ X^-1)"
        with capture_output() as cap:
            ip.run_cell("%%matdiff --order 2\nX : m x n\nX")
        assert "scalar" in cap.stderr and "Traceback" not in cap.stderr
    finally:
        ip.run_line_magic("unload_ext", "matdiff_magic")


def test_widget_steps_through_a_hessian():
    from matdiff_magic.notebook.widget import MatdiffDisplay, Stepper
    h = derive("X : n x n spd\nlogdet(X)", wrt="X", order=2)
    s = Stepper(h, check=h.check())
    assert s.last == len(h.steps) - 1
    s.slider.value = s.last
    assert "Hessian of f" in s.title_html.value
    assert "identify the Hessian" in s.rule_html.value or "at the point" in s.rule_html.value
    bundle = MatdiffDisplay(h, check=h.check())._repr_mimebundle_()
    assert "second identification theorem" in bundle["text/plain"]
