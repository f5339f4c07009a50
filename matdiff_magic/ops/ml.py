"""Machine-learning building blocks: softmax, log-softmax and log-sum-exp.

A column is one vector: ``softmax(x)`` sums to one. Any other matrix (a row, a batch of
logits) is taken row by row, as ``scipy.special.softmax(Z, axis=1)`` and a batch in PyTorch:
each row of ``softmax(Z)`` sums to one, and ``logsumexp(Z)`` is the column of the rows'
values. With s = softmax(x) and S = softmax(Z):

* d softmax(x) = (diag(s) - s sᵀ) dx, and dS = S ∘ dZ - diag((S ∘ dZ) 1) S row-wise;
* d log_softmax(x) = (I - 1 sᵀ) dx, and dZ - (S ∘ dZ) 1 1ᵀ row-wise;
* d logsumexp(x) = sᵀ dx, and (S ∘ dZ) 1 row-wise.

``recognise`` reads the written-out forms as these operations (exp(x) / sum(exp(x)) is
softmax(x), log(sum(exp(x))) is logsumexp(x), log(softmax(x)) is log_softmax(x)), so that an
answer reaches the form a paper prints.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..dims import ONE
from .op import Op, Rule, register


def _np():
    import numpy
    return numpy


def _column(a: E.Expr) -> bool:
    return E.is_one(a.shape[1])


# --- values: stable in the usual way (the largest entry of each vector subtracted) ------------

def _shifted(a):
    if a.shape[1] == 1:
        return a - a.max()
    return a - a.max(axis=1, keepdims=True)


def _logsumexp(a):
    np = _np()
    z = _shifted(a)
    axis = 0 if a.shape[1] == 1 else 1
    return np.log(np.exp(z).sum(axis=axis, keepdims=True)) + (a - z).take([0], axis=axis)


def _log_softmax(a):
    return a - _logsumexp(a)      # the column of row values spreads over each row


def _softmax(a):
    return _np().exp(_log_softmax(a))


_CODE = '''

def _logsumexp(a):
    axis = 0 if a.shape[1] == 1 else 1
    top = a.max(axis=axis, keepdims=True)
    return np.log(np.exp(a - top).sum(axis=axis, keepdims=True)) + top


def _log_softmax(a):
    return a - _logsumexp(a)


def _softmax(a):
    return np.exp(_log_softmax(a))
'''


# --- shape rules ---------------------------------------------------------------------------

def _softmax_build(a: E.Expr) -> E.Expr:
    if a.is_scalar:                    # one entry: softmax(a) = 1
        return E.num(1)
    return E.Call(a.shape, a, "softmax")


def _log_softmax_build(a: E.Expr) -> E.Expr:
    if a.is_scalar:
        return E.num(0)
    return E.Call(a.shape, a, "log_softmax")


def _logsumexp_build(a: E.Expr) -> E.Expr:
    if a.is_scalar:
        return a
    return E.Call((ONE, ONE) if _column(a) else (a.shape[0], ONE), a, "logsumexp")


# --- differentials -------------------------------------------------------------------------

def _rowsum(m: E.Expr) -> E.Expr:
    return E.mul(m, E.ones(m.shape[1]))


def _d_softmax(e, args, dargs):
    (a,), (da,) = args, dargs
    if _column(a):      # (diag(s) - s sᵀ) da
        return E.mul(E.add(E.call("diag", e), E.neg(E.mul(e, E.transpose(e)))), da)
    sd = E.hadamard(e, da)          # S ∘ dA - diag((S ∘ dA) 1) S
    return E.add(sd, E.neg(E.mul(E.call("diag", _rowsum(sd)), e)))


def _d_log_softmax(e, args, dargs):
    (a,), (da,) = args, dargs
    s = E.call("softmax", a)
    if _column(a):      # (I - 1 sᵀ) da
        n = a.shape[0]
        return E.mul(E.add(E.identity(n), E.neg(E.mul(E.ones(n), E.transpose(s)))), da)
    # dA - (S ∘ dA) 1 1ᵀ
    return E.add(da, E.neg(E.mul(_rowsum(E.hadamard(s, da)), E.transpose(E.ones(a.shape[1])))))


def _d_logsumexp(e, args, dargs):
    (a,), (da,) = args, dargs
    s = E.call("softmax", a)
    if _column(a):      # sᵀ da
        return E.mul(E.transpose(s), da)
    return _rowsum(E.hadamard(s, da))     # (S ∘ dA) 1


def _cases(column: str, rows: str):
    return lambda a: column if _column(a) else rows


# --- SymPy forms ---------------------------------------------------------------------------

def _sp_exp(ctx, a):
    return ctx.elementwise(ctx.sp.Lambda(ctx.sp.Symbol("z"), ctx.sp.exp(ctx.sp.Symbol("z"))), a)


def _sp_sums(ctx, a):
    """The sum each entry is divided by, as a matrix shaped like a."""
    sp = ctx.sp
    r, c = a.shape
    ex = _sp_exp(ctx, a)
    if c == 1:
        return ex, sp.OneMatrix(r, 1) * (sp.OneMatrix(1, r) * ex)
    return ex, (ex * sp.OneMatrix(c, 1)) * sp.OneMatrix(1, c)


def _sp_softmax(ctx, e, a):
    ex, sums = _sp_sums(ctx, a)
    return ctx.sp.HadamardProduct(ex, ctx.sp.HadamardPower(sums, -1))


def _sp_log(ctx, m):
    z = ctx.sp.Symbol("z", positive=True)
    return ctx.elementwise(ctx.sp.Lambda(z, ctx.sp.log(z)), m)


def _sp_logsumexp(ctx, e, a):
    sp = ctx.sp
    r, c = a.shape
    ex = _sp_exp(ctx, a)
    if c == 1:
        return sp.log((sp.OneMatrix(1, r) * ex)[0, 0])
    return _sp_log(ctx, ex * sp.OneMatrix(c, 1))


register(
    Op("softmax", "matfun", _softmax_build, latex="\\operatorname{softmax}",
       d=Rule("d softmax(x) = (diag(s) - s sᵀ) dx,  s = softmax(x)", _d_softmax,
              cases=_cases("d softmax(x) = (diag(s) - s sᵀ) dx,  s = softmax(x)",
                           "d softmax(X) = S ∘ dX - diag((S ∘ dX) 1) S,  S = softmax(X) "
                           "row by row")),
       value=_softmax, code="_softmax({0})", code_helper=_CODE, sympy=_sp_softmax),
    Op("log_softmax", "matfun", _log_softmax_build, latex="\\operatorname{log\\_softmax}",
       d=Rule("d log_softmax(x) = (I - 1 sᵀ) dx,  s = softmax(x)", _d_log_softmax,
              cases=_cases("d log_softmax(x) = (I - 1 sᵀ) dx,  s = softmax(x)",
                           "d log_softmax(X) = dX - (S ∘ dX) 1 1ᵀ,  S = softmax(X) "
                           "row by row")),
       value=_log_softmax, code="_log_softmax({0})",
       sympy=lambda ctx, e, a: _sp_log(ctx, _sp_softmax(ctx, e, a))),
    Op("logsumexp", "scalar", _logsumexp_build, latex="\\operatorname{logsumexp}",
       d=Rule("d logsumexp(x) = sᵀ dx,  s = softmax(x)", _d_logsumexp,
              cases=_cases("d logsumexp(x) = sᵀ dx,  s = softmax(x)",
                           "d logsumexp(X) = (S ∘ dX) 1,  S = softmax(X) row by row")),
       value=_logsumexp, code="_logsumexp({0})", sympy=_sp_logsumexp),
)


# --- the written-out forms -----------------------------------------------------------------

def _exp_arg(e: E.Expr) -> E.Expr | None:
    return e.arg if isinstance(e, E.Call) and e.name == "exp" else None


def _sum_of_exp(e: E.Expr) -> E.Expr | None:
    """u when e is sum(exp(u)) of a column u, or exp(U) 1 1ᵀ (the row sums, spread)."""
    if isinstance(e, E.Call) and e.name == "sum":
        u = _exp_arg(e.arg)
        return u if u is not None and _column(u) else None
    return None


def _row_sums_of_exp(e: E.Expr) -> E.Expr | None:
    """U when e is exp(U) 1 1ᵀ: each entry the sum of its row of exp(U)."""
    if isinstance(e, E.Mul) and len(e.args) == 3 and isinstance(e.args[1], E.Ones) \
            and isinstance(e.args[2], E.Transpose) and isinstance(e.args[2].arg, E.Ones):
        return _exp_arg(e.args[0])
    return None


def recognise(e: E.Expr) -> E.Expr:
    """A written-out softmax, log-softmax or log-sum-exp as the operation itself (else e):

    * exp(x) / sum(exp(x)) = softmax(x), and exp(X) ⊘ (exp(X) 1 1ᵀ) = softmax(X) row-wise;
    * log(sum(exp(x))) = logsumexp(x), and log(exp(X) 1) = logsumexp(X);
    * log(softmax(x)) = log_softmax(x).
    """
    if isinstance(e, E.Mul):
        fs = list(e.args)
        for den in fs:
            u = _sum_of_exp(den.arg) if isinstance(den, E.Power) and den.p == -1 else None
            if u is not None and E.call("exp", u) in fs:
                fs.remove(den)
                fs.remove(E.call("exp", u))
                return E.mul(*fs, E.call("softmax", u))
        return e
    if isinstance(e, E.Hadamard) and len(e.args) == 2:
        for a, b in (e.args, e.args[::-1]):
            u = _exp_arg(a)
            if u is not None and isinstance(b, E.HadPow) and b.p == -1 and \
                    _row_sums_of_exp(b.arg) == u:
                return E.call("softmax", u)
        return e
    if isinstance(e, E.Call) and e.name == "log":
        a = e.arg
        if isinstance(a, E.Call) and a.name == "softmax":
            return E.call("log_softmax", a.arg)
        u = _sum_of_exp(a)
        if u is not None:
            return E.call("logsumexp", u)
        if isinstance(a, E.Mul) and len(a.args) == 2 and isinstance(a.args[1], E.Ones):
            u = _exp_arg(a.args[0])
            if u is not None:
                return E.call("logsumexp", u)
    return e
