"""Pictures of the commutation matrices and diag(vec A) factors in the steps that show them.

The SVGs are parsed and read back as matrices: K must be the permutation with
vec(Pᵀ) = K vec P (checked with NumPy on random matrices of unequal sizes, independently of
the package's own commutation matrix), diag(vec A) the diagonal of A's sampled values
column by column. The pictures must sit under exactly the steps whose equation shows such a
matrix, in the static HTML always and in the widget only while its picture button is on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from cases import REFERENCE
from textbook import TEXTBOOK

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.derivation import Step
from matdiff_magic.notebook.widget import MatdiffDisplay, Stepper
from matdiff_magic.numeric.sample import draw_values
from matdiff_magic.render.picture import (
    _STEP_CACHE,
    special_matrices,
    step_pictures,
    step_pictures_html,
)

SVG = "{http://www.w3.org/2000/svg}"
TRANSPOSE = "X : m x n\nF = X'"
GRAM = "X : m x n\nF = X' X"
HADAMARD = "X, A : m x n\nF = A .* X"
EXP = "X : m x n\nF = exp(X)"
SANDWICH = "A : p x m\nB : n x q\nX : m x n\nF = A exp(X) B"
OUTER = "X : n x n\nF = X X'"
PLAIN = "X, Y : m x n\nZ = X Y' X"           # Kronecker products only: no pictures
GRADIENT = "X : m x n\nf = sum(exp(X))"      # no K, no diag(vec A)
CELLS = [TRANSPOSE, GRAM, HADAMARD, EXP, SANDWICH, OUTER, PLAIN, GRADIENT]
# second derivatives and structured variables record the expressions of their steps too
MORE = [("X : m x n\nf = tr(X' X X' X)", "X", 2), ("X : m x n\nf = sum(exp(X))", "X", 2),
        ("X : n x n spd\nf = logdet(X)", "X", 2),
        ("S : n x n symmetric\nF = S'", "vech(S)", 1),
        ("L : n x n lower\nF = L'", "vech(L)", 1),
        ("D : n x n diagonal\nF = exp(D)", "diag(D)", 1)]


def vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def read(svg: str) -> tuple[ET.Element, np.ndarray]:
    """The parsed SVG and the matrix it draws (cells not drawn are zeros)."""
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("class") == "matdiff-special-svg"
    rows, cols = int(root.get("data-rows")), int(root.get("data-cols"))
    out = np.zeros((rows, cols))
    for c in root.iter(SVG + "rect"):
        if c.get("class") == "cell":
            out[int(c.get("data-row")), int(c.get("data-col"))] = float(c.get("data-value"))
    return root, out


def caption(root: ET.Element) -> str:
    return next(root.iter(SVG + "text")).text


def shown(page: str) -> list[list[str]]:
    """For each step item of a static page: the matrices pictured under it."""
    items = page.split('<div class="matdiff-step-item">')[1:]
    return [re.findall(r'class="matdiff-special-svg"[^>]*data-matrix="([^"]*)"', it)
            for it in items]


def expected(step) -> list[str]:
    """What a step's own text shows on the right: K_.. and diag(...) (its equation)."""
    right = step.text.split(" = ", 1)[-1]
    names = list(dict.fromkeys(re.findall(r"K_[a-z0-9²]+", right)))
    i = right.find("diag(")
    while i >= 0:            # diag( ... ) with nested parentheses
        depth, j = 0, i + 4
        for j in range(i + 4, len(right)):
            depth += {"(": 1, ")": -1}.get(right[j], 0)
            if depth == 0:
                break
        inner = right[i + 5:j]
        name = "diag(" + (inner if inner.startswith("vec ") else inner) + ")"
        if name not in names:
            names.append(name)
        i = right.find("diag(", j)
    return names


# --- the matrices, read back from the SVG --------------------------------------------------

@pytest.mark.parametrize("dims", [None, {"m": 3, "n": 4}, {"m": 4, "n": 2}, {"m": 5, "n": 3}])
def test_commutation_picture_is_the_permutation_of_vec_transpose(dims):
    d = derive(TRANSPOSE, wrt="X")
    step = next(s for s in d.steps if "K_mn vec dX" in s.text)
    [svg] = step_pictures(d, step, dims=dims)
    root, K = read(svg)
    _, sizes = draw_values(d, dims, 0)
    m, n = sizes["m"], sizes["n"]
    assert m != n and K.shape == (m * n, m * n)
    assert set(np.unique(K)) == {0.0, 1.0}
    assert (K.sum(axis=0) == 1).all() and (K.sum(axis=1) == 1).all()    # a permutation
    rng = np.random.default_rng(7)
    for _ in range(3):
        X = rng.standard_normal((m, n))
        assert np.array_equal(K @ vec(X), vec(X.T))
    assert caption(root) == f"K_mn (mn×mn) at m = {m}, n = {n}: {m * n}×{m * n}"
    # the lines between the n×m blocks of K_mn, each holding one 1
    blocks = [p for p in root.iter(SVG + "path") if p.get("class") == "block"]
    assert len(blocks) == 1
    assert blocks[0].get("d").count("V") == n - 1 and blocks[0].get("d").count("H") == m - 1
    for bi in range(m):
        for bj in range(n):
            assert K[bi * n:(bi + 1) * n, bj * m:(bj + 1) * m].sum() == 1


def test_the_other_commutation_matrix_of_the_denominator_layout():
    d = derive(TRANSPOSE, wrt="X", layout="denominator")
    [svg] = step_pictures(d, d.result_step)
    root, K = read(svg)
    _, sizes = draw_values(d, None, 0)
    m, n = sizes["m"], sizes["n"]
    X = np.random.default_rng(3).standard_normal((n, m))     # K_nm acts on n×m matrices
    assert np.array_equal(K @ vec(X), vec(X.T))
    assert root.get("data-matrix") == "K_nm"


@pytest.mark.parametrize("cell,want", [
    (HADAMARD, lambda v: v["A"]),
    (EXP, lambda v: np.exp(v["X"])),
    (SANDWICH, lambda v: np.exp(v["X"])),
])
def test_diag_vec_picture_holds_the_sampled_entries(cell, want):
    d = derive(cell, wrt="X")
    values, sizes = draw_values(d, None, 0)      # the values the derivative's picture uses
    step = next(s for s in d.steps if "diag(vec" in s.text)
    [svg] = step_pictures(d, step)
    root, M = read(svg)
    a = want(values)
    assert root.get("data-kind") == "diagonal"
    assert np.allclose(M, np.diag(vec(a)), rtol=1e-5, atol=0)   # column by column
    assert np.count_nonzero(M) == a.size                         # zeros are blank
    m, n = sizes["m"], sizes["n"]
    assert caption(root).endswith(f"(mn×mn) at m = {m}, n = {n}: {m * n}×{m * n}")
    # the colour scale of the derivative's picture: deeper for larger |entry|
    cells = sorted((abs(float(c.get("data-value"))), c.get("fill"))
                   for c in root.iter(SVG + "rect") if c.get("class") == "cell")
    greens = [int(re.search(r",(\d+),", f).group(1)) for _, f in cells]
    assert greens == sorted(greens, reverse=True)


def test_diagonal_of_a_vector():
    d = derive("x : n\nF = x .* x", wrt="x")
    values, _ = draw_values(d, None, 0)
    pictures = step_pictures(d, d.result_step)
    assert len(pictures) == 1
    root, M = read(pictures[0])
    assert root.get("data-matrix") == "diag(x)"
    assert np.allclose(M, np.diag(values["x"].ravel()))


# --- which steps show them ---------------------------------------------------------------------

@pytest.mark.parametrize("cell,wrt,order", [(c, "X", 1) for c in CELLS] + MORE)
def test_static_pictures_sit_under_the_steps_that_show_the_matrices(cell, wrt, order):
    d = derive(cell, wrt=wrt, order=order)
    page = MatdiffDisplay(d).html()
    got = shown(page)
    assert len(got) == len(d.steps)                # every step is listed, the problem first
    for step, names in zip(d.steps, got):
        assert names == expected(step), step.text
    assert shown(d.html()) == got                  # Derivation.html() tells the same story


def test_second_derivative_and_structured_pictures_are_the_matrices():
    h = derive(MORE[0][0], wrt="X", order=2)           # 4 K_nm (X ⊗ Xᵀ) + ...
    step = next(s for s in h.steps if s.text.startswith("H = "))
    [svg] = step_pictures(h, step)
    root, K = read(svg)
    _, sizes = draw_values(h, None, 0)
    m, n = sizes["m"], sizes["n"]
    P = np.random.default_rng(5).standard_normal((n, m))   # K_nm acts on n×m matrices
    assert root.get("data-matrix") == "K_nm" and np.array_equal(K @ vec(P), vec(P.T))
    dd = derive(MORE[-1][0], wrt="diag(D)")
    values, _ = draw_values(dd, None, 0)
    got = {read(svg)[0].get("data-matrix"): read(svg)[1]
           for svg in step_pictures(dd, dd.result_step)}
    assert set(got) == {"diag(vec exp(D))", "diag(vec(I_n))"}
    assert np.allclose(got["diag(vec exp(D))"], np.diag(vec(np.exp(values["D"]))))
    assert np.array_equal(got["diag(vec(I_n))"], np.diag(vec(np.eye(len(values["D"])))))


def test_the_example_cells_have_their_pictures():
    counts = {c: sum(map(len, shown(MatdiffDisplay(derive(c, wrt="X")).html()))) for c in CELLS}
    assert counts[PLAIN] == counts[GRADIENT] == 0
    for c in (TRANSPOSE, GRAM, HADAMARD, EXP, SANDWICH, OUTER):
        assert counts[c] >= 1, c
    gram = derive(GRAM, wrt="X")
    names = {n for names in shown(gram.html()) for n in names}
    assert names == {"K_mn", "K_nn"}


def test_each_matrix_once_per_step():
    d = derive(TRANSPOSE, wrt="X")
    K = next(s.expr for s in d.steps if isinstance(s.expr, E.Comm))
    B = E.sym("B", K.shape[0], K.shape[1])
    twice = E.add(K, E.mul(B, K, B))
    assert special_matrices(twice) == [K]
    step = Step("twice", "J = K_mn + B K_mn B", "J", twice)
    assert len(step_pictures(d, step)) == 1
    assert step_pictures_html(d, Step("none", "dF = dXᵀ", "", None)) == ""


def test_text_and_latex_unchanged_by_the_pictures():
    d = derive(GRAM, wrt="X")
    show = MatdiffDisplay(d)
    assert "svg" not in show.text() and "svg" not in show.latex()
    assert all("svg" not in line for line in d.text().splitlines())


def test_deterministic():
    a = MatdiffDisplay(derive(SANDWICH, wrt="X")).html()
    _STEP_CACHE.clear()
    b = MatdiffDisplay(derive(SANDWICH, wrt="X")).html()
    assert a == b and "matdiff-special-svg" in a


def test_too_large_says_so_and_the_page_stands():
    d = derive(TRANSPOSE, wrt="X")
    [note] = step_pictures(d, d.result_step, dims={"m": 9, "n": 10})
    assert "no picture of K_mn" in note and "at most 80×80" in note
    assert "matdiff-special-svg" not in note


def test_static_page_size_stays_small():
    for cell in CELLS:
        page = MatdiffDisplay(derive(cell, wrt="X")).html()
        assert len(page) < 40_000, (cell, len(page))


# --- the widget: on request only ---------------------------------------------------------------

def _special(html: str) -> list[str]:
    return re.findall(r'class="matdiff-special-svg"[^>]*data-matrix="([^"]*)"', html)


def test_widget_shows_the_step_pictures_only_with_the_picture_button():
    d = derive(GRAM, wrt="X")
    s = Stepper(d)
    assert d not in _STEP_CACHE                    # nothing drawn before it is asked for
    for i in range(len(d.steps)):
        s.index = i
        assert not _special(s.shown_html())
    s.show_all = True
    assert not _special(s.shown_html())
    s.show_all = False

    s.picture_button.value = True
    for i, step in enumerate(d.steps[:s.last]):
        s.index = i
        want = expected(step) if 0 < i else []
        assert _special(s.step_html.value) == want, step.text
    s.index = s.last                               # the result box is the last step
    assert _special(s.picture_html.value) == expected(d.result_step)
    assert _special(s.shown_html()) == expected(d.result_step)
    s.show_all = True                              # every step above the result
    assert _special(s.all_html.value) == [n for st in d.steps[1:s.last] for n in expected(st)]

    s.picture_button.value = False
    assert not _special(s.shown_html()) and not _special(s.all_html.value)


def test_widget_pictures_follow_the_layout_switch():
    s = Stepper(derive(TRANSPOSE, wrt="X"), picture=True)
    assert _special(s.picture_html.value) == ["K_mn"]
    s.layout_toggle.value = "denominator"
    assert _special(s.picture_html.value) == ["K_nm"]


def test_magic_picture_option_and_no_steps():
    d = derive(HADAMARD, wrt="X")
    page = MatdiffDisplay(d, show_steps=False, picture=True).html()
    assert _special(page) == ["diag(vec A)"]       # the result's, under the picture
    assert not _special(MatdiffDisplay(d, show_steps=False).html())


def test_a_step_whose_latex_has_no_K_or_diag_shows_no_special_matrix():
    """step_pictures skips a step as data whose LaTeX writes neither K_ nor diag: sound only
    while every commutation matrix prints K_{…} and every diag(v) prints \\operatorname{diag},
    which this checks on the reference and textbook cells, Hessians included."""
    cells = [(c, w, 1) for c, w in REFERENCE] + [(t.cell, t.wrt, 1) for t in TEXTBOOK]
    cells += [(c, w, 2) for c, w in REFERENCE[:40]]
    seen = 0
    for cell, wrt, order in cells:
        try:
            d = derive(cell, wrt=wrt, order=order)
        except MatdiffError:   # a cell with no second derivative
            continue
        for step in d.steps:
            found = special_matrices(step.expr)
            if found and step.form is not None:
                seen += 1
                assert "K_" in step.latex or "diag" in step.latex, (cell, step.latex)
    assert seen > 20
