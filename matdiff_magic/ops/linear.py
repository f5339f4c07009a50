"""Linear maps that rearrange entries (vec, vech, diag), the spellings of node kinds
(inv, unvec, kron) and the pending differential d(·) the steps show."""

from __future__ import annotations

from ..algebra import expr as E
from ..dims import ONE
from .op import Op, OutsideDomain, Rule, register


def _np():
    import numpy
    return numpy


def _vec(e: E.Expr) -> E.Expr:
    r, c = e.shape
    if E.is_one(c):
        return e
    if isinstance(e, E.Unvec):
        return e.arg
    if isinstance(e, E.Zero):
        return E.Zero((r * c, ONE))
    return E.Call((r * c, ONE), e, "vec")


def _diag(e: E.Expr) -> E.Expr:
    r, c = e.shape
    if e.is_scalar:
        return e
    if E.is_one(c) or E.is_one(r):  # vector -> diagonal matrix
        n = r if E.is_one(c) else c
        if isinstance(e, E.Zero):
            return E.Zero((n, n))
        if isinstance(e, E.Ones):
            return E.identity(n)
        return E.Call((n, n), e, "diag")
    E.require_square(e, "diag() of a matrix")
    return E.call("diagof", e)


def _diagof(e: E.Expr) -> E.Expr:
    if isinstance(e, E.Identity) or (    # diag(I) = diag(1 1ᵀ) = 1
            isinstance(e, E.Mul) and len(e.args) == 2 and isinstance(e.args[0], E.Ones)
            and isinstance(e.args[1], E.Transpose) and isinstance(e.args[1].arg, E.Ones)):
        return E.ones(e.shape[0])
    return E.Call((e.shape[0], ONE), e, "diagof")


def _vech(e: E.Expr) -> E.Expr:     # the lower triangle, column by column: n(n+1)/2 entries
    E.require_square(e, "vech()")
    if e.is_scalar:
        return e
    k = E.tri_size(e.shape[0], "vech()")
    if isinstance(e, E.Zero):
        return E.Zero((k, ONE))
    return E.Call((k, ONE), e, "vech")


def vech_value(a):
    """The lower triangle of a square matrix stacked column by column, as a column."""
    j, i = _np().triu_indices(a.shape[0])
    return a[i, j].reshape(-1, 1)


def _vec_sympy(ctx, e, m):
    # vec(M) = (I_c ⊗ M) vec(I_c), with vec(I_c) a constant stand-in
    sp, i, j = ctx.sp, ctx.i, ctx.j
    r, c = m.shape
    vec_i = sp.FunctionMatrix(c * c, 1, sp.Lambda(
        (i, j), sp.KroneckerDelta(sp.Mod(i, c), sp.floor(i / c))))
    return sp.kronecker_product(sp.Identity(c), m) * vec_i


def _same(name: str) -> Rule:
    """d f(A) = f(dA), for a linear f."""
    shown = "diag" if name == "diagof" else name
    return Rule(f"d {shown}(A) = {shown}(dA)",
                lambda e, args, dargs: E.call(name, dargs[0]))


def _diag_vec_identity(n: E.Dim) -> E.Expr:
    return E.call("diag", E.call("vec", E.identity(n)))


def _pending_unicode(pr, e: E.Call) -> str:
    inner = pr.p(e.arg)
    if isinstance(pr.shown(e.arg), E.Call):      # d tr(A), d‖A‖_F; d(A⁻¹B)
        return "d" + ("" if inner.startswith("‖") else " ") + inner
    return f"d({inner})"


def _pending_latex(pr, e: E.Call) -> str:
    a = pr.p(e.arg)
    return "\\mathrm{d}" + ("\\," + a if isinstance(pr.shown(e.arg), E.Call) else pr.paren(a))


def _solve(a: E.Expr, b: E.Expr) -> E.Expr:
    """``A \\ B``: A square (a scalar A divides), as many rows in B as in A. The solve is a
    node of its own (its differential is the solve's rule) unless it folds: a / b, I \\ B,
    A \\ 0, A \\ I = A⁻¹."""
    if not E.same(a.shape[0], a.shape[1]):
        raise E.ShapeError(f"A \\ B needs a square A, got {E.shape_str(a.shape)}")
    if not E.same(a.shape[0], b.shape[0]) and not a.is_scalar:
        raise E.ShapeError(f"A \\ B needs as many rows in B as in A: {E.shape_str(a.shape)} "
                           f"and {E.shape_str(b.shape)}")
    if a.is_scalar or isinstance(a, (E.Identity, E.Inverse)) or \
            isinstance(b, (E.Zero, E.Identity)):
        return _inv_times(a, b)
    return E.Call(b.shape, a, "solve", (b,))


def _inv_times(a: E.Expr, b: E.Expr) -> E.Expr:
    """A⁻¹B: the form of solve(A, B) the simplifier compares and the textbook prints."""
    return E.mul(E.inverse(a), b)


def _solve_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    # A X = B gives dA X + A dX = dB, so dX = A⁻¹(dB − dA X)
    a, b = args
    da, db = dargs
    return E.mul(E.inverse(a), E.add(db, E.neg(E.mul(da, _inv_times(a, b)))))


def solve_value(a, b):
    np = _np()
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise OutsideDomain("has non-finite entries at these values: the solve is not "
                            "defined")
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise OutsideDomain("is not defined at these values: its left side is singular, so "
                            "A X = B has no unique solution") from None
    cond = np.linalg.cond(a)
    if cond > 1e14:
        raise OutsideDomain("is not defined at these values: its left side is numerically "
                            f"singular (condition number {cond:.1e})")
    return x


register(
    Op("vec", "linear", _vec, latex="\\operatorname{vec}", bare=True, linear=True,
       reorders=True,
       d=_same("vec"), vec=Rule(None),
       # wᵀ vec(M) = tr(unvec(w)ᵀ M)
       adjoint=Rule("vec(A)ᵀ vec(M) = tr(Aᵀ M)", lambda w, m: E.unvec(w, m.shape[0])),
       value=lambda a: a.reshape(-1, 1, order="F"), code="{0}.reshape(-1, 1, order='F')",
       sympy=_vec_sympy),
    Op("diag", "linear", _diag, latex_in=("diag",), latex="\\operatorname{diag}",
       linear=True, d=_same("diag"),
       vec=Rule("vec(diag x) = diag(vec I)(1 ⊗ I) x",
                lambda t: E.mul(_diag_vec_identity(t.shape[0]),
                                E.kron(E.ones(t.shape[0]), E.identity(t.shape[0])))),
       # tr(Wᵀ diag(m)) = diag(W)ᵀ m
       adjoint=Rule(None, lambda w, m: E.call("diagof", w) if E.is_one(m.shape[1]) else
                    E.transpose(E.call("diagof", w))),
       value=lambda a: _np().diag(a.reshape(-1)), code="np.diag({0}.reshape(-1))",
       apply=lambda a, V: a.reshape(-1, 1) * V, code_apply="({0}.reshape(-1, 1) * {V})",
       sympy=lambda ctx, e, a: ctx.sp.DiagMatrix(a)),
    Op("diagof", "linear", _diagof, internal=True, text="diag", unicode="diag",
       of_transpose=True,
       latex="\\operatorname{diag}", linear=True, d=_same("diagof"),
       vec=Rule("diag(X) = (1ᵀ ⊗ I) diag(vec I) vec X",
                lambda t: E.mul(E.kron(E.transpose(E.ones(t.shape[0])),
                                       E.identity(t.shape[0])),
                                _diag_vec_identity(t.shape[0]))),
       # wᵀ diag(M) = tr(diag(w)ᵀ M)
       adjoint=Rule(None, lambda w, m: E.call("diag", w)),
       value=lambda a: _np().diag(a).reshape(-1, 1).copy(),
       code="np.diag({0}).reshape(-1, 1)", sympy=lambda ctx, e, a: ctx.sp.DiagonalOf(a)),
    Op("vech", "linear", _vech, latex="\\operatorname{vech}", bare=True, linear=True,
       d=_same("vech"),
       vec=Rule("vech(X) = L_n vec X (L_n the elimination matrix)",
                lambda t: E.elim(t.arg.shape[0])),
       # wᵀ vech(M) = wᵀ L_n vec M = tr(unvec(L_nᵀ w)ᵀ M)
       adjoint=Rule("vech(M) = L_n vec M",
                    lambda w, m: E.unvec(E.mul(E.transpose(E.elim(m.shape[0])), w),
                                         m.shape[0])),
       value=vech_value, code="_vech({0})", code_group="structured",
       sympy=lambda ctx, e, a: ctx.elimination(a.shape[0]) * ctx.call("vec", a)),
    # spellings of node kinds: inv(A) is A⁻¹, unvec(v, m) the m-row matrix whose vec is v,
    # kron(A, B) is A ⊗ B
    Op("inv", "node", E.inverse, domain="invertible"),
    Op("unvec", "node", E.unvec, args=("expr", "size")),
    Op("kron", "node", E.kron, args=("expr", "expr")),
    # solve(A, B) = A \ B = A⁻¹B (MATLAB, Julia): the X with A X = B
    Op("solve", "product", _solve, args=("expr", "expr"), domain="invertible",
       same_as=_inv_times,
       d=Rule("X = A⁻¹B solves A X = B; differentiate both sides: dA X + A dX = dB, so "
              "dX = A⁻¹(dB − dA X)", _solve_d),
       value=solve_value, code="np.linalg.solve({0}, {1})",
       sympy=lambda ctx, e, a, b: ctx.sp.Inverse(a) * b),
    # d(F) not yet taken: a node the steps show as d(XW - Y) until a rule opens it
    Op("d", "notation", lambda e: E.Call(e.shape, e, "d"), unicode=_pending_unicode,
       latex=_pending_latex),
)
