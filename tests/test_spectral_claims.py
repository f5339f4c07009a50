"""Claims that name eigenvectors (SPEC §8, §10): eigvec_max(S) / eigvec_min(S) is the unit
eigenvector of λ_max / λ_min (for a general X the unit right eigenvector), leigvec_max(X) the
left one scaled to uᵀv = 1; a student's v vᵀ or u vᵀ/(uᵀv) is judged like any claim, in the
API, the magic and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from spectral_cases import fd, real_top, relative_error, rng, symmetric

from matdiff_magic import assert_derivative, derive
from matdiff_magic.cli import main

SYM = "S : n x n symmetric\nlambda_max(S)"
GEN = "X : n x n\nlambda_max(X)"


@pytest.mark.parametrize("cell, wrt, claim, diagnosis", [
    (SYM, "S", "eigvec_max(S) eigvec_max(S)'", "correct"),
    (SYM, "S", "\\operatorname{eigvec\\_max}(S) \\operatorname{eigvec\\_max}(S)^\\top",
     "correct"),
    (SYM, "S", "2 eigvec_max(S) eigvec_max(S)'", "scaled"),
    (SYM, "S", "eigvec_min(S) eigvec_min(S)'", "wrong"),
    (SYM, "S", "eigvec_max(S) eigvec_max(S)' + S", "extra-term"),
    (SYM, "S", "eigvec_max(S)' eigvec_max(S)", "shape"),
    ("S : n x n symmetric\nlambda_min(S)", "S", "eigvec_min(S) eigvec_min(S)'", "correct"),
    (GEN, "X", "leigvec_max(X) eigvec_max(X)' / (leigvec_max(X)' eigvec_max(X))", "correct"),
    (GEN, "X", "leigvec_max(X) eigvec_max(X)'", "correct"),
    (GEN, "X", "eigvec_max(X) leigvec_max(X)'", "transposed"),
    (GEN, "X", "eigvec_max(X) eigvec_max(X)'", "needs-symmetry"),
    ("X : n x n\nu = leigvec_max(X)\nv = eigvec_max(X)\nlambda_max(X)", "X",
     "u v'/(u' v)", "correct"),
    ("X : n x n\nu = leigvec_max(X)\nv = eigvec_max(X)\nlambda_max(X)", "X",
     "v u'/(u' v)", "transposed"),
    ("S : n x n symmetric\nv = eigvec_max(S)\nlambda_max(S)", "S", "v v'", "correct"),
    ("S : n x n symmetric\nv = eigvec_max(S)\nlambda_max(S)", "S", "-v v'", "scaled"),
])
def test_claims_with_eigenvectors_are_judged(cell, wrt, claim, diagnosis):
    v = derive(cell, wrt=wrt).compare(claim)
    assert v.diagnosis == diagnosis, v.message
    assert v.correct == (diagnosis == "correct")


def test_assert_derivative_names_the_slip():
    assert_derivative(SYM, "S", "eigvec_max(S) eigvec_max(S)'")
    with pytest.raises(AssertionError, match="transpose"):
        assert_derivative(GEN, "X", "eigvec_max(X) leigvec_max(X)'")


def test_cli_and_magic_claims(capsys, ip):
    shape = ["--wrt", "S", "--shape", "S: n x n symmetric"]
    assert main(["lambda_max(S)", *shape, "--claim", "eigvec_max(S) eigvec_max(S)'"]) == 0
    assert "correct" in capsys.readouterr().out.lower()
    assert main(["lambda_max(S)", *shape, "--claim", "eigvec_min(S) eigvec_min(S)'"]) == 1
    capsys.readouterr()
    ip.run_cell('%%matdiff --wrt X --claim "eigvec_max(X) leigvec_max(X)\'" --out dd\n'
                "X : n x n\nlambda_max(X)")
    assert ip.user_ns["dd"].compare("eigvec_max(X) leigvec_max(X)'").diagnosis == "transposed"


@pytest.mark.parametrize("cell, wrt, values, f", [
    # the eigenvectors themselves, differentiated (Magnus 1985: dv = (λI - X)^# dX v, kept a
    # unit vector; du with uᵀv = 1), in compositions
    ("S : n x n symmetric\nc : n\n(c' eigvec_max(S))^2", "S",
     lambda g: {"S": symmetric(g, 4), "c": g.standard_normal((4, 1))},
     lambda v: (v["c"].T @ _unit_top(v["S"])).item() ** 2),
    ("X : n x n\nc : n\nc' eigvec_max(X)", "X",
     lambda g: {"X": real_top(g, 4), "c": g.standard_normal((4, 1))},
     lambda v: (v["c"].T @ _unit_top(v["X"])).item()),
    ("X : n x n\nc : n\nc' leigvec_max(X)", "X",
     lambda g: {"X": real_top(g, 4), "c": g.standard_normal((4, 1))},
     lambda v: (v["c"].T @ _left_top(v["X"])).item()),
    ("A : m x n\nsum(eigvec_min(A' A) .^ 3)", "A",
     lambda g: {"A": g.standard_normal((5, 3))},
     lambda v: np.sum(_unit_top(v["A"].T @ v["A"], top=False) ** 3)),
])
def test_eigenvectors_in_a_cell_agree_with_finite_differences(cell, wrt, values, f):
    d = derive(cell, wrt=wrt)
    for seed in range(2):
        v = values(rng(90 + seed))
        assert relative_error(d.evaluate(v), fd(f, v, wrt)) < 1e-6
    assert d.check(seed=3).passed


def _unit_top(a, top=True):
    """The unit eigenvector of the eigenvalue of largest (smallest) real part, its largest
    entry positive (an independent NumPy version)."""
    w, vr = np.linalg.eig(a)
    k = np.argmax(w.real) if top else np.argmin(w.real)
    x = vr[:, k].real
    x = x / np.linalg.norm(x)
    return (x * np.sign(x[np.argmax(np.abs(x))])).reshape(-1, 1)


def _left_top(a):
    w, vl = np.linalg.eig(a.T)
    y = vl[:, np.argmax(w.real)].real.reshape(-1, 1)
    return y / (y.T @ _unit_top(a)).item()
