"""Element-wise functions f(A), one entry each: d f(A) = f'(A) ∘ dA with f' beside it."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ..algebra import expr as E
from .op import Op, Rule, register


def _np():
    import numpy
    return numpy


def _is_ones(e: E.Expr) -> bool:
    return isinstance(e, E.Ones) or (isinstance(e, E.Num) and e.value == 1) or (
        isinstance(e, E.Mul) and len(e.args) == 2 and isinstance(e.args[0], E.Ones)
        and isinstance(e.args[1], E.Transpose) and isinstance(e.args[1].arg, E.Ones))


def _shape_rule(name: str, at0: int | None, at1: int | None) -> Callable[[E.Expr], E.Expr]:
    """f(A) is shaped like A; exact values at 0 and 1 fold (exp 0 = 1, log 1 = 0, ...)."""
    def build(e: E.Expr) -> E.Expr:
        if at0 is not None and E.is_zero(e):
            return e if at0 == 0 else E.ones_like(e.shape)
        if at1 is not None and _is_ones(e):
            return E.zero(e.shape) if at1 == 0 else e
        return E.Call(e.shape, e, name)
    return build


def _sympy(fn: Callable) -> Callable:
    """The SymPy form from the scalar function ``fn(sp)``: applied entry by entry."""
    def form(ctx, e: E.Expr, a):
        f = fn(ctx.sp)
        return f(ctx.scalar(a)) if e.is_scalar else ctx.elementwise(f, a)
    return form


def _lam(body: Callable) -> Callable:
    """sp -> Lambda(z, body(sp, z)) for a real z."""
    def fn(sp):
        z = sp.Symbol("z", real=True)
        return sp.Lambda(z, body(sp, z))
    return fn


def elementwise(name: str, deriv: Callable[[E.Expr], E.Expr], rule: str, value: Callable,
                code: str, sympy: Callable, latex: str, *, at0: int | None = None,
                at1: int | None = None, scalar_rule: str | None = None, **kw) -> Op:
    """``scalar_rule``: the identity as a step on a scalar shows it, where the entry-wise
    form would not be what the equation writes (d log(a) = da / a, not 𝟏 ⊘ a ∘ da)."""
    cases = None if scalar_rule is None else \
        (lambda a, *rest: scalar_rule if a.is_scalar else None)
    return Op(name, "elementwise", _shape_rule(name, at0, at1), deriv=deriv,
              d=Rule(rule, cases=cases), value=value, code=code, sympy=_sympy(sympy), latex=latex,
              at0=at0, at1=at1, **kw)


def f(name: str, a: E.Expr) -> E.Expr:
    return E.call(name, a)


def _one(a: E.Expr) -> E.Expr:
    return E.ones_like(a.shape)


def _sigmoid(x):
    np = _np()
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


_SIGMOID_CODE = '''

def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))
'''

register(
    # exp' = exp
    elementwise("exp", lambda a: f("exp", a), "d exp(A) = exp(A) ∘ dA",
                lambda a: _np().exp(a), "np.exp({0})", lambda sp: sp.exp, "\\exp",
                latex_in=("exp",), at0=1, undoes="log"),   # exp(log(u)) = u (u > 0)
    # log'(a) = 1 / a
    elementwise("log", lambda a: E.hadpow(a, -1), "d log(A) = 𝟏 ⊘ A ∘ dA",
                lambda a: _np().log(a), "np.log({0})", lambda sp: sp.log, "\\log",
                latex_in=("log", "ln"), at1=0, domain="positive", undoes="exp",
                scalar_rule="d log(a) = da / a"),
    # sin' = cos
    elementwise("sin", lambda a: f("cos", a), "d sin(A) = cos(A) ∘ dA",
                lambda a: _np().sin(a), "np.sin({0})", lambda sp: sp.sin, "\\sin",
                latex_in=("sin",), at0=0, parity="odd"),
    # cos' = -sin
    elementwise("cos", lambda a: E.neg(f("sin", a)), "d cos(A) = -sin(A) ∘ dA",
                lambda a: _np().cos(a), "np.cos({0})", lambda sp: sp.cos, "\\cos",
                latex_in=("cos",), at0=1, parity="even"),
    # tanh' = 1 - tanh²
    elementwise("tanh", lambda a: E.add(_one(a), E.neg(E.hadpow(f("tanh", a), 2))),
                "d tanh(A) = (1 - tanh(A)^∘2) ∘ dA",
                lambda a: _np().tanh(a), "np.tanh({0})", lambda sp: sp.tanh, "\\tanh",
                latex_in=("tanh",), at0=0, parity="odd"),
    # σ' = σ (1 - σ)
    elementwise("sigmoid", lambda a: E.hadamard(f("sigmoid", a),
                                                E.add(_one(a), E.neg(f("sigmoid", a)))),
                "d σ(A) = σ(A) ∘ (1 - σ(A)) ∘ dA", _sigmoid, "_sigmoid({0})",
                lambda sp: sp.Lambda(sp.Symbol("z"), 1 / (1 + sp.exp(-sp.Symbol("z")))),
                "\\sigma", unicode="σ", aliases=("σ",), code_helper=_SIGMOID_CODE),
    # sqrt'(a) = 1 / (2 sqrt(a))
    elementwise("sqrt", lambda a: E.scale(Fraction(1, 2), E.hadpow(f("sqrt", a), -1)),
                "d sqrt(A) = 1/2 (𝟏 ⊘ sqrt(A) ∘ dA)",
                lambda a: _np().sqrt(a), "np.sqrt({0})", lambda sp: sp.sqrt, "\\sqrt{{a}}",
                at0=0, at1=1, domain="positive", scalar_rule="d sqrt(a) = da / (2 sqrt(a))"),
    # abs'(a) = a / |a|
    elementwise("abs", lambda a: E.hadamard(a, E.hadpow(f("abs", a), -1)),
                "d |A| = A ⊘ |A| ∘ dA",
                lambda a: _np().abs(a), "np.abs({0})", lambda sp: sp.Abs,
                "\\left|{a}\\right|", at0=0, at1=1, sides=lambda a: _np().sign(a),
                scalar_rule="d |a| = a da / |a|",
                parity="even"),
    # tan' = 1/cos² = 1 + tan²
    elementwise("tan", lambda a: E.add(_one(a), E.hadpow(f("tan", a), 2)),
                "d tan(A) = (1 + tan(A)^∘2) ∘ dA",
                lambda a: _np().tan(a), "np.tan({0})", lambda sp: sp.tan, "\\tan",
                latex_in=("tan",), at0=0, sides=lambda a: _np().sign(_np().cos(a)),
                pole=lambda a: _np().abs(_np().cos(a))),
    # softplus(a) = log(1 + eᵃ), softplus' = eᵃ/(1 + eᵃ) = σ
    elementwise("softplus", lambda a: f("sigmoid", a), "d softplus(A) = σ(A) ∘ dA",
                lambda a: _np().logaddexp(0.0, a),     # log(1 + eˣ) without overflow
                "np.logaddexp(0.0, {0})", _lam(lambda sp, z: sp.log(1 + sp.exp(z))),
                "\\operatorname{softplus}"),
    # log1p(a) = log(1 + a), log1p'(a) = 1 / (1 + a)
    elementwise("log1p", lambda a: E.hadpow(E.add(_one(a), a), -1),
                "d log1p(A) = 𝟏 ⊘ (1 + A) ∘ dA",
                lambda a: _np().log1p(a), "np.log1p({0})",
                _lam(lambda sp, z: sp.log(1 + z)), "\\operatorname{log1p}", at0=0,
                domain="above-1", undoes="expm1"),
    # expm1(a) = eᵃ - 1, expm1' = exp
    elementwise("expm1", lambda a: f("exp", a), "d expm1(A) = exp(A) ∘ dA",
                lambda a: _np().expm1(a), "np.expm1({0})",
                _lam(lambda sp, z: sp.exp(z) - 1), "\\operatorname{expm1}", at0=0,
                undoes="log1p"),   # expm1(log1p(u)) = u (u > -1)
    # relu(a) = max(a, 0), relu' = step (convention: relu'(0) = 0)
    elementwise("relu", lambda a: f("step", a), "d relu(A) = step(A) ∘ dA (step(0) = 0)",
                lambda a: _np().maximum(a, 0.0), "np.maximum({0}, 0.0)",
                _lam(lambda sp, z: sp.Max(z, 0)), "\\operatorname{relu}", at0=0,
                sides=lambda a: _np().sign(a)),
    # step(a) = 1 for a > 0 and 0 for a <= 0; step' = 0 wherever it has one (a ≠ 0)
    elementwise("step", lambda a: E.zero(a.shape), "d step(A) = 0 (A ≠ 0)",
                lambda a: (a > 0).astype(float), "({0} > 0).astype(float)",
                _lam(lambda sp, z: sp.Heaviside(z, 0)), "\\operatorname{step}", at0=0,
                sides=lambda a: _np().sign(a)),
)
