"""Choosing the shortest of equivalent forms.

After the rewrite rules of ``simplify`` reach their fixed point, each sum and product is
compared with a few equivalent candidates and the shortest is kept: the length of its text
(what a reader sees), then the size of its tree, then the text itself, so the choice is
deterministic. The candidates:

* a sum of Hadamard products expanded into canonical monomials (a map from base to exponent,
  so that like terms meet and cancel), then a common Hadamard factor pulled out again:
  -(y ∘ (1 - σ)) + σ ∘ (1 - y) = σ - y;
* a common scalar factor pulled out of a sum: 2 A x / s - 2 t x / s² = 2 (A x - t x / s) / s;
* a common transpose pulled out of a sum: BᵀXᵀ + XᵀBᵀ = (XB + BX)ᵀ;
* the inverse of a product of square factors distributed, (AXB)⁻¹ = B⁻¹X⁻¹A⁻¹, so that
  neighbours cancel: Aᵀ(BᵀXᵀAᵀ)⁻¹Bᵀ = X⁻ᵀ.

A candidate that fails to build (a shape rule, the size bound) is skipped: a rewrite never
turns a right answer into an error.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import gcd

from . import expr as E
from .render.text import to_text

MAX_MONOMIALS = 64        # expanding Hadamard products beyond this is not worth trying
MAX_SIZE = 3000           # larger trees are left as the rules made them


def cost(e: E.Expr) -> tuple[int, int, str]:
    """Shorter text first, then the smaller tree, then the text (a fixed tie-break)."""
    text = to_text(e)
    return (len(text.replace(" ", "")), E.size(e), text)


def shortest(e: E.Expr, fix: Callable[[E.Expr], E.Expr]) -> E.Expr:
    """e with every sum and product replaced by its shortest candidate (bottom-up).
    ``fix`` is the rule fixed point of ``simplify``, applied to candidates that need it."""
    if E.size(e) > MAX_SIZE:
        return e
    memo: dict[E.Expr, E.Expr] = {}

    def walk(x: E.Expr) -> E.Expr:
        if x in memo:
            return memo[x]
        out = x
        if x.children:
            out = E.rebuild(x, tuple(walk(c) for c in x.children))
            cands = [out]
            for make in CANDIDATES.get(type(out), ()):
                try:
                    c = make(out, fix)
                except (E.ShapeError, ValueError, ZeroDivisionError):
                    c = None
                if c is not None and c != out:
                    cands.append(c)
            if len(cands) > 1:
                out = min(cands, key=cost)
        memo[x] = out
        return out

    return walk(e)


# --- Hadamard polynomials -------------------------------------------------------------------

Monomial = tuple[Fraction, tuple[E.Expr, ...], dict]    # coefficient, scalars, base -> exponent


def _is_ones(e: E.Expr) -> bool:
    from .simplify import _is_ones as ones
    return ones(e)


def _monomials(t: E.Expr) -> list[Monomial] | None:
    c, rest = E.split_coef(t)
    scalars: tuple[E.Expr, ...] = ()
    body = rest
    if isinstance(rest, E.Mul):
        scalars = tuple(f for f in rest.args if f.is_scalar)
        chain = [f for f in rest.args if not f.is_scalar]
        body = chain[0] if len(chain) == 1 else E.mul(*chain)
    elif rest.is_scalar:
        return [(c, (rest,), {})] if not isinstance(rest, E.Num) else [(c * rest.value, (), {})]
    factors = body.args if isinstance(body, E.Hadamard) else (body,)
    out: list[Monomial] = [(c, scalars, {})]
    for f in factors:
        if _is_ones(f):
            continue
        base, p = (f.arg, f.p) if isinstance(f, E.HadPow) else (f, Fraction(1))
        if isinstance(base, E.Add) and p == 1:
            parts: list[Monomial] = []
            for u in base.args:
                sub = _monomials(u)
                if sub is None:
                    return None
                parts.extend(sub)
            out = [_times(a, b) for a in out for b in parts]
        else:
            out = [_times(a, (Fraction(1), (), {base: p})) for a in out]
        if len(out) > MAX_MONOMIALS:
            return None
    return out


def _times(a: Monomial, b: Monomial) -> Monomial:
    exps = dict(a[2])
    for base, p in b[2].items():
        exps[base] = exps.get(base, Fraction(0)) + p
    return (a[0] * b[0], a[1] + b[1], exps)


def _build(m: Monomial, shape) -> E.Expr:
    from .simplify import hadamard_canonical
    c, scalars, exps = m
    body = hadamard_canonical(tuple(E.hadpow(b, p) for b, p in exps.items() if p != 0), shape)
    return E.mul(E.num(c), *scalars, body)


def expand_hadamard(e: E.Add, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """The sum as canonical Hadamard monomials with like terms combined, then a common
    factor pulled out again where one exists."""
    if not any(E.contains(t, lambda x: isinstance(x, (E.Hadamard, E.HadPow))) for t in e.args):
        return None
    monos: list[Monomial] = []
    for t in e.args:
        m = _monomials(t)
        if m is None:
            return None
        monos.extend(m)
        if len(monos) > MAX_MONOMIALS:
            return None
    terms = [_build(m, e.shape) for m in monos if m[0] != 0]
    flat = E.add(*terms) if terms else E.zero(e.shape)
    if not isinstance(flat, E.Add):
        return fix(flat)
    return _factor_hadamard(fix(flat), fix)


def _factor_hadamard(e: E.Expr, fix: Callable[[E.Expr], E.Expr], depth: int = 0) -> E.Expr:
    """Pull the Hadamard factor shared by the most terms out of them: y - y ∘ σ = y ∘ (1 - σ)."""
    if not isinstance(e, E.Add) or depth > 3:
        return e
    count: dict[E.Expr, list[int]] = {}
    for i, t in enumerate(e.args):
        _, rest = E.split_coef(t)
        factors = rest.args if isinstance(rest, E.Hadamard) else (rest,)
        for f in set(factors):
            if not f.is_scalar:
                count.setdefault(f, []).append(i)
    best = max(((len(ix), to_text(f), f) for f, ix in count.items() if len(ix) >= 2),
               default=None, key=lambda t: (t[0], t[1]))
    if best is None:
        return e
    f, idx = best[2], count[best[2]]
    inner = []
    for i in idx:
        c, rest = E.split_coef(e.args[i])
        factors = list(rest.args) if isinstance(rest, E.Hadamard) else [rest]
        factors.remove(f)
        inner.append(E.scale(c, E.hadamard(*factors) if factors else E.ones_like(e.shape)))
    pulled = E.hadamard(f, _factor_hadamard(fix(E.add(*inner)), fix, depth + 1))
    others = [t for i, t in enumerate(e.args) if i not in idx]
    return E.add(*others, pulled) if others else pulled


# --- common factors of sums -------------------------------------------------------------------

def _scalar_powers(t: E.Expr) -> tuple[Fraction, dict, list[E.Expr]]:
    """t = c · Π bᵖ · chain: (c, {b: p}, chain)."""
    c, rest = E.split_coef(t)
    parts = rest.args if isinstance(rest, E.Mul) else (rest,)
    exps: dict[E.Expr, Fraction] = {}
    chain = []
    for f in parts:
        if f.is_scalar and not isinstance(f, E.Num):
            b, p = (f.arg, f.p) if isinstance(f, E.Power) else (f, Fraction(1))
            exps[b] = exps.get(b, Fraction(0)) + p
        elif not isinstance(f, E.Num):
            chain.append(f)
    return c, exps, chain


def factor_scalars(e: E.Add, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """A scalar factor common to every term pulled out: 2 a / s - 2 b / s² = 2 (a - b / s) / s."""
    parts = [_scalar_powers(t) for t in e.args]
    common: dict[E.Expr, Fraction] = {}
    for b in parts[0][1]:
        ps = [q[1].get(b) for q in parts]
        if all(x is not None for x in ps) and (all(x > 0 for x in ps) or all(x < 0 for x in ps)):
            common[b] = min(ps, key=abs)
    coefs = [q[0] for q in parts]
    g = Fraction(_gcd_all(c.numerator for c in coefs), _lcm_all(c.denominator for c in coefs))
    if coefs[0] < 0 and all(c < 0 for c in coefs):
        g = -g
    if not common and g == 1:
        return None
    inner = []
    for c, exps, chain in parts:
        rest = [E.power(b, p - common.get(b, 0)) for b, p in exps.items()]
        inner.append(E.mul(E.num(c / g), *rest, *chain))
    return E.mul(E.num(g), *(E.power(b, p) for b, p in common.items()), fix(E.add(*inner)))


def _gcd_all(xs) -> int:
    out = 0
    for x in xs:
        out = gcd(out, abs(x))
    return out or 1


def _lcm_all(xs) -> int:
    out = 1
    for x in xs:
        out = out * x // gcd(out, x)
    return out


def pull_transpose(e: E.Add, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """Σ Tᵢᵀ = (Σ Tᵢ)ᵀ, when every term is a matrix."""
    from .simplify import tpush
    if e.is_scalar or E.is_one(e.shape[0]) or E.is_one(e.shape[1]):
        return None
    if not any(isinstance(f, E.Transpose) for t in e.args for f in _factors(t)):
        return None
    return E.transpose(E.add(*(tpush(t) for t in e.args)))


def _factors(t: E.Expr) -> tuple[E.Expr, ...]:
    _, rest = E.split_coef(t)
    return rest.args if isinstance(rest, E.Mul) else (rest,)


# --- inverses of products -----------------------------------------------------------------

def distribute_inverse(e: E.Mul, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """(AB)⁻¹ = B⁻¹A⁻¹ for square A and B, tried where a neighbour may cancel."""
    changed = False
    args = []
    for f in e.args:
        inner = f.arg if isinstance(f, E.Inverse) else None
        if isinstance(inner, E.Mul) and not inner.is_scalar and all(
                not a.is_scalar and a.shape[0] == a.shape[1] for a in inner.args):
            args.extend(E.inverse(a) for a in reversed(inner.args))
            changed = True
        else:
            args.append(f)
    return fix(E.mul(*args)) if changed else None


CANDIDATES: dict[type, tuple] = {
    E.Add: (expand_hadamard, factor_scalars, pull_transpose),
    E.Mul: (distribute_inverse,),
}
