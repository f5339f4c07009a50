"""The structural slips of a claim (SPEC §8): sign, swapped-kronecker, missing-factor, and a
claim that is not well-formed, judged at unequal sizes (3, 4, 5) so that no shape coincidence
can hide a slip or invent one; correct claims and claims that are merely wrong must not get
any of these diagnoses."""

from __future__ import annotations

import pytest

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.compare import NOT_WELL_FORMED, judge

DIMS = {"m": 3, "n": 4, "p": 5, "q": 5}
TANH = "W : m x n\nX : n x p\nH = tanh(W X)\nf = sum(H .* H)"
LSQ = "A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2"
AXB = "A : p x m\nX : m x n\nB : n x q\nA X B"
XYX = "X, Y : m x n\nX Y' X"
EXPAX = "A : m x n\nx : n\nsum(exp(A x))"
SIGMOID = "x : n\nA : m x n\nsum(log(1_m + exp(A x)))"
NEW = ("sign", "swapped-kronecker", "missing-factor")


def _dims(cell: str) -> dict:
    d = derive(cell, wrt=_wrt(cell))
    names = {str(n) for s in d.cell.symbols.values() for n in s.shape if not n.is_one}
    return {k: v for k, v in DIMS.items() if k in names}


def _wrt(cell: str) -> str:
    return {TANH: "W", EXPAX: "x", SIGMOID: "x"}.get(cell, "X")


def _judge(cell: str, claim: str, layout: str = "mixed"):
    d = derive(cell, wrt=_wrt(cell), layout=layout)
    return judge(d, claim, dims=_dims(cell))


@pytest.mark.parametrize("cell, claim, diagnosis, words", [
    (TANH, "2 H X'", "missing-factor", ["𝟏_(m×p) - tanh(WX)^∘2", "element-wise"]),
    (TANH, "2 (1_m 1_p' - H.^2) X'", "missing-factor", ["tanh(WX), an element-wise"]),
    (LSQ, "2 (A X - B)", "missing-factor", ["q×n", "m×n", "Aᵀ, a factor on the left"]),
    (EXPAX, "exp(A x)", "missing-factor", ["Aᵀ, a factor on the left"]),
    (SIGMOID, "A' exp(A x)", "missing-factor", ["𝟏 ⊘ (𝟏_m + exp(Ax))"]),
    (LSQ, "2 A'(A X + B)", "sign", ["-2 AᵀB"]),
    (XYX, "kron(X' Y, I_m) - kron(I_n, X Y')", "sign", ["I_n ⊗ XYᵀ"]),
    (AXB, "kron(A, B')", "swapped-kronecker", ["A ⊗ Bᵀ", "Bᵀ ⊗ A"]),
    (XYX, "kron(I_m, X' Y) + kron(X Y', I_n)", "swapped-kronecker", ["Every Kronecker"]),
])
def test_each_slip_at_unequal_sizes(cell, claim, diagnosis, words):
    v = _judge(cell, claim)
    assert v.diagnosis == diagnosis and not v.correct, str(v)
    assert v.term is not None
    assert all(w in v.message for w in words), v.message


def test_the_forgotten_chain_rule_factor_is_named_not_a_missing_term():
    # without the factor 1 - tanh², the claim is also the answer minus -2 tanh³ Xᵀ: the
    # factor is what the student forgot
    v = _judge(TANH, "2 H X'")
    assert v.diagnosis == "missing-factor" and "tanh(WX)^∘3" not in v.message


@pytest.mark.parametrize("cell, claim, layout", [
    (TANH, "2 (H .* (1_m 1_p' - H .* H)) X'", "mixed"),
    (TANH, "2 (H - H.^3) X'", "mixed"),
    (LSQ, "2 A' A X - 2 A' B", "mixed"),
    (AXB, "kron(B', A)", "mixed"),
    (AXB, "kron(B, A')", "denominator"),
    (XYX, "kron(I_n, X Y') + kron(X' Y, I_m)", "mixed"),
    (EXPAX, "A' exp(A x)", "mixed"),
    (SIGMOID, "A' (exp(A x) ./ (1_m + exp(A x)))", "mixed"),
])
def test_correct_claims_get_no_slip(cell, claim, layout):
    v = _judge(cell, claim, layout)
    assert v.correct and v.diagnosis == "correct", str(v)


@pytest.mark.parametrize("cell, claim, diagnosis", [
    (TANH, "H X'", "wrong"),
    (TANH, "2 H.^3 X'", "wrong"),
    (TANH, "W", "wrong"),
    (LSQ, "A' B", "wrong"),
    (LSQ, "2 A' A X", "missing-term"),
    (LSQ, "-2 A'(A X - B)", "scaled"),
    (AXB, "kron(B', A')", "shape"),
    (AXB, "kron(B', A) + kron(B', A X X')", "extra-term"),
    (EXPAX, "A' x", NOT_WELL_FORMED),
    (XYX, "kron(I_n, X Y')", "missing-term"),
])
def test_merely_wrong_claims_get_none_of_the_new_diagnoses(cell, claim, diagnosis):
    v = _judge(cell, claim)
    assert v.diagnosis == diagnosis, str(v)
    assert v.diagnosis not in NEW


def test_a_transposed_claim_with_a_swapped_kronecker_names_both():
    v = _judge(AXB, "kron(A', B)")   # (Bᵀ ⊗ A)ᵀ = B ⊗ Aᵀ, written the other way round
    assert v.diagnosis == "transposed" and "wrong way round" in v.message


@pytest.mark.parametrize("claim, words, col", [
    ("2 (A X - B) A'", "cannot multiply q x n by m x q", 13),
    ("2 A' (A X - C)", "the claim uses 'C'", 13),
    ("2 A' (A X - B", "expected ')'", 14),
])
def test_a_claim_that_is_not_well_formed_is_a_verdict_with_its_caret(claim, words, col):
    d = derive(LSQ, wrt="X")
    with pytest.raises(MatdiffError):   # compare keeps raising: the API's contract
        d.compare(claim)
    v = judge(d, claim)
    assert v.diagnosis == NOT_WELL_FORMED and not v.correct and v.claim == claim
    assert words in v.message
    shown, caret = v.message.split("\n")[-2:]
    assert caret.index("^") - shown.index(claim) == col - 1
    assert str(v).startswith(f"claim NOT-WELL-FORMED ({claim}): ")
    html = v._repr_html_()
    assert "✘ claim not well-formed" in html and "matdiff-claim-caret" in html
