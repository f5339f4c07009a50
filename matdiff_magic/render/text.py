"""Plain text: the cell language itself (``str(expr)``), and a Unicode textbook form."""

from __future__ import annotations

import re
from fractions import Fraction

from .. import expr as E
from .base import ATOM, MUL, POST, Printer, bare_prefix


def _exp(p: Fraction) -> str:
    if p.denominator == 1:
        return str(p)
    return f"({p})"


class TextPrinter(Printer):
    """Output that parses back to the same expression."""

    def p_Sym(self, e: E.Sym) -> str:
        return e.name

    def p_D(self, e: E.D) -> str:
        return "d" + e.var.name

    def p_Identity(self, e: E.Identity) -> str:
        return "I_" + e.shape[0].subscript()

    def p_Ones(self, e: E.Ones) -> str:
        return "1_" + e.shape[0].subscript()

    def p_Zero(self, e: E.Zero) -> str:
        r, c = e.shape
        if c.is_one:
            return f"0 1_{r.subscript()}"
        if r.is_one:
            return f"0 1_{c.subscript()}'"
        if r == c:
            return f"0 I_{r.subscript()}"
        return f"0 1_{r.subscript()} 1_{c.subscript()}'"

    def p_Comm(self, e: E.Comm) -> str:
        return f"K_{{{e.r},{e.c}}}"

    def p_Dup(self, e: E.Dup) -> str:
        return "D_" + e.n.subscript()

    def p_Elim(self, e: E.Elim) -> str:
        return "L_" + e.n.subscript()

    def p_Transpose(self, e: E.Transpose) -> str:
        return self.at(e.arg, ATOM) + "'"

    def p_Inverse(self, e: E.Inverse) -> str:
        if isinstance(e.arg, E.Transpose):
            return self.at(e.arg.arg, ATOM) + "^-T"
        return self.at(e.arg, ATOM) + "^-1"

    def p_Power(self, e: E.Power) -> str:
        return self.at(e.arg, ATOM) + "^" + _exp(e.p)

    def p_HadPow(self, e: E.HadPow) -> str:
        return self.at(e.arg, ATOM) + ".^" + _exp(e.p)

    def p_Unvec(self, e: E.Unvec) -> str:
        return f"unvec({self.p(e.arg)}, {e.rows.subscript()})"


_SUP = str.maketrans("0123456789-()/", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾ᐟ")
_SIMPLE = re.compile(r"^[A-Za-z\u0391-\u03c9][ᵀ⁻¹⁰²³⁴⁵⁶⁷⁸⁹]*$")


def _sub(s: str) -> str:
    """A subscript that is not one word, n(n+1)/2, gets parentheses: I_(n(n+1)/2)."""
    return s if s.isalnum() else f"({s})"


class UnicodePrinter(TextPrinter):
    """The textbook look in plain Unicode: XᵀY ⊗ I_m, X⁻ᵀ, diag(vec X), ‖M‖_F."""

    form = "unicode"

    def join(self, parts: list[str], factors) -> str:
        out = parts[0]
        for prev, cur in zip(parts, parts[1:]):
            tight = _SIMPLE.match(prev) and _SIMPLE.match(cur)
            tight = tight or (cur.startswith("(") and _SIMPLE.match(prev))
            out += ("" if tight else " ") + cur
        return out

    div_op = " ⊘ "      # one spelling per operation: ⊘ divides, ^∘p raises, entry-wise

    def p_Identity(self, e: E.Identity) -> str:
        return "I_" + _sub(e.shape[0].pretty())

    def p_Ones(self, e: E.Ones) -> str:
        return "𝟏_" + _sub(e.shape[0].pretty())

    def ones_matrix(self, e: E.Mul) -> str:
        r, c = e.shape
        return f"𝟏_({r.pretty()}×{c.pretty()})"

    def p_Zero(self, e: E.Zero) -> str:
        return "0"

    def p_Comm(self, e: E.Comm) -> str:
        r, c = e.r.pretty(), e.c.pretty()
        return f"K_{r}{c}" if len(r) == 1 and len(c) == 1 else f"K_({r},{c})"

    def p_Dup(self, e: E.Dup) -> str:
        return "D_" + e.n.pretty()

    def p_Elim(self, e: E.Elim) -> str:
        return "L_" + e.n.pretty()

    def base(self, e: E.Expr) -> str:
        return self.paren(self.p(e)) if bare_prefix(e) else self.at(e, ATOM)

    def p_Transpose(self, e: E.Transpose) -> str:
        return self.base(e.arg) + "ᵀ"

    def p_Inverse(self, e: E.Inverse) -> str:
        if isinstance(e.arg, E.Transpose):
            return self.base(e.arg.arg) + "⁻ᵀ"
        return self.base(e.arg) + "⁻¹"

    def p_Power(self, e: E.Power) -> str:
        return self.base(e.arg) + str(e.p).translate(_SUP)

    def p_HadPow(self, e: E.HadPow) -> str:
        if e.p == -1:
            return "𝟏" + self.div_op + self.at(e.arg, MUL + 1)
        return self.base(e.arg) + "^∘" + _exp(e.p)

    def p_Unvec(self, e: E.Unvec) -> str:
        return f"vec⁻¹({self.p(e.arg)})"


_text = TextPrinter()
_unicode = UnicodePrinter()


def to_text(e: E.Expr) -> str:
    """The cell language: ``parse(to_text(e)) == e``."""
    return _text(e)


def to_unicode(e: E.Expr) -> str:
    """Textbook form in Unicode, for reading (not necessarily re-parseable)."""
    return _unicode(e)


E.PRINTERS["text"] = to_text     # str(e)

__all__ = ["to_text", "to_unicode", "MUL", "POST"]
