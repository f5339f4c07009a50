"""The cell language (SPEC §1): text -> Cell, with shapes checked and inferred.

Statements: a declaration (``X, Y : m x n  symmetric``), a definition (``name = expr``), an
equation in a declared unknown (``A X + X B = C``: calculus/implicit.py solves it) or the
target; the expression grammar of one line is in grammar.py.

The parser is a hand-written recursive-descent parser: user text is never evaluated.
LaTeX spellings (SPEC §9: \\frac, \\|..\\|_F, \\mathbf{x}, ...) become these tokens in
latex_input.py, with their columns kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..algebra import expr as E
from ..dims import ONE, Dim
from ..errors import MatdiffError
from .grammar import MAX_DEPTH, RESERVED, Line
from .latex_input import declared_name
from .lexer import HOMOGLYPHS, NAME, describe, tokenize
from .tex_sizes import parse_dim, size_names
from .tokens import Tok

MAX_CELL_CHARS = 20_000
MAX_NODES = 5000


# names that are not symbols: every operation (ops), I, ones, K and the word scalar

# a word of a declaration's shape: 3 before an x, x before a number, a size (m, 3, m*n, n^2)
_ATOM = r"(?:[A-Za-z][A-Za-z0-9_]*|[0-9]+)(?:\^[0-9]+)?"
_SHAPE_WORD = re.compile(r"[0-9]+(?=[ \t]*[x×])|[x×](?=[ \t]*[0-9])|" + _ATOM +
                         r"(?:[ \t]*\*[ \t]*" + _ATOM + r")*|\S")
# the ASCII control characters, tab and carriage return excepted
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invisible(line: str) -> int | None:
    """The index of the first invisible or control character of ``line`` (a format,
    control, private-use or unassigned character, or a line or paragraph separator; tab and
    carriage return are allowed), or None."""
    if line.isascii():   # the usual line: one search instead of a look at every character
        m = _ASCII_CONTROL.search(line)
        return m.start() if m else None
    for j, ch in enumerate(line):
        if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") \
                and ch not in "\t\r":
            return j
    return None


@dataclass
class Cell:
    source: str
    symbols: dict[str, E.Sym] = field(default_factory=dict)      # declared or inferred
    declared: set[str] = field(default_factory=set)
    definitions: list[tuple[str, E.Expr]] = field(default_factory=list)
    definition_text: dict[str, str] = field(default_factory=dict)   # as the user wrote it
    # equation lines, in order: (line, column of '=', unknown, left side, right side, text);
    # the unknown is the equation's symbol declared last (calculus/implicit.py solves them)
    equations: list[tuple] = field(default_factory=list)
    target_name: str | None = None
    target: E.Expr | None = None
    target_line: int = 1


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
        self.decl_line: dict[str, int] = {}    # where each declared name was declared
        self.used: set[str] = set()            # the symbols the lines so far have used

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
                name = declared_name(name)
            if not NAME.fullmatch(name):
                raise err(f"'{name}' is not a valid name", m.start() + 1)
            for j, c in enumerate(name):
                if c in HOMOGLYPHS:
                    raise err(f"{describe(c)} looks like the Latin '{HOMOGLYPHS[c]}': write "
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
        words = [(m.group(0), colon + 2 + m.start()) for m in _SHAPE_WORD.finditer(spec)]
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
            if word not in ("positive", "onehot") and rows != cols:
                raise err(f"'{word}' needs a square matrix, but the shape is {rows} x {cols}",
                          col)
            both = {word, *props}
            if "onehot" in both and len(both) > 1:
                raise err("'onehot' labels take no other property", col)
            if "lower" in both and both & {"symmetric", "spd"}:
                raise err("a lower-triangular symmetric matrix is diagonal: declare it "
                          "'diagonal'", col)
            props.append(word)
        for name in names:
            self.symbols[name] = E.Sym((rows, cols), name, frozenset(props))
            self.declared.add(name)
            self.decl_line[name] = lineno

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
            j = _invisible(line)
            if j is not None:
                raise MatdiffError(f"invisible or control character {describe(line[j])}",
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
                cell.equations.append(self.equation(toks, lineno, code,
                                                    lineno == self._last_code_line(lines)))
                continue
            lp = Line(self, toks, lineno)
            e = lp.expr()
            if name is not None and name in self.symbols:
                raise MatdiffError(f"'{name}' is used in its own definition", lineno,
                                   line.find(name) + 1, src)
            if not lp.at("end"):
                t = lp.tok
                raise lp.err(f"unexpected '{t.text}'" + (": an operator or operand is missing"
                                                         if t.text != ")" else
                                                         ": unbalanced parenthesis"))
            self.used |= _names(e)
            size = E.size(e)
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

    def equation(self, toks: list[Tok], lineno: int, code: str, last: bool) -> tuple:
        """An equation line: both sides parsed, and its unknown, the equation's symbol
        declared last (on a line of its own among the equation's symbols, used by no line
        before it). implicit.py solves it; the target may then use the unknown."""
        src = self.source
        at = next(k for k, t in enumerate(toks) if t.kind == "op" and t.text == "=")
        col = toks[at].col
        if last:
            raise MatdiffError("an equation defines its unknown, it is not a target: write "
                               "the target on a line after it (a definition is 'name = "
                               "expression')", lineno, col, src)
        left, right = toks[:at], toks[at + 1:]
        if not left or right[0].kind == "end":
            raise MatdiffError("an equation needs an expression on both sides of '='",
                               lineno, col, src)
        sides = []
        for part in (left + [Tok("end", "", col)], right):
            lp = Line(self, part, lineno)
            sides.append(lp.expr())
            if not lp.at("end"):
                t = lp.tok
                raise lp.err("an equation has one '='" if t.text == "=" else
                             f"unexpected '{t.text}'" + (": an operator or operand is missing"
                                                         if t.text != ")" else
                                                         ": unbalanced parenthesis"))
        try:   # the two sides have one shape (undeclared sizes are unified here)
            E.add(sides[0], E.neg(sides[1]))
        except E.ShapeError as exc:
            raise MatdiffError(f"the two sides of the equation differ in shape: {exc}",
                               lineno, col, src) from None
        # the names as written (X - X folds to 0, but the line is still an equation in X)
        names = {self.tex_name(t) for t in toks if t.kind == "name"} & self.declared
        if not names:
            raise MatdiffError("this line is neither a definition ('name = expression') nor "
                               "an equation in a declared unknown: declare the symbol it "
                               "solves for (e.g. 'X : m x n')", lineno, col, src)
        latest = max(self.decl_line[n] for n in names)
        unknown = sorted(n for n in names if self.decl_line[n] == latest)
        if len(unknown) > 1:
            where = f"line {latest}" if latest >= 1 else "in one shape declaration"
            raise MatdiffError(f"which symbol does this equation solve for? "
                               f"{' and '.join(unknown)} are declared together ({where}): "
                               "declare the unknown on a line of its own, after the "
                               "equation's other symbols", lineno, col, src)
        x = unknown[0]
        if x in self.used:
            raise MatdiffError(f"the equation solves for {x} (declared last), but an earlier "
                               f"line uses {x}: declare the unknown after the equation's "
                               "other symbols, and use it only after its equation",
                               lineno, col, src)
        self.used |= names
        return (lineno, col, x, sides[0], sides[1], code.strip())

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
                known = {"K": "the commutation matrix is written K_{m,n}",
                         "D": "the duplication matrix is written D_n",
                         "L": "the elimination matrix is written L_n"}.get(name)
                raise MatdiffError(f"the shape of '{name}' cannot be determined: declare it, "
                                   f"e.g. '{name} : m x n'" + (f" ({known})" if known else ""),
                                   line, col, self.source)
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
            cell.equations = [(*q[:3], res(q[3]), res(q[4]), q[5]) for q in cell.equations]
        except E.ShapeError as exc:
            raise MatdiffError(str(exc), cell.target_line, 1, self.source) from None
        finally:
            E._UNIFIER.reset(token)
        cell.symbols = fixed
        cell.declared = self.declared


def _names(e: E.Expr) -> set[str]:
    """The names of the symbols in e."""
    out: set[str] = set()
    seen: set[int] = set()

    def walk(x: E.Expr) -> None:
        if id(x) in seen:
            return
        seen.add(id(x))
        if isinstance(x, E.Sym):
            out.add(x.name)
        for c in x.children:
            walk(c)
    walk(e)
    return out


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
        for k, decl in enumerate(shapes):
            if not isinstance(decl, str) or ":" not in decl or "\n" in decl:
                raise MatdiffError(f"bad shape declaration {decl!r}: write e.g. 'X: m x n'")
            q = Parser(decl)
            q.symbols, q.declared = p.symbols, p.declared
            q.declare(decl.split("#", 1)[0], 1, decl.index(":"))
            # declared before the cell's first line, in the order given
            p.decl_line.update({n: k - len(shapes) for n in q.decl_line})
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
