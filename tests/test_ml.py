"""Machine-learning building blocks (SPEC §12): softmax, log-softmax and log-sum-exp of a
column and row by row, their written-out forms, a number added to every entry, a size used as
a number, and K as a name; each derivative against central finite differences of an
independent NumPy version, at unequal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import parse_cell
from matdiff_magic.numeric.values import Env

SIZES = {"m": 3, "n": 4, "p": 5, "q": 2, "N": 6, "k": 3}
RNG = np.random.default_rng(2026)


def softmax(z):
    if z.shape[1] == 1:
        e = np.exp(z - z.max())
        return e / e.sum()
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logsumexp(z):
    axis = 0 if z.shape[1] == 1 else 1
    return np.log(np.exp(z).sum(axis=axis, keepdims=True))


def relu(z):
    return np.maximum(z, 0)


# (cell, wrt, NumPy value of the target)
CASES = [
    ("x : n\nsoftmax(x)", "x", lambda v: softmax(v["x"])),
    ("x : n\nlog_softmax(x)", "x", lambda v: np.log(softmax(v["x"]))),
    ("x : n\nlogsumexp(x)", "x", lambda v: logsumexp(v["x"])),
    ("X : m x n\nsoftmax(X)", "X", lambda v: softmax(v["X"])),
    ("X : m x n\nlog_softmax(X)", "X", lambda v: np.log(softmax(v["X"]))),
    ("X : m x n\nlogsumexp(X)", "X", lambda v: logsumexp(v["X"])),
    ("x : 1 x n\nsoftmax(x)", "x", lambda v: softmax(v["x"])),        # a row: one vector
    # written out: recognised as the operations
    ("x : n\nexp(x) / sum(exp(x))", "x", lambda v: softmax(v["x"])),
    ("x : n\nlog(sum(exp(x)))", "x", lambda v: logsumexp(v["x"])),
    ("X : m x n\nE = exp(X)\nE ./ (E 1_n 1_n')", "X", lambda v: softmax(v["X"])),
    # the mission's ML cells
    ("x : n\ny : n\n-y' log(softmax(x))", "x", lambda v: -v["y"].T @ np.log(softmax(v["x"]))),
    ("X : N x p\nW : p x k\nY : N x k\n-sum(Y .* log_softmax(X W))", "W",
     lambda v: -np.sum(v["Y"] * np.log(softmax(v["X"] @ v["W"])))),
    ("X : N x p\nW : p x k\nY : N x k\nE = exp(X W)\nS = E ./ (E 1_k 1_k')\n"
     "-sum(Y .* log(S))", "W", lambda v: -np.sum(v["Y"] * np.log(softmax(v["X"] @ v["W"])))),
    ("Q : m x p\nK : q x p\nV : q x n\nsum(softmax(Q K') V)", "K",
     lambda v: np.sum(softmax(v["Q"] @ v["K"].T) @ v["V"])),
    ("Q : m x p\nK : q x p\nV : q x n\nsoftmax(Q K') V", "Q",
     lambda v: softmax(v["Q"] @ v["K"].T) @ v["V"]),
    ("Q : m x p\nK : q x p\nV : q x n\nd : scalar\nsum(softmax(Q K' / sqrt(d)) V)", "K",
     lambda v: np.sum(softmax(v["Q"] @ v["K"].T / np.sqrt(v["d"])) @ v["V"])),
    # a number added to every entry, and a size as a number
    ("x : n\nsum(log(2 + x .* x))", "x", lambda v: np.sum(np.log(2 + v["x"] ** 2))),
    ("y : N\nX : N x p\nw : p\nsum(relu(1 - y .* (X w)))", "w",
     lambda v: np.sum(relu(1 - v["y"] * (v["X"] @ v["w"])))),
    ("X : m x n\n1 - X", "X", lambda v: 1 - v["X"]),
    ("X : m x n\nexp(X) + 2", "X", lambda v: np.exp(v["X"]) + 2),
    ("x : n\nx' x / n", "x", lambda v: v["x"].T @ v["x"] / SIZES["n"]),
    ("X : m x n\ntr(X' X) / (m n)", "X",
     lambda v: np.trace(v["X"].T @ v["X"]) / (SIZES["m"] * SIZES["n"])),
    ("x : n\nxc = x - sum(x) / n\nxc' xc / n", "x",
     lambda v: np.var(v["x"])),
    ("X : m x n\n2 .* X ./ 3", "X", lambda v: 2 * v["X"] / 3),
    ("x : n\nsum(1 ./ (1 + exp(-x)))", "x", lambda v: np.sum(1 / (1 + np.exp(-v["x"])))),
    # K, D, L are names like any other; the structured matrices keep their subscripts
    ("K : n x n\nX : n x n\ntr(K X K')", "X", lambda v: np.trace(v["K"] @ v["X"] @ v["K"].T)),
    ("D, L : n x n\nX : n x n\ntr(D X L)", "X", lambda v: np.trace(v["D"] @ v["X"] @ v["L"])),
]


def _values(cell: str) -> dict:
    """Random values of the cell's symbols at SIZES (a scalar: a positive number)."""
    out = {}
    for name, sym in parse_cell(cell).symbols.items():
        shape = Env({}, SIZES).shape(sym)
        out[name] = RNG.standard_normal(shape) if shape != (1, 1) else np.array([[1.7]])
    return out


@pytest.mark.parametrize("cell, wrt, fn", CASES, ids=[c[0].split("\n")[-1] for c in CASES])
def test_against_finite_differences(cell, wrt, fn):
    d = derive(cell, wrt=wrt)
    values = _values(cell)
    got = np.asarray(d.evaluate(values, dims=SIZES), dtype=float)
    want = fd_jacobian(fn, values, wrt)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert d.check().passed


def test_the_softmax_jacobian_is_diag_s_minus_s_s():
    for cell in ("x : n\nsoftmax(x)", "x : n\nexp(x) / sum(exp(x))"):
        d = derive(cell, wrt="x")
        assert str(d.result) == "diag(softmax(x)) - softmax(x) softmax(x)'"


def test_written_out_forms_are_the_operations():
    assert derive("x : n\nlog(sum(exp(x)))", wrt="x").steps[0].text.startswith(
        "f = logsumexp(x)")
    assert str(derive("x : n\nlog(sum(exp(x)))", wrt="x").result) == "softmax(x)"
    assert "log_softmax(x)" in derive("x : n\nlog(softmax(x))", wrt="x").steps[0].text
    assert "softmax(X)" in derive("X : m x n\nexp(X) ./ (exp(X) 1_n 1_n')",
                                  wrt="X").steps[0].text


def test_row_wise_cross_entropy_is_x_transpose_s_minus_y():
    d = derive("X : N x p\nW : p x k\nY : N x k\n-sum(Y .* log_softmax(X W))", wrt="W")
    # Xᵀ(S ∘ (Y 𝟏 𝟏ᵀ) - Y): Xᵀ(S - Y) when the rows of Y sum to one (one-hot labels)
    assert str(d.result) == "X' (softmax(X W) ∘ (Y 1_k 1_k') - Y)"


def test_a_size_is_a_number_where_a_number_fits():
    d = derive("x : n\nx' x / n", wrt="x")
    assert str(d.result) == "2 x / n"
    assert d.latex() == "\\frac{2 x}{n}"


def test_k_is_a_name_and_the_commutation_matrix_has_its_sizes():
    assert str(derive("X : m x n\nK_mn vec(X)", wrt="X").result) == "K_{m,n}"
    assert str(derive("X : m x n\nK_{m,n} vec(X)", wrt="X").result) == "K_{m,n}"
    assert str(derive("K : n x n\nX : n x n\ntr(K X)", wrt="X").result) == "K'"


@pytest.mark.parametrize("cell, words", [
    ("X : m x n\nx : n\nX + x", "cannot add m x n and n x 1"),   # no broadcasting of vectors
    ("x : n\nx + x'", "cannot add n x 1 and 1 x n"),
    ("x : n\ny : m\nx .* y", "element-wise operation on n x 1 and m x 1"),
    ("X : m x n\nK vec(X)", "the commutation matrix is written K_{m,n}"),
    ("X : m x n\nK_m vec(X)", "the commutation matrix is written K_{m,n}"),
    ("x : n\nsoftmax(x, x)", "takes one argument"),
    ("X : m x n\nx : n\nX / x", "division by a matrix"),
])
def test_shape_errors_stay_errors(cell, words):
    with pytest.raises(MatdiffError) as exc:
        derive(cell, wrt=cell.split(":")[0].strip())
    assert words in exc.value.message, exc.value.message
    assert exc.value.line is not None and exc.value.col is not None


# the scalar-function identities of SPEC §12 in the canonical forms: (cell, wrt, answer)
IDENTITIES = [
    ("X : n x n\nlog(abs(det(X)))", "X", "X^-T"),                      # log|det X|
    ("a : scalar\nx : n\nsqrt(a)^2 x", "x", "a I_n"),                   # √a² = a
    ("a : scalar\nx : n\nabs(a)^2 x", "x", "a^2 I_n"),                  # |a|² = a²
    ("x : n\nxc = x - sum(x) / n\nxc' xc / n", "x", "2 (x - sum(x) 1_n / n) / n"),  # 1ᵀ xc = 0
    ("x : n\ny : n\nsoftmax(x)' 1_n y' x", "x", "y"),                   # softmax sums to one
    ("X : m x n\nW : n x p\nsum(softmax(X W) 1_p)", "W", "0 1_n 1_p'"),   # the zero n x p
]


@pytest.mark.parametrize("cell, wrt, answer", IDENTITIES, ids=[c[0] for c in IDENTITIES])
def test_canonical_identities_reach_the_short_form(cell, wrt, answer):
    d = derive(cell, wrt=wrt)
    assert str(d.result) == answer
    assert d.check().passed


def test_the_gaussian_density_in_s_has_no_determinant_left():
    d = derive("S : n x n spd\nx, mu : n\nexp(-(x - mu)' inv(S) (x - mu) / 2) / sqrt(det(S))",
               wrt="S")
    assert "det(S) S^-1" not in str(d.result) and "sqrt(det(S))^2" not in str(d.result)
    assert d.check().passed


def test_one_hot_labels_give_the_textbook_cross_entropy():
    d = derive("X : N x p\nW : p x k\nY : N x k onehot\n-sum(Y .* log_softmax(X W))", wrt="W")
    assert str(d.result) == "X' (softmax(X W) - Y)"             # Xᵀ(S - Y)
    assert d.check().passed
    d = derive("x : n\ny : n onehot\n-y' log(softmax(x))", wrt="x")
    assert str(d.result) == "-(y - softmax(x))"
    assert d.check().passed
    values = {"X": RNG.standard_normal((6, 5)), "W": RNG.standard_normal((5, 3)),
              "Y": np.eye(3)[[0, 2, 1, 1, 0, 2]]}
    d = derive("X : N x p\nW : p x k\nY : N x k onehot\n-sum(Y .* log_softmax(X W))", wrt="W")
    want = fd_jacobian(lambda v: -np.sum(v["Y"] * np.log(softmax(v["X"] @ v["W"]))), values,
                       "W")
    np.testing.assert_allclose(d.evaluate(values), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cell, value, words", [
    ("Y : N x k onehot\nW : k x k\nsum(Y W)", {"Y": np.ones((3, 2)), "W": np.eye(2)},
     "not a single 1 in each row"),
    ("y : n onehot\nx : n\ny' x", {"y": np.array([[1.0], [1.0]]), "x": np.ones((2, 1))},
     "not a single 1 among zeros"),
])
def test_one_hot_values_are_checked(cell, value, words):
    d = derive(cell, wrt=cell.split("\n")[1].split(":")[0].strip())
    with pytest.raises(MatdiffError, match=words):
        d.evaluate(value)


def test_one_hot_takes_no_other_property():
    with pytest.raises(MatdiffError, match="'onehot' labels take no other property"):
        derive("Y : n x n onehot symmetric\ntr(Y)", wrt="Y")


def test_a_size_before_a_parenthesis_is_a_number_not_a_function():
    """1.5 / n (X - A) is 1.5 (X - A) / n (the soak found it read as a call of 'n')."""
    d = derive("X, A : m x n\nH = 1.5 / n (X - A)\nsum(H)", wrt="X")
    assert d.check().passed
    values = {"X": RNG.standard_normal((3, 4)), "A": RNG.standard_normal((3, 4))}
    np.testing.assert_allclose(d.evaluate(values), np.full((3, 4), 1.5 / 4))
    with pytest.raises(MatdiffError, match="unknown function 'q'"):
        derive("X : m x n\nq(X)", wrt="X")       # not a size of the cell: still a call


def test_newton_map_comes_out_short():
    """x - (x.^3 - b) ./ (3 x.^2): the numbers inside an entry-wise power fold out,
    (3 A)^∘-2 = A^∘-2 / 9, and 3 diag(x^∘2 ⊘ (3 x^∘2)) = I cancels."""
    d = derive("x, b : n\nx - (x.^3 - b) ./ (3 x.^2)", wrt="x")
    assert str(d.result) == "2/3 diag((x.^3 - b) ∘ x.^-3)"
    assert d.check().passed
