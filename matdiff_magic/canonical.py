"""Canonical forms and the tables of identities the simplifier uses.

* transposes pushed to the leaves (``tpush``);
* a matrix factor as base and integer exponent (``base_exp``: (Aᵏ)⁻¹ = A^-k);
* Hadamard products as maps base -> exponent (``hadamard_canonical``): σ ∘ σ^∘-1 = 1,
  A ∘ A = A^∘2, ones drop out, one order of the factors;
* the element-wise function algebra and the identities of functions of a square matrix, one
  entry per identity with the identity written beside it (``elementwise_rule``,
  ``scalar_rule``).
"""

from __future__ import annotations

from fractions import Fraction

from . import expr as E
from . import ops
from .expr import F0, F1
from .render.base import prec

SYMMETRIC = {"symmetric", "spd", "diagonal"}


def tpush(e: E.Expr) -> E.Expr:
    """eᵀ with the transpose pushed to the leaves: (AB)ᵀ = BᵀAᵀ, (A⁻¹)ᵀ = (Aᵀ)⁻¹, ..."""
    if e.is_scalar:
        return e
    if isinstance(e, E.Transpose):
        return e.arg
    if isinstance(e, E.Mul):
        return E.mul(*(tpush(f) for f in reversed(e.args)))
    if isinstance(e, (E.Add, E.Kron, E.Hadamard)):
        return E.rebuild(e, tuple(tpush(a) for a in e.args))
    if isinstance(e, (E.Inverse, E.Power, E.HadPow)):
        return E.rebuild(e, (tpush(e.arg),))
    if isinstance(e, E.Call) and e.name == "diag":
        return e
    if isinstance(e, E.Sym) and e.props & SYMMETRIC:
        return e
    return E.transpose(e)


def is_ones(e: E.Expr) -> bool:
    if isinstance(e, E.Ones):
        return True
    if isinstance(e, E.Transpose):
        return isinstance(e.arg, E.Ones)
    if isinstance(e, E.Mul) and len(e.args) == 2:
        a, b = e.args
        return isinstance(a, E.Ones) and isinstance(b, E.Transpose) and isinstance(b.arg, E.Ones)
    return False


def base_exp(a: E.Expr) -> tuple[E.Expr, int]:
    """A matrix factor as a base and an integer exponent: (Aᵏ)⁻¹ = A^-k, A⁻¹ = A^-1."""
    sign = 1
    if isinstance(a, E.Inverse):
        sign, a = -1, a.arg
    if isinstance(a, E.Power):
        return a.arg, sign * int(a.p)
    return a, sign


# --- Hadamard products as base -> exponent maps ----------------------------------------------

def had_base_exp(a: E.Expr) -> tuple[E.Expr, Fraction]:
    if isinstance(a, E.HadPow):         # (u^∘p)^∘k = u^∘pk for an integer k only
        b, p = had_base_exp(a.arg) if a.p.denominator == 1 else (a.arg, F1)
        return b, p * a.p
    if isinstance(a, E.Call) and a.name == "sqrt":      # sqrt(u) = u^∘½
        return a.arg, Fraction(1, 2)
    return a, F1


def had_power(b: E.Expr, p: Fraction) -> E.Expr:
    return E.call("sqrt", b) if p == Fraction(1, 2) else E.hadpow(b, p)


def hadamard_canonical(args: tuple[E.Expr, ...], shape) -> E.Expr:
    """A ∘ B as a map base -> exponent: σ ∘ σ^∘-1 = 1, A ∘ A = A^∘2; ones drop out; the
    factors in one canonical order (negative powers last: they print as ⊘)."""
    exps: dict[E.Expr, Fraction] = {}
    coef = F1
    for a in args:
        c, a = E.split_coef(a)
        coef *= c
        if is_ones(a):
            continue
        base, p = had_base_exp(a)
        exps[base] = exps.get(base, F0) + p
    kept = [had_power(b, p) for b, p in exps.items() if p != 0]
    kept.sort(key=_had_key)
    return E.scale(coef, E.hadamard(*kept) if kept else E.ones_like(shape))


def _had_key(a: E.Expr) -> tuple:
    neg = isinstance(a, E.HadPow) and a.p < 0
    return (neg, -prec(a), E.scalar_key(a)[2])     # the text, cached on the node


# --- element-wise function algebra: one entry per identity ------------------------------------

def _negated(u: E.Expr) -> E.Expr | None:
    c, rest = E.split_coef(u)
    return E.scale(-c, rest) if c < 0 else None


def elementwise_rule(e: E.Call) -> E.Expr:
    """Identities of the element-wise functions, each written beside its entry; the
    per-function facts (which function undoes which, odd or even) are in the registry."""
    name, u = e.name, e.arg
    op = ops.get(name)
    if isinstance(u, E.Call) and op.undoes == u.name:
        return u.arg     # log(exp(u)) = u, exp(log(u)) = u (u > 0), log1p(expm1(u)) = u, ...
    v = _negated(u)
    if v is not None:
        if name == "sigmoid":                          # σ(-u) = 1 - σ(u)
            return E.add(E.ones_like(u.shape), E.neg(E.call("sigmoid", v)))
        if op.parity == "odd":                         # tanh(-u) = -tanh(u), sin(-u) = -sin(u)
            return E.neg(E.call(name, v))
        if op.parity == "even":                        # cos(-u) = cos(u), |-u| = |u|
            return E.call(name, v)
    return e


# --- functions of a square matrix: one entry per identity --------------------------------------

# the functions scalar_rule has entries for: f(Aᵀ) = f(A) (the registry's of_transpose), log det
SCALAR_RULES = tuple(n for n, op in ops.REGISTRY.items() if op.of_transpose)


def scalar_rule(e: E.Call) -> E.Expr:
    name, a = e.name, e.arg
    if isinstance(a, E.Transpose) and ops.get(name).of_transpose:
        return E.call(name, a.arg)          # det(Aᵀ) = det A, tr(Aᵀ) = tr A, diag(Aᵀ) = diag A
    if name == "logdet" and isinstance(a, E.Inverse):   # log det(A⁻¹) = -log det A
        return E.neg(E.call("logdet", a.arg))
    return e
