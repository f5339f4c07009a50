"""Every layout on the reference cases against finite differences, transposed as SPEC §2 says:
mixed shows G / J, numerator Gᵀ / J, denominator G / Jᵀ."""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE
from conftest import fd_jacobian

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.check import random_values
from matdiff_magic.numeric.values import Env, value

LAYOUTS = ("mixed", "numerator", "denominator")


@pytest.mark.parametrize("cell, wrt", REFERENCE, ids=[c.splitlines()[-1] for c, _ in REFERENCE])
def test_each_layout_against_finite_differences(cell, wrt):
    mixed = derive(cell, wrt=wrt)
    values, sizes = random_values(mixed, seed=3)

    def f(vals):
        return value(mixed.target, Env(dict(vals), sizes))
    fd = fd_jacobian(f, values, wrt)
    scalar = mixed.kind == "gradient"
    for layout in LAYOUTS:
        d = derive(cell, wrt=wrt, layout=layout)
        assert d.layout == layout
        got = d.evaluate(values)
        transposed = (layout == "numerator") if scalar else (layout == "denominator")
        want = fd.T if transposed else fd
        assert got.shape == want.shape, (layout, got.shape, want.shape)
        err = np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want)))
        assert err < 1e-6, (layout, err)
        # the symbolic shape follows the table too
        r, c = mixed.shape
        assert d.shape == ((c, r) if transposed else (r, c))


@pytest.mark.parametrize("bad", ["Numerator", "row", "", None, 3])
def test_unknown_layout_lists_the_three(bad):
    with pytest.raises(MatdiffError) as exc:
        derive("X : m x n\nX'", wrt="X", layout=bad)
    msg = str(exc.value)
    for name in LAYOUTS:
        assert f"'{name}'" in msg


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_step_names_the_layout_and_the_others(layout):
    for cell in ("A : p x m\nX : m x n\nB : n x q\nA X B", "X : m x n\nA : m x m\ntr(X' A X)"):
        d = derive(cell, wrt="X", layout=layout)
        rules = " ".join(s.rule for s in d.steps)
        for name in LAYOUTS:
            assert f"{name} layout" in rules or f"{name} and" in rules, (layout, name, rules)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_numpy_source_and_sympy_follow_the_layout(layout, rng):
    cell = "A : p x m\nX : m x n\nB : n x p\ntr(A X B)"
    d = derive(cell, wrt="X", layout=layout)
    vals = {"A": rng.standard_normal((2, 3)), "X": rng.standard_normal((3, 4)),
            "B": rng.standard_normal((4, 2))}
    ns: dict = {}
    exec(compile(d.numpy_source(), "<generated>", "exec"), ns)  # noqa: S102 - our own code
    got = ns["gradient"](vals["A"], vals["X"], vals["B"])
    np.testing.assert_allclose(got, d.evaluate(vals), rtol=1e-12)
    G = vals["A"].T @ vals["B"].T
    np.testing.assert_allclose(got, G.T if layout == "numerator" else G, rtol=1e-12)
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    s = evaluate_sympy(d.to_sympy(), vals, {"m": 3, "n": 4, "p": 2})
    np.testing.assert_allclose(np.asarray(s, dtype=float), got, rtol=1e-10)
