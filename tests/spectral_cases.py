"""Shared pieces of the tests of spectral functions: random points with unequal sizes
(m, n, p = 3, 4, 5) and central finite differences of independent NumPy versions."""

from __future__ import annotations

import numpy as np
from conftest import fd_jacobian

SIZES = {"m": 3, "n": 4, "p": 5}


def vec(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def fd(f, values: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of f (a NumPy function of the values) w.r.t. values[wrt], every
    entry independent: the gradient shaped like the variable, or the Jacobian."""
    return fd_jacobian(f, values, wrt, h)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng([2026, seed])


def general(g, r: int, c: int | None = None) -> np.ndarray:
    return g.standard_normal((r, r if c is None else c))


def symmetric(g, n: int) -> np.ndarray:
    a = g.standard_normal((n, n))
    return a + a.T


def spd(g, n: int) -> np.ndarray:
    a = g.standard_normal((n, n))
    return a @ a.T / n + np.eye(n)


def real_top(g, n: int) -> np.ndarray:
    """A general square matrix whose eigenvalue of largest real part is real and simple."""
    q = g.standard_normal((n, 1))
    q /= np.linalg.norm(q)
    return g.standard_normal((n, n)) / np.sqrt(n) + 3 * q @ q.T


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want))))


def assert_against_finite_differences(case, seeds=(0, 1)) -> None:
    """evaluate() agrees with central differences of the case's NumPy function."""
    from matdiff_magic import derive
    cell, wrt, values, f = case
    for seed in seeds:
        v = values(rng(seed))
        got = derive(cell, wrt=wrt).evaluate(v)
        want = fd(f, v, wrt)
        assert got.shape == want.shape
        assert relative_error(got, want) < 1e-6, (got, want)


def assert_stages(case, seed: int = 1) -> None:
    """check() passes; the generated gradient / Jacobian and jvp agree with evaluate()."""
    from matdiff_magic import derive
    cell, wrt, values, f = case
    d = derive(cell, wrt=wrt)
    assert d.check(seed=seed).passed
    v = values(rng(seed + 5))
    want = d.evaluate(v)
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    fn = ns["gradient"] if "gradient" in ns else ns["jacobian"]
    args = {k: v[k] for k in fn.__code__.co_varnames[:fn.__code__.co_argcount]}
    np.testing.assert_allclose(fn(**args), want, rtol=1e-8, atol=1e-10)
    direction = rng(seed + 6).standard_normal(v[wrt].shape)
    jvp = d.jvp(v, direction)
    if np.size(f(v)) == 1:
        np.testing.assert_allclose(jvp.reshape(-1)[0], np.sum(want * direction), rtol=1e-8)
        return
    flat = direction.reshape(-1, 1, order="F")
    np.testing.assert_allclose(jvp.reshape(-1, order="F"), (want @ flat).reshape(-1),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ns["jvp"](**args, V=direction), jvp, rtol=1e-8, atol=1e-10)
