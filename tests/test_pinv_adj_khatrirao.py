"""pinv (full rank, Golub & Pereyra), adj and khatrirao (SPEC §10) through every stage,
against central finite differences at random points of unequal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from spectral_cases import assert_against_finite_differences, assert_stages, general

from matdiff_magic import MatdiffError, derive

m, n, p = 3, 4, 5


def _kr(a, b):
    return np.column_stack([np.kron(a[:, j], b[:, j]) for j in range(a.shape[1])])


def _adj(a):
    return np.linalg.det(a) * np.linalg.inv(a)


def _inv(g, k):
    return general(g, k) + 3 * np.eye(k)


CASES = [
    ("X : p x n\npinv(X)", "X", lambda g: dict(X=general(g, p, n)),
     lambda d: np.linalg.pinv(d["X"])),
    ("X : m x p\npinv(X)", "X", lambda g: dict(X=general(g, m, p)),
     lambda d: np.linalg.pinv(d["X"])),
    ("A : p x n\nb : p\nfro(pinv(A) b)^2", "A", lambda g: dict(A=general(g, p, n),
                                                            b=general(g, p, 1)),
     lambda d: np.linalg.norm(np.linalg.pinv(d["A"]) @ d["b"]) ** 2),
    ("X : p x m\nC : m x m\ntr(C pinv(X) X)", "X", lambda g: dict(X=general(g, p, m),
                                                               C=general(g, m)),
     lambda d: np.trace(d["C"] @ np.linalg.pinv(d["X"]) @ d["X"])),
    ("X : n x n\nadj(X)", "X", lambda g: dict(X=_inv(g, n)), lambda d: _adj(d["X"])),
    ("X : m x m\ntr(adj(X))", "X", lambda g: dict(X=_inv(g, m)),
     lambda d: np.trace(_adj(d["X"]))),
    ("X : n x n\nA : n x p\nadj(X) A", "X", lambda g: dict(X=_inv(g, n), A=general(g, n, p)),
     lambda d: _adj(d["X"]) @ d["A"]),
    ("A : m x n\nB : p x n\nkhatrirao(A, B)", "A", lambda g: dict(A=general(g, m, n),
                                                                 B=general(g, p, n)),
     lambda d: _kr(d["A"], d["B"])),
    ("A : m x n\nB : p x n\nkhatrirao(A, B)", "B", lambda g: dict(A=general(g, m, n),
                                                                 B=general(g, p, n)),
     lambda d: _kr(d["A"], d["B"])),
    ("A : m x n\nw : n\nkhatrirao(A, exp(A)) w", "A", lambda g: dict(A=general(g, m, n),
                                                                    w=general(g, n, 1)),
     lambda d: _kr(d["A"], np.exp(d["A"])) @ d["w"]),
    ("A : m x p\nfro(khatrirao(A, A))^2", "A", lambda g: dict(A=general(g, m, p)),
     lambda d: np.linalg.norm(_kr(d["A"], d["A"])) ** 2),
]
IDS = [f"{c[0].splitlines()[-1]} by {c[1]}" for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_stage(case):
    """evaluate() against finite differences; check(), the generated code and jvp."""
    assert_against_finite_differences(case)
    assert_stages(case, seed=4)


def test_rank_deficiency_is_named():
    d = derive("X : p x n\npinv(X)", wrt="X")
    x = np.outer(np.arange(1.0, p + 1), np.ones(n))
    with pytest.raises(MatdiffError, match="rank deficient at these values: σ₄ = 0"):
        d.evaluate({"X": x})


def test_adjugate_of_a_singular_matrix_has_a_value_but_no_derivative_here():
    x = np.diag([1.0, 2.0, 0.0, 3.0])
    with pytest.raises(MatdiffError):
        derive("X : n x n\nadj(X)", wrt="X").evaluate({"X": x})
    a = derive("X : n x n\nA : n x n\ntr(adj(X) A)", wrt="A").evaluate(
        {"X": x, "A": np.eye(n)})
    np.testing.assert_allclose(a, np.diag([0.0, 0.0, 6.0, 0.0]).T, atol=1e-12)


def test_khatrirao_shape_and_forms():
    d = derive("A : m x n\nB : p x n\nkhatrirao(A, B)", wrt="A")
    assert [str(x) for x in d.shape] == ["m*n*p", "m*n"]   # ∂vec(A ⊙ B)/∂(vec A)ᵀ
    with pytest.raises(MatdiffError, match="as many columns"):
        derive("A : m x n\nB : p x m\nkhatrirao(A, B)", wrt="A")
    assert any("Khatri–Rao" in s.rule for s in d.steps)
