"""``A \\ B`` and ``solve(A, B)`` are solves (SPEC §11), never a product: checked against
finite differences of NumPy's own solve, at unequal sizes; every other backslash form is
either read as LaTeX or a MatdiffError with its caret, never silently misread."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian

from matdiff_magic import MatdiffError, derive

N, P = 4, 3
RNG = np.random.default_rng(11)


def _values():
    return {"A": RNG.standard_normal((N, N)) + 3 * np.eye(N), "B": RNG.standard_normal((N, P)),
            "b": RNG.standard_normal((N, 1)), "c": RNG.standard_normal((N, 1))}


DECL = "A : n x n\nB : n x p\nb, c : n\n"
SOLVE = np.linalg.solve
CASES = [
    ("A \\ b", lambda v: SOLVE(v["A"], v["b"])),
    ("A\\b", lambda v: SOLVE(v["A"], v["b"])),
    ("A \\ B", lambda v: SOLVE(v["A"], v["B"])),
    ("solve(A, B)", lambda v: SOLVE(v["A"], v["B"])),
    ("c' solve(A, b)", lambda v: c_solve(v)),
    ("A' \\ b", lambda v: SOLVE(v["A"].T, v["b"])),
    ("(A + A') \\ B", lambda v: SOLVE(v["A"] + v["A"].T, v["B"])),
    ("2 A \\ b", lambda v: SOLVE(2 * v["A"], v["b"])),       # MATLAB: (2 A) \ b
    ("c' (A \\ b) + b' (A \\ c)", lambda v: c_solve(v) + (v["b"].T @ SOLVE(v["A"], v["c"]))),
    ("A^{-1}\\b", lambda v: v["A"] @ v["b"]),   # after a braced exponent: still a solve
    ("A^{-1} \\ B", lambda v: v["A"] @ v["B"]),
]


def c_solve(v):
    return v["c"].T @ SOLVE(v["A"], v["b"])


PAIRS = [(t, f, w) for t, f in CASES for w in ("A", "b", "B")
         if w in t.replace("solve", "")]


@pytest.mark.parametrize("target, value, wrt", PAIRS, ids=[f"{t} wrt {w}" for t, _, w in PAIRS])
def test_solve_matches_finite_differences_of_numpy_solve(target, value, wrt):
    d = derive(DECL + target, wrt=wrt)
    values = _values()
    got = np.asarray(d.evaluate(values, dims={"n": N, "p": P}), dtype=float)
    want = fd_jacobian(value, values, wrt)
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-6, atol=1e-7)


def test_a_backslash_b_is_not_a_product():
    d = derive("A : n x n\nb : n\nA \\ b", wrt="A")
    assert "A⁻¹b" in d.steps[0].text
    assert str(d.result) == "-(b' A^-T ⊗ A^-1)"   # -(xᵀ ⊗ A⁻¹), x = A⁻¹b
    assert d.check().passed


# (target, column of the caret, words in the message)
ERRORS = [
    ("A \\\\ b", 3, "a solve is written A \\ B"),
    ("A^\\top \\ b", 8, "ambiguous"),           # a LaTeX line: a space or a solve?
    ("\\mathbf{A} \\ b", 12, "ambiguous"),
    ("A \\ B \\ b", 7, "square"),               # (A \ B) is n x p
    ("B \\ b", 3, "square"),
    ("A\\d", 2, "undeclared 'd'"),             # \d is no name of the cell
    ("A \\", 4, "operand is missing"),
    ("\\ b", 1, "ambiguous"),                 # no left side: no solve
    ("A \\hat{b}", 3, "unknown LaTeX command '\\hat'"),
    ("solve(A)", 8, "expected ','"),
    ("A\\exp(b)", 2, "reads two ways"),       # MATLAB's A \ exp(b), or LaTeX's A exp(b)?
    ("c' A\\log(b)", 5, "reads two ways"),
]


@pytest.mark.parametrize("target, col, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_other_backslash_forms_are_errors_with_a_caret(target, col, words):
    cell = DECL + target
    with pytest.raises(MatdiffError) as exc:
        derive(cell, wrt="A")
    e = exc.value
    assert words in e.message, e.message
    assert e.line == 4 and e.col == col, str(e)


def test_a_function_after_a_backslash_on_a_latex_line_is_latex():
    """With other LaTeX on the line, or a space before the backslash, \\exp is the function."""
    for target in ("A^\\top\\exp(b)", "A \\exp(b)"):
        assert str(derive(DECL + target, wrt="A").target) in ("A' exp(b)", "A exp(b)")
    assert str(derive(DECL + "A \\ exp(b)", wrt="A").target) == "solve(A, exp(b))"


def test_latex_spacing_still_spaces():
    a = derive(DECL + "A^\\top \\, b", wrt="A")
    b = derive(DECL + "A' b", wrt="A")
    assert str(a.result) == str(b.result)
