"""Shared structure of the printers: precedence and parenthesization by node type."""

from __future__ import annotations

import contextvars
from fractions import Fraction

from .. import memo as M
from .. import ops
from ..algebra import expr as E

ADD, KRON, HAD, MUL, NEG, POST, ATOM = range(1, 8)
_ONE = Fraction(1)


_LEVELS = {E.Add: ADD, E.Kron: KRON, E.Hadamard: HAD, E.Transpose: POST, E.Inverse: POST,
           E.Power: POST, E.HadPow: POST}   # the node kinds whose level is their kind's


def negative(e: E.Expr) -> bool:
    """Whether e is a number or a product with a negative coefficient (prints with a minus)."""
    if isinstance(e, E.Mul):
        e = e.args[0]
    return isinstance(e, E.Num) and e.value.numerator < 0


def prec(e: E.Expr) -> int:
    level = _LEVELS.get(e.__class__)
    if level is not None:
        return level
    if isinstance(e, E.Mul):
        return NEG if negative(e) else MUL
    if isinstance(e, E.Num):
        v = e.value
        return MUL if v.denominator != 1 else (NEG if v.numerator < 0 else ATOM)
    if isinstance(e, E.Zero):
        return ATOM if e.is_scalar else MUL
    return ATOM


def simple_argument(e: E.Expr) -> bool:
    """A symbol, a call or a transposed symbol: vec and vech take it without parentheses."""
    return isinstance(e, (E.Sym, E.Call)) or (isinstance(e, E.Transpose)
                                              and isinstance(e.arg, E.Sym))


def bare_prefix(e: E.Expr) -> bool:
    """True when e prints as 'vec X' (no parentheses): a postfix after it would be read as
    applying to X, so it needs parentheses of its own."""
    return isinstance(e, E.Call) and ops.get(e.name).bare and simple_argument(e.arg)


def _denominator(f: E.Expr) -> bool:
    return isinstance(f, E.Power) and f.is_scalar and f.p < 0 and not isinstance(f.arg, E.Num)


# the memo table of the printer running now (set by Printer.__call__ inside a memo scope)
_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("print_memo", default=None)


class Printer:
    """Subclasses say how each operator looks; this class decides where parentheses go."""

    kron_op = " ⊗ "
    had_op = " ∘ "
    div_op = " ./ "

    def __call__(self, e: E.Expr) -> str:
        # within a derivation every subexpression is printed once (memo.py): a printed form
        # is a function of the expression's value, its shape included (I_m, 1_n, 0 compare
        # with their shapes). Not while a cell is parsed: its sizes are still being unified.
        memo = M.table(self._memo_key)
        if memo is not None and E._UNIFIER.get() is not None:
            memo = None
        token = _MEMO.set(memo)
        try:
            return self.p(e)
        finally:
            _MEMO.reset(token)

    def paren(self, s: str) -> str:
        return f"({s})"

    def at(self, e: E.Expr, level: int) -> str:
        s = self.p(e)
        p = prec(self.shown(e))
        if p == ATOM and self.form != "text" and isinstance(e, E.Call) and \
                ops.get(e.name).loose:
            p = MUL    # an integral ∫₀¹ ... ds: parenthesized under a transpose
        return self.paren(s) if p < level else s

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}   # node type -> the p_<Type> method this printer uses
        cls._memo_key = ("print", cls.__name__)   # its memo table's name (memo.py)

    _methods: dict = {}
    _memo_key = ("print", "Printer")

    def shown(self, e: E.Expr) -> E.Expr:
        """The node this printer shows for e: an operation the textbook writes in other
        nodes (solve(A, B) as A⁻¹B, Op.same_as) is shown as those, except in the cell
        language, which keeps its name."""
        if e.__class__ is not E.Call or self.form == "text":
            return e
        same_as = ops.get(e.name).same_as
        return e if same_as is None else same_as(*e.children)

    def p(self, e: E.Expr) -> str:
        memo = _MEMO.get()
        if memo is not None:
            s = memo.get(e)
            if s is not None:
                return s
        method = self._methods.get(e.__class__)
        if method is None:
            method = self._methods[e.__class__] = getattr(type(self),
                                                          "p_" + type(e).__name__)
        s = method(self, e)
        if memo is not None:
            memo[e] = s
        return s

    def p_Add(self, e: E.Add) -> str:
        out = self.p(e.args[0])
        for t in e.args[1:]:
            if negative(t):
                minus = E.neg(t)
                out += " - " + (self.paren(self.p(minus)) if prec(minus) <= ADD
                                else self.p(minus))
            else:
                out += " + " + self.p(t)
        return out

    def p_Kron(self, e: E.Kron) -> str:
        return self.kron_op.join(self.at(a, HAD) for a in e.args)

    def p_Hadamard(self, e: E.Hadamard) -> str:
        # products inside a Hadamard product get parentheses for the reader's sake
        out = self.at(e.args[0], MUL + 1)
        for a in e.args[1:]:
            if isinstance(a, E.HadPow) and a.p == -1:
                out += self.div_op + self.at(a.arg, MUL + 1)
            else:
                out += self.had_op + self.at(a, MUL + 1)
        return out

    def ones_matrix(self, e: E.Mul) -> str | None:
        """How the all-ones matrix 1_m 1_nᵀ prints (None: as the product it is)."""
        return None

    def p_Mul(self, e: E.Mul) -> str:
        factors = e.args   # the coefficient c, a number, comes first where there is one
        c = _ONE
        if isinstance(factors[0], E.Num):
            c, factors = factors[0].value, factors[1:]
            if len(factors) == 1 and isinstance(factors[0], E.Mul):
                factors = factors[0].args   # 2 (x' y): a scalar product kept whole
        if self.form != "text" and any(f.__class__ is E.Call for f in factors):
            # C solve(A, B) is C A⁻¹B, without parentheses
            factors = tuple(g for f in factors for g in self._factors(f))
        # scalar factors with a negative exponent come last (expr.scalar_key) and print as a
        # denominator: 2 A x / (x' x)
        den, top = [], []
        for f in factors:
            (den if _denominator(f) else top).append(f)
        if den and not top and c.denominator != 1:
            den, top = [], list(factors)
        body = self.join([self.at(f, NEG) for f in top], top) if top else ""
        if len(top) == 2 and isinstance(top[0], E.Ones) and isinstance(top[1], E.Transpose) \
                and isinstance(top[1].arg, E.Ones):
            body = self.ones_matrix(E.mul(*top)) or body
        unit = c.denominator == 1 and abs(c.numerator) == 1
        if unit and c.numerator == 1:
            head = body or "1"
        elif unit:
            head = "-" + (body or "1")
        else:
            sign = "-" if c.numerator < 0 else ""
            head = sign + self.number(abs(c)) + (" " + body if body else "")
        if not den:
            return head
        return self.divide(head, [E.power(f.arg, -f.p) for f in den])

    form = "text"   # which printed form of an operation (ops.Op) this printer writes

    def _factors(self, f: E.Expr) -> tuple[E.Expr, ...]:
        s = self.shown(f)
        if s is not f and isinstance(s, E.Mul) and not isinstance(s.args[0], E.Num):
            return s.args
        return (f,)

    def p_Call(self, e: E.Call) -> str:
        """An operation in its printed form: a prefix (exp(A), vec X), a template holding
        {a} (‖A‖_F) or a function of the printer and the node."""
        op = ops.get(e.name)
        if op.same_as is not None and self.form != "text":
            return self.p(self.shown(e))
        form = getattr(op, self.form) or op.text or op.name
        if callable(form):
            return form(self, e)
        a = ", ".join(self.p(x) for x in e.children)
        if "{a}" in form:
            return form.replace("{a}", a)
        if op.bare and self.form != "text" and simple_argument(e.arg):
            return f"{form} {a}"
        return form + self.paren(a)

    def divide(self, head: str, dens: list[E.Expr]) -> str:
        return head + "".join(" / " + self.at(d, POST) for d in dens)

    def join(self, parts: list[str], factors) -> str:
        return " ".join(parts)

    def number(self, v: Fraction) -> str:
        return str(v)

    def p_Num(self, e: E.Num) -> str:
        v = e.value
        return ("-" + self.number(-v)) if v < 0 else self.number(v)
