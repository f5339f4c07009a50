"""The expression grammar of one line: a recursive-descent parser over its tokens (user text
is never evaluated). The cell's statements and symbols are parse.py's.

Grammar, loosest to tightest (one statement a line, '#' starts a comment)::

    cell   := (decl | def | expr)*          the last statement is the target
    decl   := names ':' ('scalar' | dim ['x' dim]) property*
    def    := name '=' expr
    expr   := kron  (('+' | '-') kron)*
    kron   := had   (('⊗' | '\\otimes' | '⊕' | '\\oplus') had)*    ⊕: the Kronecker sum
    had    := prod  (('.*' | '∘' | '⊙' | './' | '\\circ' | '\\odot') prod)*
    prod   := unary (['*' | '@' | '/'] unary)*          juxtaposition is a product
    unary  := '-' unary | post
    post   := atom ("'" | 'ᵀ' | '.T' | '^T' | '^-T' | '^' exponent | '.^' exponent)*
    atom   := number | name | 'I' | 'I_'dim | '1_'dim | 'ones' | 'K_{'dim','dim'}'
            | 'D_'dim | 'L_'dim                  duplication and elimination matrices
            | function '(' expr ')' | 'kron(' expr ',' expr ')' | '(' expr ')'

A backslash on a line without LaTeX is the solve ``A \\ B`` at the precedence of a product
(MATLAB's); LaTeX spellings (SPEC §9: \\frac, \\|..\\|_F, \\mathbf{x}, ...) become these
tokens in latex_input.py, with their columns kept.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .. import ops
from ..algebra import expr as E
from ..dims import ONE, Dim
from ..errors import MatdiffError
from .tex_sizes import SizeError, parse_dim, read_size
from .tokens import Tok

MAX_DEPTH = 64
# names a cell may not declare: the functions, and the names of built-in matrices
# (K, D and L are names like any other: the commutation, duplication and elimination
# matrices are written with their sizes, K_{m,n}, D_n, L_n)
RESERVED = set(ops.names()) - set(ops.names("notation")) | {"I", "ones", "scalar"}


class Line:
    """Recursive-descent parser over the tokens of one line. ``parser`` is the cell's
    ``parse.Parser``: its symbols, definitions, sizes and unifier."""

    def __init__(self, parser, toks: list[Tok], lineno: int) -> None:
        self.p, self.toks, self.i, self.lineno, self.depth = parser, toks, 0, lineno, 0

    # helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def err(self, msg: str, col: int | None = None) -> MatdiffError:
        return MatdiffError(msg, self.lineno, col if col is not None else self.tok.col,
                            self.p.source)

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def expect(self, text: str) -> Tok:
        if not self.at("op", text):
            found = f"'{self.tok.text}'" if self.tok.kind != "end" else "the end of the line"
            raise self.err(f"expected '{text}', found {found}")
        t = self.tok
        self.i += 1
        return t

    def build(self, fn, col: int, *args):
        try:
            return fn(*args)
        except E.ShapeError as exc:
            raise self.err(str(exc), col) from None

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.err(f"expression nested too deeply (more than {MAX_DEPTH} levels)")

    def matrix(self, e: E.Expr) -> bool:
        """Whether e is surely not a number: a size of it is known and not 1 (an undeclared
        name, whose shape is still open, may yet be a scalar)."""
        u = self.p.unifier
        return any(not r.has_vars and not r.is_one for r in map(u.resolve, e.shape))

    # grammar
    def expr(self) -> E.Expr:
        self.enter()
        terms = [self.kron()]
        while self.at("op", "+") or self.at("op", "-"):
            t = self.tok
            self.i += 1
            right = self.kron()
            # a number added to a matrix is added to every entry (1 - y ∘ Xw, as NumPy
            # reads it); other shapes are checked term by term (the error points at the
            # operator), and the sum is built once, so long sums stay linear
            if right.is_scalar and self.matrix(terms[0]):
                right = E.mul(right, E.ones_like(terms[0].shape))
            elif terms[0].is_scalar and self.matrix(right):
                terms = [E.mul(u, E.ones_like(right.shape)) for u in terms]
            self.build(E.add, t.col, terms[0], right)
            terms.append(right if t.text == "+" else E.neg(right))
        self.depth -= 1
        return terms[0] if len(terms) == 1 else self.build(E.add, self.tok.col, *terms)

    def kron(self) -> E.Expr:
        left = self.had()
        while self.at("op", "⊗") or self.at("op", "⊕"):   # A ⊕ B: the Kronecker sum
            t = self.tok
            self.i += 1
            right = self.had()
            left = self.build(E.kron, t.col, left, right) if t.text == "⊗" else \
                self.build(E.call, t.col, "kronsum", left, right)
        return left

    def had(self) -> E.Expr:
        left = self.prod()
        while self.at("op", ".*") or self.at("op", "∘") or self.at("op", "./"):
            t = self.tok
            self.i += 1
            right = self.prod()
            if left.is_scalar and self.matrix(right) or right.is_scalar and \
                    self.matrix(left):   # 2 .* X, X ./ n, 1 ./ x: NumPy's reading
                if t.text == "./":
                    right = self.build(E.power if right.is_scalar else E.hadpow, t.col,
                                       right, -1)
                left = ops.recognise(self.build(E.mul, t.col, left, right))
                continue
            if t.text == "./":
                right = self.build(E.hadpow, t.col, right, -1)
            left = ops.recognise(self.build(E.hadamard, t.col, left, right))
        return left

    def starts_operand(self) -> bool:
        t = self.tok
        return t.kind in ("name", "num", "sub") or (t.kind == "op" and t.text == "(")

    def prod(self) -> E.Expr:
        left = self.unary()
        while True:
            t = self.tok
            if t.kind == "op" and t.text == "\\":   # A \ B: MATLAB's precedence, that of *
                self.i += 1
                if t.extra and t.extra not in self.p.env and \
                        t.extra not in self.p.symbols:
                    raise self.err(f"unknown LaTeX command '\\{t.extra}', or an undeclared "
                                   f"'{t.extra}' in A \\ {t.extra} (declare it for a solve)",
                                   t.col)
                left = self.build(E.call, t.col, "solve", left, self.unary())
            elif t.kind == "op" and t.text in ("*", "@", "/"):
                self.i += 1
                right = self.unary()
                if t.text == "/":
                    if not right.is_scalar:
                        raise self.err("division by a matrix: use inv(...) for a matrix "
                                       "inverse or ./ for element-wise division", t.col)
                    right = self.build(E.power, t.col, right, -1)
                left = ops.recognise(self.build(E.mul, t.col, left, right))
            elif self.starts_operand():
                left = self.build(E.mul, t.col, left, self.unary())
            else:
                return left

    def unary(self) -> E.Expr:
        if self.at("op", "-"):
            self.i += 1
            self.enter()
            e = E.neg(self.unary())
            self.depth -= 1
            return e
        if self.at("op", "+"):
            self.i += 1
            return self.unary()
        return self.postfix()

    def exponent(self, grouped: bool = False) -> Fraction | str | E.Expr:
        """After '^' or '.^': 2, -1, 0.5, T, -T, \\top, (1/2), {-1}."""
        if self.at("op", "{") or self.at("op", "("):
            close = "}" if self.tok.text == "{" else ")"
            self.i += 1
            if self.tok.kind == "name" and self.tok.text != "T":   # X^(k - 1)
                value = self.expr()
            else:
                value = self.exponent(grouped=True)
            self.expect(close)
            return value
        sign = 1
        if self.at("op", "-"):
            sign = -1
            self.i += 1
        t = self.tok
        if t.kind == "name" and t.text == "T":
            self.i += 1
            return "T" if sign == 1 else "-T"
        if t.kind == "name" and sign == 1:    # X^k, k a declared integer
            self.i += 1
            return self.p.lookup(t.text, t, self.lineno)
        if t.kind != "num":
            raise self.err("expected an exponent (a number, T, or -1)")
        self.i += 1
        value = self.number(t)
        if grouped and self.at("op", "/") and self.toks[self.i + 1].kind == "num":
            self.i += 1
            den = self.number(self.tok)
            self.i += 1
            if den == 0:
                raise self.err("division by zero in an exponent", t.col)
            value = value / den
        if abs(value) > 10**9:
            raise self.err(f"exponent {value} is too large", t.col)
        return sign * value

    def number(self, t: Tok) -> Fraction:
        try:
            v = Fraction(t.text)
        except (ValueError, ZeroDivisionError):
            raise self.err(f"bad number '{t.text}'", t.col) from None
        if v != 0 and not (1e-300 < abs(v) < 1e300):
            raise self.err(f"number '{t.text}' is out of range", t.col)
        return v

    def postfix(self) -> E.Expr:
        e = self.atom()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in ("'", "ᵀ", ".T"):
                self.i += 1
                e = E.transpose(e)
            elif t.kind == "op" and t.text == "^":
                self.i += 1
                p = self.exponent()
                if p == "T":
                    e = E.transpose(e)
                elif p == "-T":
                    e = self.build(E.inverse, t.col, E.transpose(e))
                elif isinstance(p, E.Expr):
                    e = self.symbolic_power(e, p, t)
                else:
                    if e.is_scalar is False and p.denominator != 1:
                        raise self.err("a matrix power needs an integer exponent "
                                       "(use .^ for element-wise powers)", t.col)
                    if not e.is_scalar and abs(p) > 64:
                        raise self.err(f"matrix power {p} is too large (at most 64 in size)",
                                       t.col)
                    e = self.build(E.power, t.col, e, p)
            elif t.kind == "op" and t.text == ".^":
                self.i += 1
                p = self.exponent()
                if not isinstance(p, Fraction):
                    raise self.err("'.^' needs a numeric exponent", t.col)
                e = self.build(E.hadpow, t.col, e, p)
            else:
                return e

    def symbolic_power(self, e: E.Expr, k: E.Expr, t: Tok) -> E.Expr:
        """X^k for an exponent built from scalars declared 'integer' (k, k - 1, 2 k)."""
        syms = [x for x in _symbols(k)]
        if e.is_scalar or not k.is_scalar or not syms or \
                any("integer" not in x.props for x in syms):
            names = ", ".join(sorted({x.name for x in syms})) or "the exponent"
            raise self.err(f"a matrix power X^k needs k declared an integer ('{names} : "
                           "scalar integer'); a scalar base needs a number", t.col)
        return self.build(E.call, t.col, "mpow", e, k)

    def atom(self) -> E.Expr:
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return E.num(self.number(t))
        if t.kind == "sub":
            self.i += 1
            return self.subscripted(t)
        if t.kind == "op" and t.text == "(":
            self.i += 1
            e = self.expr()
            self.expect(")")
            return e
        if t.kind == "name":
            self.i += 1
            name = self.p.tex_name(t) if t.extra == "tex" else t.text
            if self.at("op", "(") and name not in self.p.env and name not in self.p.symbols \
                    and name not in ("I", "ones") and not name.startswith("I_") and not (
                        ops.spelled(name) is None and name in self.p.size_names()):
                return self.function(t)      # (a size before '(' is a number: 1.5 / n (X - A))
            if name == "I":
                u = self.p.unifier.fresh()
                return E.Identity((u, u))
            if name == "ones":
                return E.Ones((self.p.unifier.fresh(), ONE))
            if name.startswith("I_") and name not in self.p.symbols:
                return self.subscripted(Tok("sub", "I", t.col, name[2:], t.col + 2))
            if name[:2] in ("D_", "L_", "K_") and name not in self.p.symbols:
                return self.subscripted(Tok("sub", name[0], t.col, name[2:], t.col + 2))
            if name in RESERVED:
                raise self.err(f"'{name}' is a function: write {name}(...)", t.col)
            if name not in self.p.symbols and name not in self.p.env and \
                    name in self.p.size_names():   # a size where a number fits: x' x / n
                return E.call("tr", E.identity(Dim.of(name)))
            return self.p.lookup(name, t, self.lineno)
        if t.kind == "end":
            raise self.err("unexpected end of line: an operand is missing")
        raise self.err(f"unexpected '{t.text}'")

    def subscripted(self, t: Tok) -> E.Expr:
        def derr(msg: str) -> MatdiffError:
            return self.err(msg, t.col)
        if self.textbook_sizes():
            return self.textbook_subscripted(t)
        if t.text == "K":
            # K_{mn}, as the printers write it, is K_{m,n} when both sizes are one character
            parts = list(t.extra) if re.fullmatch(r"[A-Za-z0-9]{2}", t.extra) else \
                t.extra.split(",")
            if len(parts) != 2:
                raise derr("the commutation matrix is written K_{m,n}")
            return E.comm(parse_dim(parts[0], derr), parse_dim(parts[1], derr))
        if t.text in ("D", "L"):   # the duplication and elimination matrices D_n, L_n
            n = parse_dim(t.extra, derr)
            return self.build(E.dup if t.text == "D" else E.elim, t.col, n)
        d = parse_dim(t.extra, derr)
        return E.identity(d) if t.text == "I" else E.ones(d)

    def textbook_sizes(self) -> bool:
        """Subscripts read as textbooks write sizes (I_{mn} is m·n, see tex_sizes.py) on a
        LaTeX line, and on every line of text that may not introduce sizes (a claim)."""
        return self.p.sizes_fixed or "\\" in self.p.source.split("\n")[self.lineno - 1]

    def size(self, text: str, at: int, col: int) -> Dim:
        """The size a subscript's text names; errors point into the subscript."""
        try:
            return read_size(text, self.p.size_names(), new_ok=not self.p.sizes_fixed)
        except SizeError as exc:
            raise self.err(exc.message, at + exc.offset if at else col) from None

    def textbook_subscripted(self, t: Tok) -> E.Expr:
        """I_{mn}, \\mathbf{1}_{2n}, K_{mn,p}, D_{n}: the sizes read against the cell's."""
        text, at = t.extra, t.at
        if t.text == "K":
            # K_{mn}, as the printers write it, is K_{m,n} when both sizes are one character
            if re.fullmatch(r"\s*[A-Za-z0-9]{2}\s*", text):
                k = at + len(text) - len(text.lstrip()) if at else 0
                r = self.size(text.strip()[0], k, t.col)
                c = self.size(text.strip()[1], k + 1 if k else 0, t.col)
                return E.comm(r, c)
            parts = text.split(",")
            if len(parts) != 2:
                raise self.err("the commutation matrix is written K_{m,n}", t.col)
            r = self.size(parts[0], at, t.col)
            c = self.size(parts[1], at + len(parts[0]) + 1 if at else 0, t.col)
            return E.comm(r, c)
        d = self.size(text, at, t.col)
        if t.text in ("D", "L"):
            return self.build(E.dup if t.text == "D" else E.elim, t.col, d)
        return E.identity(d) if t.text == "I" else E.ones(d)

    def size_argument(self, name: str) -> Dim:
        """A size written as an argument: unvec(v, m), unvec(v, {m n}), and the LaTeX
        \\operatorname{vec}^{-1}_{mn}(v), whose subscript becomes a 'rows' token."""
        t2 = self.tok
        if self.at("sub", "rows"):
            self.i += 1
            return self.size(t2.extra, t2.at, t2.col)
        text = ""
        if self.at("op", "{"):
            self.i += 1
            while not self.at("op", "}") and not self.at("end"):
                text += self.tok.text
                self.i += 1
            self.expect("}")
        elif t2.kind in ("name", "num"):
            text = t2.text
            self.i += 1
        else:
            raise self.err(f"{name}(v, m) needs the number of rows m")
        return parse_dim(text, lambda msg: self.err(msg, t2.col))

    def function(self, t: Tok) -> E.Expr:
        op = ops.spelled(t.text)
        name = op.name if op is not None else t.text
        if name in ("‖", "‖2"):   # \|x\| without a subscript: the Euclidean norm of a
            self.expect("(")   # vector, the Frobenius norm of a matrix; \|X\|_2: the spectral
            arg = self.expr()  # norm of a matrix
            self.expect(")")
            vector = E.is_one(arg.shape[0]) or E.is_one(arg.shape[1])
            matrix = "fro" if name == "‖" else "opnorm"
            return self.build(E.call, t.col, "norm2" if vector else matrix, arg)
        if op is None:
            known = ", ".join(sorted(ops.CELL_NAMES))
            raise self.err(f"unknown function '{name}' (known: {known})", t.col)
        self.expect("(")
        if self.at("op", ")"):
            raise self.err(f"{name}() needs an argument")
        args = [self.expr()]
        for kind in op.args[1:]:     # the registry says what each further argument is
            self.expect(",")
            args.append(self.size_argument(name) if kind == "size" else self.expr())
        if self.at("op", ","):
            raise self.err(f"{name}() takes "
                           + ("one argument" if op.arity == 1 else f"{op.arity} arguments"))
        self.expect(")")
        return ops.recognise(self.build(E.call, t.col, name, *args))


def _symbols(e: E.Expr) -> list[E.Sym]:
    if isinstance(e, E.Sym):
        return [e]
    return [x for c in e.children for x in _symbols(c)]
