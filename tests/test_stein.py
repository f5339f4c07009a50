"""dlyap and the Stein operator I − Bᵀ ⊗ A (SPEC §11): its inverse is applied by a Stein
solve on the Schur forms (Bartels–Stewart), so jvp and the generated code never form the
mn x mn matrix. Sizes are unequal (m, n = 3, 5) and the reference solves are the test's own
(the dense Kronecker system, NumPy)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from conftest import fd_jacobian as _fd

from matdiff_magic import MatdiffError, derive
from matdiff_magic.ops.solve import stein_solve

M, N = 3, 5
DECL = "A : m x m\nB : n x n\nC, D : m x n\n"


def _dense(a, b, V):
    """(I − Bᵀ ⊗ A)⁻¹ V, formed: the reference."""
    return np.linalg.solve(np.eye(a.shape[0] * b.shape[0]) - np.kron(b.T, a), V)


def _values(seed: int = 0) -> dict:
    rng = np.random.default_rng([21, 2, seed])
    return {"A": rng.standard_normal((M, M)) / 3, "B": rng.standard_normal((N, N)) / 3,
            "C": rng.standard_normal((M, N)), "D": rng.standard_normal((M, N))}


def _dlyap(v):   # A X B − X + C = 0
    return _dense(v["A"], v["B"], v["C"].reshape(-1, 1, order="F")).reshape(M, N, order="F")


@pytest.mark.parametrize("kind", ["general", "rotation", "singular A", "zero B"])
def test_stein_solve_matches_the_dense_system(kind):
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((M, M)) / 2, rng.standard_normal((N, N)) / 2
    if kind == "rotation":      # complex eigenvalues ±0.9i
        a = np.array([[0.0, 0.9, 0.0], [-0.9, 0.0, 0.0], [0.0, 0.0, 0.3]])
    if kind == "singular A":
        a[:, 0] = a[:, 1]
    if kind == "zero B":        # X = C
        b = np.zeros((N, N))
    V = rng.standard_normal((M * N, 4))
    np.testing.assert_allclose(stein_solve(a, b, V), _dense(a, b, V), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("target, f, wrt", [
    ("dlyap(A, B, C)", _dlyap, "C"),
    ("dlyap(A, B, C)", _dlyap, "A"),
    ("dlyap(A, B, C)", _dlyap, "B"),
    ("dlyap(A, B, C)'", lambda v: _dlyap(v).T, "A"),
])
def test_jvp_and_generated_code_never_form_the_operator(monkeypatch, target, f, wrt):
    d = derive(DECL + target, wrt=wrt)
    v = _values(1)
    V = np.random.default_rng(4).standard_normal(v[wrt].shape)
    J = _fd(f, v, wrt)            # finite differences of the test's own solve
    np.testing.assert_allclose(d.evaluate(v), J, rtol=1e-6, atol=1e-7)
    want = (J @ V.reshape(-1, order="F")).reshape(d.jvp(v, V).shape, order="F")
    ns: dict = {}
    exec(d.numpy_source(), ns)   # the engine's own generated code
    args = [v[a] for a in inspect.signature(ns["jvp"]).parameters if a != "V"]
    np.testing.assert_allclose(ns["jacobian"](*args), J, rtol=1e-6, atol=1e-7)

    def refuse(*a, **k):
        raise AssertionError("the mn x mn operator was formed")
    monkeypatch.setattr(np, "kron", refuse)
    monkeypatch.setattr(np.linalg, "inv", refuse)
    np.testing.assert_allclose(d.jvp(v, V), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ns["jvp"](*args, V), want, rtol=1e-6, atol=1e-7)


def test_the_value_is_a_stein_solve(monkeypatch):
    from matdiff_magic.numeric.values import Env, value
    d = derive(DECL + "tr(D' dlyap(A, B, C))", wrt="C")
    v = _values(2)
    want = np.trace(v["D"].T @ _dlyap(v))

    def refuse(*a, **k):
        raise AssertionError("the mn x mn operator was formed")
    monkeypatch.setattr(np, "kron", refuse)
    got = value(d.target, Env(v, {"m": M, "n": N}))
    np.testing.assert_allclose(got, [[want]], rtol=1e-10)


def test_a_singular_stein_operator_names_the_condition():
    d = derive(DECL + "dlyap(A, B, C)", wrt="C")
    v = _values(3)
    v["A"], v["B"] = np.eye(M), np.eye(N)          # λ(A) λ(B) = 1
    with pytest.raises(MatdiffError, match="an eigenvalue of A times one of B is 1"):
        d.jvp(v, v["C"])
