"""Engine bugs found by the hardening suite (property tests, soak, hostile corpus, bounds).

One test per bug, named after what it caught, with the minimal input found. They encode the
contract (SPEC.md, README.md): a correct derivative, only MatdiffError for bad input (with
a position), str() that re-parses to the same expression, generated code that runs, bounded
time. Hangs are turned into failures by a 20 s alarm.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from conftest import GUARD_SECONDS, Hang, guard  # noqa: E402,F401

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import parse_expr
from matdiff_magic.numeric.check import random_values
from matdiff_magic.numeric.sympy_export import evaluate_sympy


def _returns_or_matdiff_error(cell: str, wrt: str = "X"):
    with guard():
        try:
            return derive(cell, wrt=wrt)
        except MatdiffError:
            return None


def _run_numpy_source(d, vals):
    ns: dict = {}
    exec(compile(d.numpy_source(), "<numpy_source>", "exec"), ns)  # the test runs it
    fn = ns["gradient" if d.kind == "gradient" else "jacobian"]
    # a variable named like a Python keyword (or 'np') is an argument with a trailing '_'
    args = [vals[a if a in vals else a.rstrip("_")] for a in inspect.signature(fn).parameters]
    return ns, args, fn(*args)


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("glued, spaced", [
    ("X^2.*X", "X^2 .* X"),        # read as X^(2.) * X: a matrix product, X^3
    ("X.^2.^3", "X.^2 .^3"),       # read as (X.^2.)^3: a matrix power
    ("X^2./X", "X^2 ./ X"),        # read as X^(2.) / X: 'division by a matrix'
])
def test_regression_number_glued_to_dot_operator(glued, spaced):
    """'2.' is lexed as a number before '.*', '.^', './': 'X^2.*X' silently means X^2 X."""
    want = derive("X : n x n\n" + spaced, wrt="X").cell.target
    try:
        got = derive("X : n x n\n" + glued, wrt="X").cell.target
    except MatdiffError:
        return   # refusing the ambiguous spelling is acceptable; misreading it is not
    assert got == want, f"{glued!r} parsed as {got}, not {want}"


def test_regression_malformed_number_is_accepted():
    """'1.2.3 X' is read as the product 1.2 * .3 * X = 9/25 X instead of a bad number."""
    with pytest.raises(MatdiffError):
        derive("X : m x n\n1.2.3 X", wrt="X")


def test_regression_leading_comma_in_declaration_is_accepted():
    """', X : m x n' declares X; 'X, , Y' and 'X,' are rejected as an empty name."""
    with pytest.raises(MatdiffError) as info:
        derive(", X : m x n\nX", wrt="X")
    assert info.value.line == 1


def test_regression_self_referential_definition_is_accepted():
    """'H = H + X' makes H a new inferred variable *and* the definition of H."""
    with pytest.raises(MatdiffError) as info:
        derive("X : m x n\nH = H + X", wrt="X")
    assert info.value.line == 2


def test_regression_negative_matrix_power_bypasses_the_limit():
    """'X^65' is rejected (matrix powers are at most 64) but 'X^-65' is accepted."""
    with pytest.raises(MatdiffError) as info:
        derive("X : n x n\nX^-65", wrt="X")
    assert info.value.line == 2


def test_regression_dimension_limit_bypassed_by_a_power():
    """'X : 2^99 x 3' declares a 6e29-row matrix (integer sizes are limited to 1e9)."""
    with pytest.raises(MatdiffError):
        derive("X : 2^99 x 3\nX", wrt="X")


# --- bounded time -------------------------------------------------------------------------------

def test_regression_large_negative_matrix_power_hangs():
    """X^-100000 builds 100,000 terms before the size limit (34 s); X^-1000000000 hangs."""
    _returns_or_matdiff_error("X : n x n\nX^-100000")


def test_regression_power_of_power_chain_hangs():
    """X^64^64^64 (each power is within the limit) takes 95 s before it is rejected."""
    _returns_or_matdiff_error("X : n x n\nX^64^64^64")


def test_regression_nested_logdet_chain_is_rejected_slowly():
    """31 nested logdet(X' X + exp(...) I) (693 characters, nesting limit not reached)
    take 40 s before 'the differential is too large'."""
    cell = "X : n x n\n" + "logdet(X' X + exp(" * 31 + "0" + ") I)" * 31
    _returns_or_matdiff_error(cell)


def test_regression_size_limit_errors_have_no_position():
    """'the differential is too large' is a MatdiffError without line and column."""
    with guard():
        with pytest.raises(MatdiffError) as info:
            derive("X : n x n\nX^64^64", wrt="X")
    assert info.value.line is not None and info.value.col is not None, str(info.value)


# --- crashes (not MatdiffError) on valid cells ---------------------------------------------------

def test_regression_trace_of_kron_of_non_square_factors():
    """tr(c ⊗ aᵀ) with vectors c, a: simplify applies tr(A ⊗ B) = tr(A) tr(B) to non-square
    factors and a ShapeError escapes derive."""
    d = derive("c, a : m\ntr(c ⊗ a')", wrt="c")
    assert d.check().passed


def test_regression_exact_root_zero_division():
    """0.25^(-1/2) raised ZeroDivisionError (Fraction(1, 0) in _exact_root)."""
    d = derive("x : n\n0.25^(-1/2) x", wrt="x")
    assert d.check().passed


@pytest.mark.parametrize("cell", ["X : n x n\ntr(X X^-1)", "X : n x n invertible\ndet(inv(X) X)",
                                  "X : n x n\nlogdet(X X^-1)"])
def test_regression_gradient_with_a_term_that_simplifies_to_zero(cell):
    """The differential simplifies to a zero term and the trace method raises 'cannot
    handle the term 0' for a valid cell."""
    d = derive(cell, wrt="X")
    assert d.check().passed


def test_regression_jacobian_with_a_term_that_simplifies_to_zero():
    """X X⁻¹: 'cannot vectorize the term 0 I_n' for a valid cell."""
    d = derive("X : n x n\nX X^-1", wrt="X")
    assert d.check().passed


def test_regression_check_with_huge_sizes_raises_numpy_errors():
    """check() at declared sizes NumPy cannot allocate raises MemoryError / ValueError
    instead of MatdiffError."""
    d = derive("X : 1000000000 x 1000000000\ntr(X)", wrt="X")
    with pytest.raises(MatdiffError):
        d.check()


# --- printing round trip ------------------------------------------------------------------------

def test_regression_printing_drops_the_parentheses_of_a_subtracted_difference():
    """str(X - (Y - Z)) was 'X - Y - Z': a sign error in the text (and in the steps)."""
    d = derive("X, Y, Z : m x n\nX - (Y - Z)", wrt="X")
    back = parse_expr(str(d.cell.target), d.cell.symbols)
    rng = np.random.default_rng(0)
    vals = {k: rng.standard_normal((3, 4)) for k in "XYZ"}
    from matdiff_magic.numeric.values import Env, value
    env = {"values": vals, "sizes": {"m": 3, "n": 4}}
    assert np.allclose(value(back, Env(**env)), value(d.cell.target, Env(**env))), \
        str(d.cell.target)


def test_regression_check_sizes_dimensions_only_named_in_subscripts():
    """A size named only by 1_p / I_p (no variable has it): check() raised 'no size for the
    dimension p', and check(dims={'p': 2}) refused p as not a dimension of the cell."""
    d = derive("x : n\nsum(1_p) x", wrt="x")
    assert d.check().passed
    assert d.check(dims={"p": 2}).passed


def test_regression_zero_vectors_in_a_scalar_product_do_not_round_trip():
    """The result keeps (0 1_mᵀ) U (0 1_m) unsimplified; its text re-parses without U."""
    d = derive("U : m x m\nt : scalar\nt (1_m .* 1_m - 1_m)' U (1_m .* 1_m - 1_m)", wrt="t")
    assert parse_expr(str(d.result), d.cell.symbols) == d.result, str(d.result)


def test_regression_identity_inside_a_scalar_product_does_not_round_trip():
    """d/dβ of r kron(I_n, β)ᵀ w is printed 'r I_n w': the identity stays inside the 1 x 1
    product, and the text re-parses as 'r w', a different tree."""
    d = derive("β : scalar\nr : 1 x n\nw : n\nr kron(I_n, β)' w", wrt="β")
    assert parse_expr(str(d.result), d.cell.symbols) == d.result, str(d.result)


# --- generated NumPy code -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["V", "T", "np", "t1", "lambda", "None"])
def test_regression_numpy_source_symbol_names_collide(name):
    """A variable named like the generated code's own names (V in jvp(..., V), T in the
    lambdas, np, temporaries t1, Python keywords) gives code that does not compile
    (duplicate argument, keyword), crashes, or silently computes something else (t1)."""
    cell = f"{name} : m x m\nX : m x n\n{name} X X' {name} X"
    d = derive(cell, wrt="X")
    rng = np.random.default_rng(0)
    vals = {name: rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 4))}
    J = d.evaluate(vals)
    ns, args, G = _run_numpy_source(d, vals)
    assert np.allclose(G, J)
    V = rng.standard_normal((3, 4))
    jv = ns["jvp"](*args, V)
    assert np.allclose(np.asarray(jv).reshape(-1, order="F"), J @ V.reshape(-1, order="F"))


@pytest.mark.parametrize("cell, wrt", [("x : n\nsum(1_p) x", "x"), ("w : n\n-w + w", "w"),
                                       ("x, c : n*q\nx .* c", "x")])
def test_regression_numpy_source_sizes_no_argument_fixes(cell, wrt):
    """numpy_source() raises KeyError when a size is fixed by no argument: a size only named
    in 1_p, a target that folds to zero (no arguments left), or sizes that only occur in
    products (x : n*q gives n*q, not n and q)."""
    d = derive(cell, wrt=wrt)
    try:
        src = d.numpy_source()
    except MatdiffError:
        return
    compile(src, "<numpy_source>", "exec")


def test_regression_numpy_source_comment_injects_code(tmp_path):
    """The cell is pasted into the generated module's docstring unescaped: a comment holding
    triple quotes ends the docstring, and the rest of the comment runs as Python when the
    generated code is executed."""
    marker = tmp_path / "injected"
    cell = ("X : m x n\n"
            f'# """ + str(__import__("pathlib").Path(r"{marker}").touch()) + """\n'
            "tr(X' X)")
    src = derive(cell, wrt="X").numpy_source()
    ns: dict = {}
    try:
        exec(compile(src, "<numpy_source>", "exec"), ns)
    except Exception:  # noqa: BLE001 - failing to run is a bug too, but not this one
        pass
    assert not marker.exists(), "executing numpy_source() ran code from a cell comment"
    assert "gradient" in ns


@pytest.mark.parametrize("cell", [
    "X : m x n\n# see \\N here\ntr(X' X)",                    # malformed \N escape
    "X : m x n\nA : m x m\n\\operatorname{tr}(X' A X)",       # invalid escape '\o'
])
def test_regression_numpy_source_backslashes_from_the_cell(cell):
    """Backslashes of the cell (LaTeX spellings, comments) land in a non-raw docstring:
    '\\N' makes the generated code a SyntaxError, '\\o' an invalid escape sequence
    (a DeprecationWarning now, a SyntaxWarning in Python 3.12, an error later)."""
    import warnings
    src = derive(cell, wrt="X").numpy_source()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(src, "<numpy_source>", "exec")


def test_regression_numpy_source_target_without_variables():
    """A target that folds to zero (x - x) has no arguments: 'def jvp(, V):' is generated,
    which is not Python."""
    d = derive("x : 2\nx - x", wrt="x")
    ns: dict = {}
    exec(compile(d.numpy_source(), "<numpy_source>", "exec"), ns)
    assert np.allclose(ns["jacobian"](), np.zeros((2, 2)))


# --- SymPy export -------------------------------------------------------------------------------

def _sympy_agrees(cell: str, wrt: str, dims: dict) -> None:
    d = derive(cell, wrt=wrt)
    vals, sizes = random_values(d, 0, dims=dims)
    J = d.evaluate(vals)
    Y = evaluate_sympy(d.to_sympy(), vals, sizes)
    assert np.allclose(np.asarray(Y, dtype=float).reshape(J.shape), J)


def test_regression_sympy_export_of_a_scalar_sum_times_a_matrix():
    """(β - s) A: the 1 x 1 MatrixSymbols make a noncommutative scalar and to_sympy()
    raises NotImplementedError."""
    _sympy_agrees("A : n x n\nβ, s : scalar\n(β - s) A", "A", {"n": 2})


def test_regression_sympy_export_of_hadamard_power_under_trace():
    """tr(A.^2): evaluate_sympy raises TypeError ('Data type not understood')."""
    _sympy_agrees("r : scalar\nA : n x n\nr tr(A.^2)", "r", {"n": 2})


def test_regression_sympy_export_of_hadamard_power_under_norm2():
    """norm2(x.^3): evaluate_sympy raises TypeError ('Cannot convert expression to float')."""
    _sympy_agrees("r : scalar\nx : n\nr norm2(x.^3)", "r", {"n": 2})


def test_regression_sympy_export_of_diagonal_of_scaled_identity():
    """diag(2 tr(diag(w ∘ x)) I_m) ∘ x: evaluate_sympy raises AttributeError ('int' object
    has no attribute 'is_Integer')."""
    _sympy_agrees("w, x : m\ntr(diag(w .* x))^2", "w", {"m": 3})
