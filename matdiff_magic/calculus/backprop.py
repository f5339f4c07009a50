"""The gradient through the cell's definitions, backwards: the chain rule as backpropagation.

For ``H = X W`` and ``f = sum(sigmoid(H))``, substituting H gives the gradient in W alone;
a lecturer writes it in the definitions' names instead: dH = X dW, ∂f/∂H = σ(H) ∘ (1 − σ(H)),
and df = tr((∂f/∂H)ᵀ dH) = tr((Xᵀ ∂f/∂H)ᵀ dW), so ∂f/∂W = Xᵀ(σ(H) ∘ (1 − σ(H))).
``backprop`` computes these adjoints, last definition first, with the same differential and
trace-method rules as the main derivation, each definition's name kept as a symbol.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..algebra import expr as E
from ..algebra.simplify import simplify
from .differential import differential, expand
from .vectorize import gradient_term


@dataclass(frozen=True)
class Backprop:
    """The differentials of the definitions and the adjoints, in the definitions' names."""
    differentials: list[tuple[str, E.Expr]]    # name -> dH (in d of the variable and of
    adjoints: list[tuple[str, E.Expr]]         # earlier definitions); name -> ∂f/∂name
    gradient: E.Expr                           # ∂f/∂x in the definitions' names


def _gradient_of(e: E.Expr, v: E.Sym, w: E.Expr) -> E.Expr | None:
    """G with tr(wᵀ de) = tr(Gᵀ dv): the adjoint of e's differential in v, applied to w."""
    de, _ = differential(e, v)
    if E.is_zero(de):
        return None
    rules: list[str] = []
    terms = expand(simplify(expand(de), collect=False))
    parts = [gradient_term(t, w, rules) for t in (terms.args if isinstance(terms, E.Add)
                                                   else (terms,))]
    return E.add(*parts)


def backprop(written: list[tuple[str, E.Expr]], target: E.Expr, x: E.Sym) -> Backprop | None:
    """Reverse-mode through the definitions ``written`` (name, expression with earlier names
    as symbols) to the scalar ``target`` (in the definitions' names). None when no definition
    depends on x (nothing to show)."""
    syms = {name: E.Sym(e.shape, name, frozenset()) for name, e in written}
    differentials = []
    for name, e in written:
        de_parts = [differential(e, v)[0] for v in [x, *syms.values()]
                    if v.name != name and E.contains(e, lambda t, v=v: t == v)]
        de = E.add(*[p for p in de_parts if not E.is_zero(p)]) if de_parts else E.zero(e.shape)
        if not E.is_zero(de):
            differentials.append((name, simplify(de, collect=False)))
    if not any(E.contains(e, lambda t: t == x) for _, e in written):
        return None
    adj: dict[str, E.Expr] = {}

    def accumulate(expr: E.Expr, w: E.Expr) -> None:
        for v in [x, *syms.values()]:
            if E.contains(expr, lambda t, v=v: t == v):
                g = _gradient_of(expr, v, w)
                if g is not None:
                    adj[v.name] = E.add(adj[v.name], g) if v.name in adj else g

    accumulate(target, E.num(1))
    for name, e in reversed(written):
        if name in adj:
            adj[name] = simplify(adj[name])
            accumulate(e, adj[name])
    if x.name not in adj:
        return None
    fold = {e: syms[name] for name, e in written}   # tanh(W X) -> H where H = tanh(W X)
    adjoints = [(name, _fold(adj[name], fold)) for name, _ in reversed(written) if name in adj]
    differentials = [(name, _fold(de, fold)) for name, de in differentials]
    return Backprop(differentials, adjoints, _fold(simplify(adj[x.name]), fold))


def _fold(e: E.Expr, table: dict[E.Expr, E.Sym]) -> E.Expr:
    """e with every subexpression that is a definition's right-hand side named by it."""
    if e in table:
        return table[e]
    if not e.children:
        return e
    return E.rebuild(e, tuple(_fold(c, table) for c in e.children))


def substitute_definitions(e: E.Expr, written: list[tuple[str, E.Expr]]) -> E.Expr:
    """e with every definition's name replaced by its expression (earlier ones first)."""
    table: dict[str, E.Expr] = {}
    for name, d in written:
        table[name] = _subst(d, table)
    return _subst(e, table)


def _subst(e: E.Expr, table: dict[str, E.Expr]) -> E.Expr:
    if isinstance(e, E.Sym) and e.name in table:
        return table[e.name]
    if not e.children:
        return e
    return E.rebuild(e, tuple(_subst(c, table) for c in e.children))
