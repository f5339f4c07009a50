"""Singular values and the norms built on them (SPEC §10): svd(X) (descending), the
spectral norm ‖X‖₂ = σ₁ (opnorm), the nuclear norm ‖X‖_* = Σσᵢ (nucnorm), cond(X) = σ₁/σᵣ,
and the vector norms ‖x‖₁, ‖x‖_∞ with max(x), min(x).

For a simple nonzero singular value σᵢ with unit singular vectors uᵢ, vᵢ: dσᵢ = uᵢᵀ dX vᵢ,
so ∂‖X‖₂/∂X = u₁v₁ᵀ and, at full rank, ∂‖X‖_*/∂X = U Vᵀ. Where a maximum is attained once,
d max(x) = e_kᵀ dx. Values: NumPy's svd; the singular vectors are internal entries.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..dims import ONE, SCALAR, smaller
from ..errors import MatdiffError
from .op import Op, OutsideDomain, Rule, register
from .spectral import _named, _unsupported
from .spectral_values import _sub


def _np():
    import numpy
    return numpy


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _k(e: E.Expr):
    r, c = e.shape
    if r.has_vars or c.has_vars:
        raise E.ShapeError("svd() needs a matrix of known size: declare it (X : m x n)")
    try:
        return smaller(r, c)
    except ValueError as exc:
        raise E.ShapeError(f"svd(): {exc}") from None


def _svd(a, what: str, simple=(), full_rank: bool = False):
    """U, σ, V of a thin SVD with fixed signs; OutsideDomain when a singular value that the
    derivative needs is repeated (``simple``: their indices; -1 the last) or zero."""
    np = _np()
    if not np.all(np.isfinite(a)):
        raise OutsideDomain("is not defined: the matrix has non-finite entries")
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    v = vt.T
    idx = np.argmax(np.abs(v), axis=0)
    sign = np.sign(v[idx, np.arange(v.shape[1])])
    sign[sign == 0] = 1.0
    u, v = u * sign, v * sign
    tol = 1e-8 * max(1.0, float(s[0]) if s.size else 1.0)
    k = len(s)
    for i in simple:
        i = i % k
        for j in (i - 1, i + 1):
            if 0 <= j < k and abs(s[i] - s[j]) <= tol:
                a_, b_ = sorted((i, j))
                raise OutsideDomain(f"is not defined: σ{_sub(i + 1)} is not simple at these "
                                    f"values: σ{_sub(a_ + 1)} = σ{_sub(b_ + 1)} = {_fmt(s[i])} "
                                    "(the derivative needs a simple singular value)")
    low = range(k) if full_rank else [i % k for i in simple]
    for i in low:
        if s[i] <= tol:
            raise OutsideDomain(f"is not defined: the matrix is rank deficient at these values:"
                                f" σ{_sub(i + 1)} = {_fmt(s[i])} (the derivative needs full "
                                "rank)")
    return u, s, v


def _vectors(which: str, what: str, simple, full_rank=False):
    def value(a):
        every = range(min(a.shape)) if simple == "all" else simple
        u, s, v = _svd(a, what, every, full_rank)
        return {"U": u, "V": v, "u1": u[:, [0]], "v1": v[:, [0]], "ur": u[:, [-1]],
                "vr": v[:, [-1]]}[which].copy()
    return value


def _number(x):
    return _np().array([[x]])


# --- max, min and the vector norms --------------------------------------------------------

def _extreme_index(a, top: bool, absolute: bool, what: str) -> int:
    np = _np()
    if not np.all(np.isfinite(a)):
        raise OutsideDomain("is not defined: non-finite entries")
    x = np.abs(a) if absolute else a
    flat = x.reshape(-1, order="F")
    k = int(np.argmax(flat) if top else np.argmin(flat))
    tol = 1e-12 * max(1.0, float(np.max(np.abs(flat))))
    ties = [j for j in range(flat.size) if j != k and abs(flat[j] - flat[k]) <= tol]
    if ties:
        bar = "|" if absolute else ""
        raise OutsideDomain(f"is not defined: {what} is attained twice at these values: "
                            f"{bar}x{_sub(k + 1)}{bar} = {bar}x{_sub(ties[0] + 1)}{bar} = "
                            f"{_fmt(flat[k])} (the derivative needs a unique maximiser)")
    if absolute and flat[k] == 0:
        raise OutsideDomain(f"is not defined: {what} is 0 at these values (|x| has a kink)")
    return k


def _indicator(top: bool, absolute: bool, what: str):
    """e_k shaped like the argument, k where the maximum (minimum) is attained; with the
    sign of x_k for the maximum of |x|."""
    def value(a):
        np = _np()
        k = _extreme_index(a, top, absolute, what)
        out = np.zeros(a.size)
        out[k] = np.sign(a.reshape(-1, order="F")[k]) if absolute else 1.0
        return out.reshape(a.shape, order="F")
    return value


def _vector_only(name: str, hint: str):
    def build(e: E.Expr) -> E.Expr:
        r, c = e.shape
        if not (E.is_one(r) or E.is_one(c)):
            raise E.ShapeError(f"{name}() needs a vector, got {E.shape_str(e.shape)} ({hint})")
        return E.Call(SCALAR, e, name)
    return build


def _scalar_of(name: str):
    def build(e: E.Expr) -> E.Expr:
        return e if e.is_scalar and name in ("max", "min") else E.Call(SCALAR, e, name)
    return build


# --- differentials ---------------------------------------------------------------------------

def _pair(x: E.Expr, u: str, v: str):
    return E.call(u, x), E.call(v, x)


def _d_svd(e, args, dargs):
    # dσᵢ = uᵢᵀ dX vᵢ: dσ = khatrirao(V, U)ᵀ vec dX, rows vec(uᵢvᵢᵀ)ᵀ
    (x,), (dx,) = args, dargs
    u, v = _pair(x, "svd_Us", "svd_Vs")
    return E.mul(E.transpose(E.call("khatrirao", v, u)), E.call("vec", dx))


def _d_opnorm(e, args, dargs):
    # d‖X‖₂ = u₁ᵀ dX v₁
    (x,), (dx,) = args, dargs
    u, v = _pair(x, "svd_u1", "svd_v1")
    return E.mul(E.transpose(u), dx, v)


def _d_nucnorm(e, args, dargs):
    # d‖X‖_* = tr(Uᵀ dX V) = tr(V Uᵀ dX)
    (x,), (dx,) = args, dargs
    u, v = _pair(x, "svd_U", "svd_V")
    return E.call("tr", E.mul(E.transpose(u), dx, v))


def _d_cond(e, args, dargs):
    # d cond X = cond X (u₁ᵀ dX v₁ / σ₁ - uᵣᵀ dX vᵣ / σᵣ)
    (x,), (dx,) = args, dargs
    u1, v1 = _pair(x, "svd_u1", "svd_v1")
    ur, vr = _pair(x, "svd_ur", "svd_vr")
    top = E.mul(E.power(E.call("opnorm", x), -1), E.transpose(u1), dx, v1)
    low = E.mul(E.power(E.call("sigma_min", x), -1), E.transpose(ur), dx, vr)
    return E.mul(e, E.add(top, E.neg(low)))


def _d_indicator(ind: str):
    def d(e, args, dargs):
        # d max(x) = sum(e_k ∘ dx), k the maximiser
        (x,), (dx,) = args, dargs
        return E.call("sum", E.hadamard(E.call(ind, x), dx))
    return d


def _d_norm1(e, args, dargs):
    # d‖x‖₁ = sum(x ⊘ |x| ∘ dx)
    (x,), (dx,) = args, dargs
    return E.call("sum", E.hadamard(x, E.hadpow(E.call("abs", x), -1), dx))


# --- the entries -------------------------------------------------------------------------------

def _no_sympy(what: str):
    def form(ctx, e, *args):
        raise MatdiffError(f"to_sympy: SymPy has no matrix expression for {what}; use "
                           "evaluate() or numpy_source()")
    return form


_CODE = '''

def _svd_fixed(X):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    V = Vt.T
    idx = np.argmax(np.abs(V), axis=0)
    sg = np.sign(V[idx, np.arange(V.shape[1])])
    sg[sg == 0] = 1.0
    return U * sg, s, V * sg


def _indicator(x, top, absolute):
    y = np.abs(x) if absolute else x
    flat = y.reshape(-1, order="F")
    k = np.argmax(flat) if top else np.argmin(flat)
    out = np.zeros(x.size)
    out[k] = np.sign(x.reshape(-1, order="F")[k]) if absolute else 1.0
    return out.reshape(x.shape, order="F")
'''

_G = "norms"


def _written(form):
    """The cell-language form of an entry the language writes otherwise: σᵣ = ‖X‖₂ / cond(X)."""
    def text(pr, e):
        out = form(e.arg)
        return pr.p(out) if isinstance(out, E.Call) else pr.paren(pr.p(out))
    return text


_SPELLED = {
    "sigma_min": lambda x: E.mul(E.call("opnorm", x), E.power(E.call("cond", x), -1)),
}
_SAYS = {
    "svd_U": "the left singular vectors of", "svd_V": "the right singular vectors of",
    "svd_Us": "the left singular vectors of", "svd_Vs": "the right singular vectors of",
    "svd_u1": "the first left singular vector of", "svd_v1": "the first right singular vector of",
    "svd_ur": "the last left singular vector of", "svd_vr": "the last right singular vector of",
    "sigma_min": "the smallest singular value of",
}


def _internal(name: str, rows_of, printed, value, code: str, what: str, simple=True) -> Op:
    uni, tex = _named(*printed)
    words = _SAYS[name]
    return Op(name, "internal", lambda x: E.Call(rows_of(x), x, name), internal=True,
              unicode=uni, latex=tex, text=_written(_SPELLED[name]) if name in _SPELLED else "",
              letter=printed[0][0], says=lambda e: (words, e.arg),
              d=Rule("d of a singular vector = ... (second derivatives through singular "
                     "values are not supported)", _unsupported("singular vectors")),
              value=value, code=code, code_group=_G, sympy=_no_sympy(what), no_sympy=True)


def _sv(name: str, which: str, cols, printed, code: str, simple, full_rank=False) -> Op:
    return _internal(name, lambda x: (x.shape[0] if which.startswith("u") or which == "U"
                                      else x.shape[1], cols(x)), printed,
                     _vectors(which, printed[0], simple, full_rank), code, "singular vectors")


def _ind(name: str, printed, top: bool, absolute: bool, what: str) -> Op:
    uni, tex = _named(*printed)
    return Op(name, "internal", lambda x: E.Call(x.shape, x, name), internal=True,
              unicode=uni, latex=tex, letter="k",
              says=lambda e: (f"e_k, k where {what} is attained in", e.arg),
              d=Rule("d e_k = 0 (the maximiser does not move, away from ties)",
                     lambda e, args, dargs: E.zero(e.shape)),
              value=_indicator(top, absolute, what),
              code=f"_indicator({{0}}, {top}, {absolute})", code_group=_G,
              sympy=_no_sympy("the maximiser of a vector"), no_sympy=True)


def _one(x):
    return ONE


register(
    Op("svd", "spectral", lambda x: E.Call((_k(x), ONE), x, "svd"),
       latex="\\operatorname{svd}", unicode="σ",
       d=Rule("dσᵢ = uᵢᵀ dX vᵢ: dσ = khatrirao(V, U)ᵀ vec dX, the rows vec(uᵢvᵢᵀ)ᵀ (singular "
              "values descending, simple and nonzero)", _d_svd),
       value=lambda a: _np().linalg.svd(a, compute_uv=False).reshape(-1, 1),
       code="np.linalg.svd({0}, compute_uv=False).reshape(-1, 1)", code_helper=_CODE,
       code_group=_G, sympy=_no_sympy("the singular values"), no_sympy=True),
    Op("opnorm", "spectral", lambda x: E.Call(SCALAR, x, "opnorm"),
       latex="\\left\\|{a}\\right\\|_2", unicode="‖{a}‖₂",
       d=Rule("d‖X‖₂ = u₁ᵀ dX v₁ (σ₁ simple: ∂‖X‖₂/∂X = u₁v₁ᵀ)", _d_opnorm),
       value=lambda a: _number(_np().linalg.norm(a, 2)),
       code="np.array([[np.linalg.norm({0}, 2)]])", code_group=_G,
       sympy=_no_sympy("the spectral norm"), no_sympy=True),
    Op("nucnorm", "spectral", lambda x: E.Call(SCALAR, x, "nucnorm"),
       latex="\\left\\|{a}\\right\\|_*", unicode="‖{a}‖_*",
       d=Rule("d‖X‖_* = tr(Uᵀ dX V) (full rank, singular values simple: ∂‖X‖_*/∂X = U Vᵀ)",
              _d_nucnorm),
       value=lambda a: _number(_np().linalg.norm(a, "nuc")),
       code="np.array([[np.linalg.norm({0}, 'nuc')]])", code_group=_G,
       sympy=_no_sympy("the nuclear norm"), no_sympy=True),
    Op("cond", "spectral", lambda x: E.Call(SCALAR, x, "cond"),
       latex="\\operatorname{cond}", unicode="κ₂",
       d=Rule("d cond(X) = cond(X) (u₁ᵀ dX v₁ / σ₁ - uᵣᵀ dX vᵣ / σᵣ) (cond = σ₁/σᵣ, both "
              "simple, σᵣ > 0)", _d_cond),
       value=lambda a: _number(_np().linalg.cond(a)),
       code="np.array([[np.linalg.cond({0})]])", code_group=_G,
       sympy=_no_sympy("the condition number"), no_sympy=True),
    Op("norm1", "scalar", _vector_only("norm1", "for a matrix, sum(abs(X)) is the entrywise "
                                       "1-norm"),
       latex="\\left\\|{a}\\right\\|_1", unicode="‖{a}‖₁",
       d=Rule("d‖x‖₁ = sum(x ⊘ |x| ∘ dx) (entries nonzero)", _d_norm1),
       value=lambda a: _number(_np().abs(a).sum()),
       code="np.array([[np.abs({0}).sum()]])", domain="nonzero",
       sympy=lambda ctx, e, a: ctx.call("sum", ctx.elementwise(ctx.sp.Abs, a)),
       sides=lambda a: _np().sign(a)),
    Op("norminf", "scalar", _vector_only("norminf", "for a matrix, max(abs(X)) is the "
                                         "largest entry in absolute value"),
       latex="\\left\\|{a}\\right\\|_\\infty", unicode="‖{a}‖_∞",
       d=Rule("d‖x‖_∞ = sign(x_k) dx_k (k the unique maximiser of |x|, x_k ≠ 0)",
              _d_indicator("maxabs_e")),
       value=lambda a: _number(_np().abs(a).max()),
       code="np.array([[np.abs({0}).max()]])", code_group=_G,
       sympy=_no_sympy("the max norm"), no_sympy=True),
    Op("max", "scalar", _scalar_of("max"), latex="\\max", latex_in=("max",),
       d=Rule("d max(x) = dx_k (k the unique maximiser)", _d_indicator("argmax_e")),
       value=lambda a: _number(a.max()), code="np.array([[np.max({0})]])", code_group=_G,
       sympy=_no_sympy("a maximum"), no_sympy=True),
    Op("min", "scalar", _scalar_of("min"), latex="\\min", latex_in=("min",),
       d=Rule("d min(x) = dx_k (k the unique minimiser)", _d_indicator("argmin_e")),
       value=lambda a: _number(a.min()), code="np.array([[np.min({0})]])", code_group=_G,
       sympy=_no_sympy("a minimum"), no_sympy=True),
    _sv("svd_U", "U", _k, ("U", "U"), "_svd_fixed({0})[0]", (), full_rank=True),
    _sv("svd_V", "V", _k, ("V", "V"), "_svd_fixed({0})[2]", (), full_rank=True),
    _sv("svd_Us", "U", _k, ("U", "U"), "_svd_fixed({0})[0]", "all", full_rank=True),
    _sv("svd_Vs", "V", _k, ("V", "V"), "_svd_fixed({0})[2]", "all", full_rank=True),
    _sv("svd_u1", "u1", _one, ("u₁", "u_{1}"), "_svd_fixed({0})[0][:, [0]]", (0,)),
    _sv("svd_v1", "v1", _one, ("v₁", "v_{1}"), "_svd_fixed({0})[2][:, [0]]", (0,)),
    _sv("svd_ur", "ur", _one, ("u_r", "u_{r}"), "_svd_fixed({0})[0][:, [-1]]", (-1,), True),
    _sv("svd_vr", "vr", _one, ("v_r", "v_{r}"), "_svd_fixed({0})[2][:, [-1]]", (-1,), True),
    _internal("sigma_min", lambda x: SCALAR, ("σ_r", "\\sigma_{r}"),
              lambda a: _number(_svd(a, "σ_r", (-1,), True)[1][-1]),
              "np.array([[_svd_fixed({0})[1][-1]]])", "a singular value"),
    _ind("argmax_e", ("e_max", "e_{\\max}"), True, False, "the maximum"),
    _ind("argmin_e", ("e_min", "e_{\\min}"), False, False, "the minimum"),
    _ind("maxabs_e", ("e_∞", "e_{\\infty}"), True, True, "the maximum of |x|"),
)
