"""Eigenvalues: eig(S) of a symmetric S, λ_max and λ_min, and the eigenvectors their
differentials hold (entries the engine builds, never written).

Magnus (1985): for a simple eigenvalue λ of X with right and left eigenvectors v, u,
dλ = uᵀ dX v / (uᵀv); for a symmetric S (u = v, unit) dλ = vᵀ dS v, so ∂λ/∂S = v vᵀ and the
Jacobian of eig(S) has the rows vec(vᵢvᵢᵀ)ᵀ. Values: NumPy's eigh (ascending) and eig.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..dims import ONE, SCALAR
from ..errors import MatdiffError
from .op import Op, Rule, register
from .spectral_values import (
    _eig_value,
    _eigvec,
    _eigvecs,
    _khatrirao,
    _lambda_value,
    _left,
    _resolvent,
)

_SYMMETRIC = frozenset({"symmetric", "spd", "diagonal"})


def _np():
    import numpy
    return numpy


def symmetric(e: E.Expr) -> bool:
    """Whether e is symmetric by its form: a declared symmetric symbol, AᵀA, A + Aᵀ, a
    function of a symmetric matrix, ..."""
    if isinstance(e, E.Sym):
        return bool(e.props & _SYMMETRIC)
    if isinstance(e, (E.Identity, E.Num)) or e.is_scalar:
        return True
    if isinstance(e, (E.Add, E.Hadamard)):
        return all(symmetric(a) for a in e.args)
    if isinstance(e, (E.Inverse, E.Power, E.HadPow)):
        return symmetric(e.arg)
    if isinstance(e, E.Call):
        return e.name in ("diag",) or (e.name in SYMMETRIC_OF_SYMMETRIC and symmetric(e.arg))
    if isinstance(e, E.Mul):
        mats = [a for a in e.args if not a.is_scalar]
        if len(mats) == 1:
            return symmetric(mats[0])
        # A B Aᵀ with B symmetric (B absent: A Aᵀ)
        k = len(mats)
        for i in range(k // 2):
            if E.transpose(mats[i]) != mats[k - 1 - i]:
                return False
        return k % 2 == 0 or symmetric(mats[k // 2])
    return False


# matrix functions f(S) that are symmetric when S is (filled in by the modules that add them)
SYMMETRIC_OF_SYMMETRIC: set[str] = set()


def _square(name: str, rows_of):
    def build(e: E.Expr) -> E.Expr:
        E.require_square(e, f"{name}()")
        if e.is_scalar and name in ("eig", "lambda_max", "lambda_min"):
            return e
        return E.Call(rows_of(e), e, name)
    return build


# --- differentials -----------------------------------------------------------------------------

def _not_symmetric(name: str, a: E.Expr) -> E.ShapeError:
    declare = (f"Declare it symmetric ('{a} : n x n symmetric')" if isinstance(a, E.Sym) else
               "Write it in a symmetric form (A + Aᵀ, AᵀA, or symbols declared symmetric)")
    return E.ShapeError(
        f"{name}({a}) needs a symmetric argument: the eigenvalues of a general matrix may be "
        f"complex. {declare}, or write lambda_max({a}) "
        f"(the eigenvalue of largest real part), sum(eig({a})) = tr({a}) or "
        f"prod(eig({a})) = det({a})")


def _d_eig(e, args, dargs):
    # dλᵢ = vᵢᵀ dS vᵢ: dλ = (V ⊙ V)ᵀ vec dS, the Khatri–Rao product's columns vec(vᵢvᵢᵀ)
    (s,), (ds,) = args, dargs
    if not symmetric(s):
        raise _not_symmetric("eig", s)
    v = E.call("eigvecs", s)
    return E.mul(E.transpose(E.call("khatrirao", v, v)), E.call("vec", ds))


def _d_lambda(top: bool):
    suffix = "max" if top else "min"

    def d(e, args, dargs):
        (x,), (dx,) = args, dargs
        v = E.call(f"eigvec_{suffix}", x)
        if symmetric(x):          # dλ = vᵀ dS v
            return E.mul(E.transpose(v), dx, v)
        # dλ = uᵀ dX v / (uᵀv) = uᵀ dX v with uᵀv = 1
        return E.mul(E.transpose(E.call(f"leigvec_{suffix}", x)), dx, v)
    return d


def _d_eigvec(top: bool):
    suffix = "max" if top else "min"

    def d(e, args, dargs):
        # dv = R dX v - v (vᵀ R dX v), R = (λI - X)^# (v stays a unit vector); for a
        # symmetric S, vᵀR = 0 and dv = (λI - S)⁺ dS v
        (x,), (dx,) = args, dargs
        rdv = E.mul(E.call(f"eigres_{suffix}", x), dx, e)
        if symmetric(x):
            return rdv
        return E.add(rdv, E.neg(E.mul(e, E.mul(E.transpose(e), rdv))))
    return d


def _d_leigvec(top: bool):
    suffix = "max" if top else "min"

    def d(e, args, dargs):
        # du = Rᵀ dXᵀ u + u (vᵀ R dX v), R = (λI - X)^# (uᵀv stays 1)
        (x,), (dx,) = args, dargs
        r, v = E.call(f"eigres_{suffix}", x), E.call(f"eigvec_{suffix}", x)
        return E.add(E.mul(E.transpose(r), E.transpose(dx), e),
                     E.mul(e, E.mul(E.transpose(v), r, dx, v)))
    return d


def _unsupported(what: str):
    def d(e, args, dargs):
        raise E.ShapeError(f"the derivative of {what} is not supported yet (a second "
                           "derivative that needs it, or the value written in a cell)")
    return d


def _d_khatrirao(e, args, dargs):
    # A ⊙ B = (A ⊗ B)(I ⊙ I), so d(A ⊙ B) = (dA ⊗ B + A ⊗ dB)(I ⊙ I)
    (a, b), (da, db) = args, dargs
    n = a.shape[1]
    select = E.call("khatrirao", E.identity(n), E.identity(n))
    return E.mul(E.add(E.kron(da, b), E.kron(a, db)), select)


def _khatrirao_sympy(ctx, e, a, b):
    # (A ⊙ B)[i, j] = A[i // q, j] B[i mod q, j]
    sp, i, j = ctx.sp, ctx.i, ctx.j
    q = b.shape[0]
    return sp.FunctionMatrix(a.shape[0] * q, a.shape[1], sp.Lambda(
        (i, j), a[sp.floor(i / q), j] * b[sp.Mod(i, q), j]))


def _build_khatrirao(a: E.Expr, b: E.Expr) -> E.Expr:
    if not E.same(a.shape[1], b.shape[1]):
        raise E.ShapeError(f"khatrirao(A, B) needs as many columns in A as in B, got "
                           f"{E.shape_str(a.shape)} and {E.shape_str(b.shape)}")
    if E.is_zero(a) or E.is_zero(b):
        return E.Zero((a.shape[0] * b.shape[0], a.shape[1]))
    return E.Call((a.shape[0] * b.shape[0], a.shape[1]), a, "khatrirao", (b,))


# --- printed forms and code ---------------------------------------------------------------------

def _named(sym: str, tex: str):
    """The printed forms of a node named in the textbooks' letters: v_max(S), v_{\\max}(S),
    L_sqrtm(X, E)."""
    def uni(pr, e):
        return f"{sym}({', '.join(pr.p(c) for c in e.children)})"

    def latex(pr, e):
        return f"{tex}\\left({', '.join(pr.p(c) for c in e.children)}\\right)"
    return uni, latex


_CODE = '''

def _eigh_sorted(S):
    w, V = np.linalg.eigh((S + S.T) / 2)
    idx = np.argmax(np.abs(V), axis=0)
    s = np.sign(V[idx, np.arange(V.shape[1])])
    s[s == 0] = 1.0
    return w, V * s


def _lambda(A, top):
    w = np.linalg.eigvals(A)
    return np.array([[(np.max if top else np.min)(w.real)]])


def _eigvec(S, top):
    if not np.allclose(S, S.T, rtol=0, atol=1e-12 * max(1.0, np.max(np.abs(S)))):
        return _eigvec_lr(S, top, False)
    w, V = _eigh_sorted(S)
    return V[:, [-1 if top else 0]]


def _eigres(A, top):
    """(lam I - A)^#, the group inverse, through the spectral projector P = v u'/(u'v)."""
    u, v = _eigvec_lr(A, top, True), _eigvec_lr(A, top, False)
    lam = (u.T @ A @ v).item()
    P = v @ u.T
    return np.linalg.inv(lam * np.eye(len(A)) - A + P) - P


def _eigvec_lr(A, top, left):
    w, V = np.linalg.eig(A)
    lam = w[np.argmax(w.real) if top else np.argmin(w.real)]
    v = V[:, np.argmin(np.abs(w - lam))].real
    wl, U = np.linalg.eig(A.T)
    u = U[:, np.argmin(np.abs(wl - lam))].real
    v = v / np.linalg.norm(v)
    v = v * (np.sign(v[np.argmax(np.abs(v))]) or 1.0)
    u = u / (u @ v)
    return (u if left else v).reshape(-1, 1)


def _khatrirao(A, B):
    return np.einsum("ij,kj->ikj", A, B).reshape(A.shape[0] * B.shape[0], A.shape[1])
'''

_GROUP = "spectral"


def _no_sympy(what: str):
    def form(ctx, e, *args):
        raise MatdiffError(f"to_sympy: SymPy has no matrix expression for {what}; use "
                           "evaluate() or numpy_source()")
    return form


def _internal(name: str, rows_of, printed: tuple, d: Rule, value, code: str,
              what: str, domain: str | None = None, says=None) -> Op:
    """An entry the engine builds for a derivative (the eigenvectors), printed under its
    name."""
    uni, tex = _named(*printed)
    return Op(name, "internal", _square(name, rows_of), internal=True, unicode=uni, latex=tex,
              d=d, value=value, code=code, code_group=_GROUP, sympy=_no_sympy(what),
              no_sympy=True, domain=domain, letter=printed[0][0], says=says)


def _column(e: E.Expr):
    return (e.shape[0], ONE)


def _same_shape(e: E.Expr):
    return e.shape


def _resolvent_forms(top: bool):
    """R = (λI - X)^#, the group inverse; (λI - S)⁺ for a symmetric S. The cell language
    writes it out, (λI - X + v uᵀ)⁻¹ - v uᵀ, so that a printed result parses back."""
    s = "max" if top else "min"

    def parts(x):
        lam, v, u = (E.call(f"lambda_{s}", x), E.call(f"eigvec_{s}", x),
                     E.call(f"leigvec_{s}", x))
        return lam, E.mul(v, E.transpose(u))

    def text(pr, e):
        x = e.arg
        lam, p = parts(x)
        inner = E.add(E.mul(lam, E.identity(x.shape[0])), E.neg(x), p)
        return pr.paren(pr.p(E.add(E.inverse(inner), E.neg(p))))

    def uni(pr, e):
        mark = "⁺" if symmetric(e.arg) else "^#"
        return f"(λ_{s}({pr.p(e.arg)}) I - {pr.p(e.arg)}){mark}"

    def latex(pr, e):
        mark = "+" if symmetric(e.arg) else "\\#"
        x = pr.p(e.arg)
        return (f"\\left(\\lambda_{{\\{s}}}\\left({x}\\right) I - {x}\\right)^{{{mark}}}")
    return text, uni, latex


def _leigvec_build(s: str):
    square = _square(f"leigvec_{s}", _column)

    def build(x: E.Expr) -> E.Expr:
        if symmetric(x):          # a symmetric matrix: the left eigenvector is the right one
            return E.call(f"eigvec_{s}", x)
        return square(x)
    return build


def _entries(top: bool) -> list[Op]:
    s = "max" if top else "min"
    t = "True" if top else "False"
    text = (f"dλ = vᵀ dS v (S symmetric, λ = λ_{s}(S) simple, v its unit eigenvector: "
            "∂λ/∂S = v vᵀ)")
    general = (f"dλ = uᵀ dX v / (uᵀv) (λ = λ_{s}(X) real and simple, u and v its left and "
               "right eigenvectors, Magnus 1985; here v is a unit vector and uᵀv = 1, so "
               "∂λ/∂X = u vᵀ)")
    dv_sym = (f"dv = (λI - S)⁺ dS v (S symmetric, λ = λ_{s}(S) simple, v its unit "
              "eigenvector; Magnus 1985)")
    dv = (f"dv = R dX v - v vᵀ R dX v (v the unit right eigenvector of λ = λ_{s}(X), "
          "R = (λI - X)^# the group inverse; Magnus 1985)")
    du = (f"du = Rᵀ dXᵀ u + u vᵀ R dX v (u the left eigenvector of λ = λ_{s}(X) with uᵀv = 1, "
          "R = (λI - X)^# the group inverse; Magnus 1985)")
    r_text, r_uni, r_tex = _resolvent_forms(top)
    return [
        Op(f"lambda_{s}", "spectral", _square(f"lambda_{s}", lambda e: SCALAR),
           latex=f"\\lambda_{{\\{s}}}", unicode=f"λ_{s}",
           d=Rule(text, _d_lambda(top), lambda x: None if symmetric(x) else general),
           value=_lambda_value(top), code=f"_lambda({{0}}, {t})",
           code_helper=_CODE, code_group=_GROUP, sympy=_no_sympy(f"λ_{s}"), no_sympy=True,
           domain=f"real-{s}"),
        Op(f"eigvec_{s}", "spectral", _square(f"eigvec_{s}", _column),
           unicode=f"v_{s}", latex=f"\\operatorname{{eigvec\\_{s}}}",
           d=Rule(dv_sym, _d_eigvec(top), lambda x: None if symmetric(x) else dv),
           value=_eigvec(top), code=f"_eigvec({{0}}, {t})", code_group=_GROUP,
           sympy=_no_sympy("an eigenvector"), no_sympy=True, domain=f"real-{s}",
           letter="v", says=lambda e: ("the unit eigenvector of" if symmetric(e.arg) else
                                       "the unit right eigenvector of",
                                       E.call(f"lambda_{s}", e.arg))),
        Op(f"leigvec_{s}", "spectral", _leigvec_build(s),
           unicode=f"u_{s}", latex=f"\\operatorname{{leigvec\\_{s}}}",
           d=Rule(du, _d_leigvec(top)),
           value=_left(top), code=f"_eigvec_lr({{0}}, {t}, True)", code_group=_GROUP,
           sympy=_no_sympy("an eigenvector"), no_sympy=True, domain=f"real-{s}",
           at_point="a symmetric S has one eigenvector on both sides, u = v, and "
                    "(λI - S)^# = (λI - S)⁺: H = K ((λI - S)⁺ ⊗ v vᵀ + v vᵀ ⊗ (λI - S)⁺), "
                    "from d²λ = 2 vᵀ dS (λI - S)⁺ dS v (Magnus & Neudecker ch. 8)",
           letter="u", says=lambda e: ("the left eigenvector, scaled to uᵀv = 1, of",
                                       E.call(f"lambda_{s}", e.arg))),
        Op(f"eigres_{s}", "internal", _square(f"eigres_{s}", _same_shape), internal=True,
           text=r_text, unicode=r_uni, latex=r_tex,
           d=Rule("dR = d(λI - X)^# (third derivatives of an eigenvalue are not supported)",
                  _unsupported("a resolvent")),
           value=_resolvent(top), code=f"_eigres({{0}}, {t})", code_group=_GROUP,
           sympy=_no_sympy("a resolvent"), no_sympy=True, domain=f"real-{s}",
           letter="R", says=lambda e: ("the pseudo-inverse" if symmetric(e.arg) else
                                       "the group inverse", None),
           transposed=lambda xt: (E.call(f"eigres_{s}", xt) if symmetric(xt) else
                                  E.transpose(E.call(f"eigres_{s}", E.transpose(xt))))),
    ]


register(
    Op("eig", "spectral", _square("eig", _column),
       latex="\\operatorname{eig}", unicode="λ",
       d=Rule("dλᵢ = vᵢᵀ dS vᵢ: dλ = khatrirao(V, V)ᵀ vec dS, the rows vec(vᵢvᵢᵀ)ᵀ "
              "(S symmetric, eigenvalues ascending and simple, V the unit eigenvectors)",
              _d_eig),
       value=_eig_value, code="np.linalg.eigvalsh({0}).reshape(-1, 1)",
       sympy=_no_sympy("the eigenvalues"), no_sympy=True),
    *_entries(True), *_entries(False),
    _internal("eigvecs", _same_shape, ("V", "V"),
              Rule("dV = V (F ∘ (Vᵀ dS V)), Fᵢⱼ = 1/(λⱼ - λᵢ) (second derivatives of eig(S) "
                   "are not supported)", _unsupported("the eigenvectors")),
              _eigvecs, "_eigh_sorted({0})[1]", "the eigenvectors",
              says=lambda e: ("the unit eigenvectors as columns, in the order of",
                              E.call("eig", e.arg))),
    Op("khatrirao", "product", _build_khatrirao, args=("expr", "expr"),
       latex="\\operatorname{khatrirao}",
       d=Rule("d(A ⊙ B) = (dA ⊗ B + A ⊗ dB)(I ⊙ I), since A ⊙ B = (A ⊗ B)(I ⊙ I) (⊙ here "
              "the column-wise Kronecker product, Khatri–Rao)", _d_khatrirao),
       value=_khatrirao, code="_khatrirao({0}, {1})", code_group=_GROUP,
       sympy=_khatrirao_sympy),
)


def _prod(e: E.Expr) -> E.Expr:
    if isinstance(e, E.Call) and e.name == "eig":   # prod(eig(A)) = det(A)
        return E.call("det", e.arg)
    return e if e.is_scalar else E.Call(SCALAR, e, "prod")


def _d_prod(e, args, dargs):
    # d prod(x) = prod(x) sum(dx ⊘ x) (entries nonzero)
    (x,), (dx,) = args, dargs
    return E.mul(e, E.call("sum", E.hadamard(E.hadpow(x, -1), dx)))


register(
    Op("prod", "scalar", _prod, latex="\\operatorname{prod}",
       d=Rule("d prod(x) = prod(x) sum(dx ⊘ x) (entries nonzero)", _d_prod),
       value=lambda a: _np().array([[_np().prod(a)]]), code="np.array([[np.prod({0})]])",
       sympy=lambda ctx, e, a: ctx.sp.Product(a[ctx.i, ctx.j], (ctx.i, 0, a.shape[0] - 1),
                                              (ctx.j, 0, a.shape[1] - 1)),
       domain="nonzero"),
)
