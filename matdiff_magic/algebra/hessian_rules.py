"""Rewrite rules that second derivatives need, applied after ``simplify``.

Each rule is an identity, written beside it; ``canonical`` applies them to a fixed point and
puts sums in a fixed order, so that B and Bᵀ are compared structurally:

* (C ⊗ D) K_{q,n} = K_{p,m} (D ⊗ C)       for C (p x q), D (m x n): commutation matrices
  move to the left of a Kronecker product (and of a sum of them);
* J(X)ᵀ K_{n,n} = K_{n,n} J(X) for the Jacobian J of a primary matrix function (expm, X^k):
  J(X)ᵀ = J(Xᵀ) = K J(X) K;
* (P ⊗ Q) vec M = vec(Q M Pᵀ) and (vec M)ᵀ (P ⊗ Q) = vec(Qᵀ M P)ᵀ: the vec trick backwards;
  vec(xᵀ) = x for a column vector x;
* A ⊗ B + A ⊗ C = A ⊗ (B + C),  A ⊗ C + B ⊗ C = (A + B) ⊗ C;
* a ∘ a^∘p = a^∘(p+1), a^∘0 = 1, 1 ∘ a = a: Hadamard products as {base: exponent};
* A ∘ (B + C) = A ∘ B + A ∘ C, so that like terms of a gradient combine
  (y ∘ (1 - σ) - (1 - y) ∘ σ = y - σ).
"""

from __future__ import annotations

from fractions import Fraction

from .. import ops
from ..render.text import to_text
from . import expr as E
from .simplify import simplify

MAX_DISTRIBUTED = 16   # A ∘ (B + C) ∘ (D + E) ... is distributed up to this many terms


def _key(e: E.Expr) -> str:
    return to_text(e)


# --- commutation matrices to the left --------------------------------------------------------

def _kmove_chain(args: list[E.Expr]) -> list[E.Expr] | None:
    """One application of (C ⊗ D) K_{q,n} = K_{p,m} (D ⊗ C) in a product chain."""
    for i in range(len(args) - 1):
        a, b = args[i], args[i + 1]
        if isinstance(a, E.Kron) and len(a.args) == 2 and isinstance(b, E.Comm):
            c, d = a.args
            if b.r == c.shape[1] and b.c == d.shape[1]:
                return args[:i] + [E.comm(c.shape[0], d.shape[0]), E.kron(d, c)] + args[i + 2:]
        if isinstance(a, E.Kron) and len(a.args) == 2 and _is_vec(b):
            p, q = a.args                    # (P ⊗ Q) vec M = vec(Q M Pᵀ)
            m = b.arg
            if m.shape[0] == q.shape[1] and m.shape[1] == p.shape[1]:
                return args[:i] + [E.call("vec", E.mul(q, m, E.transpose(p)))] + args[i + 2:]
        if isinstance(b, E.Kron) and len(b.args) == 2 and isinstance(a, E.Transpose) \
                and _is_vec(a.arg):
            p, q = b.args                    # (vec M)ᵀ (P ⊗ Q) = vec(Qᵀ M P)ᵀ
            m = a.arg.arg
            if m.shape[0] == q.shape[0] and m.shape[1] == p.shape[0]:
                new = E.transpose(E.call("vec", E.mul(E.transpose(q), m, p)))
                return args[:i] + [new] + args[i + 2:]
        if isinstance(b, E.Comm) and _k_symmetric(a) and b.r == b.c == a.arg.arg.shape[0]:
            return args[:i] + [b, a.arg] + args[i + 2:]     # J(X)ᵀ K = K J(X)
        if isinstance(a, E.Add) and isinstance(b, E.Comm):   # (Σ Cᵢ ⊗ Dᵢ) K = Σ (Cᵢ ⊗ Dᵢ) K
            moved = [kmove(E.mul(t, b)) for t in a.args]
            if all(isinstance(E.split_coef(t)[1], E.Mul) and
                   isinstance(E.split_coef(t)[1].args[0], E.Comm) for t in moved):
                return args[:i] + [E.add(*moved)] + args[i + 2:]
    return None


def _k_symmetric(e: E.Expr) -> bool:
    """Whether e is J(X)ᵀ for the Jacobian J of a primary matrix function of X (n x n):
    J(X)ᵀ = J(Xᵀ) = K_{n,n} J(X) K_{n,n}, so J(X)ᵀ K_{n,n} = K_{n,n} J(X)."""
    return (isinstance(e, E.Transpose) and isinstance(e.arg, E.Call)
            and ops.get(e.arg.name).k_symmetric)


def _is_vec(e: E.Expr) -> bool:
    return isinstance(e, E.Call) and e.name == "vec"


def kmove(e: E.Expr) -> E.Expr:
    """Commutation matrices moved left of the Kronecker products they meet; vec(xᵀ) = x."""
    if not e.children:
        return e
    e = E.rebuild(e, tuple(kmove(c) for c in e.children))
    if _is_vec(e) and isinstance(e.arg, E.Transpose) and E.is_one(e.arg.arg.shape[1]):
        return e.arg.arg                     # vec(xᵀ) = x for a column x
    if isinstance(e, E.Mul):
        args = list(e.args)
        for _ in range(len(args) + 1):
            new = _kmove_chain(args)
            if new is None:
                break
            args = new
        return E.mul(*args)
    return e


# --- Kronecker collection ----------------------------------------------------------------------

def _kron_parts(t: E.Expr) -> tuple[Fraction, E.Expr, E.Expr] | None:
    c, rest = E.split_coef(t)
    if isinstance(rest, E.Kron) and len(rest.args) == 2:
        return c, rest.args[0], rest.args[1]
    return None


def kcollect(e: E.Expr) -> E.Expr:
    """A ⊗ B + A ⊗ C = A ⊗ (B + C) and A ⊗ C + B ⊗ C = (A + B) ⊗ C."""
    if not e.children:
        return e
    e = E.rebuild(e, tuple(kcollect(c) for c in e.children))
    if not isinstance(e, E.Add):
        return e
    for side in (0, 1):
        groups: dict[E.Expr, list[int]] = {}
        for i, t in enumerate(e.args):
            parts = _kron_parts(t)
            if parts is not None:
                groups.setdefault(parts[1 + side], []).append(i)
        for common, idx in groups.items():
            if len(idx) < 2:
                continue
            others = []
            for i in idx:
                c, a, b = _kron_parts(e.args[i])
                others.append(E.scale(c, b if side == 0 else a))
            inner = E.add(*others)
            if E.is_zero(inner):
                new = E.zero(e.shape)
            else:
                new = E.kron(common, inner) if side == 0 else E.kron(inner, common)
            rest = [t for i, t in enumerate(e.args) if i not in idx]
            return kcollect(E.add(*rest, new)) if rest else new
    return e


# --- Hadamard products as {base: exponent} -----------------------------------------------------

def _base_exp(f: E.Expr) -> tuple[E.Expr, Fraction]:
    if isinstance(f, E.HadPow):
        return f.arg, f.p
    return f, Fraction(1)


def hadamard_canonical(e: E.Expr) -> E.Expr:
    """Hadamard products with equal bases merged (a ∘ a^∘-1 = 1) and distributed over sums."""
    if not e.children:
        return e
    e = E.rebuild(e, tuple(hadamard_canonical(c) for c in e.children))
    if not isinstance(e, E.Hadamard):
        return e
    coef = Fraction(1)
    exps: dict[E.Expr, Fraction] = {}
    order: list[E.Expr] = []
    for f in e.args:
        c, f = E.split_coef(f)
        coef *= c
        base, p = _base_exp(f)
        if base not in exps:
            order.append(base)
            exps[base] = Fraction(0)
        exps[base] += p
    factors = [E.hadpow(b, exps[b]) for b in order if exps[b] != 0]
    factors = [f for f in factors if not _all_ones(f)]
    if not factors:
        return E.scale(coef, E.ones_like(e.shape))
    terms = 1
    for f in factors:
        terms *= len(f.args) if isinstance(f, E.Add) else 1
    for i, f in enumerate(factors):      # A ∘ (B + C) = A ∘ B + A ∘ C
        if isinstance(f, E.Add) and terms <= MAX_DISTRIBUTED:
            rest = factors[:i] + factors[i + 1:]
            terms = [hadamard_canonical(E.hadamard(*rest, t)) if rest else t for t in f.args]
            return E.scale(coef, E.add(*terms))
    factors.sort(key=_key)
    return E.scale(coef, E.hadamard(*factors))


def _all_ones(e: E.Expr) -> bool:
    if isinstance(e, E.Ones) or (isinstance(e, E.Num) and e.value == 1):
        return True
    return (isinstance(e, E.Mul) and len(e.args) == 2 and isinstance(e.args[0], E.Ones)
            and isinstance(e.args[1], E.Transpose) and isinstance(e.args[1].arg, E.Ones))


# --- a fixed order of terms ---------------------------------------------------------------------

def sort_sums(e: E.Expr) -> E.Expr:
    """A fixed order: the terms of a sum (Aᵀ + A becomes A + Aᵀ) and the scalar factors of
    a product ((xᵀx)⁻¹ (xᵀAx) and (xᵀAx) (xᵀx)⁻¹ become one), so that like terms meet;
    a numeric factor common to all the terms of a sum comes out: 3A + 3B = 3 (A + B)."""
    if not e.children:
        return e
    e = E.rebuild(e, tuple(sort_sums(c) for c in e.children))
    if isinstance(e, E.Mul):
        nums = [f for f in e.args if isinstance(f, E.Num)]
        scal = [f for f in e.args if f.is_scalar and not isinstance(f, E.Num)]
        if len(scal) > 1:
            rest = [f for f in e.args if not f.is_scalar]
            return E.mul(*nums, *sorted(scal, key=_key), *rest)
        return e
    if isinstance(e, E.Add):
        terms = sorted(e.args, key=lambda t: (E.split_coef(t)[0] < 0, _key(E.split_coef(t)[1])))
        coefs = {E.split_coef(t)[0] for t in terms}
        if len(coefs) == 1 and (c := coefs.pop()) not in (1, -1):
            return E.scale(c, E.add(*(E.split_coef(t)[1] for t in terms)))
        return E.add(*terms)
    return e


def canonical(e: E.Expr, max_passes: int = 10) -> E.Expr:
    """simplify, then the rules above, to a fixed point; sums in a fixed order."""
    for _ in range(max_passes):
        new = sort_sums(kcollect(simplify(kmove(simplify(e)))))
        if new == e:
            break
        e = new
    return e


def tidy_gradient(g: E.Expr) -> E.Expr:
    """A gradient with its Hadamard products canonical, so that its differential is short."""
    new = simplify(hadamard_canonical(g))
    new = simplify(hadamard_canonical(new))
    return new if _size(new) <= _size(g) else g


def _size(e: E.Expr) -> int:
    return E.size(e)
