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

from matdiff_magic import derive, ops
from matdiff_magic.algebra import expr as E
from matdiff_magic.lang.parse import parse_expr
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
     lambda x: E.mul(_c("leigvec_max", x), _t(_c("eigvec_max", x)),
                     E.power(E.mul(_t(_c("leigvec_max", x)), _c("eigvec_max", x)), -1)),
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


# the cells of the entries above, and second derivatives where the second differential is
# standard (Magnus & Neudecker ch. 8; Higham ch. 3)
PRINTED = [(e[1], e[2], 1) for e in ENTRIES] + [
    ("S : n x n symmetric\nlambda_max(S)", "S", 2),
    ("S : n x n symmetric\nlambda_min(S)", "S", 2),
    ("X : n x n\nlambda_max(X)", "X", 2),
    ("X : n x n\ntr(expm(X))", "X", 2),
    ("S : n x n symmetric\neig(S)", "S", 1),
    ("X : q x m\nsvd(X)", "X", 1),
    ("X : q x m\ncond(X)", "X", 1),
    ("S : n x n symmetric\nexpm(S)", "S", 1),
    ("X : n x n\nexpm(X)", "X", 1),
    ("S : n x n spd\nsqrtm(S)", "S", 1),
]
# entries printed in the cell language as other spellings, never under their own name
_WRITTEN_OUT = [n for n, op in ops.REGISTRY.items() if op.internal and callable(op.text)
                and n != "mpow"]


def _values(d, seed: int) -> dict:
    g = rng(60 + seed)
    sizes = {"n": 4, "q": 5, "m": 3}
    out = {}
    for name, s in d.cell.symbols.items():
        r, c = (sizes.get(str(k), 1) for k in s.shape)
        if "spd" in s.props:
            out[name] = spd(g, r)
        elif "symmetric" in s.props:
            out[name] = symmetric(g, r)
        else:
            out[name] = real_top(g, r) if r == c and "lambda" in d.source else \
                general(g, r, c) / 2
    return out


@pytest.mark.parametrize("cell, wrt, order", PRINTED, ids=[f"{c.splitlines()[-1]}-{o}"
                                                          for c, _, o in PRINTED])
def test_printed_results_parse_back_or_are_named_in_words(cell, wrt, order):
    """d.result prints in the cell language: it parses back to a result of the same value;
    the steps and the text name no entry of the engine; a part named in the answer says
    what it is in words (v = v_max(S) (the unit eigenvector of λ_max(S)))."""
    d = derive(cell, wrt=wrt, order=order)
    back = parse_expr(str(d.result), d.cell.symbols)
    for seed in range(2):
        v = _values(d, seed)
        env = make_env(d.cell.symbols, v)
        np.testing.assert_allclose(value(back, env), d.evaluate(v), rtol=1e-8, atol=1e-10)
    shown = [d.text(), d.latex(), str(d.result)] + [s.text for s in d.steps] + \
        [s.latex for s in d.steps]
    for text in shown:
        for name in _WRITTEN_OUT:
            assert name not in text, (name, text)
        assert "reigvec" not in text
    form = d.named()
    for _, part in (form.parts if form is not None else ()):
        if isinstance(part, E.Call) and (ops.get(part.name).internal or
                                         ops.get(part.name).kind == "spectral"):
            assert ops.get(part.name).says is not None, part.name
            assert "(the " in form.unicode


def test_the_hessian_of_lambda_max_at_a_symmetric_point_is_in_v_and_the_pseudo_inverse():
    # Magnus & Neudecker ch. 8: d²λ = 2 vᵀ dS (λI - S)⁺ dS v
    d = derive("S : n x n symmetric\nlambda_max(S)", wrt="S", order=2)
    form = d.named()
    assert form.at_point
    last = d.steps[-1]
    assert "u = v" in last.rule and "d²λ = 2 vᵀ dS (λI - S)⁺ dS v" in last.rule
    assert last.text.startswith("H = K_nn ((λ_max(S) I - S)⁺ ⊗ v_max(S) v_max(S)ᵀ")
    assert form.unicode == ("K_nn (R ⊗ vvᵀ + vvᵀ ⊗ R)  where v = v_max(S) (the unit eigenvector"
                            " of λ_max(S)), R = (λ_max(S) I - S)⁺ (the pseudo-inverse)")
    s = symmetric(rng(70), 4)
    w, vv = np.linalg.eigh(s)
    r = np.linalg.pinv(w[-1] * np.eye(4) - s)
    e = rng(71).standard_normal((4, 4))
    h = d.evaluate({"S": s})
    quad = e.reshape(-1, order="F") @ h @ e.reshape(-1, order="F")
    assert np.isclose(quad, 2 * vv[:, -1] @ e @ r @ e @ vv[:, -1])
