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

from .. import ops
from ..render.base import prec
from . import expr as E
from .expr import F0, F1

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
    if isinstance(e, E.Call) and ops.get(e.name).transposed is not None:
        return ops.get(e.name).transposed(*(tpush(a) for a in e.children))
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


# --- scalar powers: sqrt(a)² = a, |a|² = a² (a a number) --------------------------------------

def scalar_power_rule(e: E.Power) -> E.Expr:
    """(√a)^2k = a^k and |a|^2k = a^2k for a real number a (a ≥ 0 under the root)."""
    a, p = e.arg, e.p
    if a.is_scalar and isinstance(a, E.Call) and p.denominator == 1 and p % 2 == 0:
        if a.name == "sqrt":
            return E.power(a.arg, p / 2)
        if a.name == "abs":
            return E.power(a.arg, p)
    return e


# --- sums of entries: the rows of a softmax sum to one, a centred vector sums to zero ---------

def _ones_row(e: E.Expr) -> bool:
    return isinstance(e, E.Transpose) and isinstance(e.arg, E.Ones)


def _entry_sum(t: E.Expr) -> E.Expr | None:
    """1ᵀt for a column t, when it has a short form: 1ᵀ(c 1_n) = c n, 1ᵀu = sum(u)."""
    c, rest = E.split_coef(t)
    fs = rest.args if isinstance(rest, E.Mul) else (rest,)
    scal = [f for f in fs if f.is_scalar]
    chain = [f for f in fs if not f.is_scalar]
    if len(chain) != 1:
        return None
    u = chain[0]
    total = E.call("tr", E.identity(u.shape[0])) if isinstance(u, E.Ones) else \
        E.call("sum", u)
    return E.scale(c, E.mul(*scal, total))


def _summing(b: E.Expr) -> bool:
    """A column whose product with a row sums its entries, or picks one of each row."""
    return isinstance(b, E.Ones) or isinstance(b, E.Sym) and "onehot" in b.props and \
        E.is_one(b.shape[1])


def _times_ones(t: E.Expr, ones: E.Expr) -> E.Expr | None:
    """t 1 with the last factor of t and the 1 combined by ``ones_product`` (I 1 = 1), else
    None."""
    c, rest = E.split_coef(t)
    fs = list(rest.args) if isinstance(rest, E.Mul) else [rest]
    last = max(i for i, f in enumerate(fs) if not f.is_scalar)
    o = ones if isinstance(fs[last], E.Identity) else ones_product(fs[last], ones)
    if o is None:
        return None
    return E.scale(c, E.mul(*fs[:last], o, *fs[last + 1:]))


def ones_product(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """The products of an all-ones vector that have a value of their own, else None:

    * 1ᵀ softmax(x) = softmax(x)ᵀ 1 = 1 and softmax(X) 1 = 1 (each row sums to one), and
      the same of one-hot labels (declared ``onehot``);
    * 1ᵀ(x - (1ᵀx / n) 1) = 0, the centring identity 1ᵀ(I - 1 1ᵀ/n) = 0, and its transpose.
    """
    if _ones_row(a):
        col = b
    elif isinstance(b, E.Ones) and E.is_one(a.shape[0]):
        col = tpush(a)
    elif isinstance(b, E.Ones) and (isinstance(a, E.Call) and a.name == "softmax" or
                                    isinstance(a, E.Sym) and "onehot" in a.props):
        return E.ones(a.shape[0])              # softmax(X) 1 = 1, Y 1 = 1, row by row
    elif isinstance(b, E.Ones) and isinstance(a, E.Call) and a.name == "diag":
        return a.arg                           # diag(u) 1 = u
    elif _summing(b) and isinstance(a, E.Add):
        # (diag(s) - s sᵀ) 1 = s - s = 0, (I - s 1ᵀ) y = y - s: a sum whose every term has
        # a product of its own with the ones (or the one-hot labels)
        parts = [_times_ones(t, b) for t in a.args]
        if all(q is not None for q in parts):
            return E.add(*parts)
        return None
    else:
        return None
    if E.is_one(col.shape[1]) and (isinstance(col, E.Call) and col.name == "softmax" or
                                   isinstance(col, E.Sym) and "onehot" in col.props):
        return E.num(1)                        # 1ᵀ softmax(x) = 1ᵀ y = 1
    if isinstance(col, E.Add) and E.is_one(col.shape[1]):
        sums = [_entry_sum(t) for t in col.args]
        if all(s is not None for s in sums) and E.is_zero(E.add(*sums)):
            return E.num(0)
    return None
