"""The terms of the entry-wise form of a derivative: each factor of the result read as a
four-index array, products summed over their inner index pairs (render/index.py prints the
terms and evaluates them).

A Jacobian J = ∂vec F/∂(vec X)ᵀ (F p×q, X m×n, column-major vec) has the entry
J[i + p·j, k + m·l] = ∂F_ij/∂X_kl. Each factor of the result the engine produces is read as
a four-index array over such index pairs:

- A ⊗ B (B of size b_r×b_c): (A ⊗ B)[(i, j), (k, l)] = A_jl B_ik;
- I_N, with the split of its neighbours: δ_ik δ_jl;
- the commutation matrix K_{r,c} (K vec A = vec Aᵀ): K[(i, j), (k, l)] = δ_il δ_jk;
- diag(vec A): A_ij δ_ik δ_jl; vec A: A_ij; (vec B)ᵀ: B_kl;
- the Khatri–Rao product (column-wise Kronecker) A ⊙ B: (A ⊙ B)[(i, j), c] = B_ic A_jc, so
  the Jacobian khatrirao(V, V)ᵀ of eig(S) gives ∂λ_c/∂S_kl = V_kc V_lc;
- a product of these sums over the inner index pair; a sum or a scalar multiple is a sum
  or a multiple of the entry-wise forms; deltas on a summed index are carried out.

For a gradient G (shaped like X), ∂f/∂X_kl = G_kl, term by term. A form that cannot be
written entry-wise (a Kronecker product whose factors do not follow the sizes of F and X,
...) raises MatdiffError saying so: never a wrong formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .. import ops
from ..algebra import expr as E
from ..errors import MatdiffError
from .text import to_unicode

Split = tuple  # (Dim, Dim): the two sizes of an index pair, vec order (rows first)


@dataclass(frozen=True)
class Entry:
    """The entry (a, b) of a matrix expression; an index is None on a size-1 side."""
    expr: E.Expr
    a: str | None
    b: str | None


@dataclass(frozen=True)
class Delta:
    """The Kronecker delta δ_ab."""
    a: str
    b: str


@dataclass(frozen=True)
class Scalar:
    """A scalar (1×1) factor such as tr(X)."""
    expr: E.Expr


@dataclass
class Term:
    """coef · Σ_{sums} Π factors."""
    coef: Fraction
    factors: list
    sums: list[str] = field(default_factory=list)


def fail(why: str) -> MatdiffError:
    """The error for a result that has no entry-wise form, saying why."""
    return MatdiffError(f"the entry-wise form is not available for this result: {why}")


def _same(a, b) -> bool:
    return a == b or E.same(a, b)


def _same_split(a: Split, b: Split) -> bool:
    """The same index pair; (n, 1) and (1, n) are one index either way."""
    if _same(a[0], b[0]) and _same(a[1], b[1]):
        return True
    ka = a[1] if a[0].is_one else a[0] if a[1].is_one else None
    kb = b[1] if b[0].is_one else b[0] if b[1].is_one else None
    return ka is not None and kb is not None and _same(ka, kb)


def _fit(pair: tuple, split) -> tuple:
    """An index pair with a size-1 side, placed the way a factor's own split has it."""
    if split is None or split == FLAT:
        return pair
    a, b = pair
    if split[0].is_one and a is not None and b is None:
        return (None, a)
    if split[1].is_one and b is not None and a is None:
        return (b, None)
    return pair


class Names:
    """Fresh names _1, _2, ... for the index pairs a product sums over, and the letters the
    printed indices must not take: the cell's own names and sizes (an index r next to a size
    r would read as that size)."""

    def __init__(self, avoid: frozenset[str] = frozenset()) -> None:
        self.n = 0
        self.avoid = avoid
        self.chosen: list[str] = []

    def fresh(self) -> str:
        self.n += 1
        return f"_{self.n}"

    def pair(self, preferred: tuple[str, str]) -> tuple[str, str]:
        """The two free indices of a row or column pair: ``preferred`` ((i, j) or (k, l))
        unless the cell uses one of its letters or an earlier pair took it, else the first
        pair of _FREE_PAIRS that is free, else single free letters."""
        def ok(x: str) -> bool:
            return x not in self.avoid and x not in self.chosen
        for a, b in (preferred, *_FREE_PAIRS):
            if ok(a) and ok(b):
                self.chosen += [a, b]
                return a, b
        single = [x for x in "ijklabcdeghopuvwxyz" if ok(x)][:2]
        if len(single) < 2:
            raise fail("too many of the index letters are the cell's own names")
        self.chosen += single
        return single[0], single[1]


def index_name(name: str, dim) -> str | None:
    """The index ``name`` over a side of size ``dim``; None on a side of size 1."""
    return None if dim.is_one else name


def _subst(term: Term, old: str, new: str | None) -> Term:
    def s(x):
        return new if x == old else x
    out = []
    for f in term.factors:
        if isinstance(f, Entry):
            out.append(Entry(f.expr, s(f.a), s(f.b)))
        elif isinstance(f, Delta):
            out.append(Delta(s(f.a), s(f.b)))
        else:
            out.append(f)
    return Term(term.coef, out, [x for x in term.sums if x != old])


def _reduce(term: Term) -> Term:
    """Carry out deltas on summed indices; drop δ_aa."""
    changed = True
    while changed:
        changed = False
        for f in term.factors:
            if not isinstance(f, Delta):
                continue
            if f.a == f.b:
                term = Term(term.coef, [g for g in term.factors if g is not f], term.sums)
                changed = True
                break
            for keep, gone in ((f.a, f.b), (f.b, f.a)):
                if gone in term.sums:
                    rest = Term(term.coef, [g for g in term.factors if g is not f], term.sums)
                    term = _subst(rest, gone, keep)
                    changed = True
                    break
            if changed:
                break
    return term


def _pair(names: Names, split: Split) -> tuple:
    return (index_name(names.fresh(), split[0]), index_name(names.fresh(), split[1]))


def _delta(a, b) -> list:
    if a is None and b is None:
        return []
    if a is None or b is None:
        raise fail("an identity between index pairs of different sizes")
    return [Delta(a, b)]


def _entry(e: E.Expr, a, b):
    """The entry (a, b) of e: (Mᵀ)_ab = M_ba; an identity's entries are a delta."""
    if isinstance(e, E.Transpose):
        return _entry(e.arg, b, a)
    if isinstance(e, E.Identity):
        return Delta(a, b) if a is not None and b is not None else None
    return Entry(e, a, b)


def _splits(e: E.Expr) -> tuple[Split | None, Split | None]:
    """The intrinsic (row split, column split) of a factor, None where it takes its
    neighbour's (an identity)."""
    if isinstance(e, E.Identity):
        return None, None
    if isinstance(e, E.Kron):
        if len(e.args) != 2:
            raise fail("a Kronecker product of more than two factors")
        a, b = e.args
        return (b.shape[0], a.shape[0]), (b.shape[1], a.shape[1])
    if isinstance(e, E.Comm):
        return (e.c, e.r), (e.r, e.c)
    if _khatrirao(e):   # (A ⊙ B)[(i, j), c] = B_ic A_jc
        a, b = e.children
        return (b.shape[0], a.shape[0]), (a.shape[1], E.ONE)
    if isinstance(e, E.Transpose) and _khatrirao(e.arg):
        a, b = e.arg.children
        return (a.shape[1], E.ONE), (b.shape[0], a.shape[0])
    if isinstance(e, E.Call) and ops.get(e.name).no_entries:
        raise fail(f"{to_unicode(e)}: {ops.get(e.name).no_entries}")
    if isinstance(e, E.Call) and e.name == "diag" and isinstance(e.arg, E.Call) \
            and e.arg.name == "vec":
        s = e.arg.arg.shape
        return (s[0], s[1]), (s[0], s[1])
    if isinstance(e, E.Call) and e.name == "vec" and not e.arg.shape[1].is_one:
        return (e.arg.shape[0], e.arg.shape[1]), (E.ONE, E.ONE)
    if isinstance(e, E.Transpose) and isinstance(e.arg, E.Call) and e.arg.name == "vec":
        return (E.ONE, E.ONE), (e.arg.arg.shape[0], e.arg.arg.shape[1])
    if isinstance(e, E.Transpose):
        inner = e.arg
        if isinstance(inner, E.Kron):
            return _splits(E.Kron(e.shape, tuple(E.transpose(a) for a in inner.args)))
        if isinstance(inner, E.Comm):
            return _splits(E.Comm(e.shape, inner.c, inner.r))
        if isinstance(inner, E.Identity) or (isinstance(inner, E.Call)
                                             and inner.name == "diag"):
            return _splits(inner)
    if _special(e):
        raise fail(f"the factor {to_unicode(e)}")
    return FLAT, FLAT   # a plain matrix: it indexes pairs with a size-1 side


FLAT = "flat"


def _khatrirao(e: E.Expr) -> bool:
    return isinstance(e, E.Call) and e.name == "khatrirao"


def _single(a, b):
    """The one index of a pair with a size-1 side."""
    return a if b is None else b


def _special(e: E.Expr) -> bool:
    """A factor built of Kronecker structure that is not handled entry-wise."""
    return isinstance(e, (E.Kron, E.Comm, E.Dup, E.Elim)) or (
        isinstance(e, E.Transpose) and _special(e.arg))


def _factor(e: E.Expr, rows: tuple, cols: tuple) -> list:
    """The factors of one matrix factor at the given row and column index pairs."""
    i, j = rows
    k, l = cols
    if isinstance(e, E.Identity):
        return _delta(i, k) + _delta(j, l)
    if isinstance(e, E.Kron):
        a, b = e.args
        return [_entry(b, i, k), _entry(a, j, l)]
    if isinstance(e, E.Comm):
        return _delta(i, l) + _delta(j, k)
    if _khatrirao(e):                # (A ⊙ B)[(i, j), c] = B_ic A_jc
        a, b = e.children
        c = _single(k, l)
        return [_entry(b, i, c), _entry(a, j, c)]
    if isinstance(e, E.Transpose) and _khatrirao(e.arg):
        a, b = e.arg.children
        c = _single(i, j)
        return [_entry(b, k, c), _entry(a, l, c)]
    if isinstance(e, E.Call) and e.name == "diag" and isinstance(e.arg, E.Call) \
            and e.arg.name == "vec":
        return [_entry(e.arg.arg, i, j)] + _delta(i, k) + _delta(j, l)
    if isinstance(e, E.Call) and e.name == "vec" and not e.arg.shape[1].is_one:
        return [_entry(e.arg, i, j)]
    if isinstance(e, E.Transpose) and isinstance(e.arg, E.Call) and e.arg.name == "vec":
        return [_entry(e.arg.arg, k, l)]
    if isinstance(e, E.Transpose):
        inner = e.arg
        if isinstance(inner, E.Kron):
            return _factor(E.Kron(e.shape, tuple(E.transpose(a) for a in inner.args)),
                           rows, cols)
        if isinstance(inner, E.Comm):
            return _factor(E.Comm(e.shape, inner.c, inner.r), rows, cols)
        if isinstance(inner, E.Identity) or (isinstance(inner, E.Call)
                                             and inner.name == "diag"
                                             and isinstance(inner.arg, E.Call)
                                             and inner.arg.name == "vec"):
            return _factor(inner, rows, cols)
    a = i if j is None else (j if i is None else None)
    b = k if l is None else (l if k is None else None)
    if (i is not None and j is not None) or (k is not None and l is not None):
        raise fail(f"the matrix {to_unicode(e)} between index pairs with no size-1 side")
    return _entries(e, a, b)


def _entries(e: E.Expr, a, b) -> list:
    """The factors of a plain matrix's entry (a, b): diag(v)_ab = v_a δ_ab."""
    if isinstance(e, E.Call) and e.name == "diag" and e.arg.shape[1].is_one \
            and not e.arg.shape[0].is_one and a is not None and b is not None \
            and not (isinstance(e.arg, E.Call) and e.arg.name == "vec"):
        return [_entry(e.arg, a, None), Delta(a, b)]
    got = _entry(e, a, b)
    return [] if got is None else [got]


def _chain(e: E.Expr, rsplit: Split, csplit: Split, rows: tuple, cols: tuple,
           names: Names) -> Term:
    """One term of the result (a scalar multiple of a product) at the given indices."""
    coef, rest = E.split_coef(e)
    parts = list(rest.args) if isinstance(rest, E.Mul) else [rest]
    scalars = [p for p in parts if p.is_scalar and not _is_vec_like(p)]
    chain = [p for p in parts if not (p.is_scalar and not _is_vec_like(p))]
    factors: list = [Scalar(s) for s in scalars if not (isinstance(s, E.Num))]
    if not chain:
        raise fail("a scalar result where a matrix was expected")
    splits = [list(_splits(p)) for p in chain]
    # the boundaries: 0 is the rows of the first factor, len(chain) the columns of the last
    bounds: list[Split | None] = [None] * (len(chain) + 1)
    bounds[0], bounds[-1] = rsplit, csplit
    for t, (r, c) in enumerate(splits):
        for pos, s in ((t, r), (t + 1, c)):
            if s is None or s == FLAT:
                continue
            if bounds[pos] is not None and not _same_split(bounds[pos], s):
                raise fail(f"the factor {to_unicode(chain[t])} does not follow the sizes "
                            "of the index pairs around it")
            bounds[pos] = s
    for _ in range(len(chain)):           # identities take the split of a neighbour
        for t, p in enumerate(chain):
            if splits[t][0] is None:
                if bounds[t] is None and bounds[t + 1] is not None:
                    bounds[t] = bounds[t + 1]
                elif bounds[t + 1] is None and bounds[t] is not None:
                    bounds[t + 1] = bounds[t]
            elif splits[t][0] == FLAT:     # a plain matrix: the size-1 side is the other
                for pos, dim in ((t, p.shape[0]), (t + 1, p.shape[1])):
                    if bounds[pos] is None:
                        bounds[pos] = (dim, E.ONE)
    if any(b is None for b in bounds):
        raise fail("an identity whose index pairs cannot be told")
    pairs = [rows] + [_pair(names, b) for b in bounds[1:-1]] + [cols]
    sums = [x for p in pairs[1:-1] for x in p if x is not None]
    for t, p in enumerate(chain):
        r, c = splits[t]
        rows_t, cols_t = _fit(pairs[t], r), _fit(pairs[t + 1], c)
        factors += [f for f in _factor(p, rows_t, cols_t) if f is not None]
    return _reduce(Term(Fraction(coef), factors, sums))


MAX_TERMS = 64


def _distribute(e: E.Expr) -> list[E.Expr]:
    """A term whose product has sums among its factors, multiplied out."""
    coef, rest = E.split_coef(e)
    parts = list(rest.args) if isinstance(rest, E.Mul) else [rest]
    if not any(isinstance(p, E.Add) for p in parts):
        return [e]   # nothing to multiply out
    out: list[list[E.Expr]] = [[]]
    for p in parts:
        options = list(p.args) if isinstance(p, E.Add) else [p]
        out = [done + [o] for done in out for o in options]
        if len(out) > MAX_TERMS:
            raise fail(f"more than {MAX_TERMS} terms once multiplied out")
    return [E.scale(coef, E.mul(*ps)) if len(ps) > 1 else E.scale(coef, ps[0])
            for ps in out]


def _is_vec_like(e: E.Expr) -> bool:
    return (isinstance(e, E.Call) and e.name == "vec") or (
        isinstance(e, E.Transpose) and isinstance(e.arg, E.Call) and e.arg.name == "vec")


_SUM_NAMES = "rstuvwabcdefghopxyz"
_FREE_PAIRS = (("i", "j"), ("k", "l"), ("a", "b"), ("u", "v"), ("g", "h"), ("o", "p"))


def _tidy(term: Term, taken: set[str]) -> Term:
    """Summed indices renamed r, s, t, ... in order of appearance, skipping the letters in
    ``taken`` (the free indices, the cell's names and sizes)."""
    seen: list[str] = []
    for f in term.factors:
        for x in ((f.a, f.b) if isinstance(f, (Entry, Delta)) else ()):
            if x in term.sums and x not in seen:
                seen.append(x)
    seen += [x for x in term.sums if x not in seen]
    pool = [n for n in _SUM_NAMES if n not in taken]
    if len(seen) > len(pool):
        raise fail("too many summed indices")
    ren = dict(zip(seen, pool))

    def r(x):
        return ren.get(x, x)
    factors = [Entry(f.expr, r(f.a), r(f.b)) if isinstance(f, Entry) else
               Delta(r(f.a), r(f.b)) if isinstance(f, Delta) else f for f in term.factors]
    return Term(term.coef, factors, [ren[x] for x in seen])


def gradient_terms(g: E.Expr, m, n, k: str | None, l: str | None, names: Names) -> list[Term]:
    """The terms of ∂f/∂X_kl = G_kl for a gradient G (m×n), each product written out where
    it can be (Σ over its inner index), else as the entry of a matrix."""
    terms = []
    for t in (g.args if isinstance(g, E.Add) else (g,)):
        coef, rest = E.split_coef(t)
        if E.is_zero(rest):
            continue
        try:   # a product written out: (Xᵀ M)_kl = Σ_r X_rk M_rl
            terms.append(_tidy(_chain(t, (m, E.ONE), (n, E.ONE), (k, None), (l, None),
                                      names), {x for x in (k, l) if x is not None}
                               | names.avoid))
            continue
        except MatdiffError:
            pass
        parts = list(rest.args) if isinstance(rest, E.Mul) else [rest]
        scalars = [Scalar(p) for p in parts if p.is_scalar]
        mats = [p for p in parts if not p.is_scalar]
        if not mats:
            terms.append(Term(Fraction(coef), scalars))
            continue
        m_ = mats[0] if len(mats) == 1 else E.mul(*mats)
        terms.append(Term(Fraction(coef), scalars + [_entry(m_, k, l)]))
    return terms


def four_index_terms(M: E.Expr, sizes: tuple, idx: tuple, names: Names) -> list[Term]:
    """The terms of the entries M[(i, j), (k, l)] of a Jacobian or a Hessian M, its rows
    split (p, q) and its columns (m, n) as ``sizes`` gives them; summed indices r, s, ..."""
    p, q, m, n = sizes
    i, j, k, l = idx
    terms = []
    for t0 in (M.args if isinstance(M, E.Add) else (M,)):
        for t in _distribute(t0):
            if not E.is_zero(t):
                terms.append(_chain(t, (p, q), (m, n), (i, j), (k, l), names))
    taken = {z for z in idx if z is not None} | names.avoid
    return [_tidy(t, taken) for t in terms]
