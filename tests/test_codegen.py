"""Exports: numpy_source() runs with NumPy alone; to_sympy() evaluates to the same numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from cases import REFERENCE

from matdiff_magic import derive
from matdiff_magic.numeric.check import _dim_names, random_values

RUNNER = r"""
import json, sys
sys.modules["matdiff_magic"] = None   # the generated code must not need the package
sys.modules["sympy"] = None
import numpy as np
src, values, kind = sys.stdin.read().split("\0")
ns = {}
exec(compile(src, "generated", "exec"), ns)
vals = {k: np.array(v) for k, v in json.loads(values).items()}
fn = ns["gradient" if kind == "gradient" else "jacobian"]
print(json.dumps({"result": fn(**vals).tolist()}))
"""


def _run_bare(src: str, values: dict, kind: str) -> np.ndarray:
    payload = src + "\0" + json.dumps({k: v.tolist() for k, v in values.items()}) + "\0" + kind
    proc = subprocess.run([sys.executable, "-I", "-c", RUNNER], input=payload,
                          capture_output=True, text=True, timeout=60, check=True)
    return np.array(json.loads(proc.stdout)["result"])


def test_numpy_source_matches_evaluate_for_every_reference_case():
    for cell, wrt in REFERENCE:
        d = derive(cell, wrt=wrt)
        src = d.numpy_source()
        assert "matdiff_magic" not in src.split('"""')[-1]
        vals, _ = random_values(d, seed=1)
        ns: dict = {}
        exec(compile(src, "generated", "exec"), ns)
        sig = [a.strip() for a in src.split("def " + ("gradient" if d.kind == "gradient"
                                                       else "jacobian") + "(")[1]
               .split(")")[0].split(",")]
        args = {a: vals[a] for a in sig}
        fn = ns["gradient" if d.kind == "gradient" else "jacobian"]
        got = fn(**args)
        want = d.evaluate(vals)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=cell)
        if d.kind == "jacobian":
            V = np.random.default_rng(2).standard_normal(vals[wrt].shape)
            jv = ns["jvp"](**args, V=V)
            np.testing.assert_allclose(jv.reshape(-1, order="F"),
                                       want @ V.reshape(-1, order="F"), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cell,wrt", [REFERENCE[2], REFERENCE[12], REFERENCE[16]])
def test_numpy_source_in_a_bare_interpreter(cell, wrt):
    d = derive(cell, wrt=wrt)
    vals, _ = random_values(d, seed=3)
    src = d.numpy_source()
    sig = src.split("def " + ("gradient" if d.kind == "gradient" else "jacobian") + "(")[1]
    names = [a.strip() for a in sig.split(")")[0].split(",")]
    got = _run_bare(src, {k: vals[k] for k in names}, d.kind)
    np.testing.assert_allclose(got, d.evaluate(vals), rtol=1e-10, atol=1e-12)


def test_numpy_source_denominator_layout_is_transposed():
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X", layout="denominator")
    vals, _ = random_values(d, seed=0)
    ns: dict = {}
    exec(d.numpy_source(), ns)
    np.testing.assert_allclose(ns["jacobian"](X=vals["X"], Y=vals["Y"]), d.evaluate(vals))


def test_numpy_source_is_deterministic_and_reuses_subexpressions():
    cell = "W : m x n\nX : n x q\nH = tanh(W X)\nf = sum(H .* H)"
    a, b = derive(cell, wrt="W").numpy_source(), derive(cell, wrt="W").numpy_source()
    assert a == b
    assert a.count("np.tanh(") == 1   # computed once, kept in a temporary


SYMPY_CASES = [REFERENCE[i] for i in (0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 14, 15, 19)]


@pytest.mark.parametrize("cell,wrt", SYMPY_CASES)
def test_to_sympy_evaluates_to_the_same_numbers(cell, wrt):
    import sympy

    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    d = derive(cell, wrt=wrt)
    s = d.to_sympy()
    assert isinstance(s, sympy.Basic)
    names = _dim_names(d.cell.symbols)
    small = (2, 3, 2, 3, 2, 3) if len(names) < 6 else (2, 1, 1, 3, 2, 1)  # SymPy is slow
    vals, sizes = random_values(d, seed=0, dims=dict(zip(names, small)))
    got = evaluate_sympy(s, vals, sizes)
    np.testing.assert_allclose(got.reshape(d.evaluate(vals).shape), d.evaluate(vals),
                               rtol=1e-9, atol=1e-12)


def test_to_sympy_uses_matrix_expression_classes():
    import sympy
    s = derive("X, Y : m x n\nZ = X Y' X", wrt="X").to_sympy()
    assert s.atoms(sympy.KroneckerProduct) or any(
        isinstance(a, sympy.KroneckerProduct) for a in sympy.preorder_traversal(s))
    s = derive("X : n x n invertible\ninv(X)", wrt="X").to_sympy()
    assert any(isinstance(a, sympy.Inverse) for a in sympy.preorder_traversal(s))
    assert sympy.latex(s)   # SymPy can print it


JVP_CASES = [
    ("X, Y : m x n\nZ = X Y' X", "X"),
    ("A : p x q\nB : q x m\nX : m x n\nC : n x r\nD : r x s\nF = A exp(B X C) D", "X"),
    ("A : p x m\nB : m x p\nexpm(A B)", "A"),
    ("S : n x n symmetric\nC : m x n\nC expm(S) C'", "C"),
    ("A : m x n\nsqrtm(A' A + I)", "A"),
    ("X : m x p\npinv(X)", "X"),
    ("X : n x n\nA : n x p\nadj(X) A", "X"),
    ("S : n x n spd\nchol(S)", "S"),
    ("A : m x m\nB : n x n\nC : m x n\nsylvester(A, B, C)", "A"),
    ("A : n x n\nQ : n x n\nlyap(A, Q)", "Q"),
    ("A : n x n\nb : n\nA \\ b", "A"),
    ("A : m x n\nB : n x n symmetric\neig(A' A + B)", "A"),
    ("X : m x n\nW : n x p\nH = tanh(X W)\nF = H' H", "W"),
    ("A : p x q\nX : m x n\nkron(A, X)", "X"),
    ("X : m x n\nX'", "X"),
]


def _jvp_cases():
    from textbook import TEXTBOOK
    out = list(JVP_CASES) + [(t.cell, t.wrt) for t in TEXTBOOK] + list(REFERENCE)
    return [c for c in dict.fromkeys(out)
            if not derive(c[0], wrt=c[1]).target.is_scalar]


@pytest.mark.parametrize("cell,wrt", _jvp_cases())
def test_generated_jvp_is_the_differential_and_matches_finite_differences(cell, wrt):
    """jvp is dF with dX = V, matrix-free, at unequal sizes: against central differences of
    the target (not of the engine's Jacobian) and against the dense J @ vec V."""
    from matdiff_magic.numeric.sample import draw_values
    from matdiff_magic.numeric.values import make_env, value
    d = derive(cell, wrt=wrt)
    src = d.numpy_source()
    jvp_src = src[src.index("def jvp("):]
    assert "the differential" in jvp_src.split('"""')[1], jvp_src
    assert "_kron_apply" not in jvp_src and "_comm_apply" not in jvp_src
    assert "np.kron" not in jvp_src or "kron" in cell or "⊗" in cell
    for attempt in range(8):   # a point where the target is defined (sqrt(xc' xc/n + e))
        vals, sizes = draw_values(d, None, 0, descending=True, attempt=attempt)
        with np.errstate(all="ignore"):
            if np.all(np.isfinite(value(d.target, make_env(d.cell.symbols, vals, sizes)))):
                break
    if len(sizes) > 1:
        assert len(set(sizes.values())) == len(sizes)
    ns: dict = {}
    exec(compile(src, "generated", "exec"), ns)
    args = [a.strip() for a in jvp_src.split("(")[1].split(")")[0].split(",")]
    V = np.random.default_rng(4).standard_normal(np.atleast_2d(vals[wrt]).shape)
    if d.wrt.props & {"symmetric", "spd"}:   # a direction that keeps the point's domain
        V = V + V.T
    if np.ndim(vals[wrt]) == 1:
        V = V.reshape(-1)
    got = ns["jvp"](**{a: (V if a in ("V", "V_") else vals[a]) for a in args if a != "*"},
                    **{k: sizes[k] for k in args if k in sizes and k not in vals})

    def target(x):
        return np.asarray(value(d.target, make_env(d.cell.symbols, dict(vals, **{wrt: x}),
                                                   sizes)), dtype=float)
    h = 1e-6
    fd = (target(vals[wrt] + h * V) - target(vals[wrt] - h * V)) / (2 * h)
    scale = max(1.0, float(np.abs(fd).max()))
    np.testing.assert_allclose(got, fd.reshape(got.shape), rtol=1e-5, atol=1e-6 * scale)
    dense = d.evaluate(vals, sizes) @ np.reshape(V, -1, order="F")
    np.testing.assert_allclose(np.reshape(got, -1, order="F"), dense, rtol=1e-9, atol=1e-10)


def test_a_structured_variable_keeps_the_factored_jvp():
    d = derive("S : n x n symmetric\nA : m x n\nF = A S A'", wrt="vech(S)")
    src = d.numpy_source()
    assert "the Jacobian's factors applied in turn" in src
    vals, sizes = draw_values_for(d)
    ns: dict = {}
    exec(src, ns)
    v = np.random.default_rng(1).standard_normal((sizes["n"] * (sizes["n"] + 1) // 2, 1))
    got = ns["jvp"](S=vals["S"], A=vals["A"], V=v)
    np.testing.assert_allclose(np.reshape(got, -1, order="F"),
                               d.evaluate(vals, sizes) @ v.ravel(), rtol=1e-10)


def draw_values_for(d):
    from matdiff_magic.numeric.sample import draw_values
    return draw_values(d, None, 0)


def test_generated_jvp_on_random_cells_is_the_dense_jacobian_applied():
    """Over generated well-typed cells: the generated jvp is written from the differential and
    equals J @ vec V (the direction is V_ when the cell has its own V)."""
    import random

    from strategies import random_case

    from matdiff_magic.numeric.sample import draw_values
    rng = random.Random(11)
    checked = 0
    for _ in range(100):
        case = random_case(rng)
        d = derive(case.cell, wrt=case.wrt)
        if d.kind != "jacobian":
            continue
        src = d.numpy_source()
        jvp_src = src[src.index("def jvp("):]
        assert "the differential" in jvp_src.split('"""')[1], case
        ns: dict = {}
        exec(compile(src, "generated", "exec"), ns)
        vals, sizes = draw_values(d, None, 0)
        args = [a.strip() for a in jvp_src.split("(")[1].split(")")[0].split(",")]
        v = "V_" if "V_" in args and "V" in args else "V"
        V = np.random.default_rng(1).standard_normal(np.shape(vals[case.wrt]))
        kw = {a: vals[a] for a in args if a in vals and a != v}
        kw.update({a: sizes[a] for a in args if a in sizes and a not in vals})
        with np.errstate(all="ignore"):
            got = ns["jvp"](**kw, **{v: V})
            dense = d.evaluate(vals, sizes) @ np.reshape(V, -1, order="F")
        scale = max(1.0, float(np.nanmax(np.abs(dense), initial=0.0)))
        assert np.allclose(np.reshape(got, -1, order="F"), dense, rtol=1e-8,
                           atol=1e-10 * scale, equal_nan=True), case
        checked += 1
    assert checked >= 40, checked
