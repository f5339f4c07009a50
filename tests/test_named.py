"""Answers in named parts (SPEC §12): the where-form, with its names bound to their parts,
has the value of the result, on every reference and textbook cell and on 200 generated cells
with definitions; the cell's definitions appear as the user named them, local names never
clash with a name of the cell, and the result itself is unchanged."""

from __future__ import annotations

import random

import numpy as np
import pytest
from cases import REFERENCE
from conftest import SUMMARY_LINES
from strategies import random_case
from textbook import TEXTBOOK

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.sample import find_point
from matdiff_magic.numeric.values import Env, value

CELLS = list(REFERENCE) + [(t.cell, t.wrt) for t in TEXTBOOK]


def _generated(count: int = 200) -> list[tuple[str, str]]:
    """Generated cells with at least one definition that derive accepts."""
    out, i = [], 0
    while len(out) < count:
        case = random_case(random.Random(f"named:{i}"))
        i += 1
        if not any("=" in line and ":" not in line for line in case.cell.split("\n")[:-1]):
            continue
        try:
            derive(case.cell, wrt=case.wrt)
        except MatdiffError:
            continue
        out.append((case.cell, case.wrt))
    return out


def where_value(form, env: Env) -> np.ndarray:
    """The body's value with each name bound to its part's value, in the parts' order."""
    values = dict(env.values)
    for name, part in form.parts:
        values[name] = value(part, Env(values, env.sizes))
    return value(form.body, Env(values, env.sizes))


def _agrees(cell: str, wrt: str) -> bool | None:
    """None: no named form; otherwise whether its value is the result's at a random point."""
    d = derive(cell, wrt=wrt)
    form = d.named()
    if form is None:
        return None
    names = set(d.cell.symbols) | {n for n, _ in d.cell.definitions}
    local = [n for n, _ in form.parts if n not in form.given]
    assert not names & set(local), (local, names)          # local names never clash
    assert set(form.given) <= {n for n, _ in d.cell.definitions}
    for seed in range(3, 9):   # a point where the result is defined (X' A X invertible)
        try:
            point = find_point(d, seed=seed, exprs=(d.result,))
            break
        except MatdiffError:
            continue
    else:
        raise AssertionError(f"no point found for {cell!r}")
    with np.errstate(all="ignore"):
        want = value(d.result, point.env)
        got = where_value(form, point.env)
    return bool(np.allclose(got, want, rtol=1e-8, atol=1e-10))


@pytest.mark.parametrize("cell, wrt", CELLS, ids=[f"{i}" for i in range(len(CELLS))])
def test_where_form_has_the_value_of_the_result(cell, wrt):
    assert _agrees(cell, wrt) in (None, True)


def test_generated_cells_with_definitions():
    cells = _generated()
    named = [c for c in cells if _agrees(*c) is not None]
    SUMMARY_LINES.append(f"test_named: {len(cells)} generated cells with definitions, "
                         f"{len(named)} with a where-form, all equal to the result")
    assert len(cells) == 200 and named


@pytest.mark.parametrize("cell, wrt, shown", [
    ("x : n\nsoftmax(x)", "x", "diag(s) - s s' where s = softmax(x)"),
    ("X : N x p\nW : p x k\nY : N x k\nS = softmax(X W)\n-sum(Y .* log(S))", "W",
     "X' (S ∘ (Y 1_k 1_k') - Y) where S = softmax(X W)"),
    ("X : p x N\nW1 : h x p\nW2 : k x h\nY : k x N\nH = tanh(W1 X)\nE = W2 H - Y\n"
     "fro(E)^2 / 2", "W1",
     "((W2' E) ∘ (1_h 1_N' - H.^2)) X' where H = tanh(W1 X), E = W2 H - Y"),
    # s is the cell's own name: the local name is another letter
    ("x, s : n\nsoftmax(x) + s", "x", "diag(u) - u u' where u = softmax(x)"),
])
def test_named_parts_as_papers_write_them(cell, wrt, shown):
    d = derive(cell, wrt=wrt)
    assert d.named().text == shown
    assert "where" not in str(d.result)          # the result stays in the cell's symbols
    assert "in named parts:" in d.text()
    assert "\\text{where }" in d.named().latex
    assert "in the cell's symbols" in d.html()   # the substituted form, one click away


def test_nothing_to_name_gives_none():
    assert derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X").named() is None
    assert "in named parts" not in derive("X : m x n\nX' X", wrt="X").text()
