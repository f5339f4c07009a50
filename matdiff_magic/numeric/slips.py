"""The slips a wrong claim is searched for (SPEC §8), each a small change to the answer or to
the claim that makes the two equal at the random points:

* ``scaled``: the claim is a constant multiple of the answer;
* ``sign``: one term of the answer has its sign flipped;
* ``swapped-kronecker``: a Kronecker product of the claim has its factors the other way round;
* ``missing-factor``: the answer with one factor of a product left out (the chain rule's
  derivative of an inner function, forgotten); also explains a claim of another shape;
* ``missing-term`` / ``extra-term``: the answer minus one of its terms, or plus one;
* ``needs-symmetry``: equal only if some symbols were symmetric.

Each search returns ``(diagnosis, message, details)`` or None; ``find_slip`` tries them in
this order.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from itertools import combinations

import numpy as np

from ..algebra import expr as E
from ..algebra.simplify import simplify
from ..errors import MatdiffError
from ..render import to_unicode
from .claim_points import Points, close, multiple, number_text, ratio, terms

MAX_SUBSETS = 64     # subsets of symbols tried for needs-symmetry
MAX_FACTORS = 200    # products' factors tried for missing-factor
MAX_SWAPS = 32       # Kronecker products tried for swapped-kronecker


def find_slip(d, pts: Points, C, ref, ref_expr: E.Expr, claim_terms, claim: E.Expr,
              floor: list[float]):
    """The first of scaled, sign, swapped-kronecker, missing-factor, missing-term,
    extra-term, needs-symmetry that explains C = ref (ref_expr's values)."""
    f = multiple(C, ref, floor)
    if f is not None:
        what = "the sign is wrong" if f == -1 else f"it is off by a factor {number_text(f)}"
        return ("scaled", f"The claim is {number_text(f)} times the answer: {what}.",
                {"factor": f})
    answer_terms = term_values(pts, terms(ref_expr), floor)
    for search in (_sign, _swapped_kronecker, missing_factor):
        found = search(pts, C, ref, ref_expr, claim, answer_terms, floor)
        if found is not None:
            return found
    for t, T in answer_terms:
        if close(C, [r - v for r, v in zip(ref, T)], ref, T, floor=floor):
            return ("missing-term", f"A term is missing: {to_unicode(t)}.",
                    {"term": str(t)})
    for t, T in term_values(pts, claim_terms, floor):
        if close([c - v for c, v in zip(C, T)], ref, C, T, floor=floor):
            return ("extra-term", f"The claim has a term too many: {to_unicode(t)}.",
                    {"term": str(t)})
    return _needs_symmetry(d, pts, ref_expr, claim, floor)


def _sign(pts, C, ref, ref_expr, claim, answer_terms, floor):
    """The answer with one of its terms subtracted instead of added (a single-term answer
    negated is ``scaled`` by −1, found first)."""
    if len(answer_terms) < 2:
        return None
    for t, T in answer_terms:
        if close(C, [r - 2 * v for r, v in zip(ref, T)], ref, T, floor=floor):
            return ("sign", f"One term has the wrong sign: the answer has {to_unicode(t)}, "
                    f"the claim its negative.", {"term": str(t)})
    return None


def _swapped_kronecker(pts, C, ref, ref_expr, claim, answer_terms, floor):
    """The claim with one Kronecker product (or all of them) written the other way round
    equals the answer: A ⊗ B for B ⊗ A, the commonest slip of vec(AXB) = (Bᵀ ⊗ A) vec X."""
    krons = [e for e in _nodes(claim) if isinstance(e, E.Kron)][:MAX_SWAPS]
    if not krons:
        return None
    swaps = {k: _swapped(k) for k in dict.fromkeys(krons)}
    tries = [(k, {k: s}) for k, s in swaps.items()]
    if len(swaps) > 1:
        tries.append((None, swaps))
    for kron, table in tries:
        try:
            V = pts.values(_replace(claim, table))
        except (MatdiffError, E.ShapeError):
            continue
        if V is not None and close(V, ref, floor=floor):
            if kron is None:
                pairs = "; ".join(f"{to_unicode(k)} should be {to_unicode(s)}"
                                  for k, s in table.items())
                return ("swapped-kronecker", f"Every Kronecker product has its factors the "
                        f"wrong way round: {pairs}.", {"term": str(next(iter(table)))})
            return ("swapped-kronecker", f"The factors of {to_unicode(kron)} are the wrong "
                    f"way round: the answer has {to_unicode(table[kron])}.",
                    {"term": str(kron)})
    return None


def _swapped(k: E.Expr) -> E.Expr:
    return E.kron(*reversed(k.args))


def missing_factor(pts, C, ref, ref_expr, claim, answer_terms, floor):
    """The answer with one factor of a matrix or Hadamard product left out (a number is
    ``scaled``): the chain rule's factor for an inner function, forgotten."""
    for factor, where, rest in factors_left_out(ref_expr, claim.shape):
        V = pts.values(rest)
        if V is not None and close(C, V, ref, floor=floor) and not close(C, ref, floor=floor):
            return ("missing-factor", f"A factor is missing: {to_unicode(factor)}, {where}; "
                    f"with it, the claim is the answer (the chain rule multiplies by the "
                    f"derivative of each inner function).", {"term": str(factor)})
    return None


def factors_left_out(e: E.Expr, shape: tuple | None = None
                     ) -> Iterator[tuple[E.Expr, str, E.Expr]]:
    """(factor, where it stands, e without it) for each factor of each product in e whose
    removal leaves a well-formed expression (of ``shape`` when given)."""
    count = 0
    for path, node in _paths(e):
        if not isinstance(node, (E.Mul, E.Hadamard)):
            continue
        args = node.args
        for i, a in enumerate(args):
            if isinstance(a, E.Num) or _identity_plus(node, a):
                continue
            count += 1
            if count > MAX_FACTORS:
                return
            rest = args[:i] + args[i + 1:]
            try:
                new = rest[0] if len(rest) == 1 else E.rebuild(node, rest)
                out = _at(e, path, new)
            except (MatdiffError, E.ShapeError):
                continue
            if shape is not None and tuple(out.shape) != tuple(shape):
                continue
            yield a, _where(node, i), out


def _identity_plus(node: E.Expr, a: E.Expr) -> bool:
    """A factor I + M of a matrix product, such as K + I of d(XᵀX): two terms of the product
    rule, so that leaving it out is leaving out a term (``missing-term`` says which)."""
    return isinstance(node, E.Mul) and isinstance(a, E.Add) and \
        any(isinstance(t, E.Identity) for t in a.args)


def _where(node: E.Expr, i: int) -> str:
    if isinstance(node, E.Hadamard):
        return "an element-wise (∘) factor"
    a = node.args[i]
    if a.is_scalar:
        return "a scalar factor"
    ends = [j for j, b in enumerate(node.args) if not b.is_scalar]
    if i == ends[0]:
        return "a factor on the left"
    if i == ends[-1]:
        return "a factor on the right"
    return "a factor in the middle of a product"


def _paths(e: E.Expr, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], E.Expr]]:
    yield path, e
    for k, ch in enumerate(e.children):
        yield from _paths(ch, path + (k,))


def _at(e: E.Expr, path: tuple[int, ...], new: E.Expr) -> E.Expr:
    """e with the node at ``path`` replaced by ``new``, rebuilt through the constructors."""
    if not path:
        return new
    kids = list(e.children)
    kids[path[0]] = _at(kids[path[0]], path[1:], new)
    return E.rebuild(e, tuple(kids))


def _replace(e: E.Expr, table: dict) -> E.Expr:
    if e in table:
        return table[e]
    if not e.children:
        return e
    kids = tuple(_replace(c, table) for c in e.children)
    return e if kids == e.children else E.rebuild(e, kids)


def _nodes(e: E.Expr) -> Iterator[E.Expr]:
    yield e
    for ch in e.children:
        yield from _nodes(ch)


def _needs_symmetry(d, pts, ref_expr, claim, floor):
    names = _candidates(d, claim)
    tried = 0
    for k in range(1, len(names) + 1):
        for subset in combinations(names, k):
            tried += 1
            if tried > MAX_SUBSETS:
                return None
            R = pts.values(ref_expr, subset)
            Cs = pts.values(claim, subset)
            if R is not None and Cs is not None and close(Cs, R, floor=floor):
                which = ", ".join(subset)
                return ("needs-symmetry", f"The claim would be right only if {which} were "
                        f"symmetric, and the cell does not declare {'them' if k > 1 else 'it'} "
                        "so.", {"symbols": subset})
    return None


def term_values(pts: Points, ts: list[E.Expr],
                floor: list[float]) -> list[tuple[E.Expr, list[np.ndarray]]]:
    """Each term with its values, then each group of terms that are multiples of one another
    (x' ⊗ x and x xᵀ are one term 2 x xᵀ to a reader), written as a multiple of its shortest
    member."""
    vals = [(simplify(t), pts.values(t)) for t in ts]
    vals = [(t, v) for t, v in vals if v is not None]
    out = list(vals)
    seen: set[int] = set()
    for i, (ti, vi) in enumerate(vals):
        if i in seen:
            continue
        group = [(ti, vi, 1.0)]
        for j in range(i + 1, len(vals)):
            tj, vj = vals[j]
            c = ratio(vj, vi, floor)
            if c is not None:
                group.append((tj, vj, c))
                seen.add(j)
        if len(group) < 2:
            continue
        total = [sum(v[k] for _, v, _ in group) for k in range(len(vi))]
        rep, _, c_rep = min(group, key=lambda g: len(str(g[0])))
        coef = Fraction(sum(c for _, _, c in group) / c_rep).limit_denominator(1000)
        expr = E.scale(coef, rep) if close([float(coef) * r for r in pts.values(rep)],
                                           total, floor=floor) else \
            E.add(*(g[0] for g in group))
        out.append((expr, total))
    return out


def _candidates(d, claim: E.Expr) -> list[str]:
    """Square symbols, not declared symmetric, that appear in the target or the claim."""
    used: list[str] = []

    def walk(e: E.Expr) -> None:
        if isinstance(e, E.Sym) and e.name not in used:
            used.append(e.name)
        for ch in e.children:
            walk(ch)
    walk(d.target)
    walk(claim)
    out = []
    for name in d.cell.symbols:
        s = d.cell.symbols[name]
        if name in used and s.shape[0] == s.shape[1] and not s.shape[0].is_one and \
                not s.props & {"symmetric", "spd", "diagonal", "orthogonal"}:
            out.append(name)
    return out
