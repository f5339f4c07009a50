"""Every differential rule and every vec identity, checked against finite differences.

Sizes are unequal (m=3, n=4, p=2, q=5) so that a transposed factor cannot go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from conftest import DIMS, fd_jacobian, make_values, unvec, vec

from matdiff_magic import derive, ops
from matdiff_magic.algebra import expr as E
from matdiff_magic.calculus.vectorize import gradient_term, jacobian_term
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric.values import Env, commutation, value

RTOL, ATOL = 1e-6, 1e-7
m, n, p, q = DIMS["m"], DIMS["n"], DIMS["p"], DIMS["q"]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def tr(M):
    return float(np.trace(M))


def sc(M):
    """The value of a 1 x 1 array as a float."""
    return np.asarray(M, dtype=float).item()


def _of_product(fn):
    """v -> fn(A X)."""
    def f(v):
        return fn(v["A"] @ v["X"])
    return f


@dataclass
class Case:
    id: str
    cell: str
    wrt: str
    f: object                 # NumPy function of the values dict
    spec: dict                # name -> (kind, rows[, cols])
    kind: str = "jacobian"


G, PD, INV, POS = "gen", "spd", "inv", "pos"

CASES = [
    # --- linear structure ---------------------------------------------------------------------
    Case("sum", "X, Y : m x n\nX + Y", "X", lambda v: v["X"] + v["Y"],
         {"X": (G, "m", "n"), "Y": (G, "m", "n")}),
    Case("sum-transpose", "X : n x n\nX - 3 X'", "X", lambda v: v["X"] - 3 * v["X"].T,
         {"X": (G, "n", "n")}),
    Case("scalar-multiple", "X : m x n\n3 X", "X", lambda v: 3 * v["X"], {"X": (G, "m", "n")}),
    Case("scalar-division", "X : m x n\n-X / 2", "X", lambda v: -v["X"] / 2,
         {"X": (G, "m", "n")}),
    Case("scalar-symbol-times-matrix", "s : scalar\nX : m x n\ns X", "X",
         lambda v: v["s"] * v["X"], {"s": (G, 1, 1), "X": (G, "m", "n")}),
    # --- products -------------------------------------------------------------------------------
    Case("product-left", "A : p x m\nX : m x n\nA X", "X", lambda v: v["A"] @ v["X"],
         {"A": (G, "p", "m"), "X": (G, "m", "n")}),
    Case("product-right", "X : m x n\nB : n x q\nX B", "X", lambda v: v["X"] @ v["B"],
         {"X": (G, "m", "n"), "B": (G, "n", "q")}),
    Case("product-both", "A : p x m\nX : m x n\nB : n x q\nA X B", "X",
         lambda v: v["A"] @ v["X"] @ v["B"],
         {"A": (G, "p", "m"), "X": (G, "m", "n"), "B": (G, "n", "q")}),
    Case("product-twice", "X, Y : m x n\nX Y' X", "X", lambda v: v["X"] @ v["Y"].T @ v["X"],
         {"X": (G, "m", "n"), "Y": (G, "m", "n")}),
    Case("product-XtX", "X : m x n\nX' X", "X", lambda v: v["X"].T @ v["X"],
         {"X": (G, "m", "n")}),
    Case("product-XXt", "X : m x n\nX X'", "X", lambda v: v["X"] @ v["X"].T,
         {"X": (G, "m", "n")}),
    # --- transpose, inverse, powers ------------------------------------------------------------
    Case("transpose", "X : m x n\nX'", "X", lambda v: v["X"].T, {"X": (G, "m", "n")}),
    Case("transpose-in-product", "A : p x n\nX : m x n\nA X'", "X",
         lambda v: v["A"] @ v["X"].T, {"A": (G, "p", "n"), "X": (G, "m", "n")}),
    Case("inverse", "X : n x n invertible\ninv(X)", "X", lambda v: np.linalg.inv(v["X"]),
         {"X": (INV, "n")}),
    Case("inverse-sandwich", "A : p x n\nX : n x n\nB : n x q\nA X^-1 B", "X",
         lambda v: v["A"] @ np.linalg.inv(v["X"]) @ v["B"],
         {"A": (G, "p", "n"), "X": (INV, "n"), "B": (G, "n", "q")}),
    Case("inverse-transpose", "X : n x n\nX^-T", "X", lambda v: np.linalg.inv(v["X"]).T,
         {"X": (INV, "n")}),
    Case("power-2", "X : n x n\nX^2", "X", lambda v: v["X"] @ v["X"], {"X": (G, "n", "n")}),
    Case("power-3", "X : n x n\nX^3", "X", lambda v: np.linalg.matrix_power(v["X"], 3),
         {"X": (G, "n", "n")}),
    Case("power-of-product", "A : n x m\nX : m x n\n(A X)^2", "X",
         lambda v: (v["A"] @ v["X"]) @ (v["A"] @ v["X"]),
         {"A": (G, "n", "m"), "X": (G, "m", "n")}),
    # --- scalar functions of matrices (gradients) ---------------------------------------------
    Case("trace", "X : n x n\ntr(X)", "X", lambda v: tr(v["X"]), {"X": (G, "n", "n")},
         "gradient"),
    Case("trace-product", "A : n x m\nX : m x n\ntr(A X)", "X", lambda v: tr(v["A"] @ v["X"]),
         {"A": (G, "n", "m"), "X": (G, "m", "n")}, "gradient"),
    Case("trace-quadratic", "A : m x m\nX : m x n\ntr(X' A X)", "X",
         lambda v: tr(v["X"].T @ v["A"] @ v["X"]),
         {"A": (G, "m", "m"), "X": (G, "m", "n")}, "gradient"),
    Case("det", "X : n x n invertible\ndet(X)", "X", lambda v: np.linalg.det(v["X"]),
         {"X": (INV, "n")}, "gradient"),
    Case("det-product", "A : m x n\nX : n x m\ndet(A X)", "X",
         lambda v: np.linalg.det(v["A"] @ v["X"]),
         {"A": (G, "m", "n"), "X": (G, "n", "m")}, "gradient"),
    Case("logdet", "X : n x n spd\nlogdet(X)", "X",
         lambda v: np.linalg.slogdet(v["X"])[1], {"X": (PD, "n")}, "gradient"),
    Case("logdet-plain", "X : n x n\nlogdet(X)", "X",
         lambda v: np.linalg.slogdet(v["X"])[1], {"X": (INV, "n")}, "gradient"),
    Case("logdet-gram", "X : n x m\nlogdet(X' X)", "X",
         lambda v: np.linalg.slogdet(v["X"].T @ v["X"])[1], {"X": (G, "n", "m")},
         "gradient"),
    Case("sum-entries", "X : m x n\nsum(X)", "X", lambda v: v["X"].sum(), {"X": (G, "m", "n")},
         "gradient"),
    Case("sum-of-product", "A : p x m\nX : m x n\nsum(A X)", "X",
         lambda v: (v["A"] @ v["X"]).sum(), {"A": (G, "p", "m"), "X": (G, "m", "n")},
         "gradient"),
    Case("sum-matrix-valued", "A : p x m\nX : m x n\nsum(A X) A X", "X",
         lambda v: (v["A"] @ v["X"]).sum() * (v["A"] @ v["X"]),
         {"A": (G, "p", "m"), "X": (G, "m", "n")}),
    Case("fro", "X : m x n\nfro(X)", "X", lambda v: np.linalg.norm(v["X"]),
         {"X": (G, "m", "n")}, "gradient"),
    Case("fro-product", "A : p x m\nX : m x n\nfro(A X)", "X",
         lambda v: np.linalg.norm(v["A"] @ v["X"]), {"A": (G, "p", "m"), "X": (G, "m", "n")},
         "gradient"),
    Case("norm2", "x : n\nnorm2(x)", "x", lambda v: np.linalg.norm(v["x"]), {"x": (G, "n")},
         "gradient"),
    Case("norm2-product", "A : p x n\nx : n\nnorm2(A x)", "x",
         lambda v: np.linalg.norm(v["A"] @ v["x"]), {"A": (G, "p", "n"), "x": (G, "n")},
         "gradient"),
    # --- Hadamard ---------------------------------------------------------------------------------
    Case("hadamard", "A, X : m x n\nA .* X", "X", lambda v: v["A"] * v["X"],
         {"A": (G, "m", "n"), "X": (G, "m", "n")}),
    Case("hadamard-square", "X : m x n\nX .* X", "X", lambda v: v["X"] * v["X"],
         {"X": (G, "m", "n")}),
    Case("hadamard-transposed", "A : n x m\nX : m x n\nA ∘ X'", "X",
         lambda v: v["A"] * v["X"].T, {"A": (G, "n", "m"), "X": (G, "m", "n")}),
    Case("hadamard-quotient-numerator", "A, X : m x n\nX ./ A", "X", lambda v: v["X"] / v["A"],
         {"A": (POS, "m", "n"), "X": (G, "m", "n")}),
    Case("hadamard-quotient-denominator", "A, X : m x n\nA ./ X", "X",
         lambda v: v["A"] / v["X"], {"A": (G, "m", "n"), "X": (POS, "m", "n")}),
    Case("hadamard-power-2", "X : m x n\nX.^2", "X", lambda v: v["X"] ** 2,
         {"X": (G, "m", "n")}),
    Case("hadamard-power-3", "X : m x n\nX.^3", "X", lambda v: v["X"] ** 3,
         {"X": (G, "m", "n")}),
    Case("hadamard-power-half", "X : m x n\nX.^0.5", "X", lambda v: np.sqrt(v["X"]),
         {"X": (POS, "m", "n")}),
    Case("hadamard-power-of-product", "A : p x m\nX : m x n\n(A X).^2", "X",
         lambda v: (v["A"] @ v["X"]) ** 2, {"A": (G, "p", "m"), "X": (G, "m", "n")}),
    # --- Kronecker --------------------------------------------------------------------------------
    Case("kron-left", "X : m x n\nB : p x q\nX ⊗ B", "X", lambda v: np.kron(v["X"], v["B"]),
         {"X": (G, "m", "n"), "B": (G, "p", "q")}),
    Case("kron-right", "A : p x q\nX : m x n\nkron(A, X)", "X",
         lambda v: np.kron(v["A"], v["X"]), {"A": (G, "p", "q"), "X": (G, "m", "n")}),
    Case("kron-both", "X : m x n\nX ⊗ X", "X", lambda v: np.kron(v["X"], v["X"]),
         {"X": (G, "m", "n")}),
    Case("kron-middle", "A : p x q\nX : m x n\nB : 2 x 3\nA ⊗ X ⊗ B", "X",
         lambda v: np.kron(np.kron(v["A"], v["X"]), v["B"]),
         {"A": (G, "p", "q"), "X": (G, "m", "n"), "B": (G, 2, 3)}),
    Case("kron-of-product", "A : p x m\nX : m x n\nB : 2 x 3\n(A X) ⊗ B", "X",
         lambda v: np.kron(v["A"] @ v["X"], v["B"]),
         {"A": (G, "p", "m"), "X": (G, "m", "n"), "B": (G, 2, 3)}),
    # --- vec, diag ---------------------------------------------------------------------------
    Case("vec", "A : p x m\nX : m x n\nvec(A X)", "X",
         lambda v: vec(v["A"] @ v["X"]).reshape(-1, 1),
         {"A": (G, "p", "m"), "X": (G, "m", "n")}),
    Case("vec-of-transpose", "X : m x n\nvec(X')", "X", lambda v: vec(v["X"].T).reshape(-1, 1),
         {"X": (G, "m", "n")}),
    Case("diag-vector-to-matrix", "x : n\ndiag(x)", "x", lambda v: np.diag(v["x"].ravel()),
         {"x": (G, "n")}),
    Case("diag-vector-to-matrix-product", "A : n x m\nx : m\ndiag(A x)", "x",
         lambda v: np.diag((v["A"] @ v["x"]).ravel()), {"A": (G, "n", "m"), "x": (G, "m")}),
    Case("diag-matrix-to-vector", "X : n x n\ndiag(X)", "X",
         lambda v: np.diag(v["X"]).reshape(-1, 1), {"X": (G, "n", "n")}),
    Case("diag-matrix-to-vector-product", "A : n x m\nX : m x n\ndiag(A X)", "X",
         lambda v: np.diag(v["A"] @ v["X"]).reshape(-1, 1),
         {"A": (G, "n", "m"), "X": (G, "m", "n")}),
    Case("diag-trace-form", "a : n\nX : n x n\na' diag(X)", "X",
         lambda v: sc(v["a"].ravel() @ np.diag(v["X"])), {"a": (G, "n"), "X": (G, "n", "n")},
         "gradient"),
    Case("diag-quadratic-gradient", "x : n\nA : n x n\nx' diag(x) A x", "x",
         lambda v: sc(v["x"].T @ np.diag(v["x"].ravel()) @ v["A"] @ v["x"]),
         {"x": (G, "n"), "A": (G, "n", "n")}, "gradient"),
    # --- element-wise functions ---------------------------------------------------------------
    *[Case(f"elementwise-{name}", f"A : p x m\nX : m x n\n{name}(A X)", "X",
           _of_product(fn), {"A": (kind, "p", "m"), "X": (kind, "m", "n")})
      for name, fn, kind in [("exp", np.exp, G), ("log", np.log, POS), ("sin", np.sin, G),
                             ("cos", np.cos, G), ("tanh", np.tanh, G),
                             ("sigmoid", sigmoid, G), ("sqrt", np.sqrt, POS),
                             ("abs", np.abs, G), ("tan", np.tan, G),
                             ("softplus", lambda x: np.logaddexp(0, x), G),
                             ("log1p", np.log1p, POS), ("expm1", np.expm1, G),
                             ("relu", lambda x: np.maximum(x, 0), G),
                             ("step", lambda x: (x > 0).astype(float), G)]],
    Case("elementwise-sandwich", "A : p x m\nB : m x m\nX : m x n\nC : n x q\nD : q x 3\n"
         "A exp(B X C) D", "X", lambda v: v["A"] @ np.exp(v["B"] @ v["X"] @ v["C"]) @ v["D"],
         {"A": (G, "p", "m"), "B": (G, "m", "m"), "X": (G, "m", "n"), "C": (G, "n", "q"),
          "D": (G, "q", 3)}),
    Case("elementwise-gradient", "X : m x n\nsum(tanh(X))", "X",
         lambda v: np.tanh(v["X"]).sum(), {"X": (G, "m", "n")}, "gradient"),
    # --- scalars: powers, quotients, scalar times matrix --------------------------------------
    Case("scalar-power-bilinear", "a : m\nb : n\nX : m x n\n(a' X b)^2", "X",
         lambda v: sc(v["a"].T @ v["X"] @ v["b"]) ** 2,
         {"a": (G, "m"), "b": (G, "n"), "X": (G, "m", "n")}, "gradient"),
    Case("scalar-sqrt", "x : n\nsqrt(x' x)", "x", lambda v: np.sqrt(sc(v["x"].T @ v["x"])),
         {"x": (G, "n")}, "gradient"),
    Case("scalar-real-power", "x : n\n(x' x)^(3/2)", "x",
         lambda v: sc(v["x"].T @ v["x"]) ** 1.5, {"x": (G, "n")}, "gradient"),
    Case("reciprocal-trace", "X : n x n\n1 / tr(X)", "X", lambda v: 1 / tr(v["X"]),
         {"X": (PD, "n")}, "gradient"),
    Case("quotient-of-scalars", "x : n\nA : n x n\n(x' A x) / (x' x)", "x",
         lambda v: sc(v["x"].T @ v["A"] @ v["x"]) / sc(v["x"].T @ v["x"]),
         {"x": (G, "n"), "A": (G, "n", "n")}, "gradient"),
    Case("trace-times-matrix", "X : n x n\ntr(X) X", "X", lambda v: tr(v["X"]) * v["X"],
         {"X": (G, "n", "n")}),
    Case("scalar-function-times-matrix", "A : m x m\nX : m x n\nB : p x q\ntr(X' A X) B", "X",
         lambda v: tr(v["X"].T @ v["A"] @ v["X"]) * v["B"],
         {"A": (G, "m", "m"), "X": (G, "m", "n"), "B": (G, "p", "q")}),
    Case("det-times-inverse", "X : n x n\ndet(X) inv(X)", "X",
         lambda v: np.linalg.det(v["X"]) * np.linalg.inv(v["X"]), {"X": (INV, "n")}),
    Case("hadamard-power-of-power", "X : m x n\n(X.^2).^0.5", "X", lambda v: np.abs(v["X"]),
         {"X": (G, "m", "n")}),
    Case("hadamard-power-of-power-3/2", "X : m x n\n(X.^2).^(3/2)", "X",
         lambda v: np.abs(v["X"]) ** 3, {"X": (G, "m", "n")}),
    Case("scalar-product-times-vector", "x : n\n(x' x) x", "x",
         lambda v: sc(v["x"].T @ v["x"]) * v["x"], {"x": (G, "n")}),
    Case("vector-over-norm", "x : n\nx / norm2(x)", "x",
         lambda v: v["x"] / np.linalg.norm(v["x"]), {"x": (G, "n")}),
    Case("scalar-function-of-product-times-vector", "x : n\nexp(x' x) x", "x",
         lambda v: np.exp(sc(v["x"].T @ v["x"])) * v["x"], {"x": (G, "n")}),
    Case("trace-of-kron", "A : p x p\nX : n x n\ntr(A ⊗ X)", "X",
         lambda v: np.trace(np.kron(v["A"], v["X"])), {"A": (G, "p", "p"), "X": (G, "n", "n")},
         "gradient"),
    Case("sum-of-kron", "A : p x q\nX : m x n\nsum(kron(A, X))", "X",
         lambda v: np.kron(v["A"], v["X"]).sum(), {"A": (G, "p", "q"), "X": (G, "m", "n")},
         "gradient"),
    Case("norm-of-vec", "X : m x n\nnorm2(vec(X))", "X", lambda v: np.linalg.norm(v["X"]),
         {"X": (G, "m", "n")}, "gradient"),
    Case("numeric-fractional-power-coefficient", "s : scalar\n(1/2)^(-3/2) s", "s",
         lambda v: 2 ** 1.5 * v["s"], {"s": (G, 1, 1)}, "gradient"),
    Case("numeric-fractional-power-matrix", "X : m x n\n(1/4)^(-1/2) X", "X",
         lambda v: 2 * v["X"], {"X": (G, "m", "n")}),
    # --- vectors and scalars as the variable ----------------------------------------------------
    Case("wrt-vector-linear", "A : p x n\nx : n\nA x", "x", lambda v: v["A"] @ v["x"],
         {"A": (G, "p", "n"), "x": (G, "n")}),
    Case("wrt-vector-quadratic", "x : n\nA : n x n\nx' A x", "x",
         lambda v: sc(v["x"].T @ v["A"] @ v["x"]), {"x": (G, "n"), "A": (G, "n", "n")},
         "gradient"),
    Case("wrt-vector-outer", "x : n\ny : m\nx y'", "x", lambda v: v["x"] @ v["y"].T,
         {"x": (G, "n"), "y": (G, "m")}),
    Case("wrt-scalar", "s : scalar\nA, B : m x n\ns^2 A + s B", "s",
         lambda v: v["s"] ** 2 * v["A"] + v["s"] * v["B"],
         {"s": (G, 1, 1), "A": (G, "m", "n"), "B": (G, "m", "n")}),
    Case("wrt-scalar-exp", "s : scalar\nA : m x n\nexp(s A)", "s",
         lambda v: np.exp(v["s"] * v["A"]), {"s": (G, 1, 1), "A": (G, "m", "n")}),
    Case("wrt-scalar-to-scalar", "s : scalar\nx : n\ns^3 x' x", "s",
         lambda v: v["s"] ** 3 * sc(v["x"].T @ v["x"]), {"s": (G, 1, 1), "x": (G, "n")},
         "gradient"),
    # --- chain rule through definitions -------------------------------------------------------
    Case("chain-definitions", "X : m x n\nW : n x p\nA : m x m\nH = X W\nf = tr(H' A H)", "X",
         lambda v: tr((v["X"] @ v["W"]).T @ v["A"] @ (v["X"] @ v["W"])),
         {"X": (G, "m", "n"), "W": (G, "n", "p"), "A": (G, "m", "m")}, "gradient"),
    Case("chain-definitions-matrix", "X : m x n\nW : n x p\nH = X W\nZ = sigmoid(H)\nZ' Z", "X",
         lambda v: sigmoid(v["X"] @ v["W"]).T @ sigmoid(v["X"] @ v["W"]),
         {"X": (G, "m", "n"), "W": (G, "n", "p")}),
    Case("chain-definitions-wrt-inner", "X : m x n\nW : n x p\nH = X W\nF = exp(H) W'", "W",
         lambda v: np.exp(v["X"] @ v["W"]) @ v["W"].T,
         {"X": (G, "m", "n"), "W": (G, "n", "p")}),
    # --- constants ------------------------------------------------------------------------------
    Case("constant-jacobian", "X : m x n\nA : p x q\nA'", "X", lambda v: v["A"].T,
         {"X": (G, "m", "n"), "A": (G, "p", "q")}),
    Case("constant-gradient", "X : m x n\nA : p x p\ntr(A)", "X", lambda v: tr(v["A"]),
         {"X": (G, "m", "n"), "A": (G, "p", "p")}, "gradient"),
    Case("constant-term-dropped", "X : m x n\nA, B : m x n\nA + X - B", "X",
         lambda v: v["A"] + v["X"] - v["B"],
         {"X": (G, "m", "n"), "A": (G, "m", "n"), "B": (G, "m", "n")}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_matches_finite_differences(case: Case, rng):
    values = make_values(rng, case.spec)
    d = derive(case.cell, wrt=case.wrt)
    assert d.kind == case.kind
    got = d.evaluate(values)
    want = fd_jacobian(case.f, values, case.wrt)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_elementwise_function_is_covered():
    covered = {c.id.split("-", 1)[1] for c in CASES if c.id.startswith("elementwise-")}
    assert set(ops.ELEMENTWISE) <= covered


def test_finite_differences_helper_is_numerator_layout(rng):
    # Sanity check of the reference itself: d vec(A X B) / d vec(X)^T = B^T ⊗ A.
    A, X = rng.standard_normal((p, m)), rng.standard_normal((m, n))
    B = rng.standard_normal((n, q))
    J = fd_jacobian(lambda v: v["A"] @ v["X"] @ v["B"], {"A": A, "X": X, "B": B}, "X")
    np.testing.assert_allclose(J, np.kron(B.T, A), rtol=1e-8, atol=1e-8)
    C = rng.standard_normal((n, p))
    g = fd_jacobian(lambda v: tr(v["A"] @ v["X"] @ v["C"]), {"A": A, "X": X, "C": C}, "X")
    np.testing.assert_allclose(g, A.T @ C.T, rtol=1e-8, atol=1e-8)


# --- vec identities -------------------------------------------------------------------------------


def engine_value(cell: str, values: dict) -> np.ndarray:
    """The engine's value of a cell's target at the given values."""
    from matdiff_magic.numeric.values import make_env

    parsed = parse_cell(cell)
    return value(parsed.target, make_env(parsed.symbols, values))


def test_commutation_matrix_definition(rng):
    for r, c in [(m, n), (n, m), (p, q), (1, q), (m, 1), (3, 3)]:
        A = rng.standard_normal((r, c))
        K = commutation(r, c)
        assert K.shape == (r * c, r * c)
        np.testing.assert_array_equal(K @ vec(A), vec(A.T))
        np.testing.assert_array_equal(commutation(c, r) @ K, np.eye(r * c))
        np.testing.assert_array_equal(K.T, commutation(c, r))


def test_vec_AXB_numpy(rng):
    A, X, B = rng.standard_normal((p, m)), rng.standard_normal((m, n)), rng.standard_normal((n, q))
    np.testing.assert_allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec(A @ X), np.kron(np.eye(n), A) @ vec(X), atol=1e-12)
    np.testing.assert_allclose(vec(X @ B), np.kron(B.T, np.eye(m)) @ vec(X), atol=1e-12)


def test_vec_AXB_engine(rng):
    A, X, B = rng.standard_normal((p, m)), rng.standard_normal((m, n)), rng.standard_normal((n, q))
    vals = {"A": A, "X": X, "B": B}
    decl = "A : p x m\nX : m x n\nB : n x q\n"
    lhs = engine_value(decl + "vec(A X B)", vals)
    rhs = engine_value(decl + "(B' ⊗ A) vec(X)", vals)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lhs.ravel(), vec(A @ X @ B), rtol=1e-12, atol=1e-12)
    J = derive(decl + "A X B", wrt="X").evaluate(vals)
    np.testing.assert_allclose(J, np.kron(B.T, A), rtol=1e-12, atol=1e-12)


def test_vec_transpose_numpy_and_engine(rng):
    X = rng.standard_normal((m, n))
    K = commutation(m, n)
    np.testing.assert_array_equal(K @ vec(X), vec(X.T))
    decl = "X : m x n\n"
    K_engine = engine_value(decl + "K_{m,n}", {"X": X})
    np.testing.assert_array_equal(K_engine, K)
    np.testing.assert_allclose(engine_value(decl + "K_{m,n} vec(X)", {"X": X}).ravel(),
                               vec(X.T))
    np.testing.assert_allclose(engine_value(decl + "K_{m,n} vec(X)", {"X": X}),
                               engine_value(decl + "vec(X')", {"X": X}))
    np.testing.assert_array_equal(derive(decl + "X'", wrt="X").evaluate({"X": X}), K)


def test_vec_hadamard_numpy_and_engine(rng):
    A, X = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    np.testing.assert_allclose(vec(A * X), np.diag(vec(A)) @ vec(X), atol=1e-12)
    decl = "A, X : m x n\n"
    np.testing.assert_allclose(engine_value(decl + "vec(A .* X)", {"A": A, "X": X}),
                               engine_value(decl + "diag(vec(A)) vec(X)", {"A": A, "X": X}),
                               atol=1e-12)
    J = derive(decl + "A .* X", wrt="X").evaluate({"A": A, "X": X})
    np.testing.assert_allclose(J, np.diag(vec(A)), atol=1e-12)


def kron_permutation(p_, q_, m_, n_):
    """I_q ⊗ K_{n,p} ⊗ I_m, with K_{n,p} vec(M) = vec(M^T) for M of shape n x p."""
    return np.kron(np.kron(np.eye(q_), commutation(n_, p_)), np.eye(m_))


def test_vec_kron_numpy(rng):
    # A is p x q, B is m x n (all four sizes different).
    A, B = rng.standard_normal((p, q)), rng.standard_normal((m, n))
    P = kron_permutation(p, q, m, n)
    np.testing.assert_allclose(vec(np.kron(A, B)), P @ np.kron(vec(A), vec(B)), atol=1e-12)


def test_vec_kron_engine(rng):
    A, B = rng.standard_normal((p, q)), rng.standard_normal((m, n))
    vals = {"A": A, "B": B}
    decl = "A : p x q\nB : m x n\n"
    lhs = engine_value(decl + "vec(A ⊗ B)", vals)
    rhs = engine_value(decl + "(I_q ⊗ K_{n,p} ⊗ I_m) (vec(A) ⊗ vec(B))", vals)
    np.testing.assert_allclose(lhs, rhs, atol=1e-12)
    np.testing.assert_allclose(lhs.ravel(), vec(np.kron(A, B)), atol=1e-12)
    # The Jacobians the engine builds from this identity, for B and for A.
    JB = derive(decl + "A ⊗ B", wrt="B").evaluate(vals)
    np.testing.assert_allclose(JB, kron_permutation(p, q, m, n)
                               @ np.kron(vec(A).reshape(-1, 1), np.eye(m * n)), atol=1e-12)
    JA = derive(decl + "A ⊗ B", wrt="A").evaluate(vals)
    np.testing.assert_allclose(JA, kron_permutation(p, q, m, n)
                               @ np.kron(np.eye(p * q), vec(B).reshape(-1, 1)), atol=1e-12)


def test_trace_inner_product_numpy_and_engine(rng):
    A, X = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    assert np.isclose(np.trace(A.T @ X), vec(A) @ vec(X))
    decl = "A, X : m x n\n"
    vals = {"A": A, "X": X}
    np.testing.assert_allclose(engine_value(decl + "tr(A' X)", vals),
                               engine_value(decl + "vec(A)' vec(X)", vals), atol=1e-12)
    np.testing.assert_allclose(derive(decl + "tr(A' X)", wrt="X").evaluate(vals), A, atol=1e-12)


def test_trace_sum_diag_identities_numpy_and_engine(rng):
    X, x = rng.standard_normal((n, n)), rng.standard_normal((n, 1))
    In, one = np.eye(n), np.ones((n, 1))
    # tr(X) = vec(I)^T vec X;  sum(X) = 1^T vec X
    assert np.isclose(np.trace(X), vec(In) @ vec(X))
    assert np.isclose(X.sum(), np.ones(n * n) @ vec(X))
    # vec(diag x) = diag(vec I)(1 ⊗ I) x;  diag(X) = (1^T ⊗ I) diag(vec I) vec X
    np.testing.assert_allclose(vec(np.diag(x.ravel())),
                               np.diag(vec(In)) @ np.kron(one, In) @ x.ravel(), atol=1e-12)
    np.testing.assert_allclose(np.diag(X), np.kron(one.T, In) @ np.diag(vec(In)) @ vec(X),
                               atol=1e-12)
    decl = "X : n x n\nx : n\n"
    vals = {"X": X, "x": x}
    for lhs, rhs in [("tr(X)", "vec(I_n)' vec(X)"), ("sum(X)", "1_{n*n}' vec(X)"),
                     ("vec(diag(x))", "diag(vec(I_n)) (1_n ⊗ I_n) x"),
                     ("diag(X)", "(1_n' ⊗ I_n) diag(vec(I_n)) vec(X)")]:
        np.testing.assert_allclose(engine_value(decl + lhs, vals), engine_value(decl + rhs, vals),
                                   atol=1e-12, err_msg=f"{lhs} = {rhs}")


# --- the vectorization step itself: vec(t) = J vec(dX) and tr(Gᵀ dX) = t ------------------------


def _subst(e: E.Expr, name: str, repl: E.Expr) -> E.Expr:
    if isinstance(e, E.Sym) and e.name == name:
        return repl
    if e.children:
        return E.rebuild(e, tuple(_subst(c, name, repl) for c in e.children))
    return e


TERM_DECL = ("X, V, C : m x n\nA : p x m\nB : n x q\nF : n x m\nP : p x q\na : m\nb : n\n"
             "W, S : n x n\nv, w : n\n")

JACOBIAN_TERMS = [
    ("A V B", "X", "vec(AXB) = (Bᵀ ⊗ A) vec X"),
    ("A V", "X", "vec(AX) = (I ⊗ A) vec X"),
    ("V B", "X", "vec(XB) = (Bᵀ ⊗ I) vec X"),
    ("V'", "X", "vec(Xᵀ) = K vec X"),
    ("B' V' A'", "X", "vec(Xᵀ) = K vec X"),
    ("C .* V", "X", "vec(A ∘ X) = diag(vec A) vec X"),
    ("kron(P, V)", "X", "vec(A ⊗ B) = (I_q ⊗ K_{n,p} ⊗ I_m)(vec A ⊗ vec B)"),
    ("kron(V, P)", "X", "vec(A ⊗ B) = (I_q ⊗ K_{n,p} ⊗ I_m)(vec A ⊗ vec B)"),
    ("tr(F V) P", "X", "vec(u A) = vec(A) u for a scalar u"),
    ("tr(F V)", "X", "tr(X) = vec(I)ᵀ vec X"),
    ("sum(V)", "X", "sum(X) = 1ᵀ vec X"),
    ("diag(v)", "w", "vec(diag x) = diag(vec I)(1 ⊗ I) x"),
    ("diag(S)", "W", "diag(X) = (1ᵀ ⊗ I) diag(vec I) vec X"),
]


def _term(text: str, wrt: str):
    cell = parse_cell(TERM_DECL + text)
    var = cell.symbols[wrt]
    dname = {"X": "V", "w": "v", "W": "S"}[wrt]
    t = _subst(cell.target, dname, E.D(var.shape, var))
    return cell, t, dname


def _term_values(rng):
    spec = {"X": "m n", "V": "m n", "C": "m n", "A": "p m", "B": "n q", "F": "n m", "P": "p q",
            "a": "m 1", "b": "n 1", "W": "n n", "S": "n n", "v": "n 1", "w": "n 1",
            }
    return {k: rng.standard_normal(tuple(DIMS.get(s, 1) for s in v.split()))
            for k, v in spec.items()}


@pytest.mark.parametrize("text, wrt, rule", JACOBIAN_TERMS, ids=[t[0] for t in JACOBIAN_TERMS])
def test_jacobian_term_identity(text, wrt, rule, rng):
    from matdiff_magic.numeric.values import make_env

    cell, t, dname = _term(text, wrt)
    rules: list[str] = []
    J = jacobian_term(t, rules)
    assert rule in rules
    vals = _term_values(rng)
    env = make_env(cell.symbols, vals)
    lhs = value(cell.target, env)                         # t with dX := V
    Jv = value(J, env)
    assert Jv.shape == (lhs.size, vals[dname].size)
    np.testing.assert_allclose(Jv @ vec(vals[dname]), vec(lhs), rtol=1e-12, atol=1e-12)


GRADIENT_TERMS = [
    ("a' V b", "X"),
    ("tr(F V)", "X"),
    ("tr(C V')", "X"),
    ("sum(C .* V)", "X"),
    ("tr(F V) tr(F C)", "X"),
    ("w' diag(S)", "W"),
    ("sum(diag(v) W)", "w"),
    ("tr(W S)", "W"),
]


@pytest.mark.parametrize("text, wrt", GRADIENT_TERMS, ids=[t[0] for t in GRADIENT_TERMS])
def test_gradient_term_trace_method(text, wrt, rng):
    from matdiff_magic.numeric.values import make_env

    cell, t, dname = _term(text, wrt)
    G = gradient_term(t, E.num(1), [])
    vals = _term_values(rng)
    env = make_env(cell.symbols, vals)
    Gv = value(G, env)
    assert Gv.shape == vals[dname].shape
    want = value(cell.target, env).item()               # t with dX := V
    assert np.isclose(np.sum(Gv * vals[dname]), want, rtol=1e-12, atol=1e-12)


def test_parse_expr_of_commutation_matrix_evaluates(rng):
    cell = parse_cell("X : m x n\nX")
    K = parse_expr("K_{m,n}", cell.symbols)
    env = Env({"X": rng.standard_normal((m, n))}, {"m": m, "n": n})
    np.testing.assert_array_equal(value(K, env), commutation(m, n))
    assert unvec(value(K, env) @ vec(env.values["X"]), n, m).shape == (n, m)
