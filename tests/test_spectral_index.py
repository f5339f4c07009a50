"""The entry-wise forms of spectral derivatives (Derivation.index_form), evaluated entry by
entry at random points of unequal sizes and compared with central finite differences of
independent NumPy / SciPy versions:

- eig(S), S symmetric: ∂λᵢ/∂S_kl = V_ki V_li (Magnus 1985);
- svd(X): ∂σᵢ/∂X_kl = U_ki V_li;
- λ_max(S): ∂λ/∂S_kl = v_k v_l;
- f(S) for a symmetric S, Daleckii–Krein: ∂f(S)_ij/∂S_kl = Σ_rs V_ir V_js F_rs V_kr V_ls;
- f(X) of a general X has none (an integral over s, a Sylvester solve): a MatdiffError
  that says so.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.linalg as sla
from spectral_cases import fd, general, relative_error, rng, spd, symmetric

from matdiff_magic import MatdiffError, derive

N, Q, M = 4, 5, 3

CASES = [
    ("S : n x n symmetric\neig(S)", "S", "∂F_i/∂S_kl = (V(S))_ki (V(S))_li",
     lambda g: {"S": symmetric(g, N)},
     lambda v: np.sort(np.linalg.eigvals(v["S"]).real)),
    ("X : q x m\nsvd(X)", "X", "∂F_i/∂X_kl = (U(X))_ki (V(X))_li",
     lambda g: {"X": general(g, Q, M)},
     lambda v: np.linalg.svd(v["X"], compute_uv=False)),
    ("X : m x q\nsvd(X)", "X", "∂F_i/∂X_kl = (U(X))_ki (V(X))_li",
     lambda g: {"X": general(g, M, Q)},
     lambda v: np.linalg.svd(v["X"], compute_uv=False)),
    ("S : n x n symmetric\nlambda_max(S)", "S", "∂f/∂S_kl = (v_max(S))_k (v_max(S))_l",
     lambda g: {"S": symmetric(g, N)},
     lambda v: np.max(np.linalg.eigvals(v["S"]).real)),
    ("S : n x n symmetric\nexpm(S)", "S",
     "∂F_ij/∂S_kl = Σ_rs (V(S))_ir (V(S))_js (F_expm(S))_rs (V(S))_kr (V(S))_ls",
     lambda g: {"S": symmetric(g, N) / 2}, lambda v: sla.expm(v["S"])),
    ("S : n x n spd\nsqrtm(S)", "S",
     "∂F_ij/∂S_kl = Σ_rs (V(S))_ir (V(S))_js (F_sqrtm(S))_rs (V(S))_kr (V(S))_ls",
     lambda g: {"S": spd(g, N)}, lambda v: sla.sqrtm(v["S"]).real),
    ("S : n x n spd\nlogm(S)", "S",
     "∂F_ij/∂S_kl = Σ_rs (V(S))_ir (V(S))_js (F_logm(S))_rs (V(S))_kr (V(S))_ls",
     lambda g: {"S": spd(g, N)}, lambda v: sla.logm(v["S"]).real),
]


@pytest.mark.parametrize("cell, wrt, text, values, f", CASES,
                         ids=[c[0].splitlines()[-1] + "-" + c[0].split(":")[1].split()[0]
                              for c in CASES])
def test_entry_wise_form_against_finite_differences(cell, wrt, text, values, f):
    d = derive(cell, wrt=wrt)
    form = d.index_form()
    assert form.text == text
    for seed in range(2):
        v = values(rng(80 + seed))
        dims = {"n": N, "q": Q, "m": M}
        got = form.evaluate(v, dims)
        np.testing.assert_allclose(got, d.evaluate(v, dims), rtol=1e-9, atol=1e-11)
        want = fd(f, v, wrt)
        assert relative_error(got.reshape(want.shape), want) < 1e-6


@pytest.mark.parametrize("cell, why", [
    ("X : n x n\nexpm(X)", "∫₀¹ \\(e\\^\\{sX\\}\\)_ik"),
    ("X : n x n\nlogm(X)", "an integral over s"),
    ("X : n x n\nsinm(X)", "an integral over s"),
    ("X : n x n\nsqrtm(X)", "Sylvester equation"),
])
def test_general_matrix_functions_say_why_there_is_no_entry_wise_form(cell, why):
    d = derive(cell, wrt="X")
    with pytest.raises(MatdiffError, match="entry-wise form is not available") as err:
        d.index_form()
    assert re.search(why, str(err.value)), str(err.value)
    assert "Daleckii–Krein" in str(err.value)
