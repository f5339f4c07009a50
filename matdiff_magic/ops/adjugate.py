"""The Moore–Penrose inverse pinv(X) and the adjugate adj(X) (SPEC §10).

Golub & Pereyra (1973): where X has full rank, X⁺ is differentiable and
dX⁺ = -X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I - X X⁺) + (I - X⁺X) dXᵀ X⁺ᵀX⁺.
The adjugate of an invertible X is det(X) X⁻¹, so d adj X = adj(X) tr(X⁻¹ dX) - adj(X) dX X⁻¹.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..errors import MatdiffError
from .op import Op, OutsideDomain, Rule, register


def _np():
    import numpy
    return numpy


def _pinv(a):
    np = _np()
    if not np.all(np.isfinite(a)):
        raise OutsideDomain("is not defined: the matrix has non-finite entries")
    s = np.linalg.svd(a, compute_uv=False)
    k = len(s)
    if k and s[-1] <= 1e-10 * max(1.0, float(s[0])):
        sub = "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(k))
        low = "0" if s[-1] <= 1e-14 * max(1.0, float(s[0])) else f"{s[-1]:.3g}"
        raise OutsideDomain(f"is not differentiable: the matrix is rank deficient at these "
                            f"values: σ{sub} = {low} (pinv's derivative needs full rank)")
    return np.linalg.pinv(a)


def _d_pinv(e, args, dargs):
    # dX⁺ = -X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I - X X⁺) + (I - X⁺X) dXᵀ X⁺ᵀX⁺  (Golub & Pereyra)
    (x,), (dx,) = args, dargs
    p, pt, dxt = e, E.transpose(e), E.transpose(dx)
    r, c = x.shape
    left = E.add(E.identity(r), E.neg(E.mul(x, p)))     # I - X X⁺ (m x m)
    right = E.add(E.identity(c), E.neg(E.mul(p, x)))    # I - X⁺X (n x n)
    return E.add(E.neg(E.mul(p, dx, p)), E.mul(p, pt, dxt, left),
                 E.mul(right, dxt, pt, p))


def _adj_value(a):
    np = _np()
    n = a.shape[0]
    if n == 1:
        return np.ones((1, 1))
    cof = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=0), j, axis=1)
            cof[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return cof.T


def _d_adj(e, args, dargs):
    # d adj X = adj(X) tr(X⁻¹ dX) - adj(X) dX X⁻¹  (X invertible)
    (x,), (dx,) = args, dargs
    xi = E.inverse(x)
    return E.add(E.mul(e, E.call("tr", E.mul(xi, dx))), E.neg(E.mul(e, dx, xi)))


def _adj(x: E.Expr) -> E.Expr:
    E.require_square(x, "adj()")
    if x.is_scalar:
        return E.num(1)
    return E.Call(x.shape, x, "adj")


def _no_sympy(ctx, e, a):
    raise MatdiffError("to_sympy: SymPy has no matrix expression for the Moore–Penrose "
                       "inverse of a matrix symbol; use evaluate() or numpy_source()")


register(
    Op("pinv", "matfun", lambda x: E.Call((x.shape[1], x.shape[0]), x, "pinv"),
       latex="\\operatorname{pinv}", unicode="pinv",
       d=Rule("dX⁺ = -X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I - X X⁺) + (I - X⁺X) dXᵀ X⁺ᵀX⁺ (X of full rank; "
              "Golub & Pereyra 1973)", _d_pinv),
       value=_pinv, code="np.linalg.pinv({0})", sympy=_no_sympy, no_sympy=True),
    Op("adj", "matfun", _adj, latex="\\operatorname{adj}",
       d=Rule("d adj(X) = adj(X) tr(X⁻¹ dX) - adj(X) dX X⁻¹ (X invertible: adj X = det(X) X⁻¹)",
              _d_adj),
       value=_adj_value, code="(np.linalg.det({0}) * np.linalg.inv({0}))",
       sympy=lambda ctx, e, a: ctx.sp.Determinant(a) * ctx.sp.Inverse(a), domain="invertible"),
)
