"""Bounds: big, deep and expensive inputs return or raise MatdiffError, in bounded time.

Each case runs in process under a generous 20 s alarm (a hang fails the test instead of
blocking CI); there are no timing assertions. Measured on the development machine (2 busy
cores; see the hardening report for the full table): the matrix powers X^50 / X^64 and the
60-deep nested products take 0.05-0.2 s, the 16,000-character sum 0.3 s, the 20,000-character
cell with 1,500 declarations 0.1 s, the 1,000-factor product and Hadamard chains 1.7 / 3.6 s
(rejected as too large), everything else under 2 s - except the power-of-power chains and
large negative powers, which are engine bugs (tests/test_regressions.py).
"""

from __future__ import annotations

import time

import pytest
from conftest import GUARD_SECONDS, Hang, guard  # noqa: E402,F401

from matdiff_magic import MatdiffError, derive


def _big_declarations() -> str:
    body = "\n".join(f"A{i} : n x n" for i in range(1500)) + "\nX : n x n\n"
    target = "X + " + " + ".join(f"A{i} X" for i in range(200))
    return (body + target)[:20_000]


CASES = {
    # matrix powers (the limit is 64)
    "X^50": ("X : n x n\nX^50", "X"),
    "X^64": ("X : n x n\nX^64", "X"),
    "X^-64": ("X : n x n invertible\nX^-64", "X"),
    "inv(X)^64": ("X : n x n invertible\ninv(X)^64", "X"),
    "sum of five X^64": ("X : n x n\n" + " + ".join(["X^64"] * 5), "X"),
    "X^2^2^2^2^2": ("X : n x n\nX^2^2^2^2^2", "X"),
    "X^2 ten times": ("X : n x n\nX" + "^2" * 10, "X"),
    "X^64^64": ("X : n x n\nX^64^64", "X"),
    # deeply nested products and functions
    "nested products, depth 60": ("X : n x n\n" + "(" * 60 + "X" + " X)" * 60, "X"),
    "nested exp, depth 60": ("X : m x n\n" + "exp(" * 60 + "X" + ")" * 60, "X"),
    "nested logdet, depth 20": ("X : n x n\n" + "logdet(X' X + exp(" * 20 + "0"
                                + ") I)" * 20, "X"),
    "doubling definitions x8": ("X : n x n\nH0 = X X\n"
                                + "\n".join(f"H{i} = H{i - 1} H{i - 1}" for i in range(1, 9)),
                                "X"),
    "doubling definitions x20": ("X : n x n\nH0 = X X\n"
                                 + "\n".join(f"H{i} = H{i - 1} H{i - 1}"
                                             for i in range(1, 21)), "X"),
    "product chain of 200": ("X : n x n\n" + " ".join(["X"] * 200), "X"),
    "product chain of 1000": ("X : n x n\n" + " ".join(["X"] * 1000), "X"),
    "Hadamard chain of 1000": ("X : m x n\n" + " .* ".join(["X"] * 1000), "X"),
    "Kronecker chain of 12": ("x : 2\n" + " ⊗ ".join(["x"] * 12), "x"),
    # long sums
    "sum of 4000 X": ("X : m x n\n" + " + ".join(["X"] * 4000), "X"),
    "sum of 300 products": ("X : m x n\nX + " + " + ".join(f"A{i} X" for i in range(300)),
                            "X"),
    "sum of 2000 products": ("X : m x n\nX + " + " + ".join(f"A{i} X" for i in range(1900)),
                             "X"),
    "sum of 1000 traces": ("X : n x n\n" + " + ".join(f"tr(A{i} X)" for i in range(1000)),
                           "X"),
    # big cells
    "20,000 characters, 1500 declarations": (_big_declarations(), "X"),
    "19,000 transposes": ("X : m x n\nX" + "'" * 19_000, "X"),
    "20,000 characters of comments": ("X : m x n\n" + ("# " + "c" * 97 + "\n") * 199 + "X",
                                      "X"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_returns_or_raises_matdiff_error_in_bounded_time(name):
    cell, wrt = CASES[name]
    t = time.perf_counter()
    with guard():
        try:
            d = derive(cell, wrt=wrt)
            str(d.result)
            d.text()
        except MatdiffError:
            pass
    assert time.perf_counter() - t < GUARD_SECONDS + 1


def test_the_biggest_cells_check_numerically_at_small_sizes():
    """Returning is not enough for the accepted big cases: the result is also right."""
    for name in ("X^50", "X^64", "nested products, depth 60", "Kronecker chain of 12"):
        cell, wrt = CASES[name]
        with guard():
            res = derive(cell, wrt=wrt).check(dims={"n": 3} if "n x n" in cell else None)
        assert res.passed, (name, res)
