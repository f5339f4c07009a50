"""Answers in named parts: ``Xᵀ(S - Y) where S = softmax(XW)``.

A printing pass over a result (SPEC §12), as papers and matrixcalculus.org's
common-subexpression view write answers: where the cell defines a name (``S = ...``) and its
expression occurs in the result, the name stands in for it; a part that repeats (a call such as
softmax(x), or any larger subexpression seen twice) gets a local name. Local names are never a
name of the cell (a symbol, a definition or a size), so a where-clause cannot be misread.

The result itself (``d.result``, which evaluate, check and codegen use) is not touched: the
named form is made when it is first shown, from the result and the cell's definitions.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from .. import ops
from ..algebra import expr as E
from ..algebra.canonical import tpush
from .latex import to_latex
from .text import to_text, to_unicode

MAX_PARTS = 4          # local names beyond the cell's own definitions
_RESERVED = {"I", "K", "D", "L", "T", "d", "e"}


@dataclass(frozen=True)
class NamedForm:
    """The result as ``body where name = part, ...``: ``parts`` in the order they are
    defined (each may use the names before it); ``given`` holds the cell's own names among
    them, the others are local names."""
    body: E.Expr
    parts: tuple[tuple[str, E.Expr], ...]
    given: frozenset[str]
    at_point: bool = False     # a Hessian at the point, with the variable's properties used

    def where(self, printer) -> str:
        return ", ".join(f"{n} = {printer(p)}" for n, p in self.parts)

    @property
    def text(self) -> str:
        """The cell language: ``X' (S - Y) where S = softmax(X W)``."""
        return f"{to_text(self.body)} where {self.where(to_text)}"

    @property
    def unicode(self) -> str:
        return f"{to_unicode(self.body)}  where " + ", ".join(
            f"{n} = {to_unicode(p)}{_said(p, to_unicode, ' ({} {})', ' ({})')}"
            for n, p in self.parts)

    @property
    def latex(self) -> str:
        return (f"{to_latex(self.body)} \\quad\\text{{where }} "
                + ",\\ ".join(f"{_latex_name(n)} = {to_latex(p)}"
                                f"{_said(p, to_latex, _TEX_SAID, _TEX_SAID_ALONE)}"
                                for n, p in self.parts))

    def substituted(self) -> E.Expr:
        """The body with every name replaced by its part: the result again (as a tree that
        may be folded differently; its value is the result's)."""
        e = self.body
        for name, part in reversed(self.parts):
            e = _replace_sym(e, name, part)
        return e

    def __str__(self) -> str:
        return self.unicode


_TEX_SAID = "\\ \\text{{({} }}{}\\text{{)}}"
_TEX_SAID_ALONE = "\\ \\text{{({})}}"


def _said(part: E.Expr, printer, form: str, alone: str) -> str:
    """What a part is, in words, where its entry says (the unit eigenvector of λ_max(S))."""
    if not isinstance(part, E.Call) or ops.get(part.name).says is None:
        return ""
    words, of = ops.get(part.name).says(part)
    return form.format(words, printer(of)) if of is not None else alone.format(words)


def _latex_name(name: str) -> str:
    return to_latex(E.Sym(E.SCALAR, name, frozenset()))


# --- walking a tree ----------------------------------------------------------------------------

def _subtrees(e: E.Expr, out: dict[E.Expr, int]) -> None:
    """How often each subtree of e occurs, every place counted."""
    out[e] = out.get(e, 0) + 1
    for c in e.children:
        _subtrees(c, out)


def _replace(e: E.Expr, target: E.Expr, sym: E.Expr) -> E.Expr:
    """e with every occurrence of target (and of its transpose) replaced by sym."""
    memo: dict[E.Expr, E.Expr] = {}
    flipped = tpush(target) if not target.is_scalar else None

    def go(x: E.Expr) -> E.Expr:
        if x == target:
            return sym
        if flipped is not None and x == flipped:
            return E.transpose(sym)
        if not x.children:
            return x
        hit = memo.get(x)
        if hit is None:
            kids = tuple(go(c) for c in x.children)
            hit = memo[x] = x if kids == x.children else E.rebuild(x, kids)
        return hit
    return go(e)


def _replace_sym(e: E.Expr, name: str, part: E.Expr) -> E.Expr:
    """e with the name put back as its part."""
    return _replace(e, E.Sym(part.shape, name, frozenset()), part)


def _contains(e: E.Expr, target: E.Expr) -> bool:
    return e == target or any(_contains(c, target) for c in e.children)


# --- which parts to name -------------------------------------------------------------------

def _worth_naming(e: E.Expr, count: int) -> bool:
    """A repeated part a reader is helped by a name for: a call of a matrix function (not a
    plain leaf), or a larger expression; never a number, a leaf with its marks (Aᵀ, A⁻¹) or
    a product of ones."""
    if count < 2 or e.is_scalar and isinstance(e, E.Num) or E._glyph(e):
        return False
    if isinstance(e, (E.Transpose, E.Inverse)):     # name the inner part instead
        return False
    if isinstance(e, E.Mul) and all(isinstance(f, (E.Ones, E.Transpose, E.Identity, E.Num))
                                    for f in e.args):
        return False
    if isinstance(e, E.Call) and e.name not in ("diag", "diagof", "vec", "tr", "sum"):
        return True
    return E.notation_size(e) >= 4


def _local_name(e: E.Expr, taken: set[str]) -> str:
    """A name for a part, as papers pick them: s = softmax(x), S = softmax(XW) (the function's
    initial, upper case for a matrix), otherwise u, v, w (a vector), A, B, C, ... (a matrix), a, b,
    c (a number); never a name of the cell."""
    matrix = not (E.is_one(e.shape[0]) or E.is_one(e.shape[1]))
    wanted: list[str] = []
    if isinstance(e, E.Call) and ops.get(e.name).letter:
        wanted.append(ops.get(e.name).letter)
    if isinstance(e, E.Call) and e.name[0].isalpha():
        wanted.append(e.name[0].upper() if matrix else e.name[0])
    if e.is_scalar:
        wanted += list("abcgh")
    elif matrix:
        wanted += list("ZABCGHMNPRUVW")
    else:
        wanted += list("uvwzgh")
    for w in wanted:
        if w not in taken and w not in _RESERVED:
            return w
    base = wanted[0]
    k = 1
    while f"{base}{k}" in taken:
        k += 1
    return f"{base}{k}"


def named_form(result: E.Expr, cell) -> NamedForm | None:
    """The result in named parts, or None when naming would not shorten it (no definition of
    the cell occurs in it and nothing worth a name repeats)."""
    taken = set(cell.symbols) | {n for n, _ in cell.definitions} | _sizes(cell)
    body = result
    given: list[tuple[str, E.Expr]] = []
    # the cell's definitions, the latest (the largest) first
    for name, value in reversed(cell.definitions):
        if value.children and _contains_either(body, value):
            sym = E.Sym(value.shape, name, frozenset())
            body = _replace(body, value, sym)
            given.append((name, value))
    local: list[tuple[str, E.Expr]] = []
    for _ in range(MAX_PARTS):
        counts: dict[E.Expr, int] = {}
        _subtrees(body, counts)
        best = max((t for t, k in counts.items() if _worth_naming(t, k)),
                   key=lambda t: ((counts[t] - 1) * E.notation_size(t), -E.size(t)),
                   default=None)
        if best is None:
            break
        name = _local_name(best, taken)
        taken.add(name)
        body = _replace(body, best, E.Sym(best.shape, name, frozenset()))
        local.append((name, best))
    if not given and not local:
        return None
    parts = _ordered(given, local, cell)
    if not given:
        size = E.notation_size(body) + sum(E.notation_size(p) for _, p in parts)
        if size >= E.notation_size(result):
            return None
    return NamedForm(body, parts, frozenset(n for n, _ in given))


def _contains_either(e: E.Expr, value: E.Expr) -> bool:
    return _contains(e, value) or (not value.is_scalar and _contains(e, tpush(value)))


def _ordered(given, local, cell) -> tuple[tuple[str, E.Expr], ...]:
    """The parts, each written with the names of the other parts it holds, in an order where
    every name is defined before it is used (the cell's definitions in the cell's order
    where nothing else decides)."""
    order = {n: i for i, (n, _) in enumerate(cell.definitions)}
    named = sorted(given, key=lambda p: order[p[0]]) + local
    by_size = sorted(named, key=lambda p: -E.size(p[1]))
    out: list[tuple[str, E.Expr]] = []
    for name, part in named:
        for other, value in by_size:
            if other != name and value != part:
                part = _replace(part, value, E.Sym(value.shape, other, frozenset()))
        out.append((name, part))
    return tuple(_dependency_order(out))


def _uses(e: E.Expr, name: str) -> bool:
    return isinstance(e, E.Sym) and e.name == name or any(_uses(c, name) for c in e.children)


def _dependency_order(parts: list[tuple[str, E.Expr]]) -> list[tuple[str, E.Expr]]:
    done: list[tuple[str, E.Expr]] = []
    pending = list(parts)
    while pending:
        for i, (name, part) in enumerate(pending):
            if not any(_uses(part, other) for other, _ in pending if other != name):
                done.append(pending.pop(i))
                break
        else:            # a cycle cannot arise (each part is a subtree); keep the order
            done.extend(pending)
            break
    return done


def _sizes(cell) -> set[str]:
    out: set[str] = set()
    for s in cell.symbols.values():
        for d in s.shape:
            out.update(name for name, _ in d.factors)
    return out


_LINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # per derivation


def named_lines(d) -> tuple[str, str] | None:
    """The result step's equation with the result in named parts, in Unicode and in LaTeX
    (``∂f/∂W = Xᵀ(S - Y)  where S = softmax(XW)``), or None when it has none (cached: the
    text, the static HTML and its result box all show it)."""
    try:
        return _LINES[d]
    except KeyError:
        out = _LINES[d] = _named_lines(d)
        return out


def _named_lines(d) -> tuple[str, str] | None:
    form = d.named()
    if form is None:
        return None
    last = getattr(d, "result_step", d.steps[-1])
    lhs, lhs_tex = last.text.split(" = ", 1)[0], last.latex.split(" = ", 1)[0]
    if form.at_point:
        return (f"{lhs} = {form.unicode}; at the point",
                f"{lhs_tex} = {form.latex} \\quad\\text{{at the point}}")
    return f"{lhs} = {form.unicode}", f"{lhs_tex} = {form.latex}"
