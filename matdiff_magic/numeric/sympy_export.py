"""The result as SymPy matrix expressions (SymPy is imported only here).

KroneckerProduct, HadamardProduct, HadamardPower, Trace, Determinant, Inverse, MatPow,
DiagMatrix, DiagonalOf and element-wise functions map one to one. SymPy has no vec and no
commutation matrix (nor duplication or elimination matrix), so these are FunctionMatrix
stand-ins defined by their entries; at
concrete sizes everything evaluates to numbers.
"""

from __future__ import annotations

from .. import ops
from ..algebra import expr as E
from ..dims import Dim, tri_base


def export(d):
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    def dim(x: Dim):
        out = sp.Integer(x.coef)
        for name, k in x.factors:
            base = tri_base(name)          # n(n+1)/2, the length of vech
            v = sp.Symbol(base or name, integer=True, positive=True)
            out *= (v * (v + 1) / 2 if base else v) ** k
        return out

    i, j = sp.symbols("i j", integer=True, nonnegative=True)

    def commutation(r, c):
        # K[a, b] = 1 when b = floor(a / c) + r * (a mod c): K vec(A) = vec(Aᵀ), A is r x c
        return sp.FunctionMatrix(r * c, r * c, sp.Lambda(
            (i, j), sp.KroneckerDelta(j, sp.floor(i / c) + r * sp.Mod(i, c))))

    def vech_pos(a, n):
        # the position in vech of the entry a = r + s n of vec (r, s: row, column), read
        # from the lower triangle: column j = min(r, s) starts at j n - j(j - 1)/2
        r, s_ = sp.Mod(a, n), sp.floor(a / n)
        hi, lo = sp.Max(r, s_), sp.Min(r, s_)
        return lo * n - lo * (lo - 1) / 2 + hi - lo

    def duplication(n):
        # D[a, c] = 1 when entry a of vec(S) is entry c of vech(S): D vech(S) = vec(S)
        return sp.FunctionMatrix(n * n, n * (n + 1) / 2, sp.Lambda(
            (i, j), sp.KroneckerDelta(j, vech_pos(i, n))))

    def elimination(n):
        # L[c, a] = 1 when entry a of vec(A) is on or below the diagonal and is entry c of
        # vech(A): L vec(A) = vech(A)
        return sp.FunctionMatrix(n * (n + 1) / 2, n * n, sp.Lambda(
            (i, j), sp.KroneckerDelta(i, vech_pos(j, n))
            * sp.Piecewise((1, sp.Mod(j, n) >= sp.floor(j / n)), (0, True))))

    memo: dict = {}

    def scalar(M):
        return M[0, 0] if isinstance(M, sp.MatrixBase) or hasattr(M, "shape") and \
            M.shape == (1, 1) else M

    class Ctx:
        """What an operation's SymPy form (ops) may use."""
        def __init__(self) -> None:
            self.sp, self.i, self.j = sp, i, j
            self.elimination, self.scalar = elimination, scalar
            self.elementwise = ElementwiseApplyFunction

        def call(self, name: str, *args):
            return ops.get(name).sympy(self, None, *args)

    ctx = Ctx()

    def go(e: E.Expr):
        if e in memo:
            return memo[e]
        out = _go(e)
        memo[e] = out
        return out

    def _go(e: E.Expr):
        if isinstance(e, E.Sym):
            if e.is_scalar:   # a commutative scalar, not a 1 x 1 matrix symbol
                return sp.Symbol(e.name)
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
        if isinstance(e, E.Dup):
            return duplication(dim(e.n))
        if isinstance(e, E.Elim):
            return elimination(dim(e.n))
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
        if isinstance(e, E.Call) and ops.get(e.name).sympy is not None:
            return ops.get(e.name).sympy(ctx, e, *(go(a) for a in e.children))
        raise TypeError(type(e).__name__)

    return go(d.result)


def evaluate_sympy(expr, values: dict, sizes: dict):
    """Evaluate an exported expression at concrete sizes and values, as a NumPy array.

    The tree is evaluated bottom up, each node on explicit matrices, so that SymPy never has
    to reason about a whole symbolic expression at once.
    """
    import numpy as np
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.matexpr import MatrixElement

    subs = {sp.Symbol(k, integer=True, positive=True): v for k, v in sizes.items()}
    e = expr.subs(subs) if subs and hasattr(expr, "subs") else expr
    leaves = {}
    for s in e.atoms(sp.MatrixSymbol):
        leaves[s] = sp.ImmutableMatrix(np.asarray(values[s.name], dtype=float).tolist())
    for s in e.atoms(sp.Symbol):
        if s.name in values and not isinstance(s, sp.Dummy):
            leaves[s] = sp.Float(float(np.asarray(values[s.name], dtype=float).reshape(-1)[0]))

    def explicit(m):
        if isinstance(m, sp.MatrixBase):
            return sp.ImmutableMatrix(m)
        if getattr(m, "is_Matrix", False):
            return sp.ImmutableMatrix(m.as_explicit())
        return m

    def ev(node):
        if node in leaves:
            return leaves[node]
        if isinstance(node, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
            return explicit(node)
        if isinstance(node, sp.FunctionMatrix):   # entries may refer to other matrices
            m = node.xreplace(leaves).as_explicit()
            return sp.ImmutableMatrix(m.applyfunc(lambda z: z.doit()))
        if not node.args or isinstance(node, (sp.Lambda, sp.Tuple)):
            return node
        if isinstance(node, ElementwiseApplyFunction):
            return ev(node.expr).applyfunc(node.function)
        args = [ev(a) for a in node.args]
        if isinstance(node, sp.HadamardPower):
            return args[0].applyfunc(lambda z: z ** args[1])
        if isinstance(node, sp.HadamardProduct):
            out = args[0]
            for a in args[1:]:
                out = out.multiply_elementwise(a)
            return out
        if isinstance(node, (sp.Sum, sp.Product)):   # sum(A) = (1ᵀ A 1)[0, 0]: a Sum
            return node.func(*args).doit()
        if isinstance(node, sp.Trace):
            return args[0].trace()
        if isinstance(node, sp.Determinant):
            return args[0].det()
        if isinstance(node, sp.DiagonalOf):
            m = args[0]
            return sp.ImmutableMatrix([[m[i, i]] for i in range(m.rows)])
        if isinstance(node, sp.DiagMatrix):
            v = list(args[0])
            return sp.ImmutableMatrix(sp.diag(*v))
        if isinstance(node, sp.KroneckerProduct):
            return sp.ImmutableMatrix(sp.kronecker_product(*args).as_explicit())
        if isinstance(node, sp.Inverse):
            return args[0].inv()
        if isinstance(node, sp.Transpose):
            return args[0].T
        if isinstance(node, sp.MatPow):
            return args[0] ** args[1]
        if isinstance(node, (sp.MatMul, sp.Mul)):
            out = sp.Integer(1)
            for a in args:
                out = out * a
            return explicit(out)
        if isinstance(node, (sp.MatAdd, sp.Add)):
            out = args[0]
            for a in args[1:]:
                out = out + a
            return explicit(out)
        if isinstance(node, MatrixElement):
            if args[1].is_Integer and args[2].is_Integer:
                return args[0][int(args[1]), int(args[2])]
            return node.xreplace(leaves)     # inside a sum: indices are bound later
        return explicit(node.func(*args))

    out = ev(e)
    if not isinstance(out, sp.MatrixBase):
        out = sp.Matrix([[out]])
    return np.array(out.evalf(), dtype=float)
