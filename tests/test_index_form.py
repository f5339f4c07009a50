"""Derivation.index_form(): every ∂F_ij/∂X_kl with Kronecker deltas, checked entry by entry
against ``evaluate`` at unequal sizes."""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.sample import draw_values
from matdiff_magic.render.index import Delta, IndexForm, Term, index_form

# results the printer cannot write entry-wise (it must say so, never print a wrong formula)
NOT_ENTRYWISE = {"A : p x q\nX : m x n\nkron(A, X)"}

EXTRA = [
    ("A : p x n\nX : m x n\nB : m x q\nA X' B", "X"),
    ("X : m x n\nX' X", "X"),
    ("X : m x n\nY : n x m\nX Y X", "X"),
    ("A : p x m\nx : m\nA x", "x"),
    ("x : n\nx x'", "x"),
    ("X : m x n\nY : m x n\n3 X - 2 Y .* X", "X"),
    ("X : n x n\ntr(X) X", "X"),
    ("A : m x m\nX : m x n\nexp(A X)", "X"),
]


@pytest.mark.parametrize("cell,wrt", REFERENCE + EXTRA)
@pytest.mark.parametrize("layout", ["mixed", "denominator"])
def test_index_form_matches_evaluate(cell, wrt, layout):
    d = derive(cell, wrt=wrt, layout=layout)
    if cell in NOT_ENTRYWISE:
        with pytest.raises(MatdiffError, match="entry-wise form is not available"):
            d.index_form()
        return
    form = d.index_form()
    mixed = derive(cell, wrt=wrt)          # the evaluate to compare with: mixed layout
    for seed, descending in ((0, False), (1, True)):   # distinct sizes 3, 4, 5, 2, ...
        values, sizes = draw_values(d, None, seed, descending=descending)
        assert len(set(sizes.values())) == len(sizes)
        want = mixed.evaluate(values, sizes)
        got = form.evaluate(values, sizes)
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), form.text


def test_the_seed_example_reads_as_taught():
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    form = d.index_form()
    assert form.text == "∂Z_ij/∂X_kl = δ_ik (XᵀY)_jl + (XYᵀ)_ik δ_jl"
    assert form.latex.startswith("\\frac{\\partial Z_{ij}}{\\partial X_{kl}} = \\delta_{ik}")
    assert "\\delta_{jl}" in form.latex
    assert str(form) == form.text and "$$" in form._repr_latex_()
    assert d.index_form().text == form.text          # deterministic


def test_gradients_and_commutation():
    g = derive("A : p x m\nX : m x n\nB : n x p\nf = tr(A X B)", wrt="X").index_form()
    assert g.text == "∂f/∂X_kl = Σ_r A_rk B_lr"          # (AᵀBᵀ)_kl, the product written out
    h = derive("X: m x n\nW: n x p\nH = X W\nf = sum(sigmoid(H))", wrt="W").index_form()
    assert h.text == "∂f/∂W_kl = Σ_r X_rk (σ(XW) ∘ (𝟏_(m×p) - σ(XW)))_rl"
    assert derive("X: n x n\nf = logdet(X)", wrt="X").index_form().text == "∂f/∂X_kl = (X⁻ᵀ)_kl"
    k = derive("X : m x n\nX'", wrt="X").index_form()
    assert k.text == "∂F_ij/∂X_kl = δ_il δ_jk"
    big = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\n"
                 "F = A exp(B X C) D", wrt="X").index_form()
    assert big.text.startswith("∂F_ij/∂X_kl = Σ_tu ")   # r and s are sizes of the cell


def test_the_layout_does_not_change_the_entries():
    cell = "X, Y : m x n\nZ = X Y' X"
    forms = {derive(cell, wrt="X", layout=lay).index_form().text
             for lay in ("mixed", "numerator", "denominator")}
    assert len(forms) == 1


def test_a_wrong_formula_is_caught_by_the_evaluator():
    """The comparison can fail: δ_ik δ_jl (the identity) is not the commutation's entries."""
    d = derive("X : m x n\nX'", wrt="X")
    right = d.index_form()
    wrong = IndexForm(d, [Term(right.terms[0].coef, [Delta("i", "k"), Delta("j", "l")])],
                      {}, (right.lhs_text, right.lhs_latex), "jacobian")
    wrong.free_names, wrong.free = right.free_names, right.free
    values, sizes = draw_values(d, {"m": 3, "n": 3}, 0)
    assert np.allclose(right.evaluate(values, sizes), d.evaluate(values, sizes))
    assert not np.allclose(wrong.evaluate(values, sizes), d.evaluate(values, sizes))


def test_structured_coordinates_are_refused():
    d = derive("S : n x n symmetric\nlogdet(S)", wrt="vech(S)")
    with pytest.raises(MatdiffError, match="entry-wise"):
        index_form(d)


def test_random_cells_give_a_right_formula_or_a_refusal():
    """Never a wrong formula: over generated well-typed cells, the entry-wise form either
    equals evaluate or is refused with MatdiffError; most are written."""
    import random

    from strategies import random_case
    rng = random.Random(5)
    written = refused = 0
    for _ in range(200):
        case = random_case(rng)
        try:
            d = derive(case.cell, wrt=case.wrt)
        except MatdiffError:
            continue
        try:
            form = d.index_form()
        except MatdiffError as exc:
            assert "entry-wise form is not available" in str(exc)
            refused += 1
            continue
        values, sizes = draw_values(d, None, 0)
        want = d.evaluate(values, sizes)
        got = form.evaluate(values, sizes)
        scale = max(1.0, float(np.abs(want).max()))
        assert got.shape == want.shape, case
        assert np.allclose(got, want, rtol=1e-8, atol=1e-10 * scale), (str(case), form.text)
        assert not _letters_of(form) & _cell_letters(d), (str(case), form.text)
        written += 1
    assert written >= 150 and written > 5 * refused, (written, refused)


HESSIANS = [
    ("X : n x n spd\nlogdet(X)", "X", None),
    ("A : m x m\nX : m x n\ntr(X' A X)", "X", None),
    ("X : m x n\nA : m x p\nY : p x n\ntr(X' A Y)", "X", "Y"),
    ("x : n\nA : n x n\nx' A x", "x", None),
    ("X : m x n\nfro(X)^2", "X", None),
    ("W : m x n\nx : n\nsum(exp(W x))", "W", None),
    ("X : n x n invertible\ntr(inv(X))", "X", None),
    ("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X", None),
]


@pytest.mark.parametrize("cell,wrt,wrt2", HESSIANS)
def test_hessian_index_form_matches_evaluate(cell, wrt, wrt2):
    d = derive(cell, wrt=wrt, order=2, wrt2=wrt2)
    form = d.index_form()
    vector = wrt.islower()   # one index per vector
    lhs = f"∂²f/∂{wrt}_i∂{wrt}_k" if vector else f"∂²f/∂{wrt}_ij∂{wrt2 or wrt}_kl"
    assert form.text.startswith(lhs + " = ")
    for seed, descending in ((0, False), (1, True)):
        values, sizes = draw_values(d, None, seed, descending=descending)
        want, got = d.evaluate(values, sizes), form.evaluate(values, sizes)
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), form.text


def test_hessian_of_logdet_reads_as_taught():
    d = derive("X : n x n spd\nlogdet(X)", wrt="X", order=2)
    assert d.index_form().text == "∂²f/∂X_ij∂X_kl = -(X⁻¹)_jk (X⁻ᵀ)_il"


def _letters_of(form) -> set:
    """Every index letter the form prints: its free indices and each term's."""
    out = {x for x in form.free_names if x is not None}
    for t in form.terms:
        out.update(t.sums)
        for f in t.factors:
            out.update(x for x in (getattr(f, "a", None), getattr(f, "b", None)) if x)
    return out


def _cell_letters(d) -> set:
    sizes = {name for s in d.cell.symbols.values() for dm in s.shape for name, _ in dm.factors}
    return set(d.cell.symbols) | {n for n, _ in d.cell.definitions} | {d.name} | sizes


CLASHES = [   # cells whose sizes or names are the letters the form would print
    ("A : p x q\nB : q x m\nX : m x n\nC : n x r\nD : r x s\nF = A exp(B X C) D", "X"),
    ("A : p x m\nX : m x k\nB : k x p\nf = tr(A X B)", "X"),
    ("X : i x j\nF = X'", "X"),
    ("X : m x n\nk : n\nF = X k k'", "X"),
    ("A : r x m\nX : m x s\nB : s x r\nf = tr(A X B)", "X"),
    ("i, k : n\nX : n x n\nf = i' X k", "X"),
]


@pytest.mark.parametrize("cell,wrt", REFERENCE + EXTRA + CLASHES)
def test_index_letters_are_never_the_cells_names_or_sizes(cell, wrt):
    d = derive(cell, wrt=wrt)
    if cell in NOT_ENTRYWISE:
        return
    form = d.index_form()
    clash = _letters_of(form) & _cell_letters(d)
    assert not clash, (form.text, clash)
    values, sizes = draw_values(d, None, 0)
    assert np.allclose(form.evaluate(values, sizes), d.evaluate(values, sizes)), form.text


def test_a_clash_picks_other_letters_and_says_so_in_the_step():
    d = derive(CLASHES[0][0], wrt="X")
    assert d.index_form().text == "∂F_ij/∂X_kl = Σ_tu A_it D_uj (exp(BXC))_tu B_tk C_lu"
    g = derive(CLASHES[1][0], wrt="X")
    assert g.index_form().text == "∂f/∂X_ij = Σ_r A_ri B_jr"
    assert "each entry X_ij of X" in g.steps[-1].rule


@pytest.mark.parametrize("cell,wrt,wrt2", HESSIANS + [
    ("X : k x l\nA : k x k\ntr(X' A X)", "X", None)])
def test_hessian_index_letters_avoid_the_cell(cell, wrt, wrt2):
    d = derive(cell, wrt=wrt, order=2, wrt2=wrt2)
    form = d.index_form()
    assert not _letters_of(form) & _cell_letters(d), form.text
