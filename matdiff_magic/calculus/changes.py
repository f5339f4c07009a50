"""What a rewriting changed, in words, and the freezer that keeps the cell's own sums whole.

The steps show every expression cleaned (σ ⊘ σ = 1) but do not open the sums the cell wrote
((XW - Y)ᵀ is not opened into WᵀXᵀ - Yᵀ only to be collected again later); when a step
simplifies, its rule says what kind of rewriting happened.
"""

from __future__ import annotations

from ..algebra import expr as E


def terms(e: E.Expr) -> tuple[E.Expr, ...]:
    """The terms of a sum; any other expression is one term."""
    return e.args if isinstance(e, E.Add) else (e,)


def occurrences(e: E.Expr, x: E.Sym, memo: dict | None = None) -> int:
    """How many times x occurs in e as a tree, computed on the DAG."""
    memo = {} if memo is None else memo
    k = id(e)
    if k not in memo:
        memo[k] = 1 if e == x else sum(occurrences(c, x, memo) for c in e.children)
    return memo[k]


def freezer(df: E.Expr, f: E.Expr):
    """(freeze, thaw): freeze replaces each sum without a differential that the target
    itself contains (a residual such as XW - Y) by a placeholder symbol, so simplifying
    leaves it whole; thaw puts the sums back."""
    inside = set(nodes(f, E.Add))
    table: dict[E.Expr, E.Expr] = {}
    back: dict[E.Expr, E.Expr] = {}

    def place(e: E.Expr) -> E.Expr | None:
        if e in inside and not E.has_d(e) and not e.is_scalar:
            if e not in table:
                table[e] = E.Sym(e.shape, f"\0sum{len(table)}", frozenset())
                back[table[e]] = e
            return table[e]
        return None

    # the forms the steps freeze and thaw share most of their subtrees (and a placeholder,
    # once given to a sum, stays its own): each distinct subtree is rewritten once
    return _rewriter(place), _rewriter(back.get)


def _rewriter(replace):
    """e with every subtree s for which ``replace(s)`` is an expression replaced by it,
    the others rebuilt around them (results kept: each distinct subtree is looked at once)."""
    done: dict[E.Expr, E.Expr] = {}

    def rewrite(e: E.Expr) -> E.Expr:
        out = done.get(e)
        if out is None:
            out = replace(e)
            if out is None and not e.children:
                out = e
            elif out is None:
                args = tuple(rewrite(c) for c in e.children)
                out = e if args == e.children else E.rebuild(e, args)
            done[e] = out
        return out
    return rewrite


UNNAMED = [0]   # simplify steps whose change _what_changed could not name (for tests)


def unordered(e: E.Expr) -> str:
    """e written with the terms of sums and the factors of Hadamard products sorted: equal
    for two expressions that differ only in those orders."""
    if isinstance(e, (E.Add, E.Hadamard)):
        return type(e).__name__ + "{" + ",".join(sorted(unordered(c) for c in e.args)) + "}"
    if not e.children:
        return repr(e)
    params = [getattr(e, f) for f in e.__dataclass_fields__
              if f not in ("shape", "arg", "args", "rest")]
    return f"{type(e).__name__}{params}(" + ",".join(unordered(c) for c in e.children) + ")"


def what_changed(before: E.Expr, after: E.Expr) -> str:
    """In words, the kinds of rewriting that turned ``before`` into ``after``."""
    said = []
    (t_after, inv_after, kron_after, comm_after), (t_before, inv_before, kron_before,
                                                   comm_before) = \
        _kind_counts(after), _kind_counts(before)
    if t_after < t_before:
        said.append("transposes pushed to the leaves, (AB)ᵀ = BᵀAᵀ")
    if inv_after != inv_before:
        said.append("powers and inverses combined")
    if kron_after < kron_before and _adjacent(before, E.Kron, E.Kron):
        said.append("mixed-product rule, (A ⊗ B)(C ⊗ D) = AC ⊗ BD")
    if kron_before and comm_before and _adjacent(before, E.Kron, E.Comm) and not (
            kron_after and comm_after and _adjacent(after, E.Kron, E.Comm)):
        said.append("the commutation matrix moved across a Kronecker product, "
                    "(A ⊗ B) K = K (B ⊗ A)")
    if len(terms(after)) < len(terms(before)):
        said.append("a common factor taken out"
                    if _factored(after) else "like terms collected")
    elif len(terms(after)) > len(terms(before)):
        said.append("multiplied out into terms")
    if not said and E.notation_size(after) < E.notation_size(before):
        said.append("factors cancelled")
    return ", ".join(said)


_ADJACENT_KEYS: dict[tuple[type, type], str] = {}   # the node attribute of each pair of kinds


def _adjacent(e: E.Expr, a: type, b: type) -> bool:
    """Whether a matrix product in e has a factor of kind a next to one of kind b (in either
    order): what the mixed-product rule (Kron, Kron) or the commutation rule (Kron, Comm)
    needs before it can apply (cached on the node, per pair of kinds)."""
    key = _ADJACENT_KEYS.get((a, b))
    if key is None:
        key = _ADJACENT_KEYS[a, b] = "_adjacent_" + a.__name__ + b.__name__
    out = e.__dict__.get(key)
    if out is None:
        out = False
        if E.Kron in (a, b) and _kind_counts(e)[2] == 0:
            pass   # no Kronecker product below: the count, cached, says so at once
        elif isinstance(e, E.Mul):
            for x, y in zip(e.args, e.args[1:]):
                if (isinstance(x, a) and isinstance(y, b)) or \
                        (isinstance(x, b) and isinstance(y, a)):
                    out = True
                    break
            out = out or any(_adjacent(c, a, b) for c in e.children)
        else:
            out = any(_adjacent(c, a, b) for c in e.children)
        object.__setattr__(e, key, out)
    return out


def _factored(e: E.Expr) -> bool:
    """e is a product with a sum among its factors: terms were gathered under a factor."""
    c, rest = E.split_coef(e)
    return isinstance(rest, E.Mul) and any(isinstance(f, E.Add) for f in rest.args)


def _kind_counts(e: E.Expr) -> tuple[int, int, int, int]:
    """How many nodes of e, as a tree, are a transpose of more than a leaf, an inverse or
    power, a Kronecker product, a commutation matrix (cached on the node, like its hash: the
    forms compared share their subtrees)."""
    out = e.__dict__.get("_kind_counts")
    if out is None:
        t = int(isinstance(e, E.Transpose) and not isinstance(
            e.arg, (E.Sym, E.D, E.Identity, E.Ones, E.Comm)))
        inv = int(isinstance(e, (E.Inverse, E.Power, E.HadPow)))
        kron = int(isinstance(e, E.Kron))
        comm = int(isinstance(e, E.Comm))
        for c in e.children:
            ct, ci, ck, cc = _kind_counts(c)
            t, inv, kron, comm = t + ct, inv + ci, kron + ck, comm + cc
        out = (t, inv, kron, comm)
        object.__setattr__(e, "_kind_counts", out)
    return out


def nodes(e: E.Expr, kind: type, seen: dict | None = None) -> list[E.Expr]:
    """The distinct nodes of one kind in e, in the order they are written."""
    seen = {} if seen is None else seen
    if isinstance(e, kind):
        seen.setdefault(e)
    for c in e.children:
        nodes(c, kind, seen)
    return list(seen)
