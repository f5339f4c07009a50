"""LaTeX that looks like a textbook: X^\\top, X^{-1}, \\otimes, \\circ, \\operatorname{vec}."""

from __future__ import annotations

import functools
import re
import unicodedata
from fractions import Fraction

from .. import ops
from ..algebra import expr as E
from .base import ATOM, MUL, POST, Printer, bare_prefix

_DIGITS_AFTER = re.compile(r"([A-Za-z]+?)(\d+)")   # W1: W with the subscript 1


@functools.lru_cache(maxsize=4096)
def _name(name: str) -> str:
    base, _, sub = name.partition("_")
    m = _DIGITS_AFTER.fullmatch(base)
    if m and not sub:
        base, sub = m.group(1), m.group(2)
    if len(base) == 1 and not base.isascii():
        word = unicodedata.name(base, "").split()[-1].lower()
        word = {"lamda": "lambda"}.get(word, word)   # Unicode spells λ "LAMDA"
        base = "\\" + (word.capitalize() if base.isupper() else word)
    elif len(base) > 1:
        base = "\\mathit{" + base + "}"
    return base + (f"_{{{sub}}}" if sub else "")


def _dim(d) -> str:
    return d.compact()


def _is_d(e: E.Expr) -> bool:
    return isinstance(e, E.D) or (isinstance(e, E.Transpose) and isinstance(e.arg, E.D)) or (
        isinstance(e, E.Call) and ops.get(e.name).kind == "notation")   # d(·) pending


class LatexPrinter(Printer):
    form = "latex"
    kron_op = " \\otimes "
    had_op = " \\circ "
    div_op = " \\oslash "

    def paren(self, s: str) -> str:
        return f"\\left({s}\\right)"

    def number(self, v: Fraction) -> str:
        if v.denominator == 1:
            return str(v)
        return f"\\tfrac{{{v.numerator}}}{{{v.denominator}}}"

    def join(self, parts: list[str], factors) -> str:
        # a thin space on each side of a differential: dX\,Y^T X reads as dX times Y^T X,
        # not as d(X Y^T X)
        out = parts[0]
        for prev, (cur, f) in zip(factors, zip(parts[1:], factors[1:])):
            out += ("\\, " if _is_d(prev) or _is_d(f) else " ") + cur
        return out

    def divide(self, head: str, dens: list[E.Expr]) -> str:
        sign, head = ("-", head[1:]) if head.startswith("-") else ("", head)
        low = " ".join(self.p(d) if len(dens) == 1 and not isinstance(d, E.Power) else
                       self.at(d, POST) for d in dens)
        return f"{sign}\\frac{{{head}}}{{{low}}}"

    def p_Sym(self, e: E.Sym) -> str:
        return _name(e.name)

    def p_D(self, e: E.D) -> str:
        return "\\mathrm{d}" + _name(e.var.name)

    def p_Identity(self, e: E.Identity) -> str:
        return f"I_{{{_dim(e.shape[0])}}}"

    def p_Ones(self, e: E.Ones) -> str:
        return f"\\mathbf{{1}}_{{{_dim(e.shape[0])}}}"

    def p_Zero(self, e: E.Zero) -> str:
        return "0"

    def p_Comm(self, e: E.Comm) -> str:
        r, c = _dim(e.r), _dim(e.c)
        sep = "" if len(r) == 1 and len(c) == 1 else ","
        return f"K_{{{r}{sep}{c}}}"

    def p_Dup(self, e: E.Dup) -> str:
        return f"D_{{{_dim(e.n)}}}"

    def p_Elim(self, e: E.Elim) -> str:
        return f"L_{{{_dim(e.n)}}}"

    def sup(self, e: E.Expr, s: str) -> str:
        base = self.paren(self.p(e)) if bare_prefix(e) else self.at(e, ATOM)
        return base + "^{" + s + "}"

    def p_Transpose(self, e: E.Transpose) -> str:
        return self.sup(e.arg, "\\top")

    def p_Inverse(self, e: E.Inverse) -> str:
        if isinstance(e.arg, E.Transpose):
            return self.sup(e.arg.arg, "-\\top")
        return self.sup(e.arg, "-1")

    def p_Power(self, e: E.Power) -> str:
        if e.p == Fraction(1, 2):
            return f"\\sqrt{{{self.p(e.arg)}}}"
        return self.sup(e.arg, str(e.p))

    def p_HadPow(self, e: E.HadPow) -> str:
        if e.p == -1:   # as the Unicode printer writes it: ⊘ divides, ^∘p raises
            return "\\mathbf{1}" + self.div_op + self.at(e.arg, MUL + 1)
        return self.sup(e.arg, "\\circ " + str(e.p))

    def ones_matrix(self, e: E.Mul) -> str:
        r, c = e.shape
        return f"\\mathbf{{1}}_{{{_dim(r)} \\times {_dim(c)}}}"

    def p_Unvec(self, e: E.Unvec) -> str:
        return f"\\operatorname{{vec}}^{{-1}}_{{{_dim(e.rows)}}}{self.paren(self.p(e.arg))}"


_latex = LatexPrinter()


def to_latex(e: E.Expr) -> str:
    return _latex(e)


E.PRINTERS["latex"] = to_latex   # e._repr_latex_()
