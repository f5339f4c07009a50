"""A claimed answer (SPEC §8) read as an expression over a cell's symbols and definitions:
the cell language or LaTeX, nothing new may appear, and sizes the claim leaves open (I, 0,
ones) are read off the answer's shape."""

from __future__ import annotations

from ..algebra import expr as E
from ..errors import MatdiffError
from .grammar import MAX_DEPTH
from .parse import Parser
from .tokens import Tok


class _ClaimParser(Parser):
    """The cell language over the cell's symbols and definitions; nothing new may appear."""

    sizes_fixed = True   # I_{mn} is m·n when m and n are the cell's sizes

    def __init__(self, text: str, cell, expected: tuple) -> None:
        super().__init__(text)
        self.cell = cell
        self.expected = expected
        self.symbols = dict(cell.symbols)
        self.declared = set(cell.symbols)
        self.env = {name: e for name, e in cell.definitions}

    def size_names(self) -> frozenset[str]:
        """The cell's sizes: its symbols', and those only its target writes (1_m)."""
        out = set(super().size_names())
        _dim_names(self.cell.target, out)
        return frozenset(out)

    def lookup(self, name: str, t: Tok, lineno: int) -> E.Expr:
        if name not in self.env and name not in self.symbols:
            known = ", ".join(list(self.cell.symbols) + [n for n, _ in self.cell.definitions])
            raise MatdiffError(f"the claim uses '{name}', which the cell does not have "
                               f"(its symbols: {known or 'none'})", lineno, t.col, self.source)
        return super().lookup(name, t, lineno)

    def declare(self, line: str, lineno: int, colon: int) -> None:
        raise MatdiffError("a claim is one expression in the cell's symbols: declarations "
                           "belong to the cell", lineno, colon + 1, self.source)

    def _resolve(self, cell) -> None:
        # sizes the claim leaves open (I, 0, ones) are read off the answer's shape
        u = self.unifier
        for shape in (self.expected, self.expected[::-1]):
            saved = dict(u.subst)
            if all(u.unify(a, b) for a, b in zip(cell.target.shape, shape)):
                break
            u.subst = saved
        super()._resolve(cell)


def _dim_names(e: E.Expr, out: set[str]) -> None:
    for d in e.shape:
        out.update(name for name, _ in d.factors)
    for c in e.children:
        _dim_names(c, out)


def parse_claim(text: str, d) -> E.Expr:
    """The claim as an expression over the derivation's cell; MatdiffError (with a caret in
    the claim) when it does not parse or names something the cell does not have."""
    if not isinstance(text, str):
        raise MatdiffError(f"the claim must be text, got {type(text).__name__}")
    if not any(line.split("#", 1)[0].strip() for line in text.split("\n")):
        raise MatdiffError("the claim is empty: write the derivative you expect, e.g. '2 A x'")
    p = _ClaimParser(text, d.cell, d.result.shape)
    token = E._UNIFIER.set(p.unifier)
    try:
        cell = p.parse()
    except RecursionError:
        raise MatdiffError(f"the claim is nested too deeply (more than {MAX_DEPTH} levels)",
                           1, 1, text[:200]) from None
    finally:
        E._UNIFIER.reset(token)
    return cell.target
