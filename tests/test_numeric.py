"""NumPy evaluation: value() against NumPy, matrix-free apply() against dense products, and
no Kronecker product larger than the Jacobian is ever formed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DIMS, make_values, vec

import matdiff_magic.numeric.values as numeric
from matdiff_magic import derive
from matdiff_magic.lang.parse import parse_cell
from matdiff_magic.numeric.values import Env, apply, commutation, make_env, value

m, n, p, q = DIMS["m"], DIMS["n"], DIMS["p"], DIMS["q"]

DECL = ("A : p x m\nX, Y, C : m x n\nB : n x q\nS : n x n\nT : p x q\nx : n\nu : m\n"
        "s : scalar\n")
SPEC = {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "Y": ("gen", "m", "n"),
        "C": ("gen", "m", "n"), "B": ("gen", "n", "q"), "S": ("spd", "n"),
        "T": ("gen", "p", "q"), "x": ("gen", "n"), "u": ("gen", "m"), "s": ("gen", 1, 1)}


def env_for(text: str, values: dict):
    cell = parse_cell(DECL + text)
    return cell.target, make_env(cell.symbols, values)


def sig(z):
    return 1 / (1 + np.exp(-z))


VALUE_CASES = [
    ("X + 2 Y", lambda v: v["X"] + 2 * v["Y"]),
    ("A X B", lambda v: v["A"] @ v["X"] @ v["B"]),
    ("X'", lambda v: v["X"].T),
    ("inv(S)", lambda v: np.linalg.inv(v["S"])),
    ("S^-T", lambda v: np.linalg.inv(v["S"]).T),
    ("S^3", lambda v: np.linalg.matrix_power(v["S"], 3)),
    ("tr(S)", lambda v: np.trace(v["S"])),
    ("det(S)", lambda v: np.linalg.det(v["S"])),
    ("logdet(S)", lambda v: np.linalg.slogdet(v["S"])[1]),
    ("X .* Y", lambda v: v["X"] * v["Y"]),
    ("X ./ exp(Y)", lambda v: v["X"] / np.exp(v["Y"])),
    ("X.^2", lambda v: v["X"] ** 2),
    ("exp(X).^0.5", lambda v: np.exp(v["X"]) ** 0.5),
    ("kron(T, X)", lambda v: np.kron(v["T"], v["X"])),
    ("vec(X)", lambda v: vec(v["X"]).reshape(-1, 1)),
    ("diag(x)", lambda v: np.diag(v["x"].ravel())),
    ("diag(S)", lambda v: np.diag(v["S"]).reshape(-1, 1)),
    ("sum(X)", lambda v: v["X"].sum()),
    ("fro(X)", lambda v: np.linalg.norm(v["X"])),
    ("norm2(x)", lambda v: np.linalg.norm(v["x"])),
    ("exp(X) + log(exp(Y)) + sin(X) + cos(X) + tanh(X) + sigmoid(X) + sqrt(abs(X))",
     lambda v: np.exp(v["X"]) + v["Y"] + np.sin(v["X"]) + np.cos(v["X"]) + np.tanh(v["X"])
     + sig(v["X"]) + np.sqrt(np.abs(v["X"]))),
    ("K_{m,n}", lambda v: commutation(m, n)),
    ("I_n", lambda v: np.eye(n)),
    ("1_m", lambda v: np.ones((m, 1))),
    ("s X", lambda v: v["s"].item() * v["X"]),
    ("(u' X x)^2", lambda v: (v["u"].T @ v["X"] @ v["x"]).item() ** 2),
    ("1 / tr(S)", lambda v: 1 / np.trace(v["S"])),
    ("tr(S) S", lambda v: np.trace(v["S"]) * v["S"]),
]


@pytest.mark.parametrize("text, f", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_value_matches_numpy(text, f, rng):
    vals = make_values(rng, SPEC)
    e, env = env_for(text, vals)
    got = value(e, env)
    want = np.atleast_2d(np.asarray(f(vals), dtype=float))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


APPLY_CASES = [
    "B' ⊗ A",
    "A ⊗ B'",
    "K_{m,n}",
    "K_{n,m}",
    "K_{p,q}",
    "diag(vec(X))",
    "diag(vec(exp(X)))",
    "I_q ⊗ K_{n,p} ⊗ I_m",
    "(I_q ⊗ K_{n,p} ⊗ I_m) (vec(T) ⊗ I_{m*n})",
    "(I_q ⊗ K_{n,p} ⊗ I_m) (I_{p*q} ⊗ vec(X))",
    "X' Y ⊗ I_m + I_n ⊗ X Y'",
    "(B' ⊗ A) diag(vec(X)) K_{n,m}",
    "-(S^-T ⊗ inv(S))",
    "2 s (S ⊗ S) K_{n,n} + I_{n*n}",
    "(A ⊗ T) (I_m ⊗ B')",
    "T ⊗ X ⊗ S",
    "vec(X) vec(Y)'",
    "K_{m,m} (X ⊗ Y) K_{n,n}",
]


@pytest.mark.parametrize("text", APPLY_CASES)
@pytest.mark.parametrize("k", [1, 3, "full"])
def test_apply_equals_dense_product(text, k, rng):
    vals = make_values(rng, SPEC)
    e, env = env_for(text, vals)
    J = value(e, Env(env.values, env.sizes))         # dense, on a fresh memo
    cols = J.shape[1] if k == "full" else k
    V = rng.standard_normal((J.shape[1], cols))
    got = apply(e, V, env)
    assert got.shape == (J.shape[0], cols)
    np.testing.assert_allclose(got, J @ V, rtol=1e-11, atol=1e-11)


def test_apply_identity_returns_the_block(rng):
    e, env = env_for("I_{m*n}", make_values(rng, SPEC))
    V = rng.standard_normal((m * n, 2))
    np.testing.assert_array_equal(apply(e, V, env), V)


def test_commutation_apply_is_transpose(rng):
    e, env = env_for("K_{m,n}", make_values(rng, SPEC))
    X = rng.standard_normal((m, n))
    np.testing.assert_array_equal(apply(e, vec(X).reshape(-1, 1), env).ravel(), vec(X.T))


# --- evaluate never forms a Kronecker product bigger than the Jacobian ----------------------------

SEED_CASES = [
    ("X, Y : m x n\nX Y' X", "X",
     {"X": ("gen", "m", "n"), "Y": ("gen", "m", "n")},
     lambda v: np.kron(v["X"].T @ v["Y"], np.eye(m)) + np.kron(np.eye(n), v["X"] @ v["Y"].T)),
    ("A : p x m\nX : m x n\nB : n x q\nA X B", "X",
     {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "B": ("gen", "n", "q")},
     lambda v: np.kron(v["B"].T, v["A"])),
    ("A : p x m\nB : m x m\nX : m x n\nC : n x q\nD : q x p\nA exp(B X C) D", "X",
     {"A": ("gen", "p", "m"), "B": ("gen", "m", "m"), "X": ("gen", "m", "n"),
      "C": ("gen", "n", "q"), "D": ("gen", "q", "p")},
     lambda v: np.kron(v["D"].T, v["A"]) @ np.diag(vec(np.exp(v["B"] @ v["X"] @ v["C"])))
     @ np.kron(v["C"].T, v["B"])),
]


def _no_kron(*args, **kwargs):
    raise AssertionError("numpy.kron was called")


@pytest.mark.parametrize("cell, wrt, spec, closed", SEED_CASES,
                         ids=[c[0].splitlines()[-1] for c in SEED_CASES])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_evaluate_without_numpy_kron(cell, wrt, spec, closed, layout, rng, monkeypatch):
    vals = make_values(rng, spec)
    want = closed(vals)                              # computed with the real numpy.kron
    d = derive(cell, wrt=wrt, layout=layout)
    monkeypatch.setattr(numeric.np, "kron", _no_kron)
    got = d.evaluate(vals)
    monkeypatch.undo()
    np.testing.assert_allclose(got, want if layout == "numerator" else want.T,
                               rtol=1e-10, atol=1e-10)


BIGGER_CASES = [
    ("X : m x n\nT : p x q\nX ⊗ T", "X", {"X": ("gen", "m", "n"), "T": ("gen", "p", "q")}),
    ("T : p x q\nX : m x n\nkron(T, X)", "X", {"X": ("gen", "m", "n"), "T": ("gen", "p", "q")}),
    ("X : m x n\nX ⊗ X'", "X", {"X": ("gen", "m", "n")}),
    ("X : n x n\ninv(X)", "X", {"X": ("inv", "n")}),
    ("X : m x n\nX' X", "X", {"X": ("gen", "m", "n")}),
    ("X : n x n\nX^3", "X", {"X": ("gen", "n", "n")}),
    ("x : n\nX : m x n\nsigmoid(X x)", "X", {"x": ("gen", "n"), "X": ("gen", "m", "n")}),
    ("x : n\ndiag(x)", "x", {"x": ("gen", "n")}),
]


@pytest.mark.parametrize("cell, wrt, spec", BIGGER_CASES,
                         ids=[c[0].splitlines()[-1] for c in BIGGER_CASES])
def test_kron_products_never_exceed_the_jacobian(cell, wrt, spec, rng, monkeypatch):
    vals = make_values(rng, spec)
    d = derive(cell, wrt=wrt)
    dense = d.evaluate(vals)
    limit = dense.size
    real_kron = np.kron
    sizes = []

    def checked_kron(a, b):
        out = real_kron(a, b)
        sizes.append(out.size)
        assert out.size <= limit, f"a {out.shape} Kronecker product for a {dense.shape} Jacobian"
        return out

    monkeypatch.setattr(numeric.np, "kron", checked_kron)
    again = derive(cell, wrt=wrt).evaluate(vals)
    monkeypatch.undo()
    np.testing.assert_allclose(again, dense, rtol=1e-12, atol=1e-12)


def test_gradient_evaluation_does_not_use_kron(rng, monkeypatch):
    vals = make_values(rng, {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"),
                             "B": ("gen", "n", "p")})
    d = derive("A : p x m\nX : m x n\nB : n x p\ntr(A X B)", wrt="X")
    monkeypatch.setattr(numeric.np, "kron", _no_kron)
    g = d.evaluate(vals)
    monkeypatch.undo()
    np.testing.assert_allclose(g, vals["A"].T @ vals["B"].T, rtol=1e-12)


def test_large_jacobian_is_matrix_free(rng, monkeypatch):
    """With m = n = 30 the Jacobian of A X B is 900 x 900; B' ⊗ A is formed only through
    the vec trick (a dense numpy.kron of the factors is not needed)."""
    k = 30
    vals = {"A": rng.standard_normal((k, k)), "X": rng.standard_normal((k, k)),
            "B": rng.standard_normal((k, k))}
    d = derive("A, X, B : n x n\nA X B", wrt="X")
    monkeypatch.setattr(numeric.np, "kron", _no_kron)
    J = d.evaluate(vals)
    monkeypatch.undo()
    assert J.shape == (k * k, k * k)
    V = rng.standard_normal((k, k))
    np.testing.assert_allclose(J @ vec(V), vec(vals["A"] @ V @ vals["B"]), rtol=1e-10,
                               atol=1e-10)
