"""Identities of the duplication and elimination matrices, as rewrite rules.

D_n (n² x n(n+1)/2) has D_n vech A = vec A for symmetric A; L_n (n(n+1)/2 x n²) has
L_n vec A = vech A for any A (Magnus & Neudecker). The rules, each beside its identity below,
run after the main simplifier: ``tidy(e)`` = simplify, these identities, simplify.
"""

from __future__ import annotations

from fractions import Fraction

from ..dims import Dim
from ..render import to_text
from . import expr as E
from .simplify import simplify, tpush


def _is_dup(e: E.Expr, transposed: bool = False) -> bool:
    if transposed:
        return isinstance(e, E.Transpose) and isinstance(e.arg, E.Dup)
    return isinstance(e, E.Dup)


def _is_square_comm(e: E.Expr, n) -> bool:
    return isinstance(e, E.Comm) and e.r == n and e.c == n


def _dup_gram_inverse(e: E.Expr) -> Dim | None:
    """n when e is (D_nᵀ D_n)⁻¹, else None."""
    if isinstance(e, E.Inverse) and isinstance(e.arg, E.Mul) and len(e.arg.args) == 2:
        a, b = e.arg.args
        if _is_dup(a, True) and _is_dup(b) and a.arg.n == b.n:
            return b.n
    return None


def _pair(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """The product a b in one piece when an identity of D_n or L_n applies."""
    if _is_dup(b) and _is_square_comm(a, b.n):                 # K_{n,n} D_n = D_n
        return b
    if _is_dup(a, True) and _is_square_comm(b, a.arg.n):       # D_nᵀ K_{n,n} = D_nᵀ
        return a
    if isinstance(a, E.Elim) and _is_dup(b) and a.n == b.n:    # L_n D_n = I
        return E.identity(b.shape[1])
    if isinstance(a, E.Elim) and isinstance(b, E.Transpose) and isinstance(b.arg, E.Elim) \
            and a.n == b.arg.n:                                # L_n L_nᵀ = I
        return E.identity(a.shape[0])
    if _is_dup(a, True) and isinstance(b, E.Transpose) and isinstance(b.arg, E.Elim) \
            and a.arg.n == b.arg.n:                            # D_nᵀ L_nᵀ = I
        return E.identity(a.shape[0])
    return None


def _pinv_vec(args: list[E.Expr], i: int) -> E.Expr | None:
    """(D_nᵀD_n)⁻¹ D_nᵀ vec A = vech((A + Aᵀ)/2) and (D_nᵀD_n)⁻¹ D_nᵀ D_n = I, for the
    factors args[i:i+3]: D_n⁺ = (D_nᵀD_n)⁻¹D_nᵀ is the left inverse of D_n."""
    if i + 2 >= len(args):
        return None
    n = _dup_gram_inverse(args[i])
    if n is None or not (_is_dup(args[i + 1], True) and args[i + 1].arg.n == n):
        return None
    nxt = args[i + 2]
    if _is_dup(nxt) and nxt.n == n:
        return E.identity(nxt.shape[1])
    if isinstance(nxt, E.Call) and nxt.name == "vec" and nxt.arg.shape == (n, n):
        a = nxt.arg
        return E.call("vech", simplify(E.scale(Fraction(1, 2), E.add(a, tpush(a)))))
    return None


def _identities(args: list[E.Expr]) -> list[E.Expr]:
    """The factors of a product with the identities applied between neighbours."""
    args = list(args)
    changed = True
    while changed:
        changed = False
        for i in range(len(args)):
            if args[i].is_scalar:
                continue
            p = _pinv_vec(args, i)
            if p is not None:
                args[i:i + 3] = [p]
                changed = True
                break
            j = next((k for k in range(i + 1, len(args)) if not args[k].is_scalar), None)
            if j is None:
                break
            p = _pair(args[i], args[j])
            if p is not None:
                args[i:j + 1] = [p] + args[i + 1:j]
                changed = True
                break
    return args


def _mul(e: E.Mul) -> E.Expr:
    out = E.mul(*_identities(list(e.args)))
    # (A + B) D_n = A D_n + B D_n when that lets an identity fire (K_{n,n} D_n = D_n)
    if isinstance(out, E.Mul):
        scal = [f for f in out.args if f.is_scalar]
        chain = [f for f in out.args if not f.is_scalar]
        for k in range(len(chain) - 1):
            a, b = chain[k], chain[k + 1]
            if isinstance(a, E.Add) and (_is_dup(b) or isinstance(b, E.Elim)):
                terms = [E.mul(t, b) for t in a.args]
                fired = [E.mul(*_identities(list(t.args))) if isinstance(t, E.Mul) else t
                         for t in terms]
                if fired != terms:
                    spread = E.mul(*scal, *chain[:k], E.add(*fired), *chain[k + 2:])
                    if len(to_text(spread)) < len(to_text(out)):
                        return spread
    return out


def structured_simplify(e: E.Expr) -> E.Expr:
    """Apply the identities of D_n and L_n bottom up: K_{n,n} D_n = D_n, D_nᵀ K_{n,n} =
    D_nᵀ, L_n D_n = I, L_n L_nᵀ = I, D_n⁺ D_n = I with D_n⁺ = (D_nᵀD_n)⁻¹D_nᵀ, and D_n⁺ vec A =
    vech((A + Aᵀ)/2)."""
    if not e.children:
        return e
    e = E.rebuild(e, tuple(structured_simplify(c) for c in e.children))
    return _mul(e) if isinstance(e, E.Mul) else e


def tidy(e: E.Expr) -> E.Expr:
    """The simplifier, then the identities of D_n and L_n, then the simplifier again."""
    return simplify(structured_simplify(simplify(e)))
