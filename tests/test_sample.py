"""The shared sampler (matdiff_magic/numeric/sample.py): points as general as the
declarations and the domain allow, and no more special; conflicts named."""

from __future__ import annotations

import numpy as np
import pytest

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import parse_cell
from matdiff_magic.numeric.sample import ATTEMPTS, domain_needs, draw_values, find_point

SEEDS = range(12)


def _draws(cell, wrt="X", name="X", **kw):
    d = derive(cell, wrt=wrt)
    return [draw_values(d, seed=s, **kw)[0][name] for s in SEEDS]


def _symmetric(a):
    return a.shape[0] == a.shape[1] and np.allclose(a, a.T)


def test_logdet_draws_det_positive_not_spd():
    for a in _draws("X : n x n\nlogdet(X)"):
        assert np.linalg.det(a) > 0
        assert not _symmetric(a)
    for a in _draws("X : n x n\nlogdet(X')"):
        assert np.linalg.det(a) > 0 and not _symmetric(a)


def test_logdet_of_a_symmetric_matrix_is_not_made_definite():
    draws = _draws("X : n x n symmetric\nlogdet(X)")
    for a in draws:
        assert _symmetric(a) and np.linalg.det(a) > 0
    # det > 0 with two negative eigenvalues happens: the point is not forced to be spd
    assert any(np.min(np.linalg.eigvalsh(a)) < 0 for a in draws)


def test_logdet_of_diagonal_and_orthogonal():
    draws = _draws("X : n x n diagonal\nlogdet(X)")
    for a in draws:
        assert np.allclose(a, np.diag(np.diag(a))) and np.linalg.det(a) > 0
    assert any(np.min(np.diag(a)) < 0 for a in draws)
    for a in _draws("X : n x n orthogonal\nlogdet(X)"):
        assert np.allclose(a.T @ a, np.eye(len(a)))
        assert np.isclose(np.linalg.det(a), 1.0)


def test_spd_only_when_declared():
    for a in _draws("X : n x n spd\nlogdet(X)"):
        assert _symmetric(a) and np.min(np.linalg.eigvalsh(a)) > 0
    for cell in ("X : n x n\ninv(X)", "X : n x n\ndet(X)", "X : n x n\nX^2",
                 "X : n x n\ntr(X)"):
        assert not any(_symmetric(a) for a in _draws(cell)), cell


def test_declared_combinations():
    for a in _draws("X : n x n orthogonal symmetric\ntr(X)"):
        assert _symmetric(a) and np.allclose(a @ a, np.eye(len(a)))
    for a in _draws("X : n x n orthogonal diagonal\ntr(X)"):
        assert np.allclose(np.abs(a), np.eye(len(a)))
    for a in _draws("X : n x n orthogonal spd\ntr(X)"):
        assert np.allclose(a, np.eye(len(a)))     # the only one
    for a in _draws("X : n x n spd diagonal\ntr(X)"):
        assert np.allclose(a, np.diag(np.diag(a))) and np.all(np.diag(a) > 0)
    for a in _draws("X : n x n spd positive\ntr(X)"):
        assert np.all(a > 0) and np.min(np.linalg.eigvalsh(a)) > 0


def test_log_sqrt_powers_log1p_need_only_what_they_need():
    for a in _draws("X : m x n\nsum(log(X))") + _draws("X : m x n\nsum(sqrt(X'))") + \
            _draws("X : m x n\nsum(X.^(1/2))"):
        assert np.all(a > 0)
    neg = _draws("X : m x n\nsum(X.^-1)") + _draws("A, X : m x n\nA ./ X")
    for a in neg:
        assert np.min(np.abs(a)) >= 0.5          # away from 0 ...
    assert all(np.any(a < 0) for a in neg)       # ... with both signs
    for a in _draws("X : m x n\nsum(log1p(X))"):
        assert np.all(a > -1) and np.any(a < 0)


def test_compound_arguments_are_general_first():
    # log(A x): the first attempts keep A and x general, and use them where A x > 0
    d = derive("A : m x n\nx : n\nsum(log(A x))", wrt="x")
    vals, _ = draw_values(d, seed=0, attempt=0)
    assert np.any(vals["A"] < 0) and np.any(vals["x"] < 0)
    assert domain_needs([d.target], 0) == {}
    assert set(domain_needs([d.target], 1)) == {"A", "x"}
    assert d.check().passed
    pt = find_point(d, seed=0)
    assert np.all(pt.values["A"] @ pt.values["x"] > 0)


def test_sizes_unequal_and_draws_deterministic():
    d = derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X")
    v1, s1 = draw_values(d, seed=3)
    v2, s2 = draw_values(d, seed=3)
    assert s1 == s2 and len(set(s1.values())) == 4
    assert all(np.array_equal(v1[k], v2[k]) for k in v1)
    v3, _ = draw_values(d, seed=3, attempt=1)
    assert not np.array_equal(v1["X"], v3["X"])


def test_draw_values_from_a_cell_and_extra_expressions():
    cell = parse_cell("X : n x n\nY : n x n\ntr(X Y)")
    vals, sizes = draw_values(cell, seed=0)
    assert vals["X"].shape == (sizes["n"], sizes["n"])
    # a claim's domain counts too: logdet(Y) in an extra expression makes det Y > 0
    from matdiff_magic.lang.parse import parse_expr
    claim = parse_expr("logdet(Y) X", cell.symbols)
    for s in SEEDS:
        vals, _ = draw_values(cell, seed=s, exprs=[claim])
        assert np.linalg.det(vals["Y"]) > 0


@pytest.mark.parametrize("cell,msg", [
    ("Q : n x n orthogonal positive\ntr(Q)", "orthogonal and positive"),
    ("Q : n x n orthogonal\nsum(log(Q))", "orthogonal, but log\\(Q\\) needs positive"),
    ("D : n x n diagonal\nsum(log(D))", "declared diagonal, but log\\(D\\)"),
    ("D : n x n diagonal\nsum(D.^-1)", "declared diagonal"),
])
def test_declarations_that_cannot_hold_together(cell, msg):
    wrt = cell.split(" ")[0]
    with pytest.raises(MatdiffError, match=msg):
        derive(cell, wrt=wrt).check()


@pytest.mark.parametrize("cell,values,msg", [
    ("A : n x n spd diagonal\nx : n\nx' A x", {"A": np.diag([1.0, -2.0, 3.0])},
     "declared spd and diagonal, but its value has the diagonal entry -2"),
    ("Q : n x n orthogonal\nlogdet(Q)", {"Q": np.diag([1.0, 1.0, -1.0])},
     "orthogonal matrix with det -1.*logdet\\(Q\\) needs det Q > 0"),
    ("X : n x n\nlogdet(X)", {"X": -np.eye(3)}, "det <= 0"),
    ("X : m x n\nsum(log(X))", {"X": -np.ones((2, 3))}, "log\\(X\\) needs positive"),
    ("X : m x n\nsum(log1p(X))", {"X": -2 * np.ones((2, 3))}, "entries > -1"),
])
def test_given_values_that_break_the_domain(cell, values, msg):
    d = derive(cell, wrt=cell.split(" ")[0])
    with pytest.raises(MatdiffError, match=msg):
        d.check(values=values)


def test_attempts_are_bounded():
    d = derive("X : m x n\nsum(log(-exp(X)))", wrt="X")   # defined nowhere
    with pytest.raises(MatdiffError, match="no random point"):
        d.check()
    assert ATTEMPTS == 8


def test_positive_diagonal_means_a_positive_diagonal():
    d = derive("D : n x n diagonal positive\nX : n x n\ntr(D X)", wrt="X")
    for s in SEEDS:
        v, _ = draw_values(d, seed=s)
        assert np.allclose(v["D"], np.diag(np.diag(v["D"]))) and np.all(np.diag(v["D"]) > 0)
    assert d.check(values={"D": np.diag([1.0, 2.0, 3.0])}).passed
    with pytest.raises(MatdiffError, match="positive"):
        d.check(values={"D": np.diag([1.0, -2.0, 3.0])})
