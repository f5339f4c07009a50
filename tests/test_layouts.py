"""The three layouts (SPEC §2): shapes, and which of them transpose the gradient or the Jacobian."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from conftest import DIMS, fd_jacobian, make_values

from matdiff_magic import derive

m_, n_, p_, q_ = (sympy.Symbol(s, positive=True, integer=True) for s in "mnpq")
m, n, p, q = DIMS["m"], DIMS["n"], DIMS["p"], DIMS["q"]

# cell, wrt, value spec, expected symbolic shape (numerator), expected numeric shape, f
JACOBIANS = [
    ("A : p x m\nX : m x n\nB : n x q\nA X B", "X",
     {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "B": ("gen", "n", "q")},
     (p_ * q_, m_ * n_), (p * q, m * n), lambda v: v["A"] @ v["X"] @ v["B"]),
    ("X : m x n\nX'", "X", {"X": ("gen", "m", "n")},
     (m_ * n_, m_ * n_), (m * n, m * n), lambda v: v["X"].T),
    ("X, Y : m x n\nX Y' X", "X", {"X": ("gen", "m", "n"), "Y": ("gen", "m", "n")},
     (m_ * n_, m_ * n_), (m * n, m * n), lambda v: v["X"] @ v["Y"].T @ v["X"]),
    ("X : n x n\ninv(X)", "X", {"X": ("inv", "n")},
     (n_ ** 2, n_ ** 2), (n * n, n * n), lambda v: np.linalg.inv(v["X"])),
    ("X : m x n\nB : p x q\nX ⊗ B", "X", {"X": ("gen", "m", "n"), "B": ("gen", "p", "q")},
     (m_ * n_ * p_ * q_, m_ * n_), (m * n * p * q, m * n), lambda v: np.kron(v["X"], v["B"])),
    ("A : p x n\nx : n\nA x", "x", {"A": ("gen", "p", "n"), "x": ("gen", "n")},
     (p_, n_), (p, n), lambda v: v["A"] @ v["x"]),
    ("x : n\nexp(x)", "x", {"x": ("gen", "n")}, (n_, n_), (n, n), lambda v: np.exp(v["x"])),
    ("X : n x n\ndiag(X)", "X", {"X": ("gen", "n", "n")},
     (n_, n_ ** 2), (n, n * n), lambda v: np.diag(v["X"]).reshape(-1, 1)),
    ("x : n\ndiag(x)", "x", {"x": ("gen", "n")},
     (n_ ** 2, n_), (n * n, n), lambda v: np.diag(v["x"].ravel())),
    ("s : scalar\nA : m x n\ns^2 A", "s", {"s": ("gen", 1, 1), "A": ("gen", "m", "n")},
     (m_ * n_, 1), (m * n, 1), lambda v: v["s"] ** 2 * v["A"]),
    ("A : p x m\nX : m x n\nexp(A X)'", "X", {"A": ("gen", "p", "m"), "X": ("gen", "m", "n")},
     (n_ * p_, m_ * n_), (n * p, m * n), lambda v: np.exp(v["A"] @ v["X"]).T),
    ("x : n\nx'", "x", {"x": ("gen", "n")}, (n_, n_), (n, n), lambda v: v["x"].T),
]


@pytest.mark.parametrize("cell, wrt, spec, sym_shape, shape, f", JACOBIANS,
                         ids=[c[0].splitlines()[-1] for c in JACOBIANS])
def test_jacobian_shapes_and_denominator_transpose(cell, wrt, spec, sym_shape, shape, f, rng):
    values = make_values(rng, spec)
    num = derive(cell, wrt=wrt)
    den = derive(cell, wrt=wrt, layout="denominator")
    assert num.kind == den.kind == "jacobian"
    assert num.layout == "mixed" and den.layout == "denominator"
    # the numerator layout shows the Jacobian as the mixed one does
    assert str(derive(cell, wrt=wrt, layout="numerator").result) == str(num.result)
    assert num.shape == sym_shape
    assert den.shape == sym_shape[::-1]
    Jn, Jd = num.evaluate(values), den.evaluate(values)
    assert Jn.shape == shape
    assert Jd.shape == shape[::-1]
    np.testing.assert_allclose(Jd, Jn.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Jn, fd_jacobian(f, values, wrt), rtol=1e-6, atol=1e-7)


def test_default_layout_is_mixed():
    cell = "A : p x m\nX : m x n\nB : n x q\nA X B"
    assert derive(cell, wrt="X").layout == "mixed"
    assert derive(cell, wrt="X").result == derive(cell, wrt="X", layout="mixed").result


def test_denominator_layout_has_its_own_step():
    d = derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X", layout="denominator")
    assert "denominator" in d.result_step.rule
    assert d.result_unicode() == "B ⊗ Aᵀ"


def test_denominator_of_commutation_is_the_other_commutation():
    d = derive("X : m x n\nX'", wrt="X", layout="denominator")
    assert str(d.result) == "K_{n,m}"


GRADIENTS = [
    ("A : p x m\nX : m x n\nB : n x p\ntr(A X B)", "X",
     {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "B": ("gen", "n", "p")},
     (m_, n_), (m, n)),
    ("X : n x n spd\nlogdet(X)", "X", {"X": ("spd", "n")}, (n_, n_), (n, n)),
    ("x : n\nA : n x n\nx' A x", "x", {"x": ("gen", "n"), "A": ("gen", "n", "n")},
     (n_, 1), (n, 1)),
    ("X : m x n\nfro(X)", "X", {"X": ("gen", "m", "n")}, (m_, n_), (m, n)),
    ("s : scalar\nx : n\ns^2 x' x", "s", {"s": ("gen", 1, 1), "x": ("gen", "n")},
     (1, 1), (1, 1)),
    ("a : m\nb : n\nX : m x n\n(a' X b)^2", "X",
     {"a": ("gen", "m"), "b": ("gen", "n"), "X": ("gen", "m", "n")}, (m_, n_), (m, n)),
]


@pytest.mark.parametrize("cell, wrt, spec, sym_shape, shape", GRADIENTS,
                         ids=[c[0].splitlines()[-1] for c in GRADIENTS])
@pytest.mark.parametrize("layout", ["mixed", "denominator"])
def test_gradient_is_shaped_like_the_variable(cell, wrt, spec, sym_shape, shape, layout, rng):
    values = make_values(rng, spec)
    d = derive(cell, wrt=wrt, layout=layout)
    assert d.kind == "gradient"
    assert d.shape == sym_shape
    g = d.evaluate(values)
    assert g.shape == shape == np.shape(values[wrt])
    # mixed and denominator layouts show the same gradient
    g_mixed = derive(cell, wrt=wrt).evaluate(values)
    np.testing.assert_allclose(g, g_mixed, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell, wrt, spec, sym_shape, shape", GRADIENTS,
                         ids=[c[0].splitlines()[-1] for c in GRADIENTS])
def test_numerator_layout_gradient_is_transposed(cell, wrt, spec, sym_shape, shape, rng):
    values = make_values(rng, spec)
    d = derive(cell, wrt=wrt, layout="numerator")
    assert d.kind == "gradient"
    assert d.shape == sym_shape[::-1]
    g = d.evaluate(values)
    assert g.shape == shape[::-1]
    np.testing.assert_allclose(g, derive(cell, wrt=wrt).evaluate(values).T, rtol=1e-12,
                               atol=1e-12)
    assert "numerator layout" in d.result_step.rule


def test_shape_is_sympy():
    d = derive("X : m x n\nX'", wrt="X")
    m_s, n_s = sympy.symbols("m n", positive=True, integer=True)
    assert d.shape == (m_s * n_s, m_s * n_s)
    assert all(isinstance(s, sympy.Expr) for s in d.shape)


def test_numeric_dims_give_integer_shape(rng):
    d = derive("A : 2 x 3\nX : 3 x 4\nA X", wrt="X")
    assert d.shape == (sympy.Integer(8), sympy.Integer(12))
    J = d.evaluate({"A": rng.standard_normal((2, 3)), "X": rng.standard_normal((3, 4))})
    assert J.shape == (8, 12)


def test_several_wrt_give_several_results(rng):
    ds = derive("A : p x m\nX : m x n\nA X", wrt="A,X")
    assert isinstance(ds, list) and len(ds) == 2
    values = make_values(rng, {"A": ("gen", "p", "m"), "X": ("gen", "m", "n")})
    JA, JX = (d.evaluate(values) for d in ds)
    assert JA.shape == (p * n, p * m)
    assert JX.shape == (p * n, m * n)
    np.testing.assert_allclose(JA, np.kron(values["X"].T, np.eye(p)), atol=1e-12)
    np.testing.assert_allclose(JX, np.kron(np.eye(n), values["A"]), atol=1e-12)


@pytest.mark.parametrize("cell, wrt, shown", [
    ("A : p x m\nX : m x n\nB : p x n\nfro(A X - B)^2", "X", "2 (A X - B)' A"),
    ("X : n x p\ny : n\nw : p\nfro(X w - y)^2", "w", "2 (X w - y)' X"),
    ("A : n x n\nx : n\nx' A x", "x", "x' (A' + A)"),    # nothing gained: pushed to leaves
])
def test_numerator_layout_keeps_the_transpose_on_a_sum_as_books_do(cell, wrt, shown):
    d = derive(cell, wrt=wrt, layout="numerator")
    assert str(d.result) == shown
    assert d.check().passed
