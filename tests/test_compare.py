"""Claimed answers (SPEC §8): every diagnosis on claims that must get it, equivalent forms that
must be accepted, bad claims that must raise with a caret in the claim."""

from __future__ import annotations

import pytest

from matdiff_magic import MatdiffError, Verdict, assert_derivative, derive
from matdiff_magic.numeric.compare import DIAGNOSES

XAX = "x : n\nA : n x n\nx' A x"
AXB = "A : p x m\nX : m x n\nB : n x q\nA X B"
TRAXB = "A : p x m\nX : m x n\nB : n x p\ntr(A X B)"
LSQ = "A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2"
XYX = "X, Y : m x n\nX Y' X"
LOGDET_SPD = "X : n x n spd\nlogdet(X)"
LOGDET_INV = "X : n x n invertible\nlogdet(X)"
DET = "X : n x n invertible\ndet(X)"
XTX = "x : n\nx' x"
TRXAX = "X : m x n\nA : m x m\ntr(X' A X)"
FRO = "X : n x n\nfro(X)^2"
TANH = "W : m x n\nX : n x p\nH = tanh(W X)\nf = sum(H .* H)"

# (cell, wrt, claim, layout)
EQUIVALENT = [
    (XAX, "x", "A x + A' x", "mixed"),
    (XAX, "x", "(A + A')x", "mixed"),
    (XAX, "x", "A' x + A x", "mixed"),
    (XAX, "x", "(x' A + x' A')'", "mixed"),
    (XAX, "x", "(x'(A + A'))'", "mixed"),
    (XAX, "x", r"\left(A + A^\top\right)\mathbf{x}", "mixed"),
    (AXB, "X", "kron(B', A)", "mixed"),
    (AXB, "X", "B' ⊗ A", "mixed"),
    (AXB, "X", r"B^\top \otimes A", "mixed"),
    (AXB, "X", "(B ⊗ A')'", "mixed"),
    (AXB, "X", "kron(B, A')", "denominator"),
    (TRAXB, "X", "A' B'", "mixed"),
    (TRAXB, "X", "(B A)'", "mixed"),
    (TRAXB, "X", r"(B A)^{\mathsf T}", "mixed"),
    (TRAXB, "X", "B A", "numerator"),
    (LSQ, "X", "2 A'(A X - B)", "mixed"),
    (LSQ, "X", "2 A' A X - 2 A' B", "mixed"),
    (LSQ, "X", "2 (X' A' A - B' A)'", "mixed"),
    (LSQ, "X", "A' (A X - B) + A' (A X - B)", "mixed"),
    (LSQ, "X", r"2 A^\top (A X - B)", "mixed"),
    (LOGDET_SPD, "X", "inv(X)", "mixed"),
    (LOGDET_SPD, "X", "inv(X')", "mixed"),
    (LOGDET_SPD, "X", "X^-T", "mixed"),
    (LOGDET_SPD, "X", r"X^{-1}", "mixed"),
    (LOGDET_INV, "X", "inv(X')", "mixed"),
    (LOGDET_INV, "X", "inv(X)", "numerator"),
    (DET, "X", "det(X) inv(X)'", "mixed"),
    (DET, "X", r"\det(X) X^{-\top}", "mixed"),
    (XYX, "X", "kron(X' Y, I_m) + kron(I_n, X Y')", "mixed"),
    (XYX, "X", "kron(I_n, X Y') + kron(Y' X, I_m)'", "mixed"),
    (XTX, "x", "2 x", "mixed"),
    (XTX, "x", "x + x", "mixed"),
    (XTX, "x", "2 x'", "numerator"),
    (TRXAX, "X", "(A + A') X", "mixed"),
    (TRXAX, "X", "A X + A' X", "mixed"),
    ("X : n x n invertible\ninv(X)", "X", "-kron(inv(X)', inv(X))", "mixed"),
    ("X : n x n invertible\ninv(X)", "X", "-(kron(inv(X)', I_n) kron(I_n, inv(X)))", "mixed"),
    ("X : m x n\nX .* X", "X", "2 diag(vec(X))", "mixed"),
    ("X : m x n\nX .* X", "X", "diag(vec(X)) + diag(vec(X))", "mixed"),
]


@pytest.mark.parametrize("cell, wrt, claim, layout", EQUIVALENT,
                         ids=[f"{c.splitlines()[-1]}|{cl}|{lay}" for c, _, cl, lay in EQUIVALENT])
def test_equivalent_forms_are_accepted(cell, wrt, claim, layout):
    v = derive(cell, wrt=wrt, layout=layout).compare(claim)
    assert isinstance(v, Verdict)
    assert v.correct and v.diagnosis == "correct", str(v)
    assert v.max_rel_error < 1e-8


def test_at_least_twenty_equivalent_forms():
    assert len(EQUIVALENT) >= 20


# (cell, wrt, claim, layout, diagnosis, check of the details)
SLIPS = [
    # transposed: another layout's answer
    (TRAXB, "X", "B A", "mixed", "transposed", "numerator layout"),
    (LOGDET_INV, "X", "inv(X)", "mixed", "transposed", "numerator layout"),
    (AXB, "X", "B ⊗ A'", "mixed", "transposed", "denominator layout"),
    (XAX, "x", "x' (A + A')", "mixed", "transposed", "numerator layout"),
    ("A : n x m\nX : m x n\ntr(A X)", "X", "A", "mixed", "transposed", "numerator layout"),
    (DET, "X", "det(X) inv(X)", "mixed", "transposed", "numerator layout"),
    (TRAXB, "X", "A' B'", "numerator", "transposed", "mixed and denominator"),
    (AXB, "X", "kron(B', A)", "denominator", "transposed", "mixed and numerator"),
    ("a : m\nb : n\nX : m x n\na' X b", "X", "b a'", "mixed", "transposed", "numerator layout"),
    # scaled
    ("X : m x n\ntr(X' X)", "X", "X", "mixed", "scaled", 0.5),
    (XTX, "x", "x", "mixed", "scaled", 0.5),
    (LSQ, "X", "A'(A X - B)", "mixed", "scaled", 0.5),
    (LOGDET_SPD, "X", "-inv(X)", "mixed", "scaled", -1.0),
    (AXB, "X", "-kron(B', A)", "mixed", "scaled", -1.0),
    (TRAXB, "X", "3 A' B'", "mixed", "scaled", 3.0),
    ("x : n\nA : n x n symmetric\nx' A x", "x", "A x", "mixed", "scaled", 0.5),
    # sign: one term's sign flipped (a one-term answer negated is scaled by -1)
    (LSQ, "X", "2 A'(A X + B)", "mixed", "sign", "-2 A' B"),
    (XAX, "x", "A x - A' x", "mixed", "sign", "A' x"),
    (TRXAX, "X", "A X - A' X", "mixed", "sign", "A' X"),
    (XYX, "X", "kron(X' Y, I_m) - kron(I_n, X Y')", "mixed", "sign", "I_n ⊗ X Y'"),
    ("x : n\nb : n\nx' x - 2 b' x", "x", "2 x + 2 b", "mixed", "sign", "-2 b"),
    # swapped-kronecker: the claim's Kronecker product the other way round
    (AXB, "X", "kron(A, B')", "mixed", "swapped-kronecker", "kron(A, B')"),
    ("X : m x n\nA : p x m\nA X", "X", "kron(A, I_n)", "mixed", "swapped-kronecker",
     "kron(A, I_n)"),
    ("X : m x n\nB : n x p\nX B", "X", "kron(I_m, B')", "mixed", "swapped-kronecker",
     "kron(I_m, B')"),
    (XYX, "X", "kron(I_m, X' Y) + kron(I_n, X Y')", "mixed", "swapped-kronecker",
     "kron(I_m, X' Y)"),
    (XYX, "X", "kron(I_m, X' Y) + kron(X Y', I_n)", "mixed", "swapped-kronecker", None),
    (AXB, "X", "kron(A', B)", "denominator", "swapped-kronecker", "kron(A', B)"),
    # missing-factor: a factor of the chain rule left out, named; also of another shape
    (TANH, "W", "2 H X'", "mixed", "missing-factor", "1_m 1_p' - H .* H"),
    (TANH, "W", "2 (1_m 1_p' - H .* H) X'", "mixed", "missing-factor", "H"),
    (LSQ, "X", "2 (A X - B)", "mixed", "missing-factor", "A'"),
    ("A : m x n\nx : n\nsum(exp(A x))", "x", "exp(A x)", "mixed", "missing-factor", "A'"),
    ("X : m x n\nA : n x p\nsum(sin(X A))", "X", "cos(X A)", "mixed", "missing-factor",
     "A'"),
    ("x : n\nA : n x n\nexp(x' A x)", "x", "(A + A') x", "mixed", "missing-factor",
     "exp(x' A x)"),
    ("x : n\nA : m x n\nsum(log(1_m + exp(A x)))", "x", "A' exp(A x)", "mixed",
     "missing-factor", "1_m ./ (1_m + exp(A x))"),
    # missing-term
    (XAX, "x", "A x", "mixed", "missing-term", "A' x"),
    (XAX, "x", "A' x", "mixed", "missing-term", "A x"),
    (XYX, "X", "kron(I_n, X Y')", "mixed", "missing-term", "X' Y ⊗ I_m"),
    (XYX, "X", "kron(X' Y, I_m)", "mixed", "missing-term", "I_n ⊗ X Y'"),
    (LSQ, "X", "2 A' A X", "mixed", "missing-term", "-2 A' B"),
    (TRXAX, "X", "A X", "mixed", "missing-term", "A' X"),
    ("X : m x n\nX' X + I", "X", "kron(I_n, X')", "mixed", "missing-term", None),
    # extra-term
    (XAX, "x", "(A + A')x + A x", "mixed", "extra-term", "A x"),
    (TRAXB, "X", "A' B' + X", "mixed", "extra-term", "X"),
    (LOGDET_SPD, "X", "inv(X) + X", "mixed", "extra-term", "X"),
    (XTX, "x", "2 x + 1_n", "mixed", "extra-term", "1_n"),
    (FRO, "X", "2 X + X'", "mixed", "extra-term", "X'"),
    (AXB, "X", "kron(B', A) + kron(B', A X X')", "mixed", "extra-term", "kron(B', A X X')"),
    # needs-symmetry
    (XAX, "x", "2 A x", "mixed", "needs-symmetry", ("A",)),
    (XAX, "x", "2 A' x", "mixed", "needs-symmetry", ("A",)),
    (TRXAX, "X", "2 A X", "mixed", "needs-symmetry", ("A",)),
    ("y : n\nS : n x n invertible\ny' inv(S) y", "y", "2 inv(S) y", "mixed", "needs-symmetry",
     ("S",)),
    ("x : n\nA, B : n x n\nx' A x + x' B x", "x", "2 A x + 2 B x", "mixed", "needs-symmetry",
     ("A", "B")),
    ("X : m x n\nA : n x n\ntr(X A X')", "X", "2 X A", "mixed", "needs-symmetry", ("A",)),
    # shape
    (XAX, "x", "A", "mixed", "shape", ("n×n", "n×1")),
    (TRAXB, "X", "A' A", "mixed", "shape", ("m×m", "m×n")),
    (AXB, "X", "B' ⊗ A'", "mixed", "shape", None),
    (XTX, "x", "x' x", "mixed", "shape", ("scalar", "n×1")),
    (LOGDET_SPD, "X", "tr(X)", "mixed", "shape", None),
    (XYX, "X", "X Y'", "mixed", "shape", ("m×m",)),
    # wrong
    (XAX, "x", "exp(x)", "mixed", "wrong", None),
    ("X : m x n\ntr(X' X)", "X", "X + 1_m 1_n'", "mixed", "wrong", None),
    (LOGDET_SPD, "X", "X", "mixed", "wrong", None),
    (AXB, "X", "kron(B', A) diag(vec(X))", "mixed", "wrong", None),
    (TRAXB, "X", "A' B' X' X", "mixed", "wrong", None),
    (XTX, "x", "exp(x) .* x", "mixed", "wrong", None),
]


@pytest.mark.parametrize("cell, wrt, claim, layout, diagnosis, detail", SLIPS,
                         ids=[f"{s[4]}|{s[0].splitlines()[-1]}|{s[2]}|{s[3]}" for s in SLIPS])
def test_each_slip_is_named(cell, wrt, claim, layout, diagnosis, detail):
    v = derive(cell, wrt=wrt, layout=layout).compare(claim)
    assert not v.correct
    assert v.diagnosis == diagnosis, str(v)
    assert v.message and v.layout == layout
    if diagnosis == "transposed":
        assert detail in v.message
    elif diagnosis == "scaled":
        assert v.factor == pytest.approx(detail)
        assert ("sign" in v.message) == (detail == -1)
    elif diagnosis in ("missing-term", "extra-term", "sign", "missing-factor",
                       "swapped-kronecker"):
        assert v.term is not None
        if detail is not None:   # the term, compared as an expression (not as a string)
            assert _same(derive(cell, wrt=wrt), v.term, detail)
    elif diagnosis == "needs-symmetry":
        assert v.symbols == detail
        assert all(s in v.message for s in detail)
    elif diagnosis == "shape" and detail is not None:
        assert all(s in v.message for s in detail)


def _same(d, a: str, b: str) -> bool:
    """Two expressions in the cell's symbols are equal at the random points compare uses."""
    from matdiff_magic.lang.claim import parse_claim
    from matdiff_magic.lang.parse import parse_expr
    from matdiff_magic.numeric.claim_points import Points as _Points
    from matdiff_magic.numeric.claim_points import close as _close
    try:   # read as a claim reads it: definitions (H = ...) by their names
        ea, eb = (parse_claim(t, d) for t in (a, b))
    except MatdiffError:
        ea, eb = (parse_expr(t, d.cell.symbols) for t in (a, b))
    pts = _Points(d, 0, None, [ea, eb])
    return _close(pts.values(ea), pts.values(eb))


def test_at_least_five_claims_per_diagnosis():
    for diagnosis in DIAGNOSES[1:]:
        assert sum(s[4] == diagnosis for s in SLIPS) >= 5, diagnosis


def test_a_transposed_claim_with_a_second_slip_names_both():
    v = derive(XAX, wrt="x").compare("x' A")
    assert v.diagnosis == "transposed" and "missing" in v.message and v.term is not None
    v = derive(TRAXB, wrt="X").compare("2 B A")
    assert v.diagnosis == "transposed" and v.factor == 2


def test_the_points_are_general_not_symmetric():
    # logdet needs det X > 0; a symmetric point would hide the transposition
    v = derive(LOGDET_INV, wrt="X").compare("inv(X)")
    assert v.diagnosis == "transposed"
    v = derive("X : n x n\ntr(X X)", wrt="X").compare("2 X")
    assert v.diagnosis == "transposed"


def test_a_symmetric_declaration_makes_the_symmetric_claim_right():
    assert derive("x : n\nA : n x n symmetric\nx' A x", wrt="x").compare("2 A x").correct
    assert derive("x : n\nA : n x n symmetric\nx' A x", wrt="x").compare("A x + A' x").correct


def test_the_verdict_is_deterministic():
    d = derive(XAX, wrt="x")
    assert str(d.compare("A x")) == str(derive(XAX, wrt="x").compare("A x"))
    assert d.compare("exp(x)").message == d.compare("exp(x)").message


def test_sizes_the_claim_leaves_open_come_from_the_answer():
    d = derive("x : n\nx x' x", wrt="x")
    assert d.compare("(x' x) I + 2 x x'").correct
    v = d.compare("x' x I")
    assert v.diagnosis == "missing-term"
    assert _same(d, v.term, "2 x x'")


def test_claims_may_use_the_definitions():
    d = derive("X : m x n\nW : n x p\nH = X W\nf = sum(H .* H)", wrt="X")
    assert d.compare("2 H W'").correct
    assert d.compare("2 X W W'").correct


# (claim, column of the caret, words)
BAD_CLAIMS = [
    ("2 B x", 3, "does not have"),
    ("A x +", 6, "operand is missing"),
    ("A x'", 3, "cannot multiply"),
    ("x : n", 3, "declarations"),
    ("A x \\foo", 5, "unknown LaTeX command"),
    ("(A x", 5, "expected ')'"),
    ("A y + x", 3, "'y'"),
]


@pytest.mark.parametrize("claim, col, words", BAD_CLAIMS, ids=[b[0] for b in BAD_CLAIMS])
def test_a_bad_claim_raises_with_a_caret_in_the_claim(claim, col, words):
    with pytest.raises(MatdiffError) as exc:
        derive(XAX, wrt="x").compare(claim)
    e = exc.value
    assert words in e.message
    assert e.line == 1 and e.col == col
    shown, caret = str(e).split("\n")[-2:]
    assert shown.strip() == claim
    assert caret.index("^") - shown.index(claim) == col - 1


@pytest.mark.parametrize("claim", ["", "   ", None, 3])
def test_an_empty_or_non_text_claim_raises(claim):
    with pytest.raises(MatdiffError):
        derive(XAX, wrt="x").compare(claim)


def test_assert_derivative_passes_and_fails_with_the_message():
    assert_derivative(XAX, "x", "A x + A' x")
    assert_derivative(TRAXB, "X", "B A", layout="numerator")
    with pytest.raises(AssertionError, match="needs-symmetry: .*A were symmetric"):
        assert_derivative(XAX, "x", "2 A x")
    with pytest.raises(AssertionError, match="transposed: .*numerator layout"):
        assert_derivative(TRAXB, "X", "B A")
    with pytest.raises(MatdiffError):
        assert_derivative(XAX, "x", "2 Q x")
    with pytest.raises(MatdiffError):
        assert_derivative(XAX, "x", "A x", layout="rows")


def test_verdict_renders_as_text_and_html():
    v = derive(XAX, wrt="x").compare("A x")
    assert str(v).startswith("claim MISSING-TERM (Ax): ")
    html = v._repr_html_()
    assert "matdiff-claim" in html and "matdiff-fail" in html and "missing-term" in html
    ok = derive(XAX, wrt="x").compare("A x + A' x")
    assert "matdiff-pass" in ok._repr_html_() and str(ok).startswith("claim correct")


def test_a_zero_claim_takes_the_answer_s_shape():
    d = derive("X : n x n invertible\ntr(X inv(X))", wrt="X")
    assert d.compare("0").correct
    assert d.compare("X").diagnosis == "extra-term"
    assert derive(XAX, wrt="x").compare("0").diagnosis == "wrong"


def test_bad_dims_or_seed_are_named():
    d = derive(XAX, wrt="x")
    assert d.compare("2 A x", dims={"n": 7}).diagnosis == "needs-symmetry"
    with pytest.raises(MatdiffError, match="dims names 'q'"):
        d.compare("A x", dims={"q": 2})
    with pytest.raises(MatdiffError, match="seed"):
        d.compare("A x", seed="one")
    with pytest.raises(MatdiffError, match="seed"):
        d.compare("(A + A') x", seed=1.5)   # even when the shortcut would answer
