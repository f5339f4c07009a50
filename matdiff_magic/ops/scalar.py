"""Functions of a matrix with a number as value: tr, det, log det, sum, the norms."""

from __future__ import annotations

from ..algebra import expr as E
from ..dims import SCALAR
from .op import Op, OutsideDomain, Rule, register


def _np():
    import numpy
    return numpy


def _number(x):
    return _np().array([[x]])


def _square_matrix(name: str, fold_scalar: bool = True):
    """name(A) of a square A is a number; of a number, the number itself (``fold_scalar``)."""
    def build(e: E.Expr) -> E.Expr:
        E.require_square(e, f"{name}()")
        if e.is_scalar and fold_scalar:
            return e
        if name == "tr" and isinstance(e, E.Zero):
            return E.num(0)
        if isinstance(e, E.Call) and e.name == "expm" and name in ("det", "logdet"):
            t = E.call("tr", e.arg)          # det e^X = e^{tr X}, log det e^X = tr X
            return E.call("exp", t) if name == "det" else t
        return E.Call(SCALAR, e, name)
    return build


def _sum(e: E.Expr) -> E.Expr:
    if isinstance(e, E.Zero):   # sum(0) = 0 (the derivative of a step function)
        return E.num(0)
    if isinstance(e, E.Call) and e.name == "eig":   # sum(eig(A)) = tr(A)
        return E.call("tr", e.arg)
    if isinstance(e, E.Call) and e.name == "softmax":   # each softmax sums to one
        return E.num(1) if E.is_one(e.shape[1]) else E.call("tr", E.identity(e.shape[0]))
    return e if e.is_scalar else E.Call(SCALAR, e, "sum")


def _fro(e: E.Expr) -> E.Expr:
    return E.Call(SCALAR, e, "fro")


def _norm2(e: E.Expr) -> E.Expr:
    r, c = e.shape
    if not (E.is_one(c) or E.is_one(r)):
        raise E.ShapeError(f"norm2() needs a vector, got {E.shape_str(e.shape)}: for a "
                           "matrix, write fro() for the Frobenius norm or opnorm() for the "
                           "spectral norm (the largest singular value)")
    return E.Call(SCALAR, e, "norm2")


def _logdet(a):
    sign, ld = _np().linalg.slogdet(a)
    if sign <= 0:
        raise OutsideDomain("needs a positive determinant; it is "
                            f"{'zero' if sign == 0 else 'negative'} here")
    return _number(ld)


def _size_or(prefix: str):
    """tr(I_n), a size used as a number (x' x / n), prints as n; any other trace as a
    prefix."""
    def form(pr, e: E.Call) -> str:
        a = e.arg
        if isinstance(a, E.Identity) and len(a.shape[0].factors) == 1 and \
                a.shape[0].coef == 1 and a.shape[0].factors[0][1] == 1:
            return a.shape[0].factors[0][0]
        return prefix + pr.paren(pr.p(a))
    return form


def _tr(a: E.Expr) -> E.Expr:
    return E.call("tr", a)


def _norm_d(e: E.Call, args, dargs) -> E.Expr:
    # d‖A‖ = tr(Aᵀ dA) / ‖A‖
    return E.mul(E.power(e, -1), _tr(E.mul(E.transpose(args[0]), dargs[0])))


def _norm_square_d(e: E.Call, args, dargs) -> E.Expr:
    # d‖A‖² = 2 tr(Aᵀ dA): the square's own rule, with no ‖A‖ to cancel afterwards
    return E.mul(E.num(2), _tr(E.mul(E.transpose(args[0]), dargs[0])))


def _sum_sympy(ctx, e, a):
    sp = ctx.sp
    r, c = a.shape
    return (sp.OneMatrix(1, r) * a * sp.OneMatrix(c, 1))[0, 0]


def _norm_sympy(ctx, e, a):
    sp = ctx.sp
    return sp.sqrt(sp.Trace(sp.Transpose(a) * a))


register(
    Op("tr", "scalar", _square_matrix("tr"), latex_in=("tr", "Tr"), of_transpose=True,
       text=_size_or("tr"), unicode=_size_or("tr"), latex=_size_or("\\operatorname{tr}"),
       linear=True,
       d=Rule("d tr(A) = tr(dA)", lambda e, args, dargs: _tr(dargs[0])),
       vec=Rule("tr(X) = vec(I)ᵀ vec X",
                lambda t: E.transpose(E.call("vec", E.identity(t.arg.shape[0])))),
       # w tr(M) = tr((w I)ᵀ M)
       adjoint=Rule(None, lambda w, m: E.mul(w, E.identity(m.shape[0]))),
       value=lambda a: _number(_np().trace(a)), code="np.array([[np.trace({0})]])",
       sympy=lambda ctx, e, a: ctx.sp.Trace(a)),
    Op("det", "scalar", _square_matrix("det"), latex_in=("det",), latex="\\det",
       of_transpose=True,
       # d det(A) = det(A) tr(A⁻¹ dA)
       d=Rule("d det(A) = det(A) tr(A⁻¹ dA)",
              lambda e, args, dargs: E.mul(e, _tr(E.mul(E.inverse(args[0]), dargs[0])))),
       value=lambda a: _number(_np().linalg.det(a)),
       code="np.array([[np.linalg.det({0})]])",
       sympy=lambda ctx, e, a: ctx.sp.Determinant(a), domain="invertible"),
    Op("logdet", "scalar", _square_matrix("logdet", fold_scalar=False),
       latex_in=("log det",), latex="\\log\\det", unicode="log det", of_transpose=True,
       # d log det(A) = tr(A⁻¹ dA)
       d=Rule("d log det(A) = tr(A⁻¹ dA)",
              lambda e, args, dargs: _tr(E.mul(E.inverse(args[0]), dargs[0]))),
       value=_logdet, code="np.array([[np.linalg.slogdet({0})[1]]])",
       sympy=lambda ctx, e, a: ctx.sp.log(ctx.sp.Determinant(a)), domain="detpos"),
    Op("sum", "scalar", _sum, latex="\\operatorname{sum}", linear=True,
       d=Rule("d sum(A) = sum(dA)", lambda e, args, dargs: E.call("sum", dargs[0])),
       vec=Rule("sum(X) = 1ᵀ vec X",
                lambda t: E.transpose(E.ones(t.arg.shape[0] * t.arg.shape[1]))),
       # w sum(M) = tr((w 1 1ᵀ)ᵀ M)
       adjoint=Rule("sum(M) = tr((1 1ᵀ)ᵀ M)", lambda w, m: E.mul(w, E.ones_like(m.shape))),
       value=lambda a: _number(a.sum()), code="np.array([[np.sum({0})]])",
       sympy=_sum_sympy),
    Op("fro", "scalar", _fro, latex="\\left\\|{a}\\right\\|_F", unicode="‖{a}‖_F",
       d=Rule("d‖A‖_F = tr(Aᵀ dA) / ‖A‖_F", _norm_d),
       d_square=Rule("d‖A‖_F² = 2 tr(Aᵀ dA)", _norm_square_d),
       value=lambda a: _number(_np().linalg.norm(a)),
       code="np.array([[np.linalg.norm({0})]])", sympy=_norm_sympy),
    Op("norm2", "scalar", _norm2, latex="\\left\\|{a}\\right\\|_2", unicode="‖{a}‖",
       d=Rule("d‖a‖ = aᵀ da / ‖a‖", _norm_d),
       d_square=Rule("d‖a‖² = 2 aᵀ da", _norm_square_d),
       value=lambda a: _number(_np().linalg.norm(a)),
       code="np.array([[np.linalg.norm({0})]])", sympy=_norm_sympy),
)
