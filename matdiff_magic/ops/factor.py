"""Factorizations: the Cholesky factor chol(S) and the map Φ its differential holds (SPEC §11).

chol(S) is the lower-triangular L with S = L Lᵀ and a positive diagonal (NumPy's
``np.linalg.cholesky``; MATLAB's ``chol(S)`` is the upper factor Lᵀ), for S declared spd.
Its differential (Murray 2016, "Differentiation of the Cholesky decomposition"):
dS = dL Lᵀ + L dLᵀ gives L⁻¹ dS L⁻ᵀ = L⁻¹dL + (L⁻¹dL)ᵀ, a lower-triangular matrix plus its
transpose, so L⁻¹ dL = Φ(L⁻¹ dS L⁻ᵀ) with Φ the lower triangle, its diagonal halved:
dL = L Φ(L⁻¹ dS L⁻ᵀ). The entries of S are independent (SPEC §2), so off the symmetric
matrices chol(S) reads (S + Sᵀ)/2 and dS enters as (dS + dSᵀ)/2; w.r.t. vech(S) that is dS.
"""

from __future__ import annotations

from fractions import Fraction

from ..algebra import expr as E
from ..errors import MatdiffError
from .op import Op, OutsideDomain, Rule, register


def _np():
    import numpy
    return numpy


def _chol(s: E.Expr) -> E.Expr:
    E.require_square(s, "chol()")
    base = s.arg if isinstance(s, E.Transpose) else s
    if not (isinstance(base, E.Sym) and "spd" in base.props):
        what = f"'{base.name}'" if isinstance(base, E.Sym) else "its argument"
        decl = f"{base.name} : n x n spd" if isinstance(base, E.Sym) else "S : n x n spd"
        raise E.ShapeError(f"chol() needs a symmetric positive definite matrix: declare "
                           f"{what} spd (e.g. '{decl}'), the Cholesky factor exists only "
                           "for those")
    return E.Call(s.shape, base, "chol")


def chol_value(s):
    np = _np()
    try:
        return np.linalg.cholesky((s + s.T) / 2)
    except np.linalg.LinAlgError:
        raise OutsideDomain("needs a symmetric positive definite argument; it is not "
                            "positive definite here") from None


def _chol_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    (ds,) = dargs
    sym = E.scale(Fraction(1, 2), E.add(ds, E.transpose(ds)))
    return E.mul(e, E.call("cholphi", E.mul(E.inverse(e), sym, E.inverse(E.transpose(e)))))


def _phi(m: E.Expr) -> E.Expr:
    E.require_square(m, "cholphi()")
    if E.is_zero(m):
        return m
    if m.is_scalar:
        return E.scale(Fraction(1, 2), m)
    return E.Call(m.shape, m, "cholphi")


def phi_value(m):
    np = _np()
    return np.tril(m) - np.diag(np.diag(m)) / 2


def _phi_mask(ctx, n):
    sp, i, j = ctx.sp, ctx.i, ctx.j
    return sp.FunctionMatrix(n, n, sp.Lambda((i, j), sp.Piecewise(
        (1, i > j), (sp.Rational(1, 2), sp.Eq(i, j)), (0, True))))


def _no_sympy(ctx, e, *args):
    raise MatdiffError("to_sympy: SymPy has no matrix expression for the Cholesky factor "
                       "chol(S); use evaluate() or numpy_source()")


register(
    # L = chol(S): S = L Lᵀ, L lower triangular; dL = L Φ(L⁻¹ dS L⁻ᵀ)
    Op("chol", "linear", _chol, latex="\\operatorname{chol}",
       d=Rule("L = chol(S) is the lower-triangular factor with S = L Lᵀ (NumPy's "
              "convention; MATLAB's chol(S) is the upper factor Lᵀ); differentiate "
              "S = L Lᵀ: L⁻¹ dS L⁻ᵀ = L⁻¹dL + (L⁻¹dL)ᵀ with L⁻¹dL lower triangular, so "
              "dL = L Φ(L⁻¹ dS L⁻ᵀ), Φ the lower triangle with the diagonal halved (Murray "
              "2016); the entries of S are independent, dS enters as (dS + dSᵀ)/2",
              _chol_d),
       value=chol_value, code="np.linalg.cholesky(({0} + {0}.T) / 2)", sympy=_no_sympy,
       no_sympy=True),
    # Φ(M): the lower triangle of M with its diagonal halved, a linear map
    Op("cholphi", "linear", _phi, unicode="Φ", latex="\\operatorname{cholphi}", linear=True,
       d=Rule("d Φ(A) = Φ(dA)", lambda e, args, dargs: E.call("cholphi", dargs[0])),
       # vec Φ(M) = diag(vec Φ(𝟏𝟏ᵀ)) vec M: a Hadamard product with the mask Φ(𝟏𝟏ᵀ)
       vec=Rule("vec Φ(A) = diag(vec Φ(𝟏𝟏ᵀ)) vec A",
                lambda t: E.call("diag", E.call("vec", E.call(
                    "cholphi", E.ones_like(t.shape))))),
       # tr(Wᵀ Φ(M)) = tr(Φ(W)ᵀ M): Φ is its own adjoint
       adjoint=Rule("tr(Wᵀ Φ(A)) = tr(Φ(W)ᵀ A)", lambda w, m: E.call("cholphi", w)),
       value=phi_value, code="(np.tril({0}) - np.diag(np.diag({0})) / 2)",
       sympy=lambda ctx, e, a: ctx.sp.HadamardProduct(_phi_mask(ctx, a.shape[0]), a)),
)
