"""Derivation.picture(): SVG of the derivative's entries; parsed and compared with evaluate."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.sample import draw_values

SVG = "{http://www.w3.org/2000/svg}"
JAC = "X, Y : m x n\nZ = X Y' X"


def cells(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return [r for r in root.iter(SVG + "rect") if r.get("class") == "cell"]


def rgb(fill: str) -> tuple[int, int, int]:
    if fill == "#ffffff":
        return (255, 255, 255)
    r, g, b = map(int, re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", fill).groups())
    return r, g, b


@pytest.mark.parametrize("cell,wrt", REFERENCE[:14])
def test_cells_follow_evaluate(cell, wrt):
    d = derive(cell, wrt=wrt)
    svg = d.picture(seed=0)
    values, sizes = draw_values(d, None, 0)
    want = np.atleast_2d(d.evaluate(values, sizes))
    got = cells(svg)
    assert len(got) == want.size
    scale = np.abs(want).max()
    for c in got:
        i, j, v = int(c.get("data-row")), int(c.get("data-col")), float(c.get("data-value"))
        w = want[i, j]
        r, g, b = rgb(c.get("fill"))
        if abs(w) <= 1e-12 * scale:
            assert v == 0 and (r, g, b) == (255, 255, 255)      # zeros blank
            continue
        assert v == pytest.approx(w, rel=1e-5, abs=1e-9 * scale)
        if w > 0:
            assert r == 255 and g == b < 255                      # red for positive
        else:
            assert b == 255 and r == g < 255                      # blue for negative
        # the stronger the entry, the deeper the colour
        assert 255 - min(r, g, b) == max(1, round(255 * 0.85 * min(abs(w) / scale, 1.0)))


def test_kronecker_blocks_have_grid_lines():
    d = derive(JAC, wrt="X")           # XᵀY ⊗ I_m + I_n ⊗ XYᵀ: blocks of m x m
    root = ET.fromstring(d.picture())
    lines = [e for e in root.iter(SVG + "line") if e.get("class") == "block"]
    values, sizes = draw_values(d, None, 0)
    m, n = sizes["m"], sizes["n"]
    assert len(lines) == 2 * (n - 1)
    xs = sorted({float(e.get("x1")) for e in lines if e.get("x1") == e.get("x2")})
    cell = float(next(e for e in root.iter(SVG + "rect") if e.get("class") == "cell")
                 .get("width"))
    assert np.allclose(np.diff(xs), cell * m)
    plain = derive("X : m x n\nX'", wrt="X")   # a commutation matrix: no blocks
    assert not [e for e in ET.fromstring(plain.picture()).iter(SVG + "line")
                if e.get("class") == "block"]


def test_picture_is_deterministic_and_follows_layout_and_dims():
    d = derive(JAC, wrt="X")
    assert d.picture() == derive(JAC, wrt="X").picture()
    den = derive(JAC, wrt="X", layout="denominator")
    a = np.array([[float(c.get("data-value")) for c in cells(d.picture(dims={"m": 2, "n": 3}))]])
    b = cells(den.picture(dims={"m": 2, "n": 3}))
    assert len(b) == a.size == 36
    g = derive("A : p x m\nX : m x n\nB : n x p\nf = tr(A X B)", wrt="X")
    root = ET.fromstring(g.picture(dims={"m": 3, "n": 4, "p": 2}))
    assert (root.get("data-rows"), root.get("data-cols")) == ("3", "4")   # shaped like X


def test_too_large_is_refused():
    d = derive(JAC, wrt="X")
    with pytest.raises(MatdiffError, match="at most"):
        d.picture(dims={"m": 10, "n": 10})



def test_a_picture_has_a_colour_legend_and_room_to_read():
    """The legend runs from blue (the most negative entry) through white to red (the most
    positive), with the values at its ends; a small matrix gets cells large enough to see."""
    d = derive(JAC, wrt="X")
    root = ET.fromstring(d.picture())
    legend = [g for g in root.iter(SVG + "g") if g.get("class") == "legend"]
    assert len(legend) == 1
    texts = [t.text for t in legend[0].iter(SVG + "text")]
    values = np.atleast_2d(d.evaluate(draw_values(d, None, 0)[0]))
    end = f"{float(np.max(np.abs(values))):.3g}"
    assert texts == [f"−{end}", "0", f"+{end}"]
    fills = [r.get("fill") for r in legend[0].iter(SVG + "rect") if r.get("fill") != "none"]
    assert fills[0].endswith(",255)") and fills[-1].startswith("rgb(255,") and \
        fills[len(fills) // 2] == "#ffffff"
    assert float(root.get("width")) >= 320
