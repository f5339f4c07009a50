"""Textbook forms of spectral derivatives, each with its source: the engine's result equals
the book's at random points and is no larger (``expr.notation_size``) than the book's form
written over the same nodes (the unit eigenvector v of the book is the engine's
eigvec_max(S), S^{-1/2} its sqrtm(S)⁻¹).

Sources:
  MN85    J. R. Magnus, "On differentiating eigenvalues and eigenvectors", Econometric
          Theory 1 (1985) 179-191.
  MN      J. R. Magnus & H. Neudecker, Matrix Differential Calculus, 3rd ed. (2019), ch. 8.
  MC      The Matrix Cookbook (Petersen & Pedersen, 2012), the derivatives of eigenvalues
          (sum and product of the eigenvalues: tr X and det X).
  Higham  N. J. Higham, Functions of Matrices (SIAM, 2008), ch. 3: tr L_f(X, E) =
          tr(f′(X) E), so ∂ tr f(X)/∂X = f′(X)ᵀ.
  MIT     A. Edelman & S. G. Johnson, Matrix Calculus (for Machine Learning and Beyond),
          MIT 18.063 (2023): the spectral norm's gradient u₁v₁ᵀ, the nuclear norm's U Vᵀ.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from spectral_cases import general, real_top, rng, spd, symmetric

from matdiff_magic import derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.numeric.values import make_env, value


def _c(name, *args):
    return E.call(name, *args)


def _t(e):
    return E.transpose(e)


# (id, cell, wrt, the book's form over the cell's symbol, values, source)
ENTRIES = [
    ("lambda-max-symmetric", "S : n x n symmetric\nlambda_max(S)", "S",
     lambda s: E.mul(_c("eigvec_max", s), _t(_c("eigvec_max", s))),
     lambda g: dict(S=symmetric(g, 4)), "MN85 Theorem 1; MN ch. 8: ∂λ/∂S = v vᵀ"),
    ("lambda-min-symmetric", "S : n x n symmetric\nlambda_min(S)", "S",
     lambda s: E.mul(_c("eigvec_min", s), _t(_c("eigvec_min", s))),
     lambda g: dict(S=symmetric(g, 5)), "MN85 Theorem 1; MN ch. 8: ∂λ/∂S = v vᵀ"),
    ("lambda-max-general", "X : n x n\nlambda_max(X)", "X",
     lambda x: E.mul(_c("leigvec_max", x), _t(_c("reigvec_max", x)),
                     E.power(E.mul(_t(_c("leigvec_max", x)), _c("reigvec_max", x)), -1)),
     lambda g: dict(X=real_top(g, 4)), "MN85 Theorem 2: dλ = uᵀ dX v / (uᵀv)"),
    ("sum-eig", "X : n x n\nsum(eig(X))", "X", lambda x: E.identity(x.shape[0]),
     lambda g: dict(X=general(g, 4)), "MC: ∂ Σλᵢ/∂X = ∂ tr X/∂X = I"),
    ("prod-eig", "X : n x n\nprod(eig(X))", "X",
     lambda x: E.mul(_c("det", x), E.inverse(_t(x))),
     lambda g: dict(X=general(g, 4) + 3 * np.eye(4)), "MC: ∂ Πλᵢ/∂X = det(X) X⁻ᵀ"),
    ("spectral-norm", "X : q x m\nopnorm(X)", "X",
     lambda x: E.mul(_c("svd_u1", x), _t(_c("svd_v1", x))),
     lambda g: dict(X=general(g, 5, 3)), "MIT: ∂‖X‖₂/∂X = u₁v₁ᵀ"),
    ("spectral-norm-squared", "X : q x m\n\\|X\\|_2^2", "X",
     lambda x: E.mul(E.num(2), _c("opnorm", x), _c("svd_u1", x), _t(_c("svd_v1", x))),
     lambda g: dict(X=general(g, 5, 3)), "MIT: ∂‖X‖₂²/∂X = 2 σ₁ u₁v₁ᵀ"),
    ("nuclear-norm", "X : q x m\nnucnorm(X)", "X",
     lambda x: E.mul(_c("svd_U", x), _t(_c("svd_V", x))),
     lambda g: dict(X=general(g, 5, 3)), "MIT: ∂‖X‖_*/∂X = U Vᵀ (full rank)"),
    ("trace-expm", "X : n x n\ntr(expm(X))", "X", lambda x: _t(_c("expm", x)),
     lambda g: dict(X=general(g, 4) / 2), "Higham ch. 3: ∂ tr e^X/∂X = (e^X)ᵀ"),
    ("trace-sqrtm", "S : n x n spd\ntr(sqrtm(S))", "S",
     lambda s: E.scale(Fraction(1, 2), E.inverse(_c("sqrtm", s))),
     lambda g: dict(S=spd(g, 4)), "Higham ch. 3: ∂ tr S^{1/2}/∂S = ½ S^{-1/2}"),
    ("trace-logm", "X : n x n\ntr(logm(X))", "X", lambda x: E.inverse(_t(x)),
     lambda g: dict(X=spd(g, 4) + general(g, 4) / 4), "Higham ch. 3: ∂ tr log X/∂X = X⁻ᵀ"),
    ("det-expm", "X : n x n\ndet(expm(X))", "X",
     lambda x: E.mul(_c("exp", _c("tr", x)), E.identity(x.shape[0])),
     lambda g: dict(X=general(g, 4) / 2), "det e^X = e^{tr X} (Jacobi's formula; MC)"),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_result_is_the_book_and_no_larger(entry):
    _, cell, wrt, book, values, source = entry
    assert source
    d = derive(cell, wrt=wrt)
    want = book(d.wrt)
    for seed in range(3):
        v = values(rng(40 + seed))
        env = make_env(d.cell.symbols, v)
        np.testing.assert_allclose(d.evaluate(v), value(want, env), rtol=1e-9, atol=1e-12)
    assert E.notation_size(d.result) <= E.notation_size(want), (str(d.result), str(want))
