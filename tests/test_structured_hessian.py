"""Hessians in structured coordinates, H_v = Mᵀ H M, against finite differences of the
first-order structured gradient (an independent route: derive(order=1) in the same
coordinates, differenced numerically)."""

from __future__ import annotations

import numpy as np
import pytest

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.calculus.structure import Coordinates

CASES = [
    ("S : n x n spd\nlogdet(S)", "vech(S)"),
    ("S : n x n spd\ny : n\nlogdet(S) + y' inv(S) y", "vech(S)"),
    ("S : n x n symmetric\nA : n x n\ntr(S A S)", "vech(S)"),
    ("S : n x n symmetric\nx : n\n(x' S x)^2", "vech(S)"),
    ("L : n x n lower\nA : n x n\nB : n x n\nfro(A L - B)^2", "vech(L)"),
    ("L : n x n lower\nlogdet(L L')", "vech(L)"),
    ("D : n x n diagonal positive\nA : n x n\ntr(A D A' D)", "diag(D)"),
    ("D : n x n diagonal positive\nlogdet(D + I_n) + sum(exp(D))", "diag(D)"),
]
KIND = {"vech(S)": "vech", "vech(L)": "lower", "diag(D)": "diag"}


def _point(d, seed):
    from matdiff_magic.numeric.sample import draw_values
    vals, _ = draw_values(d, {"n": 4}, seed)
    return vals


@pytest.mark.parametrize("cell, wrt", CASES, ids=[c.splitlines()[-1] for c, _ in CASES])
def test_hessian_matches_differences_of_the_structured_gradient(cell, wrt):
    h = derive(cell, wrt=wrt, order=2)
    g = derive(cell, wrt=wrt)
    var = wrt[5:-1]
    for seed in (1, 2):
        vals = _point(g, seed)
        coords = Coordinates(KIND[wrt], vals[var].shape[0])
        v0 = coords.from_matrix(vals[var])
        H = h.evaluate(vals)
        k = v0.size
        assert H.shape == (k, k)
        fd = np.empty((k, k))
        step = 1e-6
        for j in range(k):
            e = np.zeros(k)
            e[j] = step
            plus = g.evaluate({**vals, var: coords.to_matrix(v0 + e)}).reshape(-1)
            minus = g.evaluate({**vals, var: coords.to_matrix(v0 - e)}).reshape(-1)
            fd[:, j] = (plus - minus) / (2 * step)
        np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-9)
        d = np.random.default_rng(seed).standard_normal(k)
        np.testing.assert_allclose(h.hvp(vals, d).reshape(-1), H @ d, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("cell, wrt", CASES, ids=[c.splitlines()[-1] for c, _ in CASES])
def test_check_passes_and_catches_a_wrong_hessian(cell, wrt):
    h = derive(cell, wrt=wrt, order=2)
    for method in ("full", "directional"):
        assert h.check(seed=3, method=method).passed
    h.result = E.scale(2, h.result)
    assert not h.check(seed=3).passed


def test_duplication_form_and_steps():
    h = derive("S : n x n spd\nlogdet(S)", wrt="vech(S)", order=2)
    assert str(h.result) == "-D_n' (S^-T ⊗ S^-1) D_n"
    assert h.steps[-1].rule.startswith("substitute the structure: vec dS = D_n d vech S")
    assert "D_{n}" in h.steps[-1].latex


def test_hvp_wants_the_free_coordinates():
    h = derive("S : n x n spd\nlogdet(S)", wrt="vech(S)", order=2)
    with pytest.raises(MatdiffError, match="10 entries"):
        h.hvp({"S": np.eye(4) * 2}, np.ones(16))


@pytest.mark.parametrize("cell, wrt", CASES, ids=[c.splitlines()[-1] for c, _ in CASES])
def test_generated_hessian_and_hvp(cell, wrt):
    h = derive(cell, wrt=wrt, order=2)
    ns: dict = {}
    exec(compile(h.numpy_source(), "<generated>", "exec"), ns)   # the engine's own output
    vals = _point(h, 5)
    H = h.evaluate(vals)
    args = {k: v for k, v in vals.items() if k in h.cell.symbols}
    np.testing.assert_allclose(ns["hessian"](**args), H, rtol=1e-10, atol=1e-12)
    d = np.random.default_rng(0).standard_normal((H.shape[0], 1))
    np.testing.assert_allclose(ns["hvp"](**args, V=d), H @ d, rtol=1e-10, atol=1e-12)
