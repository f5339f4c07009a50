"""Choosing the shortest of equivalent forms.

After the rewrite rules of ``simplify`` reach their fixed point, each sum and product is
compared with a few equivalent candidates and the shortest is kept (``cost``: the size of the
tree as a reader counts it, then the length of its text, then a fixed tie-break, so the
choice is deterministic). The candidates:

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

from .. import ops
from ..render.text import to_text
from . import expr as E
from .canonical import base_exp, elementwise_rule, hadamard_canonical, is_ones, tpush
from .expr import F0, F1

MAX_MONOMIALS = 64        # expanding Hadamard products beyond this is not worth trying
MAX_SIZE = 3000           # larger trees are left as the rules made them


def cost(e: E.Expr) -> tuple[int, int, str]:
    """The smaller tree as a reader sees it (expr.notation_size), then the shorter text, then
    the text itself (a fixed tie-break)."""
    text = to_text(e)
    return (E.notation_size(e), len(text.replace(" ", "")), text)


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
                    made = make(out, fix)
                except (E.ShapeError, ValueError, ZeroDivisionError):
                    made = None
                for c in made if isinstance(made, list) else [made]:
                    if c is not None and c != out:
                        cands.append(c)
            if len(cands) > 1:
                out = min(cands, key=cost)
        memo[x] = out
        return out

    def prefer(x: E.Expr) -> E.Expr:
        if not x.children:
            return x
        out = E.rebuild(x, tuple(prefer(c) for c in x.children))
        for make in PREFERRED.get(type(out), ()):
            out = make(out, fix) or out
        return out

    return prefer(walk(e))


# --- Hadamard polynomials -------------------------------------------------------------------

Monomial = tuple[Fraction, tuple[E.Expr, ...], dict]    # coefficient, scalars, base -> exponent


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
        if is_ones(f):
            continue
        base, p = (f.arg, f.p) if isinstance(f, E.HadPow) else (f, F1)
        if isinstance(base, E.Call) and base.name in ops.ELEMENTWISE:
            base = elementwise_rule(base)        # σ(-u) = 1 - σ(u): canonical before expanding
        if isinstance(base, E.Add) and p == 1:
            parts = _expand_sum(base.args)
            if parts is None:
                return None
            out = [_times(a, b) for a in out for b in parts]
        else:
            out = [_times(a, (F1, (), {base: p})) for a in out]
        if len(out) > MAX_MONOMIALS:
            return None
    return out


def _expand_sum(terms: tuple[E.Expr, ...]) -> list[Monomial] | None:
    """The monomials of a sum, None beyond MAX_MONOMIALS or for a term that does not expand."""
    out: list[Monomial] = []
    for t in terms:
        m = _monomials(t)
        if m is None:
            return None
        out.extend(m)
        if len(out) > MAX_MONOMIALS:
            return None
    return out


def _times(a: Monomial, b: Monomial) -> Monomial:
    exps = dict(a[2])
    for base, p in b[2].items():
        exps[base] = exps.get(base, F0) + p
    return (a[0] * b[0], a[1] + b[1], exps)


def _build(m: Monomial, shape) -> E.Expr:
    c, scalars, exps = m
    body = hadamard_canonical(tuple(E.hadpow(b, p) for b, p in exps.items() if p != 0), shape)
    return E.mul(E.num(c), *scalars, body)


def expand_hadamard(e: E.Add, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """The sum as canonical Hadamard monomials with like terms combined, then a common
    factor pulled out again where one exists."""
    if not any(E.contains(t, lambda x: isinstance(x, (E.Hadamard, E.HadPow))) for t in e.args):
        return None
    monos = _expand_sum(e.args)
    if monos is None:
        return None
    terms = [_build(m, e.shape) for m in monos if m[0] != 0]
    flat = fix(E.add(*terms) if terms else E.zero(e.shape))
    if not isinstance(flat, E.Add):
        return flat
    return [flat, _factor_hadamard(flat, fix)]


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
    pulled = hadamard_canonical((f, _factor_hadamard(fix(E.add(*inner)), fix, depth + 1)),
                                e.shape)
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
            b, p = (f.arg, f.p) if isinstance(f, E.Power) else (f, F1)
            exps[b] = exps.get(b, F0) + p
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


def scalars_out_of_sums(e: E.Mul, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """A scalar common to the terms of a sum factor joins the product's own scalars:
    (-2 A - 2 B) W = -2 (A + B) W."""
    args, changed = [], False
    for f in e.args:
        g = factor_scalars(f, fix) if isinstance(f, E.Add) else None
        if isinstance(g, E.Mul):
            args.extend(g.args)
            changed = True
        else:
            args.append(f)
    return E.mul(*args) if changed else None


def _comm_left(t: E.Expr) -> E.Expr | None:
    """(A ⊗ B) K_{n,q} = K_{m,p} (B ⊗ A) for A (m x n), B (p x q)."""
    c, rest = E.split_coef(t)
    fs = list(rest.args) if isinstance(rest, E.Mul) else [rest]
    changed = False
    for i in range(len(fs) - 1):
        a, k = fs[i], fs[i + 1]
        if isinstance(a, E.Kron) and len(a.args) == 2 and isinstance(k, E.Comm):
            x, y = a.args
            if k.r == x.shape[1] and k.c == y.shape[1]:
                fs[i:i + 2] = [E.comm(x.shape[0], y.shape[0]), E.kron(y, x)]
                changed = True
    return E.scale(c, E.mul(*fs)) if changed else None


def commutation_left(e: E.Expr, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """Commutation matrices moved to the left of Kronecker products, in a product or in every
    term of a sum, so that the terms can share a right factor:
    (Xᵀ ⊗ I) K + I ⊗ Xᵀ = K (I ⊗ Xᵀ) + I ⊗ Xᵀ = (K + I)(I ⊗ Xᵀ)."""
    if isinstance(e, E.Mul):
        moved = _comm_left(e)
        return fix(moved) if moved is not None else None
    terms = [_comm_left(t) for t in e.args]
    if all(t is None for t in terms):
        return None
    new = fix(E.add(*(t if t is not None else u for t, u in zip(terms, e.args))))
    return [new, collect_bare(new)] if isinstance(new, E.Add) else new


def collect_bare(e: E.Add) -> E.Expr | None:
    """A common right factor pulled out of terms where it may stand alone: K M + M = (K + I) M."""
    groups: dict[E.Expr, list[int]] = {}
    for i, t in enumerate(e.args):
        _, rest = E.split_coef(t)
        if rest.is_scalar:
            continue
        last = [f for f in rest.args if not f.is_scalar][-1] if isinstance(rest, E.Mul) \
            else rest
        groups.setdefault(last, []).append(i)
    key, idx = max(groups.items(), key=lambda kv: (len(kv[1]), -min(kv[1])),
                   default=(None, []))
    if len(idx) < 2:
        return None
    rests = []
    for i in idx:
        c, rest = E.split_coef(e.args[i])
        if rest == key:
            rests.append(E.scale(c, E.identity(key.shape[0])))
        else:
            fs = list(rest.args)
            j = max(k for k, f in enumerate(fs) if not f.is_scalar)
            del fs[j]
            rests.append(E.scale(c, E.mul(*fs)))
    pulled = E.mul(E.add(*rests), key)
    others = [t for i, t in enumerate(e.args) if i not in idx]
    return E.add(*others, pulled) if others else pulled


def transpose_repeated(e: E.Mul, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """A sum that is the transpose of another factor of the product is shown as that:
    (x - μ)(xᵀ - μᵀ) = (x - μ)(x - μ)ᵀ."""
    args = list(e.args)
    sums = [i for i, f in enumerate(args) if isinstance(f, E.Add) and not f.is_scalar]
    for i in sums:
        for j in sums:
            if i != j and not isinstance(args[i], E.Transpose) and tpush(args[i]) == args[j]:
                args[j] = E.Transpose((args[i].shape[1], args[i].shape[0]), args[i])
    return E.Mul(e.shape, tuple(args)) if args != list(e.args) else None


def sigmoid_of_negative(e: E.Add, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """1 - σ(u) = σ(-u)."""
    if len(e.args) != 2 or not is_ones(e.args[0]):
        return None
    c, rest = E.split_coef(e.args[1])
    if c == -1 and isinstance(rest, E.Call) and rest.name == "sigmoid":
        return E.call("sigmoid", E.neg(rest.arg))
    return None


def sigmoid_derivative(e: E.Hadamard, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """σ(u) ∘ σ(-u) is kept as the textbook's σ' = σ(u) ∘ (1 - σ(u))."""
    args = list(e.args)
    for i, a in enumerate(args):
        if isinstance(a, E.Call) and a.name == "sigmoid":
            c, u = E.split_coef(a.arg)
            if c < 0:
                s = E.call("sigmoid", E.scale(-c, u))
                if s in args:
                    args[i] = E.add(E.ones_like(a.shape), E.neg(s))
                    return E.hadamard(*args)
    return None


def det_of_inverse(e: E.Call, fix: Callable[[E.Expr], E.Expr]) -> E.Expr | None:
    """det(A⁻ᵏ) = det(A)⁻ᵏ."""
    if e.name != "det" or not isinstance(e.arg, E.Inverse):
        return None
    base, k = base_exp(e.arg)
    return E.power(E.call("det", base), k)


CANDIDATES: dict[type, tuple] = {
    E.Call: (det_of_inverse,),
    E.Add: (expand_hadamard, factor_scalars, pull_transpose, commutation_left,
            sigmoid_of_negative),
    E.Mul: (distribute_inverse, scalars_out_of_sums, commutation_left),
}
PREFERRED: dict[type, tuple] = {   # forms kept whatever their size: the reader knows them
    E.Hadamard: (sigmoid_derivative,),
    E.Mul: (transpose_repeated,),
}
