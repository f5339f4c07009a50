"""The cell language (SPEC §1): text -> Cell, with shapes checked and inferred.

Grammar, loosest to tightest (one statement a line, '#' starts a comment)::

    cell   := (decl | def | expr)*          the last statement is the target
    decl   := names ':' ('scalar' | dim ['x' dim]) property*
    def    := name '=' expr
    expr   := kron  (('+' | '-') kron)*
    kron   := had   (('⊗' | '\\otimes') had)*
    had    := prod  (('.*' | '∘' | '⊙' | './' | '\\circ' | '\\odot') prod)*
    prod   := unary (['*' | '@' | '/'] unary)*          juxtaposition is a product
    unary  := '-' unary | post
    post   := atom ("'" | 'ᵀ' | '.T' | '^T' | '^-T' | '^' exponent | '.^' exponent)*
    atom   := number | name | 'I' | 'I_'dim | '1_'dim | 'ones' | 'K_{'dim','dim'}'
            | 'D_'dim | 'L_'dim                  duplication and elimination matrices
            | function '(' expr ')' | 'kron(' expr ',' expr ')' | '(' expr ')'

The parser is a hand-written recursive-descent parser: user text is never evaluated.
LaTeX spellings (SPEC §9: \\frac, \\|..\\|_F, \\mathbf{x}, ...) become these tokens in
latex_input.py, with their columns kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

from . import expr as E
from . import ops
from .dims import ONE, Dim, tri_base
from .errors import MatdiffError

MAX_CELL_CHARS = 20_000
MAX_DEPTH = 64
MAX_NODES = 5000


def _tree_size(e: E.Expr, memo: dict | None = None) -> int:
    """Nodes of e as a tree (shared subtrees counted each time), computed on the DAG."""
    memo = {} if memo is None else memo
    k = id(e)
    if k not in memo:
        memo[k] = 1 + sum(_tree_size(c, memo) for c in e.children)
    return memo[k]
# names that are not symbols: every operation (ops), I, ones, K and the word scalar
RESERVED = set(ops.names()) - set(ops.names("notation")) | {"I", "ones", "scalar", "K"}

_GREEK = "".join(chr(c) for c in range(0x391, 0x3CA) if chr(c).isalpha())
_NAME = re.compile(r"[A-Za-z" + _GREEK + r"][A-Za-z0-9" + _GREEK + r"]*(?:_[A-Za-z0-9]+)?")
# '2.' is not a number here: in 'X^2.*Y' the dot belongs to the operator '.*'
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_TEX_SUB = re.compile(r"_\{\s*([A-Za-z0-9]+)\s*\}")
_OPS = [".*", "./", ".^", ".T", "+", "-", "*", "/", "@", "^", "'", "ᵀ", "(", ")", ",",
        ":", "=", "{", "}", "⊗", "∘", "⊙", "×", "′"]


@dataclass
class Tok:
    kind: str      # 'name', 'num', 'op', 'sub' (I_{..}, 1_n, K_{..}), 'end'
    text: str
    col: int       # 1-based column
    extra: str = ""
    at: int = 0    # a subscript's tokens: the column where its text (extra) starts


# Greek letters that look exactly like Latin ones: 'Α' (alpha) next to 'A' would silently be a
# second variable
_HOMOGLYPHS = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEZHIKMNOPTYXo"))


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"'{ch}' ({code} {name})" if name and ch.isprintable() else f"{code} {name}".strip()


def tokenize(line: str, lineno: int, source: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(line)

    def err(msg: str, col: int) -> MatdiffError:
        return MatdiffError(msg, lineno, col, source)

    while i < n:
        ch = line[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#":
            break
        if ch == "\\":   # LaTeX as papers write it (SPEC §9): see latex_input.py
            from .latex_input import command
            more, i = command(line, i, err)
            toks.extend(more)
            continue
        if line.startswith(("I_{", "K_{", "1_{", "D_{", "L_{"), i):
            from .tex_sizes import braced_end
            j = braced_end(line, i + 2)
            if j < 0:
                raise err("missing '}'", i + 1)
            toks.append(Tok("sub", line[i], i + 1, line[i + 3:j - 1], i + 4))
            i = j
            continue
        m = re.compile(r"1_([A-Za-z0-9]+)").match(line, i)
        if m:
            toks.append(Tok("sub", "1", i + 1, m.group(1), i + 3))
            i = m.end()
            continue
        m = _NUMBER.match(line, i)
        if m and not (line[i] == "." and i + 1 < n and not line[i + 1].isdigit()):
            text = m.group(0)
            if len(text) > 400:
                raise err("number too long", i + 1)
            if re.match(r"\.\d", line[m.end():m.end() + 2]):
                raise err(f"malformed number '{text}{line[m.end():m.end() + 2]}...'", i + 1)
            toks.append(Tok("num", text, i + 1))
            i = m.end()
            continue
        m = _NAME.match(line, i)
        if m:
            for j, c in enumerate(m.group(0)):
                if c in _HOMOGLYPHS:
                    raise err(f"{_describe(c)} looks like the Latin '{_HOMOGLYPHS[c]}': write the "
                              "Latin letter (or another Greek one)", i + j + 1)
            sub = _TEX_SUB.match(line, m.end()) if "\\" in line else None
            if sub:   # LaTeX: s_{2}, x_{ij}
                toks.append(Tok("name", f"{m.group(0)}_{sub.group(1)}", i + 1, "tex"))
                i = sub.end()
                continue
            toks.append(Tok("name", m.group(0), i + 1))
            i = m.end()
            continue
        for op in _OPS:
            if line.startswith(op, i):
                if op == ".T" and i + 2 < n and (line[i + 2].isalnum() or line[i + 2] == "_"):
                    continue
                toks.append(Tok("op", {"⊙": "∘", "′": "'", "×": "*"}.get(op, op), i + 1))
                i += len(op)
                break
        else:
            if ch == "_":
                raise err("names must start with a letter", i + 1)
            if ch in "`$;|&![]<>\"":
                raise err(f"unexpected character {_describe(ch)}: this is not part of the "
                          "cell language", i + 1)
            raise err(f"unexpected character {_describe(ch)}", i + 1)
    toks.append(Tok("end", "", len(line) + 1))
    if "\\" in line:   # \frac, \sqrt, norms and braces that group become plain tokens
        from .latex_input import rewrite
        toks = rewrite(toks, err)
    return toks


def parse_dim(text: str, err) -> Dim:
    """'m', '3', 'm*n', 'mn' is a single name; 'm^2'."""
    out = Dim.of(1)
    parts = [p.strip() for p in text.split("*")]
    if not text.strip() or any(not p for p in parts):
        raise err(f"bad dimension '{text}'")
    for p in parts:
        if tri_base(p) is not None:   # n(n+1)/2, the length of vech
            out = out * Dim.of(p)
            continue
        m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*|[0-9]+)(?:\^([0-9]+))?", p)
        if not m:
            raise err(f"bad dimension '{p}': use a name or a positive integer")
        base, k = m.group(1), int(m.group(2) or 1)
        if base.isdigit():
            v = int(base)
            if v <= 0 or v > 10**9:
                raise err(f"a dimension must be a positive integer, got {base}")
            d = Dim.of(v)
        else:
            d = Dim.of(base)
        for _ in range(min(k, 64)):
            out = out * d
            if out.coef > 10**9:
                raise err(f"dimension '{text}' is too large (at most 10^9)")
    return out


@dataclass
class Cell:
    source: str
    symbols: dict[str, E.Sym] = field(default_factory=dict)      # declared or inferred
    declared: set[str] = field(default_factory=set)
    definitions: list[tuple[str, E.Expr]] = field(default_factory=list)
    definition_text: dict[str, str] = field(default_factory=dict)   # as the user wrote it
    target_name: str | None = None
    target: E.Expr | None = None
    target_line: int = 1


class _Line:
    """Recursive-descent parser over the tokens of one line."""

    def __init__(self, parser: Parser, toks: list[Tok], lineno: int) -> None:
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

    # grammar
    def expr(self) -> E.Expr:
        self.enter()
        terms = [self.kron()]
        while self.at("op", "+") or self.at("op", "-"):
            t = self.tok
            self.i += 1
            right = self.kron()
            # shapes are checked term by term (the error points at the operator); the sum
            # is built once, so long sums stay linear
            self.build(E.add, t.col, terms[0], right)
            terms.append(right if t.text == "+" else E.neg(right))
        self.depth -= 1
        return terms[0] if len(terms) == 1 else self.build(E.add, self.tok.col, *terms)

    def kron(self) -> E.Expr:
        left = self.had()
        while self.at("op", "⊗"):
            t = self.tok
            self.i += 1
            left = self.build(E.kron, t.col, left, self.had())
        return left

    def had(self) -> E.Expr:
        left = self.prod()
        while self.at("op", ".*") or self.at("op", "∘") or self.at("op", "./"):
            t = self.tok
            self.i += 1
            right = self.prod()
            if t.text == "./":
                right = self.build(E.hadpow, t.col, right, -1)
            left = self.build(E.hadamard, t.col, left, right)
        return left

    def starts_operand(self) -> bool:
        t = self.tok
        return t.kind in ("name", "num", "sub") or (t.kind == "op" and t.text == "(")

    def prod(self) -> E.Expr:
        left = self.unary()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in ("*", "@", "/"):
                self.i += 1
                right = self.unary()
                if t.text == "/":
                    if not right.is_scalar:
                        raise self.err("division by a matrix: use inv(...) for a matrix "
                                       "inverse or ./ for element-wise division", t.col)
                    right = self.build(E.power, t.col, right, -1)
                left = self.build(E.mul, t.col, left, right)
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
                    and name not in ("I", "ones") and not name.startswith("I_"):
                return self.function(t)
            if name == "I":
                u = self.p.unifier.fresh()
                return E.Identity((u, u))
            if name == "ones":
                return E.Ones((self.p.unifier.fresh(), ONE))
            if name.startswith("I_") and name not in self.p.symbols:
                return self.subscripted(Tok("sub", "I", t.col, name[2:], t.col + 2))
            if name[:2] in ("D_", "L_") and name not in self.p.symbols:
                return self.subscripted(Tok("sub", name[0], t.col, name[2:], t.col + 2))
            if name in RESERVED:
                raise self.err(f"'{name}' is a function: write {name}(...)", t.col)
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
        from .tex_sizes import SizeError, read_size
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
        return self.build(E.call, t.col, name, *args)

def _symbols(e: E.Expr) -> list[E.Sym]:
    if isinstance(e, E.Sym):
        return [e]
    return [x for c in e.children for x in _symbols(c)]


FREE_DIM_NAMES = ("m", "n", "p", "q", "r", "s", "k", "l", "t", "u", "v", "w")


class Parser:
    # True for text that may not introduce sizes (a claim over a cell's symbols)
    sizes_fixed = False

    def __init__(self, source: str, free_dims: bool = False) -> None:
        self.source = source
        self.free_dims = free_dims
        self.unifier = E.Unifier()
        self.symbols: dict[str, E.Sym] = {}
        self.first_use: dict[str, tuple[int, int]] = {}
        self.declared: set[str] = set()
        self.env: dict[str, E.Expr] = {}

    def tex_name(self, t: Tok) -> str:
        """A LaTeX name with a subscript, s_{2}, is the cell's s2 when there is no s_2 (the
        LaTeX printer writes s2 as s_{2})."""
        name = t.text
        if "_" in name and name not in self.env and name not in self.symbols:
            alt = name.replace("_", "", 1)
            if alt in self.env or alt in self.symbols:
                return alt
        return name

    def size_names(self) -> frozenset[str]:
        """The dimension names of the symbols so far (what I_{mn} is read against)."""
        from .tex_sizes import size_names
        u = self.unifier
        return size_names(u.resolve(d) for s in self.symbols.values() for d in s.shape)

    def lookup(self, name: str, t: Tok, lineno: int) -> E.Expr:
        if name in self.env:
            return self.env[name]
        if name not in self.symbols:
            u = self.unifier
            self.symbols[name] = E.Sym((u.fresh(), u.fresh()), name, frozenset())
            self.first_use[name] = (lineno, t.col)
        return self.symbols[name]

    def declare(self, line: str, lineno: int, colon: int) -> None:
        def err(msg: str, col: int) -> MatdiffError:
            return MatdiffError(msg, lineno, col, self.source)
        names = []
        for m in re.finditer(r"[^,\s]+", line[:colon]):
            name = m.group(0)
            if name.startswith("\\"):   # \Sigma : n x n spd
                from .latex_input import declared_name
                name = declared_name(name)
            if not _NAME.fullmatch(name):
                raise err(f"'{name}' is not a valid name", m.start() + 1)
            for j, c in enumerate(name):
                if c in _HOMOGLYPHS:
                    raise err(f"{_describe(c)} looks like the Latin '{_HOMOGLYPHS[c]}': write "
                              "the Latin letter (or another Greek one)", m.start() + j + 1)
            if name in RESERVED or name.startswith("I_"):
                raise err(f"'{name}' is reserved and cannot be declared", m.start() + 1)
            if name in self.declared or name in self.env:
                raise err(f"'{name}' is declared twice", m.start() + 1)
            if name in self.symbols:
                raise err(f"'{name}' is used before its declaration", m.start() + 1)
            names.append(name)
        if not names:
            raise err("a declaration needs a name before ':'", colon + 1)
        names_part = line[:colon].strip()
        if names_part.startswith(",") or names_part.endswith(",") or \
                re.search(r",\s*,", names_part):
            raise err("empty name in the list of names", line.find(",") + 1)
        spec = line[colon + 1:]
        hash_at = spec.find("#")
        if hash_at >= 0:
            spec = spec[:hash_at]
        atom = r"(?:[A-Za-z][A-Za-z0-9_]*|[0-9]+)(?:\^[0-9]+)?"
        words = [(m.group(0), colon + 2 + m.start()) for m in re.finditer(
            r"[0-9]+(?=[ \t]*[x×])|[x×](?=[ \t]*[0-9])|" + atom +
            r"(?:[ \t]*\*[ \t]*" + atom + r")*|\S",
            spec)]
        if not words:
            raise err("a declaration needs a shape after ':' (e.g. 'm x n', 'n' or 'scalar')",
                      len(line) + 1)
        k = 0

        def dim(word: str, col: int) -> Dim:
            if word in ("x", "×") or word in E.PROPERTIES or word == "scalar":
                raise err(f"expected a dimension, found '{word}'", col)
            return parse_dim(word, lambda msg: err(msg, col))
        if words[0][0] == "scalar":
            rows = cols = ONE
            k = 1
        else:
            rows = dim(*words[0])
            cols = ONE
            k = 1
            if k < len(words) and words[k][0] in ("x", "×", ","):
                if k + 1 >= len(words):
                    raise err("incomplete shape: a dimension is missing after 'x'",
                              len(line) + 1)
                cols = dim(*words[k + 1])
                k += 2
        props = []
        for word, col in words[k:]:
            if word not in E.PROPERTIES:
                raise err(f"unknown property '{word}' (known: {', '.join(E.PROPERTIES)})", col)
            if word == "integer" and not (rows.is_one and cols.is_one):
                raise err("'integer' is for a scalar: 'k : scalar integer' (a matrix power X^k)",
                          col)
            if word != "positive" and rows != cols:
                raise err(f"'{word}' needs a square matrix, but the shape is {rows} x {cols}",
                          col)
            both = {word, *props}
            if "lower" in both and both & {"symmetric", "spd"}:
                raise err("a lower-triangular symmetric matrix is diagonal: declare it "
                          "'diagonal'", col)
            props.append(word)
        for name in names:
            self.symbols[name] = E.Sym((rows, cols), name, frozenset(props))
            self.declared.add(name)

    def parse(self) -> Cell:
        src = self.source
        if len(src) > MAX_CELL_CHARS:
            raise MatdiffError(f"the cell is too long ({len(src)} characters; at most "
                               f"{MAX_CELL_CHARS})", 1, 1, src[:200])
        cell = Cell(src)
        lines = src.split("\n")
        target: tuple[int, E.Expr, str | None] | None = None
        for lineno, raw in enumerate(lines, 1):
            line = raw.rstrip("\r")
            for j, ch in enumerate(line):
                if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") \
                        and ch not in "\t\r":
                    raise MatdiffError(f"invisible or control character {_describe(ch)}",
                                       lineno, j + 1, src)
            code = line.split("#", 1)[0]
            if not code.strip():
                continue
            if target is not None:
                raise MatdiffError("the target must be the last line: nothing may follow it",
                                   lineno, 1, src)
            colon = code.find(":")
            if colon >= 0 and "=" not in code[:colon]:
                self.declare(code, lineno, colon)
                continue
            toks = tokenize(line, lineno, src)
            name = None
            if len(toks) > 2 and toks[0].kind == "name" and toks[1].kind == "op" \
                    and toks[1].text == "=":
                name = toks[0].text
                if name in RESERVED or name.startswith("I_"):
                    raise MatdiffError(f"'{name}' is reserved and cannot be defined",
                                       lineno, toks[0].col, src)
                if name in self.env or name in self.symbols:
                    raise MatdiffError(f"'{name}' is already defined", lineno, toks[0].col,
                                       src)
                toks = toks[2:]
                cell.definition_text[name] = code[toks[0].col - 1:].strip()
            elif any(t.kind == "op" and t.text == "=" for t in toks):
                t = next(t for t in toks if t.kind == "op" and t.text == "=")
                raise MatdiffError("a definition is 'name = expression'", lineno, t.col, src)
            lp = _Line(self, toks, lineno)
            e = lp.expr()
            if name is not None and name in self.symbols:
                raise MatdiffError(f"'{name}' is used in its own definition", lineno,
                                   line.find(name) + 1, src)
            if not lp.at("end"):
                t = lp.tok
                raise lp.err(f"unexpected '{t.text}'" + (": an operator or operand is missing"
                                                         if t.text != ")" else
                                                         ": unbalanced parenthesis"))
            size = _tree_size(e)
            if size > MAX_NODES:
                raise MatdiffError(f"the expression is too large: {size} nodes once the "
                                   f"definitions are substituted (at most {MAX_NODES})",
                                   lineno, 1, src)
            if name is not None:
                self.env[name] = e
                cell.definitions.append((name, e))
                if lineno == self._last_code_line(lines):
                    target = (lineno, e, name)
            else:
                target = (lineno, e, None)
        if target is None:
            if self.env:
                lineno, e = len(lines), cell.definitions[-1][1]
                target = (lineno, e, cell.definitions[-1][0])
            else:
                raise MatdiffError("the cell is empty: write declarations and an expression "
                                   "to differentiate, e.g. 'X : m x n' then 'tr(X' X)'", 1, 1,
                                   src)
        cell.target_line, cell.target, cell.target_name = target
        self._resolve(cell)
        return cell

    @staticmethod
    def _last_code_line(lines: list[str]) -> int:
        for k in range(len(lines), 0, -1):
            if lines[k - 1].split("#", 1)[0].strip():
                return k
        return 0

    def _name_free_dims(self) -> None:
        """Give every undetermined dimension a fresh name (m, n, p, ...): the derivative
        holds for any sizes, so free dimensions stay symbolic."""
        u = self.unifier
        used = {n for s in self.symbols.values() for d in s.shape for n, _ in d.factors
                if not n.startswith("?")}
        fresh = (n for n in FREE_DIM_NAMES + tuple(f"n{i}" for i in range(1, 100))
                 if n not in used)
        for s in self.symbols.values():
            for d in s.shape:
                r = u.resolve(d)
                if r.var is not None:
                    u.subst[r.var] = Dim.of(next(fresh))

    def _resolve(self, cell: Cell) -> None:
        u = self.unifier
        if self.free_dims:
            self._name_free_dims()
        fixed: dict[str, E.Sym] = {}
        for name, s in self.symbols.items():
            r, c = u.resolve(s.shape[0]), u.resolve(s.shape[1])
            if r.has_vars or c.has_vars:
                line, col = self.first_use[name]
                raise MatdiffError(f"the shape of '{name}' cannot be determined: declare it, "
                                   f"e.g. '{name} : m x n'", line, col, self.source)
            fixed[name] = E.Sym((r, c), name, s.props)
        memo: dict[int, E.Expr] = {}

        def res(e: E.Expr) -> E.Expr:
            key = id(e)
            if key in memo:
                return memo[key]
            if isinstance(e, E.Sym):
                out: E.Expr = fixed[e.name]
            elif isinstance(e, (E.Identity, E.Zero, E.Ones)):
                r, c = u.resolve(e.shape[0]), u.resolve(e.shape[1])
                if r.has_vars or c.has_vars:
                    what = {"Identity": "I", "Ones": "ones", "Zero": "0"}[type(e).__name__]
                    raise MatdiffError(f"the size of '{what}' cannot be determined: write it "
                                       f"with a size, e.g. '{what}_n'" if what != "0" else
                                       "the size of a zero cannot be determined",
                                       cell.target_line, 1, self.source)
                out = {E.Identity: lambda: E.identity(r), E.Ones: lambda: E.ones(r),
                       E.Zero: lambda: E.zero((r, c))}[type(e)]()
            elif e.children:
                out = E.rebuild(e, tuple(res(c) for c in e.children))
            else:
                out = e
            memo[key] = out
            return out

        token = E._UNIFIER.set(None)
        try:
            cell.target = res(cell.target)
            cell.definitions = [(n, res(d)) for n, d in cell.definitions]
        except E.ShapeError as exc:
            raise MatdiffError(str(exc), cell.target_line, 1, self.source) from None
        finally:
            E._UNIFIER.reset(token)
        cell.symbols = fixed
        cell.declared = self.declared


def parse_cell(source: str, shapes: tuple[str, ...] | list[str] = (),
               free_dims: bool = False) -> Cell:
    """Parse a cell; raise MatdiffError (with line, column and caret) for bad input.

    ``shapes`` are extra declaration lines ('X: m x n') read before the cell (errors in them
    point into the declaration itself); with ``free_dims`` undetermined dimensions get fresh
    names instead of an error (for one-line input without declarations).
    """
    if not isinstance(source, str):
        raise MatdiffError(f"the cell must be text, got {type(source).__name__}")
    p = Parser(source, free_dims)
    token = E._UNIFIER.set(p.unifier)
    try:
        for decl in shapes:
            if not isinstance(decl, str) or ":" not in decl or "\n" in decl:
                raise MatdiffError(f"bad shape declaration {decl!r}: write e.g. 'X: m x n'")
            q = Parser(decl)
            q.symbols, q.declared = p.symbols, p.declared
            q.declare(decl.split("#", 1)[0], 1, decl.index(":"))
        return p.parse()
    except RecursionError:
        raise MatdiffError(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                           1, 1, source[:200]) from None
    finally:
        E._UNIFIER.reset(token)


def parse_expr(text: str, symbols: dict[str, E.Sym]) -> E.Expr:
    """Parse one expression over known symbols (used by the printing round trip)."""
    decl = "\n".join(f"{s.name} : {s.shape[0]} x {s.shape[1]}" +
                     "".join(" " + p for p in sorted(s.props)) for s in symbols.values())
    return parse_cell(decl + "\n" + text).target
