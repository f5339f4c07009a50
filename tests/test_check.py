"""The numerical check (issue: trustworthy derivations): honest, reproducible, scalable."""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.numeric.check import CheckResult, random_values


@pytest.mark.parametrize("cell,wrt", REFERENCE)
@pytest.mark.parametrize("method", ["full", "directional"])
def test_reference_cases_pass(cell, wrt, method):
    r = derive(cell, wrt=wrt).check(method=method)
    assert r.passed, r.text()
    assert r.max_rel_error < 1e-6
    assert r.method == method


@pytest.mark.parametrize("cell,wrt", REFERENCE[:6])
def test_denominator_layout_checks_too(cell, wrt):
    assert derive(cell, wrt=wrt, layout="denominator").check().passed


def _wrong(d, result):
    """A deliberately wrong derivative: replace the engine's result by hand."""
    d.numerator = d.result = result
    return d


def test_wrong_jacobian_fails_with_location():
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    # the classic mistake: forget the transpose in the first term
    X, Y = d.cell.symbols["X"], d.cell.symbols["Y"]
    m = X.shape[0]
    bad = E.add(E.kron(E.mul(E.transpose(Y), X), E.identity(m)),
                d.result.args[1])
    _wrong(d, bad)
    for method in ("full", "directional"):
        r = d.check(method=method)
        assert not r.passed
        assert r.max_rel_error > 1e-3
        assert "FAILED" in r.text() and "worst at" in r.text()


def test_wrong_gradient_fails():
    d = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X")
    A, X = d.cell.symbols["A"], d.cell.symbols["X"]
    _wrong(d, E.mul(E.num(2), A, X))   # right only for symmetric A
    assert not d.check().passed
    assert not d.check(method="directional").passed


def test_wrong_by_a_tiny_factor_fails():
    d = derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X")
    _wrong(d, E.scale(E.Fraction(1001, 1000), d.result))
    assert not d.check().passed


def test_reproducible_and_seeded():
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    a, b = d.check(seed=3), d.check(seed=3)
    assert a.max_abs_error == b.max_abs_error and a.dims == b.dims and a.seed == 3
    v1, _ = random_values(d, seed=1)
    v2, _ = random_values(d, seed=2)
    assert not np.allclose(v1["X"], v2["X"])


def test_default_sizes_are_distinct_and_dims_override():
    d = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nF = A exp(B X C) D",
               wrt="X")
    r = d.check()
    assert len(set(r.dims.values())) == len(r.dims)
    r = d.check(dims={"m": 6, "n": 2})
    assert r.dims["m"] == 6 and r.dims["n"] == 2 and r.passed


@pytest.mark.parametrize("props,test", [
    ("spd", lambda a: np.allclose(a, a.T) and np.all(np.linalg.eigvalsh(a) > 0)),
    ("symmetric", lambda a: np.allclose(a, a.T)),
    ("orthogonal", lambda a: np.allclose(a.T @ a, np.eye(len(a)))),
    ("diagonal", lambda a: np.allclose(a, np.diag(np.diag(a)))),
    ("invertible", lambda a: np.linalg.cond(a) < 1e3),
    ("positive", lambda a: np.all(a > 0)),
])
def test_random_values_honour_properties(props, test):
    d = derive(f"A : n x n {props}\nX : n x n\ntr(A X)", wrt="X")
    for seed in range(5):
        vals, _ = random_values(d, seed=seed, dims={"n": 5})
        assert test(vals["A"])


def test_domain_inferred_for_log_and_sqrt():
    d = derive("X : m x n\nsum(log(X) + sqrt(X))", wrt="X")
    vals, _ = random_values(d, seed=0)
    assert np.all(vals["X"] > 0)
    d = derive("X : n x n\nlogdet(X)", wrt="X")
    vals, _ = random_values(d, seed=0)
    assert np.linalg.slogdet(vals["X"])[0] > 0
    assert d.check().passed


def test_values_from_the_user():
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 3))
    r = d.check(values={"X": X})
    assert r.passed and r.dims == {"m": 2, "n": 3}


@pytest.mark.parametrize("kwargs,msg", [
    ({"dims": {"z": 3}}, "dims names 'z'"),
    ({"dims": {"m": 0}}, "positive integer"),
    ({"dims": {"m": -2}}, "positive integer"),
    ({"method": "magic"}, "method"),
    ({"values": {"X": np.ones((2, 2)), "Y": np.ones((3, 3))}}, "Y"),
    ({"values": {"X": np.array([[np.nan, 1.0], [1.0, 2.0]])}}, "non-finite"),
    ({"seed": "a"}, "seed"),
])
def test_bad_check_arguments(kwargs, msg):
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    with pytest.raises(MatdiffError, match=msg):
        d.check(**kwargs)


def test_singular_inverse_is_a_clear_error():
    d = derive("X : n x n\ninv(X)", wrt="X")
    with pytest.raises(MatdiffError, match="singular"):
        d.check(values={"X": np.ones((3, 3))})


def test_square_property_at_size_one_contradiction():
    d = derive("A : n x n spd\nx : n\nx' A x", wrt="x")
    with pytest.raises(MatdiffError, match="negative|spd|positive"):
        d.check(values={"A": np.array([[-1.0]]), "x": np.array([[1.0]])})


def test_result_renderings():
    r = derive("X, Y : m x n\nZ = X Y' X", wrt="X").check()
    assert isinstance(r, CheckResult)
    assert "PASSED" in r.text() and "seed 0" in r.text() and "m=3" in r.text()
    assert "check passed" in r._repr_html_() and "matdiff-badge" in r._repr_html_()
    assert "passed" in r._repr_latex_()
    assert "passed=True" in repr(r)


def test_directional_check_large_does_not_build_the_jacobian(monkeypatch):
    # n = 60 gives a 3600 x 3600 Jacobian (~100 MB) that must never be formed
    import matdiff_magic.numeric.values as N
    monkeypatch.setattr(N.np, "kron", lambda *a: (_ for _ in ()).throw(AssertionError))
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    r = d.check(dims={"m": 60, "n": 60})
    assert r.method == "directional" and r.passed


def test_jvp_matches_jacobian():
    d = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nF = A exp(B X C) D",
               wrt="X")
    vals, _ = random_values(d, seed=4)
    V = np.random.default_rng(1).standard_normal(vals["X"].shape)
    J = d.evaluate(vals)
    out = d.jvp(vals, V)
    assert out.shape == (vals["A"].shape[0], vals["D"].shape[1])
    np.testing.assert_allclose(out.reshape(-1, order="F"), J @ V.reshape(-1, order="F"),
                               rtol=1e-10, atol=1e-12)
    g = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X")
    vals, _ = random_values(g, seed=0)
    V = np.ones_like(vals["X"])
    assert np.isclose(g.jvp(vals, V).item(), np.sum(g.evaluate(vals) * V))
