"""LaTeX as papers write it (SPEC §9): each spelling derives exactly what its plain spelling
derives, and a LaTeX slip is a MatdiffError with a caret under it."""

from __future__ import annotations

import pytest

from matdiff_magic import MatdiffError, derive
from matdiff_magic.lang.parse import parse_cell

# (declarations, wrt, LaTeX target, plain target)
SPELLINGS = [
    ("A : p x m\nX : m x n\nB : p x n", "X", r"\frac{1}{2}\|A X - B\|_F^2",
     "1/2 fro(A X - B)^2"),
    ("x : n\nA : n x n", "x", r"\frac{\mathbf{x}^\top A \mathbf{x}}{\mathbf{x}^\top \mathbf{x}}",
     "x' A x / (x' x)"),
    ("S : n x n spd\ny : n", "S", r"\log\det(S) + y^{\mathsf T} S^{-1} y",
     "logdet(S) + y' inv(S) y"),
    ("Σ : n x n spd", "Σ", r"\log\det\boldsymbol{\Sigma}", "logdet(Σ)"),
    (r"\Sigma : n x n spd" + "\ny : n", "Σ", r"\log \det \Sigma + \mathbf{y}^\top "
     r"\boldsymbol{\Sigma}^{-1} \mathbf{y}", "logdet(Σ) + y' inv(Σ) y"),
    ("x : n\nA : q x n\nb : q", "x", r"\lVert A x - b \rVert_2^2", "norm2(A x - b)^2"),
    ("x : n\nA : q x n\nb : q", "x", r"\left\| A\mathbf{x} - \mathbf{b} \right\|_2",
     "norm2(A x - b)"),
    ("x : n", "x", r"\sqrt{x^\top x}", "sqrt(x' x)"),
    ("x : n", "x", r"\|x\|_2", "norm2(x)"),
    ("x : n", "x", r"\|x\|^2", "norm2(x)^2"),
    ("X : m x n", "X", r"\|X\|", "fro(X)"),
    ("X : m x n", "X", r"\|X\|_{\mathrm{F}}^2", "fro(X)^2"),
    ("X : n x n", "X", r"\operatorname{Tr}(X^{\mathsf{T}} X)", "tr(X' X)"),
    ("X : n x n", "X", r"\mathrm{tr}\left( X X \right)", "tr(X X)"),
    ("A : n x n\nX : n x n", "X", r"\operatorname{tr}(A X^\top)", "tr(A X')"),
    ("x : n", "x", r"\mathbf{1}_n^\top \exp(x)", "1_n' exp(x)"),
    ("x : n", "x", r"\mathbf{1}_{n}^{\top} \exp(\mathbf{x})", "1_n' exp(x)"),
    ("X : m x n\nw : n\ny : m", "w",
     r"-\left( y^\top \log \sigma(X w) + (\mathbf{1}_m - y)^\top \log(\mathbf{1}_m - "
     r"\sigma(X w)) \right)",
     "-(y' log(sigmoid(X w)) + (1_m - y)' log(1_m - sigmoid(X w)))"),
    ("x : n", "x", r"\frac12 \|x\|^2", "1/2 norm2(x)^2"),
    ("X : n x n invertible", "X", r"\det X^{-1}", "det(inv(X))"),
    ("X : n x n invertible", "X", r"\log \det X + \operatorname{tr} X", "logdet(X) + tr(X)"),
    ("X : n x n invertible", "X", r"\det\left(X\right)", "det(X)"),
    ("A : p x m\nX : m x n\nB : n x q", "X", r"A \, X \; B", "A X B"),
    ("A : p x m\nX : m x n\nB : n x q", "X", r"\mathbf{A}\mathbf{X}\mathbf{B}", "A X B"),
    ("A : p x q\nX : m x n", "X", r"A \otimes X", "kron(A, X)"),
    ("A : m x n\nX : m x n", "X", r"A \odot X \circ X", "A .* X .* X"),
    ("A : n x n\nx : n", "x", r"x^\top \cdot A \cdot x", "x' A x"),
    ("X : m x n", "X", r"\exp\left(X\right)^{\top}", "exp(X)'"),
    ("X : n x n invertible", "X", r"X^{-1} + X^{-\top}", "inv(X) + inv(X')"),
    ("X : n x n", "X", r"X^\intercal X^{T}", "X' X'"),
    ("x : n\nA : n x n", "x", r"\left[ x^\top A x \right]^2 \quad", "(x' A x)^2"),
    ("X : m x n", "X", r"\operatorname{sum}(\tanh(X))", "sum(tanh(X))"),
    ("μ : n\nx : n\nΣ : n x n spd", "μ",
     r"\frac{1}{2}(\mathbf{x} - \boldsymbol{\mu})^\top \Sigma^{-1} (\mathbf{x} - \boldsymbol{\mu})",
     "1/2 (x - μ)' inv(Σ) (x - μ)"),
    ("x_1 : n\nA : n x n", "x_1", r"\mathbf{x}_1^\top A \mathbf{x}_{1}", "x_1' A x_1"),
    ("X : n x n", "X", r"\mathrm{diag}(X)^\top \mathbf{1}_n", "diag(X)' 1_n"),
    ("x : n", "x", r"\sin(x)^\top \cos(x) \! + \ln(\mathbf{1}_n^\top \exp(x))",
     "sin(x)' cos(x) + log(1_n' exp(x))"),
]


@pytest.mark.parametrize("decls, wrt, tex, plain", SPELLINGS, ids=[s[2] for s in SPELLINGS])
def test_latex_derives_as_its_plain_spelling(decls, wrt, tex, plain):
    a = derive(decls + "\n" + tex, wrt=wrt)
    b = derive(decls.replace(r"\Sigma", "Σ") + "\n" + plain, wrt=wrt)
    assert str(a.target) == str(b.target)
    assert str(a.result) == str(b.result)


def test_at_least_twenty_five_spellings():
    assert len(SPELLINGS) >= 25


def test_latex_in_definitions():
    d = derive("X : m x n\nA : m x m\nG = \\mathbf{A} X\nf = \\operatorname{tr}(X^\\top G)",
               wrt="X")
    assert str(d.result) == str(derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X").result)


# (cell, column of the caret, words in the message)
ERRORS = [
    ("X : m x n\n\\hat{X} + X", 1, "unknown LaTeX command '\\hat'"),
    ("X : m x n\nX + \\foo", 5, "unknown LaTeX command '\\foo'"),
    ("X : m x n\n\\frac{X}", 1, "argument"),
    ("X : m x n\n2 \\|X", 3, "not closed"),
    ("X : m x n\nX \\rVert", 3, "lVert"),
    ("X : m x n\n\\sqrt[3]{X}", 1, "square roots"),
    ("X : m x n\n{X", 1, "unexpected"),
    ("X : m x n\n\\mathbf{\\foo}", 1, "Greek"),
    ("X : m x n\n\\|X\\|_\\infty", 1, "vector"),   # \|X\|_2 of a matrix: the spectral norm
    ("X : m x n\n\\|X\\|_3", 6, "a norm's subscript is F, 2, 1, * or \\infty"),
    ("A : n x n\nX : n x n\n\\operatorname{tr} A X", 1, "parentheses"),
    ("X : n x n\nX + \\frac{}{2} X", 10, "empty"),
]


@pytest.mark.parametrize("cell, col, words", ERRORS, ids=[e[0].split("\n")[-1] for e in ERRORS])
def test_latex_errors_have_a_caret(cell, col, words):
    with pytest.raises(MatdiffError) as exc:
        derive(cell, wrt="X")
    e = exc.value
    assert words in e.message
    assert e.col == col, (e.col, str(e))
    assert e.line == len(cell.split("\n"))
    shown, caret = str(e).split("\n")[-2:]
    assert caret.index("^") - shown.index(cell.split("\n")[-1]) == col - 1


def test_columns_point_into_the_original_text():
    # the synthetic tokens of \frac and \| carry columns of the text the user wrote
    cell = "X, Y : m x n\n\\frac{1}{2}\\|X\\|_F^2 + X Y"
    with pytest.raises(MatdiffError) as exc:
        parse_cell(cell)
    assert exc.value.col == cell.split("\n")[1].index("X Y") + 3


def test_plain_text_is_untouched_by_the_latex_stage():
    # braces without a backslash stay what they were (exponents)
    assert str(derive("X : n x n\nX^{2}", wrt="X").result) == \
        str(derive("X : n x n\nX^2", wrt="X").result)


TEX_ALPHABET = ["X", "A", "x", "'", "^", "-", "+", "*", "(", ")", ",", " ", "1", "2", "⊗",
                "{", "}", "_", "|", "\\", "\\frac", "\\|", "\\left(", "\\right)", "\\left\\|",
                "\\right\\|_2", "\\lVert", "\\rVert_F", "^{-1}", "^\\top", "^{\\circ 2}",
                "\\mathbf{X}", "\\mathbf{1}_n", "\\sqrt", "_F", "_2", "\\log\\det",
                "\\operatorname{tr}", "\\det", "\\exp", "\\sigma", "\\Sigma", "\\left|",
                "\\right|", "\\operatorname{vec}", "^{-1}_{m}", "\\oslash", "\\cdot", "\\,"]


def test_fuzzed_latex_cells_raise_only_matdiff_error():
    from conftest import guard
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(TEX_ALPHABET), max_size=30).map("".join))
    def run(text):
        with guard():
            try:
                derive("X : n x n\nA : n x n\nx : n\nΣ : n x n spd\n" + text, wrt="X")
            except MatdiffError as exc:
                assert exc.line is not None or "empty" in exc.message or \
                    "wrt" in exc.message or "depend" in exc.message, str(exc)
    run()


def test_unvec_rows_in_braces_on_a_latex_line():
    """A line with a LaTeX command kept unvec(v, {m*n})'s rows as a group: the soak found it."""
    cell = "c : 3*n*q\nB : 3 x m\nf = unvec(c, {n*q}) * (B \\odot B)"
    plain = "c : 3*n*q\nB : 3 x m\nf = unvec(c, {n*q}) * (B .* B)"
    assert str(derive(cell, wrt="B").result) == str(derive(plain, wrt="B").result)


def test_the_reciprocal_of_a_matrix_reads_back():
    """\\mathbf{1} \\oslash G (how the engine prints G^∘-1) is sized like G, a matrix too."""
    cell = parse_cell("G : m x 2\nx : m\n\\mathbf{1} \\oslash G")
    plain = parse_cell("G : m x 2\nx : m\n1 ./ G")
    assert cell.target == plain.target
    d = derive("S, G : m x 2\nS ./ G", wrt="S")
    assert "\\mathbf{1} \\oslash G" in d.latex() and d.compare(d.latex()).correct
