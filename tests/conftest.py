"""Shared helpers: column-major vec, central finite differences, random matrices."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import numpy as np
import pytest

# Unequal sizes, so that a transposition bug cannot hide behind a square shape.
DIMS = {"m": 3, "n": 4, "p": 2, "q": 5}


def vec(M) -> np.ndarray:
    """Column-major vec of a matrix, as a 1-D array."""
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def unvec(v, rows: int, cols: int) -> np.ndarray:
    return np.asarray(v, dtype=float).reshape(rows, cols, order="F")


def fd_jacobian(f, values: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of f(values) with respect to values[wrt].

    When f is scalar-valued the result is the gradient shaped like values[wrt]; otherwise it
    is the numerator-layout Jacobian d vec F / d (vec X)^T of shape (pq, mn), with
    column-major vec on both sides.
    """
    x0 = np.array(values[wrt], dtype=float)
    if x0.ndim == 0:
        x0 = x0.reshape(1, 1)
    elif x0.ndim == 1:
        x0 = x0.reshape(-1, 1)
    base = {k: np.array(v, dtype=float) for k, v in values.items()}
    base[wrt] = x0
    f0 = np.asarray(f(base), dtype=float)
    scalar = f0.size == 1
    cols = []
    for k in range(x0.size):
        e = np.zeros(x0.size)
        e[k] = h
        step = unvec(e, *x0.shape)
        plus = dict(base, **{wrt: x0 + step})
        minus = dict(base, **{wrt: x0 - step})
        diff = (np.asarray(f(plus), dtype=float) - np.asarray(f(minus), dtype=float)) / (2 * h)
        cols.append(vec(diff))
    J = np.column_stack(cols)
    if scalar:
        return unvec(J[0], *x0.shape)
    return J


# lines a test module adds (counts, exclusions), printed at the end of the run
SUMMARY_LINES: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


def rand_general(rng, rows: int, cols: int = 1) -> np.ndarray:
    return rng.standard_normal((rows, cols))


def rand_spd(rng, n: int) -> np.ndarray:
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


def rand_invertible(rng, n: int) -> np.ndarray:
    """Well conditioned: the identity scaled up plus a small random part."""
    return 2.0 * np.eye(n) + 0.3 * rng.standard_normal((n, n))


def rand_symmetric(rng, n: int) -> np.ndarray:
    A = rng.standard_normal((n, n))
    return (A + A.T) / 2


def rand_positive(rng, rows: int, cols: int = 1) -> np.ndarray:
    return rng.uniform(0.5, 2.0, (rows, cols))


MAKERS = {
    "gen": rand_general,
    "spd": rand_spd,
    "inv": rand_invertible,
    "sym": rand_symmetric,
    "pos": rand_positive,
}


def make_values(rng, spec: dict) -> dict:
    """spec: name -> (kind, rows[, cols]) with sizes as ints or names in DIMS."""
    out = {}
    for name, (kind, *shape) in spec.items():
        sizes = [DIMS[s] if isinstance(s, str) else s for s in shape]
        out[name] = MAKERS[kind](rng, *sizes)
    return out


def global_ipython():
    """IPython's test shell, shared by every test module that needs one (start_ipython()
    returns the shell only on its first call; afterwards get_ipython() does)."""
    from IPython.testing import globalipapp
    return globalipapp.start_ipython() or globalipapp.get_ipython()


@pytest.fixture(scope="module")
def ip():
    """The IPython test shell with the extension loaded, for the tests of a module."""
    shell = global_ipython()
    shell.run_line_magic("load_ext", "matdiff_magic")
    yield shell
    shell.run_line_magic("unload_ext", "matdiff_magic")


class Hang(Exception):
    """Raised by guard() when the guarded call runs too long."""


GUARD_SECONDS = 20


@contextmanager
def guard(seconds: int = GUARD_SECONDS):
    """Raise Hang if the body runs longer than ``seconds`` (SIGALRM; main thread only): a
    hang becomes a test failure, with no timing assertion."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
