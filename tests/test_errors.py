"""Bad input raises MatdiffError, and only it, with the line, the column and a caret."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import MAX_CELL_CHARS


def error_of(cell, **kw) -> MatdiffError:
    with pytest.raises(MatdiffError) as info:
        derive(cell, **kw)
    return info.value


def assert_points_at(err: MatdiffError, cell: str, line: int, col: int) -> None:
    """err has the position, says it in words, shows the source line and a caret under the
    offending character."""
    assert (err.line, err.col) == (line, col), str(err)
    text = str(err)
    assert f"line {line}, column {col}" in text
    shown, caret = text.split("\n")[-2:]
    assert caret.strip() == "^"
    assert shown.startswith("    ") and caret.startswith("    ")
    src = cell.split("\n")[line - 1]
    at = caret.index("^") - 4
    if col <= len(src):
        assert shown[4:][at] == src[col - 1], text
    else:  # an error at the end of the line: the caret is just past the last character
        assert at == len(shown) - 4


# cell, line, col, words the message must contain
POSITIONED = [
    # syntax
    ("X : m x n\nX +", 2, 4, "missing"),
    ("X : m x n\nX + ", 2, 5, "missing"),
    ("X : m x n\n(X + X", 2, 7, "')'"),
    ("X : m x n\nX + X)", 2, 6, "unbalanced"),
    ("X : m x n\n((X + X)", 2, 9, "')'"),
    ("X : m x n\n* X", 2, 1, "'*'"),
    ("X : m x n\nX * * X", 2, 5, "'*'"),
    ("X : m x n\nX ⊗", 2, 4, "missing"),
    ("X : m x n\nX .* ", 2, 6, "missing"),
    ("X : m x n\nX''+", 2, 5, "missing"),
    ("X : m x n\ntr()", 2, 4, "argument"),
    ("X : n x n\ntr(X, X)", 2, 5, "one argument"),
    ("X : n x n\nkron(X)", 2, 7, "','"),
    ("X : n x n\nX .^ T", 2, 3, "numeric exponent"),
    ("X : n x n\nK_{n} X", 2, 1, "K_{m,n}"),
    ("X : n x n\nX + \\foo", 2, 5, "\\foo"),
    ("X : n x n\nX ^ 1.5", 2, 3, "integer"),
    ("X : n x n\nX / X", 2, 3, "division by a matrix"),
    ("X : n x n\nX / 0", 2, 3, "division by zero"),
    # unknown names and functions
    ("X : m x n\nfoo(X)", 2, 1, "unknown function 'foo'"),
    ("X : m x n\nX + trace(X)", 2, 5, "unknown function 'trace'"),
    ("X : m x n\ntr", 2, 1, "'tr' is a function"),
    # declarations and definitions
    ("X : m x 0\nX", 1, 9, "positive integer"),
    ("X : m x n foo\nX", 1, 11, "unknown property 'foo'"),
    ("X : m x n symmetric\nX", 1, 11, "square"),
    ("X : m x\nX", 1, 8, "dimension is missing"),
    ("X : m x n\nX : m x n\nX", 2, 1, "declared twice"),
    ("X\nX : m x n", 2, 1, "last line"),
    ("X : m x n\nX = X'", 2, 1, "already defined"),
    ("tr = 3", 1, 1, "reserved"),
    # shapes that cannot be determined: the message names the symbol
    ("X : m x n\nX Z", 2, 3, "'Z'"),
    ("X : m x n\nX + A B", 2, 5, "'A'"),
    ("X : n x n\n\ntr(X) I", 3, 1, "'I'"),
    # the second line of a multi-line cell
    ("X : m x n\nH = X'\nH +", 3, 4, "missing"),
]


@pytest.mark.parametrize("cell, line, col, words", POSITIONED,
                         ids=[repr(c[0].split("\n")[-1]) for c in POSITIONED])
def test_error_position_and_caret(cell, line, col, words):
    err = error_of(cell, wrt="X")
    assert words in err.message, err.message
    assert_points_at(err, cell, line, col)


@pytest.mark.parametrize("cell, shapes", [
    ("X : m x n\nY : n x m\nX + Y", ("m x n", "n x m")),
    ("A : p x q\nX : m x n\nA X", ("p x q", "m x n")),
    ("X : m x n\nX .* X'", ("m x n", "n x m")),
    ("X : m x n\nY : p x q\nX ./ Y", ("m x n", "p x q")),
    ("X : n x n\nx : n\nX + x", ("n x n", "n x 1")),     # a number broadcasts, a vector not
    ("x : n\nx + x'", ("n x 1", "1 x n")),
    ("X : m x n\nx : n\nX x + x", ("m x 1", "n x 1")),
])
def test_shape_mismatch_names_both_shapes(cell, shapes):
    err = error_of(cell, wrt="X")
    for s in shapes:
        assert s in err.message, err.message
    assert err.line == cell.count("\n") + 1
    assert "^" in str(err)


@pytest.mark.parametrize("fn", ["det", "inv", "tr", "logdet"])
def test_non_square_argument(fn):
    cell = f"X : m x n\n{fn}(X)"
    err = error_of(cell, wrt="X")
    assert "square" in err.message and "m x n" in err.message
    assert_points_at(err, cell, 2, 1)


def test_non_square_matrix_power():
    err = error_of("X : m x n\nX^2", wrt="X")
    assert "square" in err.message and "m x n" in err.message


@pytest.mark.parametrize("cell", ["", "   ", "\n\n\n", "   \n  \n\t  \n", "# only a comment",
                                  "# one\n   # two\n\n", "X : m x n", "X : m x n\n# nothing"])
def test_empty_cells(cell):
    err = error_of(cell, wrt="X")
    assert err.line is not None and err.col is not None
    assert "^" in str(err)


def test_empty_cell_message():
    assert "empty" in error_of("  \n# hi\n", wrt="X").message


def test_too_long_cell():
    cell = "X : n x n\n" + "X + " * (MAX_CELL_CHARS // 4) + "X"
    err = error_of(cell, wrt="X")
    assert "too long" in err.message
    assert len(str(err)) < 1000            # the message does not echo the whole cell


def test_long_but_valid_cell_works():
    cell = "X : n x n\n" + " + ".join(["X"] * 3000)
    d = derive(cell, wrt="X")
    assert str(d.result) == "3000 I_{n^2}"


def test_long_line_keeps_the_caret_under_the_error():
    cell = "X : n x n\n" + "X + " * 60 + "X ) + X"
    err = error_of(cell, wrt="X")
    assert_points_at(err, cell, 2, cell.split("\n")[1].index(")") + 1)
    assert len(str(err).split("\n")[-2]) < 120


@pytest.mark.parametrize("cell", [
    "X : n x n\n" + "(" * 5000 + "X" + ")" * 5000,
    "X : n x n\n" + "(" * 5000 + "X",
    "X : n x n\n" + "-" * 5000 + "X",
    "X : n x n\n" + "- " * 5000 + "X",
    "X : n x n\n" + "exp(" * 2000 + "X" + ")" * 2000,
    "X : n x n\n" + "tr(" * 2000 + "X" + ")" * 2000,
    "X : n x n\n" + "kron(" * 1000 + "X" + ", X)" * 1000,
], ids=["parens", "open-parens", "minus", "minus-spaced", "exp", "tr", "kron"])
def test_deep_nesting_is_an_error_not_a_recursion_error(cell):
    err = error_of(cell, wrt="X")
    assert "nested too deeply" in err.message
    assert err.line == 2


def test_many_postfix_operators_are_fine():
    d = derive("X : m x n\nX" + "'" * 5001, wrt="X")
    assert d.result_unicode() == "K_mn"


@pytest.mark.parametrize("code, col", [
    ("__import__('os')", 1),
    ("__import__('os').system('touch {marker}')", 1),
    ("`touch {marker}`", 1),
    ("$(touch {marker})", 1),
    ("X; rm -rf {marker}", 2),
    ("X && touch {marker}", 3),
    ("X | cat", 3),
    ("X.__class__", 2),
    ("X.__class__.__bases__[0].__subclasses__()", 2),
    ("eval(\"X\")", 6),
    ("exec('X')", 1),
    ("X[0]", 2),
    ("lambda: X", None),
    ("{{X}}", 1),
])
def test_code_injection_is_rejected(code, col, tmp_path):
    marker = tmp_path / "pwned"
    code = code.format(marker=marker)
    cell = "X : m x n\n" + code
    err = error_of(cell, wrt="X")
    if col is not None:
        assert err.line == 2 and err.col == col, str(err)
    assert not marker.exists()


def test_unicode_lookalike_letter():
    cell = "X : m x n\nX + Х"                      # the second one is CYRILLIC CAPITAL HA
    err = error_of(cell, wrt="X")
    assert "CYRILLIC" in err.message and "U+0425" in err.message
    assert_points_at(err, cell, 2, 5)


def test_unicode_lookalike_in_declaration():
    err = error_of("Х : m x n\nХ", wrt="Х")
    assert err.line == 1 and err.col == 1


@pytest.mark.parametrize("ch, name", [("\u200b", "ZERO WIDTH SPACE"), ("\u00ad", "SOFT HYPHEN"),
                                      ("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("\x00", "U+0000"),
                                      ("\ufeff", "ZERO WIDTH NO-BREAK SPACE")])
def test_invisible_characters(ch, name):
    cell = f"X : m x n\nX{ch} + X"
    err = error_of(cell, wrt="X")
    assert name in err.message
    assert (err.line, err.col) == (2, 2)


def test_every_ascii_control_character_is_refused_where_it_stands():
    """The ASCII fast path of the check refuses exactly the characters the Unicode rule does
    (controls, tab and carriage return excepted), at their column."""
    import unicodedata
    for code in range(128):
        ch = chr(code)
        if ch == "\n":
            continue
        refused = unicodedata.category(ch) == "Cc" and ch not in "\t\r"
        cell = f"X : m x n\nX{ch}+ X"
        if refused:
            err = error_of(cell, wrt="X")
            assert "invisible or control character" in err.message, code
            assert (err.line, err.col) == (2, 2), code
        else:
            try:
                derive(cell, wrt="X")
            except MatdiffError as exc:
                assert "invisible or control" not in exc.message, code


# --- wrt and layout ----------------------------------------------------------------------------

def test_wrt_unknown_name():
    err = error_of("X : m x n\nX'", wrt="Y")
    assert "'Y'" in err.message and "X" in err.message


def test_wrt_definition_name():
    err = error_of("X : m x n\nF = X'\nF", wrt="F")
    assert "definition" in err.message


@pytest.mark.parametrize("wrt", ["", " ", "X,", ",X", "X,,Y"])
def test_wrt_malformed(wrt):
    error_of("X, Y : m x n\nX + Y", wrt=wrt)


@pytest.mark.parametrize("wrt", [3, 1.5, ["X", 3], b"X"],
                         ids=["int", "float", "list-with-int", "bytes"])
def test_wrt_of_the_wrong_type(wrt):
    error_of("X : m x n\nX'", wrt=wrt)


def test_wrt_missing_when_ambiguous():
    err = error_of("X, Y : m x n\nX + Y")
    assert "wrt" in err.message


@pytest.mark.parametrize("layout", ["Numerator", "denom", "", None, 1, "Mixed"])
def test_bad_layout(layout):
    err = error_of("X : m x n\nX'", wrt="X", layout=layout)
    assert "layout" in err.message


@pytest.mark.parametrize("cell", [3, None, b"X : m x n\nX", ["X"]])
def test_cell_of_the_wrong_type(cell):
    error_of(cell, wrt="X")


# --- evaluate ----------------------------------------------------------------------------------

@pytest.fixture
def axb(rng):
    d = derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X")
    vals = {"A": rng.standard_normal((2, 3)), "X": rng.standard_normal((3, 4)),
            "B": rng.standard_normal((4, 5))}
    return d, vals


def evaluate_error(d, values, dims=None) -> MatdiffError:
    with pytest.raises(MatdiffError) as info:
        d.evaluate(values, dims)
    return info.value


def test_evaluate_missing_value(axb):
    d, v = axb
    del v["B"]
    assert "'B'" in evaluate_error(d, v).message


def test_evaluate_no_values(axb):
    d, _ = axb
    msg = evaluate_error(d, {}).message
    assert all(f"'{k}'" in msg for k in "ABX")


def test_evaluate_wrong_shape(axb):
    d, v = axb
    v["X"] = v["X"].T
    assert "'X'" in evaluate_error(d, v).message


def test_evaluate_inconsistent_sizes(axb):
    d, v = axb
    v["B"] = np.ones((3, 5))           # n would be 4 from X and 3 from B
    evaluate_error(d, v)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_evaluate_non_finite(axb, bad):
    d, v = axb
    v["A"] = v["A"].copy()
    v["A"][1, 2] = bad
    assert "non-finite" in evaluate_error(d, v).message


@pytest.mark.parametrize("value", ["abc", [[1, 2], [3]], {"a": 1}, np.ones((1, 2, 3)), None],
                         ids=["str", "ragged", "dict", "3-d", "None"])
def test_evaluate_non_matrix_value(axb, value):
    d, v = axb
    v["A"] = value
    evaluate_error(d, v)


def test_evaluate_complex_value_is_rejected(axb):
    """Complex values must not be silently cast to real (dropping the imaginary part)."""
    d, v = axb
    v["A"] = v["A"] + 1j
    evaluate_error(d, v)


@pytest.mark.parametrize("values", [None, [1, 2, 3], "A=1", 3, "arrays"],
                         ids=["None", "list", "str", "int", "list-of-arrays"])
def test_evaluate_values_not_a_dict(axb, values):
    d, v = axb
    if values == "arrays":
        values = list(v.values())
    evaluate_error(d, values)


@pytest.mark.parametrize("dims", [{"m": 0}, {"m": -3}, {"m": 2.5}, {"m": True}, {"m": "3"},
                                  {"m": 5}],
                         ids=["zero", "negative", "float", "bool", "str", "conflicting"])
def test_evaluate_bad_dims(axb, dims):
    d, v = axb
    evaluate_error(d, v, dims)


@pytest.mark.parametrize("dims", ["m=3", [3, 4], 3], ids=["str", "list", "int"])
def test_evaluate_dims_not_a_dict(axb, dims):
    d, v = axb
    evaluate_error(d, v, dims)


def test_evaluate_missing_dimension_for_a_constant():
    d = derive("X : m x n\nA : p x q\nA'", wrt="X")
    msg = evaluate_error(d, {"A": np.ones((2, 5))}).message
    assert "'m'" in msg or "'n'" in msg


def test_evaluate_singular_matrix():
    d = derive("X : n x n\ninv(X)", wrt="X")
    assert "singular" in evaluate_error(d, {"X": np.ones((3, 3))}).message


def test_evaluate_overflow():
    d = derive("X : m x n\nexp(X)", wrt="X")
    assert "not finite" in evaluate_error(d, {"X": np.full((2, 3), 1000.0)}).message


# --- nothing but MatdiffError ----------------------------------------------------------------

NOT_A_CRASH = [
    # valid inputs that used to crash inside the engine
    ("s : scalar\n(1/2)^(-3/2) s", "s"),
    ("s : scalar\n(1/2)^(-1/2) s", "s"),
    ("X : p x q\nB : q x p\ninv(kron(X, B))", "X"),
    ("X : p x q\nB : q x p\ndet(kron(X, B))", "X"),
    ("x : n\nx / norm2(x)", "x"),
    ("x : n\n(x' x) x", "x"),
    ("x : n\nsqrt(x' x) x", "x"),
    # invalid inputs
    ("X : n x n\ninv(X - X)", "X"),
    ("X : n x n\n0 X", "X"),
    ("X : n x n\nI_0 X", "X"),
    ("X : n x n\nK_{n,n", "X"),
    ("X : n x n\n1e400 X", "X"),
    ("X : n x n\nX^2000", "X"),
    ("X : n x n\nX^100", "X"),
    ("X : n x n\n(X)^(1/0)", "X"),
    ("X : n x n\nX.^(1/0)", "X"),
    ("X : n x n\n0^-1 X", "X"),
    ("X : m x n\n1 ./ X", "X"),
    ("X : n x n\nnorm2(X)", "X"),
    ("x : n\nx' x x", "x"),
]


@pytest.mark.parametrize("cell, wrt", NOT_A_CRASH, ids=[c[0].split("\n")[-1] for c in NOT_A_CRASH])
def test_only_matdiff_error(cell, wrt):
    try:
        d = derive(cell, wrt=wrt)
    except MatdiffError as err:
        assert err.message
        return
    # a valid input: the result must print
    assert str(d.result) and d.latex() and d.text()


TOKENS = ["X", "Y", "x", "s", "A", "'", " + ", " - ", " * ", " .* ", " ./ ", ".^", "^", "(",
          ")", "2", "-1", "1/2", "(1/2)", "(-3/2)", "tr(", "det(", "inv(", "kron(", ", ", " ⊗ ",
          " ∘ ", "I_n", "1_n", "K_{n,n}", "exp(", "diag(", "vec(", "norm2(", "sum(", "fro(",
          "logdet(", "sqrt(", " ", "x'", "X'", "0", "I", "ones", "\\top", "{", "}", "_", "#"]
FUZZ_DECL = "X, Y : n x n\nx : n\ns : scalar\nA : n x m\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join),
       st.sampled_from(["X", "x", "s"]))
@example("(1/2)^(-3/2) X", "X")
def test_fuzz_only_matdiff_error(text, wrt):
    try:
        d = derive(FUZZ_DECL + text, wrt=wrt)
    except MatdiffError:
        return
    assert str(d.result) is not None
    d.latex()
    d.text()


@pytest.mark.parametrize("cell, hint", [
    ("X : m x n\nX X", "did you mean X' X or X X'?"),
    ("X, Y : m x n\nX Y", "did you mean X' Y or X Y'?"),
    ("X : m x n\nY : m x q\nX Y", "did you mean X' Y?"),
])
def test_nonconforming_product_suggests_a_transpose(cell, hint):
    with pytest.raises(MatdiffError) as info:
        derive(cell, wrt="X")
    assert hint in str(info.value)
