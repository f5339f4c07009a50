"""X^k for an exponent k declared an integer ('k : scalar integer'), SPEC §10:
d(X^k) = Σⱼ₌₀^{k-1} Xʲ dX X^{k-1-j}, so J = Σⱼ (Xᵀ)^{k-1-j} ⊗ Xʲ, and tr(X^k) has the
gradient k (X^{k-1})ᵀ. Values for the value of k at the point (a nonnegative integer)."""

from __future__ import annotations

from ..algebra import expr as E
from ..errors import MatdiffError
from .op import Op, OutsideDomain, Rule, register
from .spectral import symmetric


def _np():
    import numpy
    return numpy


def _k(k) -> int:
    np = _np()
    v = float(np.asarray(k).reshape(-1)[0])
    if not np.isfinite(v) or v != round(v) or v < 0:
        raise OutsideDomain(f"is not defined: the exponent must be a nonnegative integer at "
                            f"these values, got {v:g}")
    return int(round(v))


def _power(x, k):
    return _np().linalg.matrix_power(x, _k(k))


def _frechet(x, k, e):
    """Σⱼ Xʲ E X^{k-1-j}, by Horner's scheme: S ← X S + (X^j part) ..."""
    np = _np()
    kk = _k(k)
    if kk == 0:
        return np.zeros_like(e)
    powers = [np.eye(len(x))]
    for _ in range(kk - 1):
        powers.append(powers[-1] @ x)
    return sum(powers[j] @ e @ powers[kk - 1 - j] for j in range(kk))


def _jac_apply(x, k, v):
    np = _np()
    n = x.shape[0]
    out = np.empty((n * n, v.shape[1]))
    for c in range(v.shape[1]):
        out[:, c] = _frechet(x, k, v[:, c].reshape(n, n, order="F")).reshape(-1, order="F")
    return out


def _build(x: E.Expr, k: E.Expr) -> E.Expr:
    E.require_square(x, "a matrix power")
    if isinstance(k, E.Num):
        return E.power(x, k.value)
    return E.Call(x.shape, x, "mpow", (k,))


def _exp_text(pr, k: E.Expr) -> str:
    s = pr.p(k)
    return s if isinstance(k, E.Sym) else pr.paren(s)


def _text(pr, e):
    return f"{pr.at(e.arg, 7)}^{_exp_text(pr, e.rest[0])}"


def _latex(pr, e):
    return f"{pr.at(e.arg, 7)}^{{{pr.p(e.rest[0])}}}"


def _d(e, args, dargs):
    # d(X^k) = Σⱼ Xʲ dX X^{k-1-j}
    (x, k), (dx, dk) = args, dargs
    if not E.is_zero(dk):
        raise E.ShapeError("the exponent of X^k is an integer: there is no derivative with "
                           "respect to it")
    return E.call("mpow_frechet", x, k, dx)


def _frechet_uni(pr, t):
    x, k, e = t.children
    return f"Σⱼ₌₀^({pr.p(k)}-1) {pr.at(x, 7)}ʲ {pr.p(e)} {pr.at(x, 7)}^({pr.p(k)}-1-j)"


def _frechet_tex(pr, t):
    x, k, e = t.children
    xs = pr.at(x, 7)
    return (f"\\sum_{{j=0}}^{{{pr.p(k)}-1}} {xs}^{{j}} {pr.p(e)}\\, "
            f"{xs}^{{{pr.p(k)}-1-j}}")


def _jac_uni(pr, t):
    x, k = t.children
    xs = pr.at(x, 7)
    return f"Σⱼ₌₀^({pr.p(k)}-1) ({xs}ᵀ)^({pr.p(k)}-1-j) ⊗ {xs}ʲ"


def _jac_tex(pr, t):
    x, k = t.children
    xs = pr.at(x, 7)
    return (f"\\sum_{{j=0}}^{{{pr.p(k)}-1}} ({xs}^{{\\top}})^{{{pr.p(k)}-1-j}} \\otimes "
            f"{xs}^{{j}}")


def _adjoint(w, x, k, e=None):
    # tr(Wᵀ L(X, E)) = tr(L(Xᵀ, W)ᵀ E); L(Xᵀ, c I) = c k (X^{k-1})ᵀ
    sym = symmetric(x)
    from .matfun import _scaled_identity
    c = _scaled_identity(w)
    xt = x if sym else E.transpose(x)
    if c is not None:
        return E.mul(c, k, E.call("mpow", xt, E.add(k, E.num(-1))))
    return E.call("mpow_frechet", xt, k, w)


def _unsupported(e, args, dargs):
    raise E.ShapeError("second derivatives of X^k with a symbolic k are not supported yet")


def _no_sympy(ctx, e, *args):
    raise MatdiffError("to_sympy: SymPy has no matrix expression for the sum "
                       "Σⱼ Xʲ E X^{k-1-j} with a symbolic k; use evaluate() or numpy_source()")


_CODE = '''

def _mpow(X, k):
    return np.linalg.matrix_power(X, int(round(float(np.asarray(k).reshape(-1)[0]))))


def _mpow_frechet(X, k, E):
    k = int(round(float(np.asarray(k).reshape(-1)[0])))
    P = [np.eye(len(X))]
    for _ in range(k - 1):
        P.append(P[-1] @ X)
    return sum((P[j] @ E @ P[k - 1 - j] for j in range(k)), np.zeros_like(E))


def _mpow_jacobian(X, k, V=None):
    n = X.shape[0]
    V = np.eye(n * n) if V is None else V
    return np.column_stack([_mpow_frechet(X, k, V[:, c].reshape(n, n, order="F"))
                            .reshape(-1, order="F") for c in range(V.shape[1])])
'''

register(
    Op("mpow", "matfun", _build, args=("expr", "expr"), internal=True,
       text=_text, unicode=_text, latex=_latex,
       d=Rule("d(X^k) = Σⱼ₌₀^{k-1} Xʲ dX X^{k-1-j} (k a nonnegative integer)", _d),
       value=_power, code="_mpow({0}, {1})", code_helper=_CODE, code_group="mpow",
       sympy=lambda ctx, e, x, k: ctx.sp.MatPow(x, ctx.scalar(k))),
    Op("mpow_frechet", "internal",
       lambda x, k, e: E.Call(x.shape, x, "mpow_frechet", (k, e)),
       args=("expr", "expr", "expr"), internal=True, unicode=_frechet_uni, latex=_frechet_tex,
       loose=True,
       d=Rule("d Σⱼ Xʲ E X^{k-1-j} = ... (second derivatives: not supported yet)", _unsupported),
       vec=Rule("vec Σⱼ Xʲ E X^{k-1-j} = (Σⱼ (Xᵀ)^{k-1-j} ⊗ Xʲ) vec E",
                lambda t: E.call("mpow_jacobian", t.arg, t.rest[0])),
       adjoint=Rule("tr(Wᵀ Σⱼ Xʲ E X^{k-1-j}) = tr((Σⱼ (Xᵀ)ʲ W (Xᵀ)^{k-1-j})ᵀ E); "
                    "tr Σⱼ Xʲ E X^{k-1-j} = k tr(X^{k-1} E)", _adjoint),
       value=_frechet, code="_mpow_frechet({0}, {1}, {2})", code_group="mpow",
       sympy=_no_sympy, no_sympy=True, letter="L",
       says=lambda e: ("the Fréchet derivative of Xᵏ", None)),
    Op("mpow_jacobian", "internal",
       lambda x, k: E.Call((x.shape[0] * x.shape[0],) * 2, x, "mpow_jacobian", (k,)),
       args=("expr", "expr"), internal=True, unicode=_jac_uni, latex=_jac_tex, loose=True,
       d=Rule("d J = ... (second derivatives: not supported yet)", _unsupported),
       value=lambda x, k: _jac_apply(x, k, _np().eye(x.shape[0] ** 2)), apply=_jac_apply,
       code="_mpow_jacobian({0}, {1})", code_apply="_mpow_jacobian({0}, {1}, {V})",
       code_group="mpow", sympy=_no_sympy, no_sympy=True, letter="J", k_symmetric=True,
       no_entries="∂(Xᵏ)_ij/∂X_kl = Σ_{t=0}^{k-1} (Xᵗ)_ik (X^{k-1-t})_lj, a sum whose "
                  "length is the symbol k",
       says=lambda e: ("the Jacobian ∂vec Xᵏ/∂(vec X)ᵀ", None)),
)
