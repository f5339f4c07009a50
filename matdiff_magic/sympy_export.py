"""The result as SymPy matrix expressions (SymPy is imported only here).

KroneckerProduct, HadamardProduct, HadamardPower, Trace, Determinant, Inverse, MatPow,
DiagMatrix, DiagonalOf and element-wise functions map one to one. SymPy has no vec and no
commutation matrix, so both are FunctionMatrix stand-ins defined by their entries; at
concrete sizes everything evaluates to numbers.
"""

from __future__ import annotations

from . import expr as E
from .dims import Dim


def export(d):
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    def dim(x: Dim):
        out = sp.Integer(x.coef)
        for name, k in x.factors:
            out *= sp.Symbol(name, integer=True, positive=True) ** k
        return out

    i, j = sp.symbols("i j", integer=True, nonnegative=True)

    def commutation(r, c):
        # K[a, b] = 1 when b = floor(a / c) + r * (a mod c): K vec(A) = vec(Aᵀ), A is r x c
        return sp.FunctionMatrix(r * c, r * c, sp.Lambda(
            (i, j), sp.KroneckerDelta(j, sp.floor(i / c) + r * sp.Mod(i, c))))

    def vec(M):
        # vec(M) = (I_c ⊗ M) vec(I_c), with vec(I_c) a constant stand-in
        r, c = M.shape
        vec_i = sp.FunctionMatrix(c * c, 1, sp.Lambda(
            (i, j), sp.KroneckerDelta(sp.Mod(i, c), sp.floor(i / c))))
        return sp.kronecker_product(sp.Identity(c), M) * vec_i

    funcs = {"exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh,
             "sqrt": sp.sqrt, "abs": sp.Abs,
             "sigmoid": sp.Lambda(sp.Symbol("z"), 1 / (1 + sp.exp(-sp.Symbol("z"))))}
    memo: dict = {}

    def scalar(M):
        return M[0, 0] if isinstance(M, sp.MatrixBase) or hasattr(M, "shape") and \
            M.shape == (1, 1) else M

    def go(e: E.Expr):
        if e in memo:
            return memo[e]
        out = _go(e)
        memo[e] = out
        return out

    def _go(e: E.Expr):
        if isinstance(e, E.Sym):
            r, c = (dim(x) for x in e.shape)
            return sp.MatrixSymbol(e.name, r, c)
        if isinstance(e, E.Num):
            return sp.Rational(e.value.numerator, e.value.denominator)
        if isinstance(e, E.Identity):
            return sp.Identity(dim(e.shape[0]))
        if isinstance(e, E.Zero):
            return sp.ZeroMatrix(dim(e.shape[0]), dim(e.shape[1]))
        if isinstance(e, E.Ones):
            return sp.OneMatrix(dim(e.shape[0]), 1)
        if isinstance(e, E.Comm):
            return commutation(dim(e.r), dim(e.c))
        if isinstance(e, E.Add):
            return sp.Add(*(go(a) for a in e.args)) if e.is_scalar else \
                sp.MatAdd(*(go(a) for a in e.args))
        if isinstance(e, E.Mul):
            scal = [go(f) for f in e.args if f.is_scalar]
            scal = [s[0, 0] if getattr(s, "shape", None) == (1, 1) else s for s in scal]
            chain = [go(f) for f in e.args if not f.is_scalar]
            coef = sp.Mul(*scal)
            if not chain:
                return coef
            m = chain[0] if len(chain) == 1 else sp.MatMul(*chain)
            return coef * m
        if isinstance(e, E.Kron):
            return sp.kronecker_product(*(go(a) for a in e.args))
        if isinstance(e, E.Hadamard):
            return sp.HadamardProduct(*(go(a) for a in e.args))
        if isinstance(e, E.HadPow):
            p = e.p
            return sp.HadamardPower(go(e.arg), sp.Rational(p.numerator, p.denominator))
        if isinstance(e, E.Transpose):
            return sp.Transpose(go(e.arg))
        if isinstance(e, E.Inverse):
            return sp.Inverse(go(e.arg))
        if isinstance(e, E.Power):
            p = sp.Rational(e.p.numerator, e.p.denominator)
            a = go(e.arg)
            return scalar(a) ** p if e.is_scalar else sp.MatPow(a, p)
        if isinstance(e, E.Unvec):
            v = go(e.arg)
            r = dim(e.shape[0])
            return sp.FunctionMatrix(r, dim(e.shape[1]), sp.Lambda((i, j), v[i + r * j, 0]))
        if isinstance(e, E.Call):
            a = go(e.arg)
            n = e.name
            if n in funcs:
                if e.is_scalar:
                    return funcs[n](scalar(a))
                return ElementwiseApplyFunction(funcs[n], a)
            if n == "tr":
                return sp.Trace(a)
            if n == "det":
                return sp.Determinant(a)
            if n == "logdet":
                return sp.log(sp.Determinant(a))
            if n == "vec":
                return vec(a)
            if n == "diag":
                return sp.DiagMatrix(a)
            if n == "diagof":
                return sp.DiagonalOf(a)
            if n == "sum":
                r, c = a.shape
                return (sp.OneMatrix(1, r) * a * sp.OneMatrix(c, 1))[0, 0]
            if n in ("fro", "norm2"):
                return sp.sqrt(sp.Trace(sp.Transpose(a) * a))
        raise TypeError(type(e).__name__)

    return go(d.result)


def evaluate_sympy(expr, values: dict, sizes: dict):
    """Evaluate an exported expression at concrete sizes and values, as a NumPy array."""
    import numpy as np
    import sympy as sp
    subs = {sp.Symbol(k, integer=True, positive=True): v for k, v in sizes.items()}
    e = expr.subs(subs) if hasattr(expr, "subs") else expr
    reps = {}
    for s in e.atoms(sp.MatrixSymbol):
        reps[s] = sp.ImmutableMatrix(np.asarray(values[s.name], dtype=float).tolist())
    e = e.xreplace(reps)
    # the stand-ins and identities become explicit matrices at concrete sizes
    e = e.replace(lambda x: isinstance(x, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix,
                                           sp.FunctionMatrix)),
                  lambda x: sp.ImmutableMatrix(x.as_explicit()))
    e = e.doit()
    if not isinstance(e, sp.MatrixBase):
        e = sp.Matrix(e.as_explicit()) if hasattr(e, "as_explicit") else sp.Matrix([[e]])
    return np.array(e.evalf(), dtype=float)
