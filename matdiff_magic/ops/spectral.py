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
from .op import Op, OutsideDomain, Rule, register

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


# --- values ------------------------------------------------------------------------------------

def _sub(i: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _gap_tol(w) -> float:
    np = _np()
    return 1e-8 * max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)


def _simple(w, k: int, what: str) -> None:
    """The eigenvalue w[k] (ascending order) is simple, or OutsideDomain naming the tie."""
    tol = _gap_tol(w)
    for j in (k - 1, k + 1):
        if 0 <= j < len(w) and abs(w[j] - w[k]) <= tol:
            a, b = sorted((j, k))
            raise OutsideDomain(f"is not defined: {what} is not simple at these values: "
                                f"λ{_sub(a + 1)} = λ{_sub(b + 1)} = {_fmt(w[k])} (the "
                                "derivative needs a simple eigenvalue)")


def _all_simple(w) -> None:
    for k in range(len(w) - 1):
        _simple(w, k, "an eigenvalue")


def _finite(a) -> None:
    if not _np().all(_np().isfinite(a)):
        raise OutsideDomain("is not defined: the matrix has non-finite entries")


def _sign(v):
    """Each column with its largest entry (in absolute value) positive: a fixed choice."""
    np = _np()
    idx = np.argmax(np.abs(v), axis=0)
    s = np.sign(v[idx, np.arange(v.shape[1])])
    s[s == 0] = 1.0
    return v * s


def _eigh(a):
    np = _np()
    _finite(a)
    w, v = np.linalg.eigh((a + a.T) / 2)
    return w, _sign(v)


def _is_symmetric(a) -> bool:
    np = _np()
    return bool(np.allclose(a, a.T, rtol=0, atol=1e-12 * max(1.0, float(np.max(np.abs(a))))))


def _eig_value(a):
    np = _np()
    _finite(a)
    if not _is_symmetric(a):
        w = np.linalg.eigvals(a)
        if np.max(np.abs(w.imag)) > 1e-10 * max(1.0, float(np.max(np.abs(w)))):
            raise OutsideDomain("is not real at these values: the matrix is not symmetric "
                                "and has complex eigenvalues")
        return np.sort(w.real).reshape(-1, 1)
    return np.linalg.eigvalsh((a + a.T) / 2).reshape(-1, 1)


def _extreme(a, top: bool):
    """(index, eigenvalues) of the eigenvalue of largest (top) or smallest real part."""
    np = _np()
    _finite(a)
    w = np.linalg.eigvals(a)
    order = np.argsort(w.real, kind="stable")
    w = w[order]
    k = len(w) - 1 if top else 0
    return k, w


def _lambda_value(top: bool):
    what = "λ_max" if top else "λ_min"

    def value(a):
        np = _np()
        if _is_symmetric(a):
            w = np.linalg.eigvalsh((a + a.T) / 2)
            return np.array([[w[-1] if top else w[0]]])
        k, w = _extreme(a, top)
        if abs(w[k].imag) > 1e-10 * max(1.0, abs(w[k])):
            raise OutsideDomain(f"is not real at these values: {what} is one of the complex "
                                f"pair {_fmt(w[k].real)} ± {_fmt(abs(w[k].imag))}i")
        return np.array([[w[k].real]])
    return value


def _eigvec(top: bool):
    what = "λ_max" if top else "λ_min"

    def value(a):
        w, v = _eigh(a)
        k = len(w) - 1 if top else 0
        _simple(w, k, what)
        return v[:, [k]].copy()
    return value


def _eigvecs(a):
    w, v = _eigh(a)
    _all_simple(w)
    return v


def _resolvent(top: bool):
    """(λI - X)^#, the group inverse of λI - X for the simple real extreme eigenvalue λ:
    (λI - X + P)⁻¹ - P with P = v uᵀ (uᵀv = 1) its spectral projector; for a symmetric X the
    pseudo-inverse V diag(1/(λ - λⱼ), 0 at λ) Vᵀ."""
    def value(a):
        np = _np()
        lam, u, v = _lam_uv(a, top)
        p = v @ u.T
        return np.linalg.inv(lam * np.eye(len(a)) - a + p) - p
    return value


def _lam_uv(a, top: bool):
    """The real simple eigenvalue of largest (smallest) real part of a square matrix and its
    left (u) and right (v) eigenvectors, v of unit length and uᵀv = 1."""
    what = "λ_max" if top else "λ_min"
    np = _np()
    k, w = _extreme(a, top)
    lam = w[k]
    tol = _gap_tol(w)
    if abs(lam.imag) > 1e-10 * max(1.0, abs(lam)):
        raise OutsideDomain(f"is not defined: {what} is not real at these values: "
                            f"{_fmt(lam.real)} ± {_fmt(abs(lam.imag))}i")
    for j in range(len(w)):
        if j != k and abs(w[j] - lam) <= tol:
            raise OutsideDomain(f"is not defined: {what} is not simple at these values:"
                                f" λ{_sub(min(j, k) + 1)} = λ{_sub(max(j, k) + 1)} = "
                                f"{_fmt(lam.real)} (the derivative needs a simple "
                                "eigenvalue)")
    vals, vecs = np.linalg.eig(a)
    v = vecs[:, np.argmin(np.abs(vals - lam))].real
    valsl, vecsl = np.linalg.eig(a.T)
    u = vecsl[:, np.argmin(np.abs(valsl - lam))].real
    v = _sign((v / np.linalg.norm(v)).reshape(-1, 1))
    u = (u / np.linalg.norm(u)).reshape(-1, 1)
    if abs((u.T @ v).item()) < 1e-12:
        raise OutsideDomain(f"is not defined: {what} is defective at these values (uᵀv = 0)")
    return lam.real, u / (u.T @ v).item(), v     # v unit, uᵀv = 1


def _left_right(top: bool, left: bool):
    def value(a):
        lam, u, v = _lam_uv(a, top)
        return u if left else v
    return value


def _khatrirao(a, b):
    np = _np()
    p, n = a.shape
    q = b.shape[0]
    return np.einsum("ij,kj->ikj", a, b).reshape(p * q, n)


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
        if symmetric(x):          # dλ = vᵀ dS v
            v = E.call(f"eigvec_{suffix}", x)
            return E.mul(E.transpose(v), dx, v)
        # dλ = uᵀ dX v / (uᵀv) = uᵀ dX v with uᵀv = 1
        u, v = E.call(f"leigvec_{suffix}", x), E.call(f"reigvec_{suffix}", x)
        return E.mul(E.transpose(u), dx, v)
    return d


def _d_eigvec(top: bool):
    suffix = "max" if top else "min"

    def d(e, args, dargs):
        # dv = (λI - S)⁺ dS v (S symmetric, λ simple, v unit)
        (s,), (ds,) = args, dargs
        return E.mul(E.call(f"eigres_{suffix}", s), ds, e)
    return d


def _d_lr(top: bool, left: bool):
    suffix = "max" if top else "min"

    def d(e, args, dargs):
        # dv = (λI - X)^# dX v, du = (λI - X)^#ᵀ dXᵀ u (each up to a multiple of itself,
        # which cancels in d²λ)
        (x,), (dx,) = args, dargs
        r = E.call(f"eigres_{suffix}", x)
        if left:
            return E.mul(E.transpose(r), E.transpose(dx), e)
        return E.mul(r, dx, e)
    return d


def _unsupported(what: str):
    def d(e, args, dargs):
        raise E.ShapeError(f"second derivatives through {what} are not supported yet")
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
              what: str, domain: str | None = None) -> Op:
    """An entry the engine builds for a derivative (an eigenvector), never written."""
    uni, tex = _named(*printed)
    return Op(name, "internal", _square(name, rows_of), internal=True, unicode=uni, latex=tex,
              d=d, value=value, code=code, code_group=_GROUP, sympy=_no_sympy(what),
              no_sympy=True, domain=domain)


def _column(e: E.Expr):
    return (e.shape[0], ONE)


def _same_shape(e: E.Expr):
    return e.shape


def _entries(top: bool) -> list[Op]:
    s = "max" if top else "min"
    t = "True" if top else "False"
    text = (f"dλ = vᵀ dS v (S symmetric, λ = λ_{s}(S) simple, v its unit eigenvector: "
            "∂λ/∂S = v vᵀ)")
    general = (f"dλ = uᵀ dX v / (uᵀv) (λ = λ_{s}(X) real and simple, u and v its left and "
               "right eigenvectors, Magnus 1985; here v is a unit vector and uᵀv = 1, so "
               "∂λ/∂X = u vᵀ)")
    note = " (up to a multiple of itself, which cancels in d²λ; Magnus 1985)"
    left = Rule("du = (λI - X)^#ᵀ dXᵀ u, (λI - X)^# the group inverse" + note,
                _d_lr(top, True))
    right = Rule("dv = (λI - X)^# dX v, (λI - X)^# the group inverse" + note,
                 _d_lr(top, False))
    return [
        Op(f"lambda_{s}", "spectral", _square(f"lambda_{s}", lambda e: SCALAR),
           latex=f"\\lambda_{{\\{s}}}", unicode=f"λ_{s}",
           d=Rule(text, _d_lambda(top), lambda x: None if symmetric(x) else general),
           value=_lambda_value(top), code=f"_lambda({{0}}, {t})",
           code_helper=_CODE, code_group=_GROUP, sympy=_no_sympy(f"λ_{s}"), no_sympy=True,
           domain=f"real-{s}"),
        _internal(f"eigvec_{s}", _column, (f"v_{s}", f"v_{{\\{s}}}"),
                  Rule("dv = (λI - S)⁺ dS v (S symmetric, λ simple, v unit)", _d_eigvec(top)),
                  _eigvec(top), f"_eigvec({{0}}, {t})", "an eigenvector"),
        _internal(f"eigres_{s}", _same_shape, (f"R_{s}", f"R_{{\\{s}}}"),
                  Rule("dR = d(λI - X)^# (third derivatives of an eigenvalue are not "
                       "supported)", _unsupported("a resolvent")),
                  _resolvent(top), f"_eigres({{0}}, {t})", "a resolvent", f"real-{s}"),
        _internal(f"leigvec_{s}", _column, (f"u_{s}", f"u_{{\\{s}}}"), left,
                  _left_right(top, True), f"_eigvec_lr({{0}}, {t}, True)", "an eigenvector",
                  f"real-{s}"),
        _internal(f"reigvec_{s}", _column, (f"v_{s}", f"v_{{\\{s}}}"), right,
                  _left_right(top, False), f"_eigvec_lr({{0}}, {t}, False)", "an eigenvector",
                  f"real-{s}"),
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
              _eigvecs, "_eigh_sorted({0})[1]", "the eigenvectors"),
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
