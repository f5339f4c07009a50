"""Every rewrite of the simplifier, checked numerically at random matrices of unequal sizes.

Each row is an identity lhs = rhs. Three checks: the identity holds (both sides evaluated
with NumPy), ``simplify`` keeps the value of lhs, and ``simplify`` finds a form of lhs no
larger than rhs (so the rule fires, not only holds).
"""

from __future__ import annotations

import numpy as np
import pytest

from matdiff_magic import derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.algebra.simplify import FALLBACKS, simplify
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric.values import make_env, value

SIZES = {"m": 3, "n": 4, "p": 2, "q": 5, "N": 6}

SQUARE = "A, B, X : n x n invertible\n"
# (id, declarations, lhs, rhs)
IDENTITIES = [
    # matrix powers merged across inverses
    ("power-across-inverse", SQUARE, "X^-5 X^4", "inv(X)"),
    ("power-sandwich", SQUARE, "X' inv(X'^5) X'^3", "inv(X')"),
    ("power-of-transpose", SQUARE, "inv(X'^2) X' X'", "I_n"),
    # the inverse of a product of square factors
    ("inverse-of-product", SQUARE, "A' inv(B' X' A') B'", "inv(X')"),
    ("inverse-gram", SQUARE, "X inv(X' X)", "inv(X')"),
    # vectors
    ("kron-row-column", "x : n\ny : m\n", "kron(x', y)", "y x'"),
    ("kron-column-row", "x : n\ny : m\n", "kron(y, x')", "y x'"),
    ("vec-of-row", "x : n\n", "vec(x')", "x"),
    # Hadamard products as base -> exponent maps
    ("hadamard-cancel", "X, Y : m x n\n", "exp(X) ./ exp(X) .* Y", "Y"),
    ("hadamard-merge", "X : m x n positive\n", "X .* X .* X.^-1", "X"),
    ("hadamard-sqrt", "X : m x n positive\n", "sqrt(X) .* sqrt(X)", "X"),
    ("hadamard-sqrt-ratio", "X : m x n positive\n", "sqrt(X) ./ X", "X.^(-1/2)"),
    ("hadamard-ones", "X : m x n\n", "X .* (1_m 1_n')", "X"),
    ("hadamard-power-of-ones", "X : m x n\n", "X ./ (1_m 1_n')", "X"),   # 𝟏^∘-1 = 𝟏
    ("hadamard-scalar-out", "X, Y : m x n\n", "X .* (3 Y)", "3 (X .* Y)"),
    # element-wise function algebra
    ("log-exp", "X : m x n\n", "log(exp(X))", "X"),
    ("exp-log", "X : m x n positive\n", "exp(log(X))", "X"),
    ("log1p-expm1", "X : m x n\n", "log1p(expm1(X))", "X"),
    ("expm1-log1p", "X : m x n positive\n", "expm1(log1p(X))", "X"),
    ("sigmoid-odd", "X : m x n\n", "sigmoid(-X)", "1_m 1_n' - sigmoid(X)"),
    ("tanh-odd", "X : m x n\n", "tanh(-X)", "-tanh(X)"),
    ("sin-odd", "X : m x n\n", "sin(-X)", "-sin(X)"),
    ("cos-even", "X : m x n\n", "cos(-2 X)", "cos(2 X)"),
    ("abs-even", "X : m x n\n", "abs(-X)", "abs(X)"),
    # functions of a square matrix
    ("det-transpose", SQUARE, "det(X')", "det(X)"),
    ("trace-transpose", SQUARE, "tr(A X')", "tr(X A')"),
    ("diag-transpose", "A : n x n\n", "diag(A')", "diag(A)"),
    ("logdet-inverse", "X : n x n spd\n", "logdet(inv(X))", "-logdet(X)"),
    ("det-inverse-power", SQUARE, "det(inv(X^2))", "det(X)^-2"),
    # canonical sums and products of scalars
    ("like-terms-any-order", "x : n\nA : n x n\n",
     "(x' A x) (x' x)^-2 x + (x' x)^-2 (x' A x) x", "2 (x' A x) x / (x' x)^2"),
    ("sum-opens-positive", "x, y : n\n", "-y + x", "x - y"),
    # expanded Hadamard monomials, like terms combined
    ("hadamard-polynomial", "u, y : N\n",
     "-(y .* (1_N - sigmoid(u))) + sigmoid(u) .* (1_N - y)", "sigmoid(u) - y"),
    ("hadamard-common-factor", "u, y : N\n", "y - y .* sigmoid(u)",
     "y .* (1_N - sigmoid(u))"),
    # common factors of sums
    ("common-scalar", "x : n\nA : n x n\n",
     "2 A x / (x' x) - 2 (x' A x) x / (x' x)^2", "2 (A x - (x' A x) x / (x' x)) / (x' x)"),
    ("common-negation", "X, W : n x n\nA, B : n x n\n", "(-2 A - 2 B) W", "-2 (A + B) W"),
    ("common-transpose", "X, B : n x n\n", "B' X' + X' B'", "(X B + B X)'"),
    # commutation matrices
    ("commutation-left", "X : m x n\n", "(X' ⊗ I_n) K_{m,n}", "K_{n,n} (I_n ⊗ X')"),
    ("commutation-collect", "X : m x n\n", "(X' ⊗ I_n) K_{m,n} + I_n ⊗ X'",
     "(I_{n^2} + K_{n,n}) (I_n ⊗ X')"),
    ("commutation-vector", "a : m\nX : m x n\n", "(a' ⊗ I_n) K_{m,n}", "I_n ⊗ a'"),
    # diagonal scalings
    ("diag-scaling-right", "A : m x n\nx : n\n", "diag(vec(A diag(x))) kron(1_n, I_m)",
     "diag(vec(A)) kron(x, I_m)"),
    ("diag-scaling-left", "A : m x n\nx : m\n", "diag(vec(diag(x) A)) kron(I_n, 1_m)",
     "diag(vec(A)) kron(I_n, x)"),
]


def _values(symbols: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for name, s in symbols.items():
        r, c = (SIZES.get(str(d), None) if not d.is_one else 1 for d in s.shape)
        if "positive" in s.props:
            out[name] = rng.uniform(0.5, 2.0, (r, c))
        elif "spd" in s.props:
            b = rng.normal(size=(r, r))
            out[name] = b @ b.T + r * np.eye(r)
        elif "invertible" in s.props:
            out[name] = rng.normal(size=(r, c)) + 3 * np.eye(r)
        else:
            out[name] = rng.normal(size=(r, c))
    return out


def _sides(decls: str, lhs: str, rhs: str):
    cell = parse_cell(decls + lhs)
    return cell.symbols, cell.target, parse_expr(rhs, cell.symbols)


def _num(e: E.Expr, symbols: dict, values: dict) -> np.ndarray:
    return np.asarray(value(e, make_env(symbols, values, SIZES)), dtype=float)


@pytest.mark.parametrize("rid, decls, lhs, rhs", IDENTITIES, ids=[r[0] for r in IDENTITIES])
def test_identity_holds_and_fires(rid, decls, lhs, rhs):
    symbols, left, right = _sides(decls, lhs, rhs)
    simple = simplify(left)
    for seed in (1, 2):
        vals = _values(symbols, seed)
        want = _num(right, symbols, vals)
        np.testing.assert_allclose(_num(left, symbols, vals), want, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(_num(simple, symbols, vals), want, rtol=1e-9, atol=1e-10)
    assert E.notation_size(simple) <= E.notation_size(right), \
        f"{lhs} simplified to {simple}, not as short as {rhs}"


@pytest.mark.parametrize("cell", [
    "v : n\nB : n x q\ndiag(v) B",                       # vec(diag(v) B) = diag(vec B)(1 ⊗ I) v
    "v : n\nA : q x n\nA diag(v)",                       # vec(A diag(v)) = diag(vec A)(I ⊗ 1) v
    "v : n\nA : q x n\n3 A diag(v)",
    "x : n\nA : n x n\ndiag(x) A diag(x)",
    "v : n\nA : q x n\nA diag(v) A'",                    # both sides: the Kronecker rule
])
def test_diagonal_vec_rules_match_finite_differences(cell):
    d = derive(cell, wrt=cell.split(":")[0].strip())
    result = d.check(seed=3)
    assert result.passed, result.text()


def test_sigma_derivative_keeps_its_textbook_form():
    symbols, left, _ = _sides("X : m x n\n", "sigmoid(X) .* sigmoid(-X)", "X")
    assert str(simplify(left)) == "sigmoid(X) ∘ (1_m 1_n' - sigmoid(X))"


def test_repeated_sum_is_shown_transposed():
    symbols, left, _ = _sides("x, y : n\nA : n x n\n", "A (x - y) (x' - y') A", "A")
    assert "(x - y)'" in str(simplify(left))


def test_canonical_order_of_scalars():
    cell = "X : n x n\ns : scalar\n"
    a = parse_cell(cell + "tr(X) s X").target
    b = parse_cell(cell + "s tr(X) X").target
    assert a == b


def test_no_fallback_on_the_reference_tables():
    from cases import REFERENCE
    before = FALLBACKS[0]
    for cell, wrt in REFERENCE:
        derive(cell, wrt=wrt)
    assert FALLBACKS[0] == before


@pytest.mark.parametrize("cell", ["X : n x n\ninv(I + X) (I - X)", "X : n x n\n(I - X) inv(I + X)"])
def test_the_cayley_transform_gives_the_resolvent_form(cell):
    """(I - X)(I + X)⁻¹ = 2 (I + X)⁻¹ - I, then (2P - I) ⊗ Q + I ⊗ Q = 2 P ⊗ Q: the
    derivative is -2 ((I + X)⁻ᵀ ⊗ (I + X)⁻¹), as the books print it."""
    d = derive(cell, wrt="X")
    assert str(d.result) == "-2 ((I_n + X')^-1 ⊗ (I_n + X)^-1)"
    assert d.check().passed
