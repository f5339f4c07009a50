"""Random draws of solves, matrix equations, equation lines and chol for the cell generator
(tests/strategies.py, one production of it: ``solves``), with the conditions the sampler
honours (SPEC §11):

* ``solve(A, B)``, ``A \\ B``, ``A\\B``: A an invertible (well-conditioned) term;
* ``sylvester(A, B, C)``, ``lyap(A, Q)``, ``dlyap(A, B, C)``: the coefficients are symbols
  (or their transposes) without a declared property, or spd: the sampler draws them near
  2 I (``Op.domain = 'separated'``), so λ(A) + λ(B) ≠ 0 and λ(A) λ(B) ≠ 1;
* an equation line ``A X = B``, ``A X + X B = C``, ``X B + A X = C`` or ``X - A X B = C``:
  the unknown X is declared on a line of its own just before its equation, after every
  other declaration; the sides use no definitions (which follow the equations), and X is
  then a definition the rest of the cell may use;
* ``chol(S)``: S a symbol declared spd.

A backslash solve is written with a placeholder (⧵) that :func:`finish` turns into ``\\`` on
a line without LaTeX, and into ``^{-1}`` (the same value, A⁻¹B) on a line with LaTeX, where a
backslash starts LaTeX commands.
"""

from __future__ import annotations

import re

from strategies import ATOM, POST, PROD, SCALAR, Definition, Symbol, Term, post_base, wrap

PLACEHOLDER = "⧵"
KINDS = ("solve", "solve", "sylvester", "lyap", "dlyap", "equation", "equation", "chol")


def solves(gen, shape, depth: int) -> Term:
    """A term of ``shape`` drawn from the solves, the matrix equations and chol."""
    r, c = shape
    square, matrix = r == c, not (r.is_one or c.is_one)   # coefficients are matrices
    kinds = [k for k in KINDS if shape != SCALAR and (k not in ("chol", "lyap") or square)
             and (k not in ("sylvester", "dlyap") or matrix)]
    if not kinds or not (r.simple and c.simple):   # no solve of an (mn) x (mn) matrix
        return gen.gen(shape, depth)
    kind = gen.src.pick(kinds)
    d = depth - 1
    if kind == "solve":
        a, b = gen.inv((r, r), d), gen.gen(shape, d)
        # A\B with no space only before a declared symbol or a parenthesis: A\sin(B) is
        # LaTeX's \sin (a product), and A\unvec an unknown command
        tight = b.text in gen.symbols or b.text.startswith("(")
        style = gen.src.pick(("call", "op", "tight") if tight else ("call", "op"))
        if style == "call":
            return Term(f"solve({a.text}, {b.text})", ATOM, a.syms | b.syms)
        op = f" {PLACEHOLDER} " if style == "op" else PLACEHOLDER
        return Term(f"{post_base(a)}{op}{wrap(b, POST)}", PROD, a.syms | b.syms)
    if kind == "chol":
        return _call(gen, "chol", [gen.symbol_term(shape, "spd")])
    if kind == "lyap":
        return _call(gen, "lyap", [coefficient(gen, r), gen.gen(shape, d)])
    if kind == "sylvester":
        return _call(gen, kind, [coefficient(gen, r), coefficient(gen, c), gen.gen(shape, d)])
    if kind == "dlyap":   # |λ(A) λ(B)| / 16 < 1 for A, B near 2 I: never 1
        a = coefficient(gen, r, plain=True)
        scaled = Term(f"{wrap(a, PROD)} / 16", PROD, a.syms)
        return _call(gen, kind, [scaled, coefficient(gen, c, plain=True), gen.gen(shape, d)])
    return equation(gen, shape, d, matrix)


def _call(gen, name: str, args: list[Term]) -> Term:
    syms = frozenset().union(*(a.syms for a in args))
    return Term(f"{name}({', '.join(a.text for a in args)})", ATOM, syms)


def coefficient(gen, d, plain: bool = False) -> Term:
    """A square coefficient of a matrix equation that the sampler draws near 2 I: a symbol
    with no declared property (or, unless ``plain``, spd), possibly transposed."""
    shape = (d, d)
    props = ((),) if plain else ((), ("spd",))
    fits = [s for s in gen.symbols.values() if s.shape == shape and s.props in props]
    if fits and gen.src.flip(0.5):
        s = gen.src.pick(fits)
    else:
        s = Symbol(gen.fresh_name(shape), shape, gen.src.pick(props + ((),)))
        gen.symbols[s.name] = s
    t = Term(s.name, ATOM, frozenset([s.name]))
    return gen.t_transpose(t) if gen.src.flip(0.25) else t


def equation(gen, shape, depth: int, matrix: bool = True) -> Term:
    """The unknown of an equation line in it, declared just before the line."""
    r, c = shape
    # the sides use no definitions (those come later): their names stay taken, under a shape
    # no term asks for
    saved = gen.defs
    gen.defs = [Definition(d.name, (None, None), set(), d.syms, d.text) for d in saved]
    form = gen.src.pick(("solve", "sylvester", "sylvester2", "stein") if matrix else
                        ("solve",))
    if form == "solve":                   # A X = B
        a, b = gen.inv((r, r), depth), gen.gen(shape, depth)
        syms, parts = a.syms | b.syms, (a, b)
    else:
        plain = form == "stein"
        a, b = coefficient(gen, r, plain), coefficient(gen, c, plain)
        rhs = gen.gen(shape, depth)
        syms, parts = a.syms | b.syms | rhs.syms, (a, b, rhs)
    x = gen.fresh_name(shape)             # after the sides: a name none of them took
    a, b = parts[0], parts[1]
    if form == "solve":
        text = f"{wrap(a, PROD)} {x} = {b.text}"
    else:
        left = {"sylvester": f"{wrap(a, PROD)} {x} + {x} {wrap(b, POST)}",
                "sylvester2": f"{x} {wrap(b, POST)} + {wrap(a, PROD)} {x}",
                # |λ(A) λ(B)| / 16 < 1 for A, B near 2 I: the Stein operator is regular
                "stein": f"{x} - {wrap(a, PROD)} {x} {wrap(b, POST)} / 16"}[form]
        text = f"{left} = {parts[2].text}"
    gen.defs = saved + gen.defs[len(saved):]   # an equation drawn inside a side stays known
    gen.equations += [f"{x} : {_shape(shape)}", text]
    gen.defs.append(Definition(x, shape, set(), syms, text))
    return Term(x, ATOM, syms)


def _shape(shape) -> str:
    r, c = shape
    return r.text() if c.is_one else f"{r.text()} x {c.text()}"


def finish(gen, cell: str) -> str:
    """The cell with its backslash solves written out (``A \\ B`` on a line without LaTeX,
    A^{-1} B on a line with LaTeX: the solve's left operand is a postfix operand, its right
    one a factor, so both spellings read the same), and without the equation lines whose
    unknown no later line uses (a term the generator drew and then replaced)."""
    lines = cell.split("\n")
    for decl, text in reversed(list(zip(gen.equations[::2], gen.equations[1::2]))):
        x = decl.split(" : ")[0]
        at = lines.index(text)
        word = re.compile(rf"(?<!\w){re.escape(x)}(?!\w)")
        if not any(word.search(line.split("#", 1)[0]) for line in lines[at + 1:]):
            del lines[at - 1:at + 1]          # the declaration just before it, and the line
    return "\n".join(line.replace(PLACEHOLDER, "\\") if "\\" not in line else
                     line.replace(f" {PLACEHOLDER} ", "^{-1} ").replace(PLACEHOLDER, "^{-1} ")
                     for line in lines)
