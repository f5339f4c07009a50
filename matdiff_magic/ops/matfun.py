"""Primary matrix functions expm, logm, sqrtm, sinm, cosm (SciPy's) and their Fréchet
derivatives L_f(X, E), written as the references write them (Higham, Functions of Matrices,
ch. 3; SPEC §10):

- expm: d e^X = ∫₀¹ e^{sX} dX e^{(1-s)X} ds, so J = ∫₀¹ e^{(1-s)Xᵀ} ⊗ e^{sX} ds;
- logm: d log X = ∫₀¹ (s(X - I) + I)⁻¹ dX (s(X - I) + I)⁻¹ ds;
- sqrtm: R dZ + dZ R = dX with R = sqrtm(X), so J = (I ⊗ R + Rᵀ ⊗ I)⁻¹;
- sinm, cosm: the real and imaginary parts of the integral of e^{iX};
- a symmetric argument S = V diag(λ) Vᵀ: Daleckii–Krein, d f(S) = V (F ∘ (Vᵀ dS V)) Vᵀ with
  the Loewner matrix Fᵢⱼ = (f(λᵢ) - f(λⱼ)) / (λᵢ - λⱼ) (f′(λᵢ) where λᵢ = λⱼ).

tr L_f(X, E) = tr(f′(X) E), so tr f(X) has the gradient f′(X)ᵀ. Values by SciPy
(``expm_frechet``, ``solve_sylvester``, the block-triangular identity
f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]]), imported inside the functions; a
Jacobian is applied column by column through them, never formed to be applied.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from ..algebra import expr as E
from ..errors import MatdiffError
from .matfun_forms import (
    _COS_J,
    _COS_L,
    _EXP_J,
    _EXP_L,
    _LOG_J,
    _LOG_L,
    _SIN_J,
    _SIN_L,
    _SQRT_L,
    _sqrt_j,
)
from .op import Op, OutsideDomain, Rule, register
from .spectral import SYMMETRIC_OF_SYMMETRIC, symmetric


def _np():
    import numpy
    return numpy


def _sla():
    import scipy.linalg
    return scipy.linalg


# --- values ------------------------------------------------------------------------------------

def _finite(a) -> None:
    if not _np().all(_np().isfinite(a)):
        raise OutsideDomain("is not defined: the matrix has non-finite entries")


def _no_negative_eigenvalue(name: str):
    def check(a) -> None:
        np = _np()
        _finite(a)
        w = np.linalg.eigvals(a)
        tol = 1e-10 * max(1.0, float(np.max(np.abs(w))))
        bad = [x for x in w if abs(x.imag) <= tol and x.real <= tol]
        if bad:
            x = min(bad, key=lambda z: z.real)
            raise OutsideDomain(f"is not defined: an eigenvalue lies on the closed negative "
                                f"real axis at these values: λ = {x.real:.6g} ({name} needs "
                                "none there)")
    return check


def _real(m):
    np = _np()
    if np.iscomplexobj(m):
        if np.max(np.abs(m.imag)) > 1e-8 * max(1.0, float(np.max(np.abs(m.real)))):
            raise OutsideDomain("is not real at these values")
        m = m.real
    return np.ascontiguousarray(m)


def _block(f):
    """L_f(X, E) as the upper right block of f([[X, E], [0, X]])."""
    def frechet(x, e):
        np = _np()
        n = x.shape[0]
        big = np.block([[x, e], [np.zeros_like(x), x]])
        return _real(f(big))[:n, n:]
    return frechet


def _expm_frechet(x, e):
    return _sla().expm_frechet(x, e, compute_expm=False)


def _sqrtm_frechet_from(r, e):
    return _sla().solve_sylvester(r, r, e)


def _sqrtm(x):
    import warnings
    with warnings.catch_warnings():   # a singular x: the eigenvalue check names it
        warnings.simplefilter("ignore")
        r = _sla().sqrtm(x)
    return _real(r[0] if isinstance(r, tuple) else r)


def _logm(x):
    import warnings
    with warnings.catch_warnings():   # "may be inaccurate" at an error estimate of 1e-13
        warnings.simplefilter("ignore", RuntimeWarning)
        r = _sla().logm(x)
    return _real(r[0] if isinstance(r, tuple) else r)


# --- the table: one row per function ----------------------------------------------------------

class _F:
    """What differs between the matrix functions: the scalar function and its derivative
    (for the Loewner matrix), the value, the Fréchet derivative, the printed forms."""

    def __init__(self, name, scalar, scalar_name, value, frechet, deriv, domain=None,
                 rule="", uni_l=None, tex_l=None, uni_j=None, tex_j=None, jac_text="",
                 entries=""):
        self.name, self.scalar, self.scalar_name = name, scalar, scalar_name
        self.value, self.frechet, self.deriv, self.domain = value, frechet, deriv, domain
        self.rule, self.uni_l, self.tex_l = rule, uni_l, tex_l
        self.uni_j, self.tex_j, self.jac_text = uni_j, tex_j, jac_text
        self.entries = entries


def _half_inverse_sqrtm(x):   # sqrtm′(X) in tr: ½ sqrtm(X)⁻¹
    return E.scale(Fraction(1, 2), E.inverse(E.call("sqrtm", x)))


def _functions() -> list[_F]:
    np = _np
    return [
        _F("expm", lambda w: np().exp(w), "exp", lambda a: _sla().expm(a), _expm_frechet,
           lambda x: E.call("expm", x),
           rule="d e^X = ∫₀¹ e^{sX} dX e^{(1-s)X} ds",
           uni_l=_EXP_L[0], tex_l=_EXP_L[1], uni_j=_EXP_J[0], tex_j=_EXP_J[1],
           jac_text="vec ∫₀¹ e^{sX} E e^{(1-s)X} ds = (∫₀¹ e^{(1-s)Xᵀ} ⊗ e^{sX} ds) vec E",
           entries="its entries are ∂(e^X)_ij/∂X_kl = ∫₀¹ (e^{sX})_ik (e^{(1-s)X})_lj ds, an "
                   "integral over s, not a finite sum of products of entries"),
        _F("logm", lambda w: np().log(w), "log", _logm, _block(_logm),
           lambda x: E.inverse(x), domain="spectrum-right",
           rule="d log X = ∫₀¹ (s(X - I) + I)⁻¹ dX (s(X - I) + I)⁻¹ ds (no eigenvalue of X on "
                "the closed negative real axis)",
           uni_l=_LOG_L[0], tex_l=_LOG_L[1], uni_j=_LOG_J[0], tex_j=_LOG_J[1],
           jac_text="vec ∫₀¹ (s(X - I) + I)⁻¹ E (s(X - I) + I)⁻¹ ds = "
                    "(∫₀¹ (s(X - I) + I)⁻ᵀ ⊗ (s(X - I) + I)⁻¹ ds) vec E",
           entries="its entries are ∂(log X)_ij/∂X_kl = ∫₀¹ (M_s⁻¹)_ik (M_s⁻¹)_lj ds with "
                   "M_s = s(X - I) + I, an integral over s, not a finite sum of products of "
                   "entries"),
        _F("sqrtm", lambda w: np().sqrt(w), "sqrt", _sqrtm, None, _half_inverse_sqrtm,
           domain="spectrum-right",
           rule="d sqrtm(X) = dZ with R dZ + dZ R = dX, R = sqrtm(X) (Sylvester; no "
                "eigenvalue of X on the closed negative real axis)",
           uni_l=_SQRT_L[0], tex_l=_SQRT_L[1], uni_j=_sqrt_j()[0], tex_j=_sqrt_j()[1],
           jac_text="R Z + Z R = E: vec Z = (I ⊗ R + Rᵀ ⊗ I)⁻¹ vec E (R = sqrtm(X))",
           entries="its entries are those of the inverse of the Kronecker sum I ⊗ R + Rᵀ ⊗ I "
                   "(R = sqrtm(X)), the solution of a Sylvester equation, which has no "
                   "closed entry-wise form"),
        _F("sinm", lambda w: np().sin(w), "sin", lambda a: _sla().sinm(a),
           _block(lambda a: _sla().sinm(a)), lambda x: E.call("cosm", x),
           rule="d sin X = ∫₀¹ (cos(sX) dX cos((1-s)X) - sin(sX) dX sin((1-s)X)) ds",
           uni_l=_SIN_L[0], tex_l=_SIN_L[1], uni_j=_SIN_J[0], tex_j=_SIN_J[1],
           jac_text="vec L_sin(X, E) = (∫₀¹ (cos((1-s)X)ᵀ ⊗ cos(sX) - sin((1-s)X)ᵀ ⊗ sin(sX)) "
                    "ds) vec E",
           entries="its entries are ∂(sin X)_ij/∂X_kl = ∫₀¹ (cos(sX)_ik cos((1-s)X)_lj - "
                   "sin(sX)_ik sin((1-s)X)_lj) ds, an integral over s"),
        _F("cosm", lambda w: np().cos(w), "cos", lambda a: _sla().cosm(a),
           _block(lambda a: _sla().cosm(a)), lambda x: E.neg(E.call("sinm", x)),
           rule="d cos X = -∫₀¹ (sin(sX) dX cos((1-s)X) + cos(sX) dX sin((1-s)X)) ds",
           uni_l=_COS_L[0], tex_l=_COS_L[1], uni_j=_COS_J[0], tex_j=_COS_J[1],
           jac_text="vec L_cos(X, E) = -(∫₀¹ (cos((1-s)X)ᵀ ⊗ sin(sX) + sin((1-s)X)ᵀ ⊗ cos(sX)) "
                    "ds) vec E",
           entries="its entries are ∂(cos X)_ij/∂X_kl = -∫₀¹ (sin(sX)_ik cos((1-s)X)_lj + "
                   "cos(sX)_ik sin((1-s)X)_lj) ds, an integral over s"),
    ]


DK = ("d f(S) = V (F ∘ (Vᵀ dS V)) Vᵀ (Daleckii–Krein: S = V diag(λ) Vᵀ symmetric, F the "
      "Loewner matrix Fᵢⱼ = (f(λᵢ) - f(λⱼ))/(λᵢ - λⱼ), f′(λᵢ) where λᵢ = λⱼ)")
DK_VEC = "vec(V (F ∘ (Vᵀ E V)) Vᵀ) = (V ⊗ V) diag(vec F) (V ⊗ V)ᵀ vec E"


def _loewner(scalar, deriv_scalar):
    def value(a):
        np = _np()
        _finite(a)
        w = np.linalg.eigvalsh((a + a.T) / 2)
        fw = scalar(w)
        dw = w[:, None] - w[None, :]
        close = np.abs(dw) <= 1e-8 * max(1.0, float(np.max(np.abs(w))))
        with np.errstate(all="ignore"):
            f = (fw[:, None] - fw[None, :]) / np.where(close, 1.0, dw)
        d = deriv_scalar((w[:, None] + w[None, :]) / 2)
        return np.where(close, d, f)
    return value


_SCALAR_DERIV = {"exp": lambda w: _np().exp(w), "log": lambda w: 1.0 / w,
                 "sqrt": lambda w: 0.5 / _np().sqrt(w), "sin": lambda w: _np().cos(w),
                 "cos": lambda w: -_np().sin(w)}


def _eigbasis(a):
    np = _np()
    _finite(a)
    return np.linalg.eigh((a + a.T) / 2)[1]


def _scaled_identity(w: E.Expr) -> E.Expr | None:
    """c when w is c I (c a scalar expression), else None."""
    if isinstance(w, E.Identity):
        return E.num(1)
    if isinstance(w, E.Mul):
        mats = [f for f in w.args if not f.is_scalar]
        if len(mats) == 1 and isinstance(mats[0], E.Identity):
            return E.mul(*(f for f in w.args if f.is_scalar))
    return None


def _entries(f: _F) -> list[Op]:
    name, fre, jac = f.name, f"{f.name}_frechet", f"{f.name}_jacobian"
    lw = f"loewner_{f.name}"
    check = _no_negative_eigenvalue(name) if f.domain else _finite

    def build(x: E.Expr) -> E.Expr:
        E.require_square(x, f"{name}()")
        if x.is_scalar:           # a 1 x 1 matrix: the scalar function
            return E.call(f.scalar_name, x)
        return E.Call(x.shape, x, name)

    def guarded(a, compute):
        """compute(); the eigenvalue check (as costly as f itself) only when the result, or
        a singular argument, says that an eigenvalue may be on the closed negative axis."""
        np = _np()
        _finite(a)
        if not f.domain:
            return compute()
        try:
            out, bad = compute(), False
            bad = not np.all(np.isfinite(out))
        except (OutsideDomain, ValueError, np.linalg.LinAlgError):
            out, bad = None, True
        if bad or np.linalg.slogdet(a)[0] == 0:
            check(a)              # names the eigenvalue
        if bad:
            raise OutsideDomain("is not defined at these values")
        return out

    def value(a):
        return guarded(a, lambda: _real(f.value(a)))

    def frechet(a, e):
        if f.frechet is None:     # sqrtm: R Z + Z R = E
            return guarded(a, lambda: _sqrtm_frechet_from(_sqrtm(a), e))
        return guarded(a, lambda: _real(f.frechet(a, e)))

    def jac_apply(a, v):
        np = _np()
        n = a.shape[0]
        r = guarded(a, lambda: _sqrtm(a)) if f.frechet is None else None
        out = np.empty((n * n, v.shape[1]))
        for k in range(v.shape[1]):
            e = v[:, k].reshape(n, n, order="F")
            z = _sqrtm_frechet_from(r, e) if r is not None else frechet(a, e)
            out[:, k] = z.reshape(-1, order="F")
        return out

    def d(e, args, dargs):
        (x,), (dx,) = args, dargs
        return E.call(fre, x, dx)

    def vec_build(t: E.Call) -> E.Expr:
        x = t.arg
        if symmetric(x):          # Daleckii–Krein: (V ⊗ V) diag(vec F) (V ⊗ V)ᵀ
            v = E.call("eigbasis", x)
            vv = E.kron(v, v)
            return E.mul(vv, E.call("diag", E.call("vec", E.call(lw, x))), E.transpose(vv))
        return E.call(jac, x)

    def adjoint(w: E.Expr, x: E.Expr, e: E.Expr | None = None) -> E.Expr:
        # tr(Wᵀ L_f(X, E)) = tr(L_f(Xᵀ, W)ᵀ E); L_f(Xᵀ, c I) = c f′(X)ᵀ
        sym = symmetric(x)
        c = _scaled_identity(w)
        if c is not None:
            g = f.deriv(x)
            return E.mul(c, g if sym else E.transpose(g))
        return E.call(fre, x if sym else E.transpose(x), w)

    def d_frechet(e, args, dargs):
        # L_f(X, E) is linear in E: d L_f(X, E) = L_f(X, dE) where X does not vary
        if e.name == fre and E.is_zero(dargs[0]):
            return E.call(fre, args[0], dargs[1])
        raise E.ShapeError(f"second derivatives through {name} (the second Fréchet "
                           "derivative) are not supported yet")

    def uni_l(pr, t):
        if symmetric(t.arg):
            return f"V (F_{name} ∘ (Vᵀ {pr.p(t.rest[0])} V)) Vᵀ"
        return f.uni_l(pr, t)

    def tex_l(pr, t):
        if symmetric(t.arg):
            return (f"V \\left(F_{{\\mathrm{{{name}}}}} \\circ \\left(V^{{\\top}} "
                    f"{pr.p(t.rest[0])} V\\right)\\right) V^{{\\top}}")
        return f.tex_l(pr, t)

    def no_sympy(what):
        def form(ctx, e, *a):
            raise MatdiffError(f"to_sympy: SymPy has no matrix expression for {what}; use "
                               "evaluate() or numpy_source()")
        return form

    helper = f"_{name}_frechet"
    SYMMETRIC_OF_SYMMETRIC.add(name)
    return [
        Op(name, "matfun", build, latex=f"\\operatorname{{{name}}}",
           d=Rule(f.rule, d, lambda x: DK if symmetric(x) else None),
           value=value, code=f"_mf_{name}({{0}})", code_group="matfun",
           sympy=no_sympy(name), no_sympy=True, domain=f.domain),
        Op(fre, "internal", lambda x, e: E.Call(x.shape, x, fre, (e,)),
           args=("expr", "expr"), internal=True, unicode=uni_l, latex=tex_l, loose=True,
           d=Rule(f"d L_{name}(X, E) = L_{name}(X, dE) + L⁽²⁾_{name}(X; dX, E), L⁽²⁾ the "
                  "second Fréchet derivative (not supported yet: X constant)", d_frechet),
           vec=Rule(f.jac_text, vec_build, lambda x, e: DK_VEC if symmetric(x) else None),
           adjoint=Rule(f"tr(Wᵀ L_{name}(X, E)) = tr(L_{name}(Xᵀ, W)ᵀ E); "
                        f"tr L_{name}(X, E) = tr({name}′(X) E)", adjoint),
           value=frechet, code=f"{helper}({{0}}, {{1}})", code_group="matfun",
           sympy=no_sympy(f"the Fréchet derivative of {name}"), no_sympy=True,
           domain=f.domain, letter="L",
           says=lambda e: (f"the Fréchet derivative of {name} at", e.children[0])),
        Op(jac, "internal", lambda x: E.Call((x.shape[0] * x.shape[0],) * 2, x, jac),
           internal=True, unicode=f.uni_j, latex=f.tex_j, loose=name != "sqrtm",
           d=Rule(f"d vec L_{name}(X, E) = vec L⁽²⁾_{name}(X; dX, E) (second derivatives: not "
                  "supported yet)", d_frechet),
           value=lambda a: jac_apply(a, _np().eye(a.shape[0] ** 2)),
           apply=jac_apply, code=f"_jac_{name}({{0}})", code_apply=f"_jac_{name}({{0}}, {{V}})",
           code_group="matfun", sympy=no_sympy(f"the Jacobian of {name}"), no_sympy=True,
           domain=f.domain, letter="J", k_symmetric=True,
           no_entries=f"{f.entries}; for an argument declared symmetric, Daleckii–Krein "
                      "gives the entry-wise form ∂f(S)_ij/∂S_kl = Σ_rs V_ir V_kr F_rs V_ls "
                      "V_js",
           says=lambda e: ("the Jacobian ∂vec f(X)/∂(vec X)ᵀ of", E.call(name, e.arg))),
        Op(lw, "internal", lambda x: E.Call(x.shape, x, lw), internal=True,
           unicode=f"F_{name}", latex=f"F_{{\\mathrm{{{name}}}}}",
           d=Rule(f"dF_{name} = (divided differences of f′ at the eigenvalues) (second "
                  "derivatives: not supported yet)", d_frechet),
           value=_loewner(f.scalar, _SCALAR_DERIV[f.scalar_name]),
           code=f"_loewner({{0}}, np.{'sqrt' if name == 'sqrtm' else f.scalar_name}, "
                f"{_CODE_DERIV[f.scalar_name]})",
           code_group="matfun", sympy=no_sympy("a Loewner matrix"), no_sympy=True,
           domain=f.domain, letter="F",
           says=lambda e: (f"the Loewner matrix of {f.scalar_name} at the eigenvalues of",
                           e.arg)),
    ]


_CODE_DERIV = {"exp": "np.exp", "log": "lambda w: 1.0 / w", "sqrt": "lambda w: 0.5 / np.sqrt(w)",
               "sin": "np.cos", "cos": "lambda w: -np.sin(w)"}

_CODE = '''

def _mf_real(M):
    return np.real_if_close(M, tol=1e6).real if np.iscomplexobj(M) else M


def _mf_expm(X):
    import scipy.linalg
    return scipy.linalg.expm(X)


def _mf_logm(X):
    import scipy.linalg
    return _mf_real(scipy.linalg.logm(X))


def _mf_sqrtm(X):
    import scipy.linalg
    return _mf_real(scipy.linalg.sqrtm(X))


def _mf_sinm(X):
    import scipy.linalg
    return scipy.linalg.sinm(X)


def _mf_cosm(X):
    import scipy.linalg
    return scipy.linalg.cosm(X)


def _mf_block(f, X, E):
    """L_f(X, E), the upper right block of f([[X, E], [0, X]])."""
    n = X.shape[0]
    return _mf_real(f(np.block([[X, E], [np.zeros_like(X), X]])))[:n, n:]


def _expm_frechet(X, E):
    import scipy.linalg
    return scipy.linalg.expm_frechet(X, E, compute_expm=False)


def _sqrtm_frechet(X, E):
    import scipy.linalg
    R = _mf_sqrtm(X)
    return scipy.linalg.solve_sylvester(R, R, E)


def _logm_frechet(X, E):
    return _mf_block(_mf_logm, X, E)


def _sinm_frechet(X, E):
    return _mf_block(_mf_sinm, X, E)


def _cosm_frechet(X, E):
    return _mf_block(_mf_cosm, X, E)


def _mf_jac(frechet, X, V=None):
    """The Jacobian of vec f at X applied to the columns of V (all of it when V is None)."""
    n = X.shape[0]
    V = np.eye(n * n) if V is None else V
    return np.column_stack([frechet(X, V[:, k].reshape(n, n, order="F")).reshape(-1, order="F")
                            for k in range(V.shape[1])])


def _jac_expm(X, V=None):
    return _mf_jac(_expm_frechet, X, V)


def _jac_logm(X, V=None):
    return _mf_jac(_logm_frechet, X, V)


def _jac_sqrtm(X, V=None):
    return _mf_jac(_sqrtm_frechet, X, V)


def _jac_sinm(X, V=None):
    return _mf_jac(_sinm_frechet, X, V)


def _jac_cosm(X, V=None):
    return _mf_jac(_cosm_frechet, X, V)


def _eigbasis(S):
    return np.linalg.eigh((S + S.T) / 2)[1]


def _loewner(S, f, df):
    w = np.linalg.eigvalsh((S + S.T) / 2)
    dw = w[:, None] - w[None, :]
    close = np.abs(dw) <= 1e-8 * max(1.0, np.max(np.abs(w)))
    with np.errstate(all="ignore"):
        F = (f(w)[:, None] - f(w)[None, :]) / np.where(close, 1.0, dw)
    return np.where(close, df((w[:, None] + w[None, :]) / 2), F)
'''


def _all() -> list[Op]:
    out = []
    for f in _functions():
        out.extend(_entries(f))
    out[0] = replace(out[0], code_helper=_CODE)   # the helpers, once
    return out


def _unsupported(e, args, dargs):
    raise E.ShapeError("second derivatives through a matrix function are not supported yet")


def _no_eigenvectors(ctx, e, a):
    raise MatdiffError("to_sympy: SymPy has no matrix expression for the eigenvectors; use "
                       "evaluate() or numpy_source()")


register(
    *_all(),
    Op("eigbasis", "internal", lambda x: E.Call(x.shape, x, "eigbasis"), internal=True,
       unicode="V", latex="V",
       d=Rule("dV = V (G ∘ (Vᵀ dS V)): second derivatives through a matrix function are not "
              "supported", _unsupported),
       value=_eigbasis, code="_eigbasis({0})", code_group="matfun",
       sympy=_no_eigenvectors, no_sympy=True, letter="V",
       says=lambda e: ("the unit eigenvectors, as columns, of", e.arg)),
)
