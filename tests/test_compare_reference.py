"""compare on every reference case and layout: the engine's own answer (as text and as LaTeX)
is correct, twice it is scaled by 2, its negation scaled by −1, its transpose transposed
(unless the answer is symmetric at the points)."""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import derive
from matdiff_magic.numeric.compare import draw_point

LAYOUTS = ("mixed", "numerator", "denominator")
CASES = [(c, w, lay) for c, w in REFERENCE for lay in LAYOUTS]


@pytest.mark.parametrize("cell, wrt, layout", CASES,
                         ids=[f"{c.splitlines()[-1]}|{lay}" for c, _, lay in CASES])
def test_the_answer_and_its_slips(cell, wrt, layout):
    d = derive(cell, wrt=wrt, layout=layout)
    text = str(d.result)
    assert d.compare(text).correct
    v = d.compare(f"2 ({text})")
    assert v.diagnosis == "scaled" and v.factor == 2
    v = d.compare(f"-({text})")
    assert v.diagnosis == "scaled" and v.factor == -1 and "sign" in v.message
    vals, sizes = draw_point(d, 0)
    from matdiff_magic.numeric.values import Env, value
    R = value(d.result, Env(vals, sizes))
    symmetric = R.shape[0] == R.shape[1] and np.allclose(R, R.T)
    v = d.compare(f"({text})'")
    assert v.diagnosis == ("correct" if symmetric else "transposed"), str(v)
    if v.diagnosis == "transposed":
        assert "layout" in v.message


@pytest.mark.parametrize("cell, wrt, layout", CASES,
                         ids=[f"{c.splitlines()[-1]}|{lay}" for c, _, lay in CASES])
def test_the_engine_s_latex_reads_back_as_a_correct_claim(cell, wrt, layout):
    d = derive(cell, wrt=wrt, layout=layout)
    assert d.compare(d.latex()).correct, d.latex()
