"""Random WELL-TYPED cells of the matdiff cell language, as text.

The generator builds typed terms top-down: every request says which shape it needs (and,
where the language has a domain, which kind of value: positive entries, invertible, or
symmetric positive definite), and every production only combines sub-terms whose shapes
make the text type-check. Shapes use symbolic dimensions (m, n, p, q), concrete ones (2, 3)
and products of them (m*n, from Kronecker products and vec).

Domains are kept valid so that a failing numerical check means a wrong derivative:

* ``log``, ``sqrt``, fractional and negative powers (scalar ``^`` and element-wise ``.^``),
  element-wise division and division by a scalar only ever see *positive* terms (declared
  ``positive``, ``exp(...)``, ``sigmoid(...)``, sums / products / quotients of positive
  terms, ``fro``, ``norm2``, ``det`` of spd, ...);
* ``inv``, ``^-1``, ``^-T`` and ``det`` see *invertible* terms (declared invertible, spd or
  orthogonal symbols, products, transposes, inverses and powers of invertible terms, spd
  terms, positive multiples);
* ``logdet`` sees *spd* terms (spd symbols, sums of spd terms, ``M' M + S``, congruences
  ``A' S A`` with A invertible, inverses, ``diag`` of a positive vector, ...).

The generator is driven by a *source* with three methods (``int(lo, hi)``, ``pick(seq)``,
``flip(p)``), so the same code runs under hypothesis (:func:`cases`, which shrinks) and
under a plain ``random.Random(seed)`` (:func:`random_case`, used by benchmarks/soak.py).
Index 0 of every choice is the simplest option, so hypothesis shrinks towards small cells.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

try:  # hypothesis is only needed for the strategy, not for the soak driver
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    st = None

# Precedence levels of the cell language, loosest to tightest.
ADD, KRON, HAD, PROD, NEG, POST, ATOM = range(1, 8)

SYM_DIMS = ("m", "n", "p", "q")
INT_DIMS = (2, 3)
MATRIX_NAMES = ("A", "B", "C", "D", "G", "J", "M", "N", "P", "Q", "R", "S", "U", "V", "W",
                "X", "Y", "Ω")
VECTOR_NAMES = ("x", "y", "z", "u", "v", "w", "a", "b", "c")
SCALAR_NAMES = ("s", "t", "r", "α", "β", "λ")
DEF_NAMES = ("H", "G1", "H2", "Hk", "Φ")
TARGET_NAMES = ("f", "F", "out", "loss")
SQUARE_PROPS = ("symmetric", "spd", "invertible", "diagonal", "orthogonal")
# comments are free text: quotes, backslashes and LaTeX must survive every output
COMMENTS = ("a declaration", "generated cell", 'it\'s the "loss"', "see Magnus & Neudecker",
            "x' A x, A ⊗ B, \\otimes", "C:\\new\\table", "'''single''' and \"\"\"triple\"\"\"",
            "\\N{BULLET} \\x41 \\u2297", "<b>html</b> & {braces} %s $x$")


# --- sources of randomness ----------------------------------------------------------------------

class RandomSource:
    """Draws from a random.Random (the soak driver)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def flip(self, p: float) -> bool:
        return self.rng.random() < p


class HypothesisSource:
    """Draws through hypothesis' ``draw`` (shrinks towards index 0 / False)."""

    def __init__(self, draw) -> None:
        self.draw = draw

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def pick(self, seq):
        return seq[self.draw(st.integers(0, len(seq) - 1))]

    def flip(self, p: float) -> bool:
        return self.draw(st.integers(0, 999)) >= round(1000 * (1 - p))


# --- dimensions and shapes ------------------------------------------------------------------------

@dataclass(frozen=True)
class Dim:
    """c * m * n ... (names sorted, with repetition)."""
    coef: int = 1
    names: tuple[str, ...] = ()

    @staticmethod
    def of(x) -> Dim:
        return Dim(x, ()) if isinstance(x, int) else Dim(1, (x,))

    def __mul__(self, other: Dim) -> Dim:
        return Dim(self.coef * other.coef, tuple(sorted(self.names + other.names)))

    @property
    def is_one(self) -> bool:
        return self.coef == 1 and not self.names

    @property
    def simple(self) -> bool:
        return not self.names or (self.coef == 1 and len(self.names) == 1)

    def text(self) -> str:
        parts = ([str(self.coef)] if self.coef != 1 or not self.names else []) + list(self.names)
        return "*".join(parts)

    def sub(self) -> str:
        """The subscript after I_ / 1_: n, 3 or {m*n}."""
        return self.text() if self.simple else "{" + self.text() + "}"

    def atoms(self) -> list[Dim]:
        out = [Dim.of(n) for n in self.names]
        c = self.coef
        for p in (2, 3, 5, 7):
            while c % p == 0 and c > 1:
                out.append(Dim.of(p))
                c //= p
        if c > 1:
            out.append(Dim.of(c))
        return out


ONE = Dim()
Shape = tuple  # (Dim, Dim)
SCALAR = (ONE, ONE)


def shape_text(shape) -> str:
    r, c = shape
    if r.is_one and c.is_one:
        return "scalar"
    if c.is_one:
        return r.text()
    return f"{r.text()} x {c.text()}"


def is_square(shape) -> bool:
    return shape[0] == shape[1]


# --- terms -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    text: str
    prec: int
    syms: frozenset = frozenset()      # symbols the term depends on (definitions expanded)
    num: bool = False                  # a bare number literal
    bare: bool = False                 # bare I / ones: size comes from the context


def wrap(t: Term, level: int) -> str:
    return f"({t.text})" if t.prec < level else t.text


def post_base(t: Term) -> str:
    """The operand of a postfix operator: numbers and looser terms get parentheses; a
    trailing digit gets a space so that '2.' is never read as a number."""
    s = f"({t.text})" if (t.prec < POST or t.num or t.bare) else t.text
    return s + " " if s[-1].isdigit() else s


@dataclass
class Symbol:
    name: str
    shape: tuple
    props: tuple[str, ...] = ()

    @property
    def kinds(self) -> set[str]:
        p = set(self.props)
        out = set()
        if "positive" in p:
            out.add("pos")
        if p & {"spd"}:
            out |= {"spd", "inv"}
        if p & {"invertible", "orthogonal"}:
            out.add("inv")
        return out


@dataclass
class Definition:
    name: str
    shape: tuple
    kinds: set
    syms: frozenset
    text: str


@dataclass
class Case:
    """A generated cell, the variable to differentiate with respect to, and what we know."""
    cell: str
    wrt: str
    target_shape: tuple
    symbols: dict = field(default_factory=dict)

    @property
    def gradient(self) -> bool:
        return self.target_shape == SCALAR

    def __str__(self) -> str:
        return f"derive({self.cell!r}, wrt={self.wrt!r})"

    __repr__ = __str__   # what hypothesis prints for a falsifying example

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


# --- the generator -------------------------------------------------------------------------------

class CellGen:
    def __init__(self, src, max_depth: int = 6, leaf_p: float = 0.3) -> None:
        self.src = src
        self.max_depth = max_depth
        self.leaf_p = leaf_p
        self.symbols: dict[str, Symbol] = {}
        self.defs: list[Definition] = []
        self.equations: list[str] = []   # equation lines with their unknowns (solve_draws)

    # -- helpers --------------------------------------------------------------------------------
    def base_dim(self, one_weight: int = 1) -> Dim:
        pool = (["m", "n", "p", "q", "n", "m"] + list(INT_DIMS) + [1] * one_weight)
        return Dim.of(self.src.pick(pool))

    def random_shape(self, scalar_p: float = 0.2, compound_p: float = 0.0) -> tuple:
        if self.src.flip(scalar_p):
            return SCALAR
        r = self.base_dim(1)
        c = self.base_dim(2)
        if self.src.flip(compound_p):
            r = r * self.base_dim(0)
            if self.src.flip(0.5):
                c = c * self.base_dim(0)
        if r.is_one and c.is_one:
            r = Dim.of("n")
        return (r, c)

    def fresh_name(self, shape) -> str:
        r, c = shape
        pool = SCALAR_NAMES if shape == SCALAR else VECTOR_NAMES if c.is_one else MATRIX_NAMES
        taken = set(self.symbols) | {d.name for d in self.defs}
        free = [n for n in pool if n not in taken]
        if free:
            return self.src.pick(free)
        k = 1
        while True:
            k += 1
            free = [n + str(k) for n in pool if n + str(k) not in taken]
            if free:
                return self.src.pick(free)

    def new_symbol(self, shape, kind: str | None = None) -> Symbol:
        props: tuple[str, ...] = ()
        square = is_square(shape) and shape != SCALAR
        if kind == "pos":
            props = ("positive",)
        elif kind == "spd":
            props = ("spd",)
        elif kind == "inv":
            props = (self.src.pick(("invertible", "spd", "orthogonal")),)
        elif square and self.src.flip(0.35):
            props = (self.src.pick(SQUARE_PROPS),)
        elif self.src.flip(0.1):
            props = ("positive",)
        s = Symbol(self.fresh_name(shape), shape, props)
        self.symbols[s.name] = s
        return s

    def symbol_term(self, shape, kind: str | None = None) -> Term:
        fits = [s for s in self.symbols.values() if s.shape == shape and
                (kind is None or kind in s.kinds)]
        if fits and self.src.flip(0.6):
            s = self.src.pick(fits)
        else:
            s = self.new_symbol(shape, kind)
        return Term(s.name, ATOM, frozenset([s.name]))

    def def_term(self, shape, kind: str | None = None) -> Term | None:
        fits = [d for d in self.defs if d.shape == shape and (kind is None or kind in d.kinds)]
        if not fits:
            return None
        d = self.src.pick(fits)
        return Term(d.name, ATOM, d.syms)

    def number(self, positive: bool = True) -> Term:
        text = self.src.pick(("2", "3", "0.5", "1.5", "4", "0.25"))
        return Term(text, ATOM, num=True)

    def identity(self, d: Dim) -> Term:
        return Term(f"I_{d.sub()}", ATOM)

    def ones(self, d: Dim) -> Term:
        return Term(f"1_{d.sub()}", ATOM)

    # -- combinators (text with correct parentheses) ---------------------------------------------
    def t_add(self, a: Term, b: Term, op: str = "+") -> Term:
        return Term(f"{wrap(a, ADD)} {op} {wrap(b, KRON)}", ADD, a.syms | b.syms)

    def t_kron(self, a: Term, b: Term) -> Term:
        style = self.src.pick(("call", "op", "latex"))
        if style == "call":
            return Term(f"kron({a.text}, {b.text})", ATOM, a.syms | b.syms)
        op = "⊗" if style == "op" else "\\otimes"
        return Term(f"{wrap(a, KRON)} {op} {wrap(b, HAD)}", KRON, a.syms | b.syms)

    def t_had(self, a: Term, b: Term) -> Term:
        op = self.src.pick((".*", "∘", "⊙", "\\circ", "\\odot"))
        return Term(f"{wrap(a, HAD)} {op} {wrap(b, PROD)}", HAD, a.syms | b.syms)

    def t_hdiv(self, a: Term, b: Term) -> Term:
        return Term(f"{wrap(a, HAD)} ./ {wrap(b, PROD)}", HAD, a.syms | b.syms)

    def t_mul(self, a: Term, b: Term) -> Term:
        op = self.src.pick((" ", " * ", " @ ", "*"))
        if op == " ":
            return Term(f"{wrap(a, PROD)} {wrap(b, POST)}", PROD, a.syms | b.syms)
        return Term(f"{wrap(a, PROD)}{op}{wrap(b, NEG)}", PROD, a.syms | b.syms)

    def t_div(self, a: Term, s: Term) -> Term:
        return Term(f"{wrap(a, PROD)} / {wrap(s, NEG)}", PROD, a.syms | s.syms)

    def t_neg(self, a: Term) -> Term:
        return Term(f"-{wrap(a, NEG)}", NEG, a.syms)

    def t_post(self, a: Term, suffix: str) -> Term:
        return Term(post_base(a) + suffix, POST, a.syms)

    def t_transpose(self, a: Term) -> Term:
        suffix = self.src.pick(("'", "'", "ᵀ", ".T", "^T", "^\\top", "′"))
        if suffix == ".T":   # '.T' must not run into a following name
            return Term(f"({post_base(a)}.T)", ATOM, a.syms)
        return self.t_post(a, suffix)

    def t_inverse(self, a: Term) -> Term:
        style = self.src.pick(("inv", "^-1", "^{-1}", "^(-1)", "^-T"))
        if style == "inv":
            return self.t_call("inv", a)
        return self.t_post(a, style)

    def t_call(self, name: str, a: Term) -> Term:
        latex = {"tr": "\\operatorname{tr}", "det": "\\det", "exp": "\\exp", "log": "\\log",
                 "sin": "\\sin", "cos": "\\cos", "tanh": "\\tanh"}
        if name in latex and self.src.flip(0.1):
            name = latex[name]
        return Term(f"{name}({a.text})", ATOM, a.syms)

    # -- the productions --------------------------------------------------------------------------
    def stop(self, depth: int) -> bool:
        return depth <= 0 or self.src.flip(self.leaf_p)

    def split(self, d: Dim) -> tuple[Dim, Dim]:
        """d = d1 * d2 with a random sub-multiset of its atoms."""
        d1 = d2 = ONE
        for a in d.atoms():
            if self.src.flip(0.5):
                d1 = d1 * a
            else:
                d2 = d2 * a
        return d1, d2

    def split_nontrivial(self, d: Dim) -> tuple[Dim, Dim]:
        """d = a * b with a, b != 1 (d has at least two atoms)."""
        atoms = d.atoms()
        i = self.src.int(0, len(atoms) - 1)
        a, b = atoms[i], ONE
        for j, x in enumerate(atoms):
            if j != i:
                if b.is_one or not self.src.flip(0.3):
                    b = b * x
                else:
                    a = a * x
        return a, b

    def leaf(self, shape) -> Term:
        r, c = shape
        opts = ["sym", "sym", "sym"]
        if self.def_term(shape) is not None:
            opts += ["def", "def"]
        if shape == SCALAR:
            opts += ["num"]
        elif r == c:
            opts += ["I"] + (["K", "K"] if len(r.atoms()) >= 2 else [])
        elif c.is_one:
            opts += ["ones"]
        o = self.src.pick(opts)
        if o == "def":
            return self.def_term(shape)
        if o == "K":   # the commutation matrix K_{a,b}, (ab) x (ab)
            a, b = self.split_nontrivial(r)
            return Term(f"K_{{{a.text()},{b.text()}}}", ATOM)
        if o == "num":
            return self.number()
        if o == "I":
            return self.identity(r)
        if o == "ones":
            return self.ones(r)
        return self.symbol_term(shape)

    def gen(self, shape, depth: int, top: bool = False) -> Term:
        """Any term of the given shape (``top``: not a bare leaf)."""
        if not top and self.stop(depth):
            return self.leaf(shape)
        r, c = shape
        d = depth - 1
        scalar = shape == SCALAR
        opts = ["add", "sub", "neg", "scale", "div", "mul", "mul", "mul", "transpose", "had",
                "hdiv", "hpow", "ewise", "ewise", "kron", "pos"]
        if r == c and not scalar:
            opts += ["inv", "mpow", "diagv", "addI"]
        if c.is_one and not scalar:
            opts += ["vec", "diagof"] + (["commvec"] if len(r.atoms()) >= 2 else [])
        if not c.is_one:
            opts += ["unvec"]
        if scalar:
            opts += ["tr", "det", "logdet", "sum", "fro", "norm2", "quad", "spow", "spow",
                     "trace_mul", "sum_kron"]
        if not (r.simple and c.simple) and not scalar:
            opts += ["kron", "kron"] + (["vec", "vec"] if c.is_one else [])
        if not scalar:   # softmax of a column, or row by row; a number added to each entry
            opts += ["softmax", "bcast"]
        if scalar:
            opts += ["lse", "size"]
        if self.defs:
            opts += ["defref"]
        opts += ["solves"]   # solves, matrix equations, equation lines, chol: solve_draws.py
        o = self.src.pick(opts)
        g = self.gen
        if o == "solves":
            from solve_draws import solves
            return solves(self, shape, d)
        if o == "defref":
            t = self.def_term(shape)
            return t if t is not None else self.leaf(shape)
        if o == "add":
            return self.t_add(g(shape, d), g(shape, d))
        if o == "sub":
            return self.t_add(g(shape, d), g(shape, d), "-")
        if o == "addI":
            return self.t_add(g(shape, d), Term("I", ATOM, bare=True))
        if o == "neg":
            return self.t_neg(g(shape, d))
        if o == "scale":
            s, a = g(SCALAR, d), g(shape, d)
            return self.t_mul(s, a) if self.src.flip(0.7) else self.t_mul(a, s)
        if o == "div":
            return self.t_div(g(shape, d), self.pos(SCALAR, d))
        if o == "mul":
            k = self.base_dim(2)
            return self.t_mul(g((r, k), d), g((k, c), d))
        if o == "transpose":
            return self.t_transpose(g((c, r), d))
        if o == "had":
            return self.t_had(g(shape, d), g(shape, d))
        if o == "hdiv":
            return self.t_hdiv(g(shape, d), self.pos(shape, d))
        if o == "hpow":
            p = self.src.pick(("2", "3", "2"))
            return self.t_post(g(shape, d), ".^" + p)
        if o == "ewise":
            name = self.src.pick(("exp", "sin", "cos", "tanh", "sigmoid", "abs", "log", "sqrt",
                                   "softplus", "log1p", "expm1", "tan"))
            arg = self.pos(shape, d) if name in ("log", "sqrt", "log1p") else g(shape, d)
            if name == "abs":   # |.| is not differentiable at 0: no structural zeros
                arg = self.t_add(arg, self.pos(shape, d))   # (diagonal P, I, 0 - 0, ...)
            if name in ("exp", "expm1"):  # keep exp's argument tame: exp(exp(exp(.))) overflows
                arg = self.tame(shape, d)
            if name == "tan":   # |tanh| < 0.77 < π/2: never near a pole of tan
                arg = self.t_call("tanh", arg)
            return self.t_call(name, arg)
        if o == "pos":
            return self.pos(shape, d)
        if o == "softmax":
            name = self.src.pick(("softmax", "softmax", "log_softmax"))
            return self.t_call(name, self.tame(shape, d))
        if o == "bcast":
            n = self.number()
            return self.t_add(n, g(shape, d), self.src.pick(("+", "-"))) if self.src.flip(0.5) \
                else self.t_add(g(shape, d), n, self.src.pick(("+", "-")))
        if o == "kron":
            r1, r2 = self.split(r)
            c1, c2 = self.split(c)
            return self.t_kron(g((r1, c1), d), g((r2, c2), d))
        if o == "inv":
            return self.t_inverse(self.inv(shape, d))
        if o == "mpow":
            base = self.tame(shape, d)
            return self.t_post(base, self.src.pick(("^2", "^3", "^{2}")))
        if o == "diagv":
            return self.t_call("diag", g((r, ONE), d))
        if o == "vec":
            a, b = self.split(r)
            return self.t_call("vec", g((a, b), d))
        if o == "diagof":
            return self.t_call("diag", g((r, r), d))
        if o == "commvec":   # K_{a,b} vec(M) = vec(M') for M (a x b)
            a, b = self.split_nontrivial(r)
            k = Term(f"K_{{{a.text()},{b.text()}}}", ATOM)
            return self.t_mul(k, self.t_call("vec", g((a, b), d)))
        if o == "unvec":   # unvec(v, r): the r x c matrix whose vec is v
            v = g((r * c, ONE), d)
            return Term(f"unvec({v.text}, {r.sub()})", ATOM, v.syms)
        # scalar productions
        k = self.base_dim(0)
        if o == "tr":
            return self.t_call("tr", g((k, k), d))
        if o == "trace_mul":
            k2 = self.base_dim(1)
            return self.t_call("tr", self.t_mul(g((k, k2), d), g((k2, k), d)))
        if o == "det":
            return self.t_call("det", self.inv((k, k), d))
        if o == "logdet":
            return self.t_call("logdet", self.spd((k, k), d))
        if o == "lse":     # log-sum-exp of a column, or the sum of its values row by row
            shp = self.random_shape(0.0)
            lse = self.t_call("logsumexp", self.tame(shp, d))
            return lse if shp[1].is_one else self.t_call("sum", lse)
        if o == "size":    # a size where a number fits: g / n, n the size of a symbol so far
            sizes = sorted({n for sym in self.symbols.values() for dim in sym.shape
                            for n in dim.names})
            n = Term(self.src.pick(sizes), ATOM) if sizes else self.number()
            return self.t_div(g(SCALAR, d), n)
        if o == "sum":
            return self.t_call("sum", g(self.random_shape(0.0), d))
        if o == "sum_kron":
            return self.t_call("sum", self.t_kron(g((k, ONE), d), g((ONE, self.base_dim(0)), d)))
        # fro / norm2 are not differentiable at 0: never of a term that may vanish (Y - Y)
        if o == "fro":
            shp = self.random_shape(0.0)
            return self.t_call("fro", self.t_add(g(shp, d), self.pos(shp, d)))
        if o == "norm2":
            v = self.t_add(g((k, ONE), d), self.pos((k, ONE), d))
            return self.t_call("norm2", v if self.src.flip(0.7) else self.t_transpose(v))
        if o == "quad":
            k2 = self.base_dim(0)
            if self.src.flip(0.5):   # x' A y
                return self.t_mul(self.t_mul(self.t_transpose(g((k, ONE), d)), g((k, k2), d)),
                                  g((k2, ONE), d))
            return self.t_mul(self.t_transpose(g((k, ONE), d)), g((k, ONE), d))
        if o == "spow":
            if self.src.flip(0.5):
                p = self.src.pick(("(1/2)", "0.5", "-1", "(-1/2)", "1.5", "-2", "{-1}", "(2/3)"))
                return self.t_post(self.pos(SCALAR, d), "^" + p)
            return self.t_post(g(SCALAR, d), self.src.pick(("^2", "^3")))
        raise AssertionError(o)

    def tame(self, shape, depth: int) -> Term:
        """A term of moderate size: a leaf, a bounded function of one, or a small sum."""
        if self.stop(depth) or self.src.flip(0.3):
            return self.leaf(shape)
        o = self.src.pick(("tanh", "sin", "neg", "add", "scale"))
        d = depth - 1
        if o in ("tanh", "sin"):
            return self.t_call(o, self.gen(shape, d))
        if o == "neg":
            return self.t_neg(self.tame(shape, d))
        if o == "scale":
            return self.t_mul(self.number(), self.tame(shape, d))
        return self.t_add(self.tame(shape, d), self.tame(shape, d))

    def pos(self, shape, depth: int) -> Term:
        """A term whose entries are all positive."""
        r, c = shape
        scalar = shape == SCALAR
        if self.stop(depth):
            opts = ["sym", "sym"]
            if self.def_term(shape, "pos") is not None:
                opts.append("def")
            if scalar:
                opts += ["num", "num"]
            elif c.is_one:
                opts.append("ones")
            o = self.src.pick(opts)
            if o == "def":
                return self.def_term(shape, "pos")
            if o == "num":
                return self.number()
            if o == "ones":
                return self.ones(r)
            return self.symbol_term(shape, "pos")
        d = depth - 1
        p = self.pos
        opts = ["exp", "sigmoid", "add", "had", "hdiv", "sqrt", "hpow", "scale", "mul",
                "transpose", "kron", "div"]
        if scalar:
            opts += ["sum", "tr", "fro", "norm2", "spow", "det_spd", "quad_spd", "logdet1"]
        if c.is_one and not scalar and not r.simple:
            opts += ["vec"]
        if self.def_term(shape, "pos") is not None:
            opts.append("defref")
        o = self.src.pick(opts)
        if o == "defref":
            return self.def_term(shape, "pos")
        if o == "exp":
            return self.t_call("exp", self.tame(shape, d))
        if o == "sigmoid":
            return self.t_call("sigmoid", self.gen(shape, d))
        if o == "add":
            return self.t_add(p(shape, d), p(shape, d))
        if o == "had":
            return self.t_had(p(shape, d), p(shape, d))
        if o == "hdiv":
            return self.t_hdiv(p(shape, d), p(shape, d))
        if o == "sqrt":
            return self.t_call("sqrt", p(shape, d))
        if o == "hpow":
            e = self.src.pick(("2", "0.5", "(1/2)", "-1", "(-1/2)", "1.5", "-2", "3"))
            return self.t_post(p(shape, d), (".^" if not scalar else "^") + e)
        if o == "scale":
            return self.t_mul(p(SCALAR, d), p(shape, d))
        if o == "div":
            return self.t_div(p(shape, d), p(SCALAR, d))
        if o == "mul":
            k = self.base_dim(1)
            return self.t_mul(p((r, k), d), p((k, c), d))
        if o == "transpose":
            return self.t_transpose(p((c, r), d))
        if o == "kron":
            r1, r2 = self.split(r)
            c1, c2 = self.split(c)
            return self.t_kron(p((r1, c1), d), p((r2, c2), d))
        if o == "vec":
            a, b = self.split(r)
            return self.t_call("vec", p((a, b), d))
        k = self.base_dim(0)
        if o == "sum":
            return self.t_call("sum", p(self.random_shape(0.0), d))
        if o == "tr":
            return self.t_call("tr", p((k, k), d))
        if o == "fro":   # of a positive term: never the zero matrix (fro(Y - Y) = 0)
            return self.t_call("fro", p(self.random_shape(0.0), d))
        if o == "norm2":
            return self.t_call("norm2", p((k, ONE), d))
        if o == "spow":
            return self.t_post(p(SCALAR, d), "^" + self.src.pick(("(1/2)", "-1", "2", "1.5")))
        if o == "det_spd":
            return self.t_call("det", self.spd((k, k), d))
        if o == "quad_spd":   # x' S x with S spd and x != 0
            x = p((k, ONE), d)
            return self.t_mul(self.t_mul(self.t_transpose(x), self.spd((k, k), d)), x)
        if o == "logdet1":     # logdet(I + M'M) > 0... not always; use exp(logdet(S))
            return self.t_call("exp", self.t_call("logdet", self.spd((k, k), d)))
        raise AssertionError(o)

    def inv(self, shape, depth: int) -> Term:
        """An invertible (well conditioned) square term."""
        r, _ = shape
        if shape == SCALAR:
            return self.pos(shape, depth)
        if self.stop(depth):
            t = self.def_term(shape, "inv") if self.src.flip(0.3) else None
            return t or self.symbol_term(shape, "inv")
        d = depth - 1
        o = self.src.pick(("mul", "transpose", "inverse", "power", "spd", "scale", "kron",
                           "diagpos", "neg"))
        if o == "mul":
            return self.t_mul(self.inv(shape, d), self.inv(shape, d))
        if o == "transpose":
            return self.t_transpose(self.inv(shape, d))
        if o == "inverse":
            return self.t_inverse(self.inv(shape, d))
        if o == "power":
            return self.t_post(self.inv(shape, d), self.src.pick(("^2", "^-1", "^-T", "^3")))
        if o == "spd":
            return self.spd(shape, d)
        if o == "scale":
            return self.t_mul(self.pos(SCALAR, d), self.inv(shape, d))
        if o == "neg":
            return self.t_neg(self.inv(shape, d))
        if o == "diagpos":
            return self.t_call("diag", self.pos((r, ONE), d))
        if o == "kron":
            r1, r2 = self.split(r)
            return self.t_kron(self.inv((r1, r1), d), self.inv((r2, r2), d))
        raise AssertionError(o)

    def spd(self, shape, depth: int) -> Term:
        """A symmetric positive definite term."""
        r, _ = shape
        if shape == SCALAR:
            return self.pos(shape, depth)
        if self.stop(depth):
            t = self.def_term(shape, "spd") if self.src.flip(0.3) else None
            return t or self.symbol_term(shape, "spd")
        d = depth - 1
        o = self.src.pick(("add", "gram", "inverse", "scale", "congruence", "diagpos", "kron",
                           "plusI"))
        if o == "add":
            return self.t_add(self.spd(shape, d), self.spd(shape, d))
        if o == "gram":   # M' M + S
            k = self.base_dim(0)
            m = self.gen((k, r), d)
            return self.t_add(self.t_mul(self.t_transpose(m), m), self.spd(shape, d))
        if o == "plusI":  # M M' + I
            k = self.base_dim(0)
            m = self.gen((r, k), d)
            return self.t_add(self.t_mul(m, self.t_transpose(m)),
                              self.identity(r) if self.src.flip(0.5) else
                              Term("I", ATOM, bare=True))
        if o == "inverse":
            return self.t_inverse(self.spd(shape, d))
        if o == "scale":
            return self.t_mul(self.pos(SCALAR, d), self.spd(shape, d))
        if o == "congruence":   # A' S A with A invertible
            a = self.inv(shape, d)
            return self.t_mul(self.t_mul(self.t_transpose(a), self.spd(shape, d)), a)
        if o == "diagpos":
            return self.t_call("diag", self.pos((r, ONE), d))
        if o == "kron":
            r1, r2 = self.split(r)
            return self.t_kron(self.spd((r1, r1), d), self.spd((r2, r2), d))
        raise AssertionError(o)

    def any_kind(self, kind: str | None, shape, depth: int) -> Term:
        if kind == "pos":
            return self.pos(shape, depth)
        if kind == "inv":
            return self.inv(shape, depth)
        if kind == "spd":
            return self.spd(shape, depth)
        return self.gen(shape, depth)

    # -- the cell ------------------------------------------------------------------------------
    def case(self) -> Case:
        src = self.src
        depth = src.pick(tuple(range(1, self.max_depth + 1)) + (3, 4, 5, 6))
        depth = min(depth, self.max_depth)
        lines_defs: list[str] = []
        for _ in range(src.pick((0, 0, 1, 1, 2, 3))):
            shape = self.random_shape(0.25)
            kinds = [None, None, "pos"] + (["inv", "spd"] if is_square(shape) and
                                           shape != SCALAR else [])
            kind = src.pick(kinds)
            t = self.any_kind(kind, shape, src.int(0, max(0, depth - 1)))
            name = src.pick([n for n in DEF_NAMES if n not in {x.name for x in self.defs}])
            declared_kinds = {kind} if kind else set()
            if kind == "spd":
                declared_kinds.add("inv")
            self.defs.append(Definition(name, shape, declared_kinds, t.syms, t.text))
            lines_defs.append(f"{name} = {t.text}")
        shape = self.random_shape(0.45, 0.1)
        if src.flip(0.06):   # a square shape with a product dimension: (mn) x (mn)
            k = self.base_dim(0) * self.base_dim(0)
            shape = (k, k) if not k.is_one else shape
        target = self.gen(shape, depth, top=True)
        if not target.syms:   # make sure there is something to differentiate
            target = self.t_add(target, self.symbol_term(shape))
        wrt = src.pick(sorted(target.syms))
        # declarations: all symbols, some grouped on one line
        decls: list[str] = []
        groups: list[tuple[tuple, list[str]]] = []
        for s in self.symbols.values():
            key = (shape_text(s.shape), s.props)
            same = [g for g in groups if g[0] == key]
            if same and src.flip(0.4):
                same[-1][1].append(s.name)
            else:
                groups.append((key, [s.name]))
        for (shp, props), names in groups:
            line = f"{', '.join(names)} : {shp}" + "".join(" " + p for p in props)
            if src.flip(0.1):
                line += "   # " + src.pick(COMMENTS)
            decls.append(line)
        lines = decls + self.equations + lines_defs
        if src.flip(0.5):
            tname = src.pick(TARGET_NAMES)
            lines.append(f"{tname} = {target.text}")
        else:
            lines.append(target.text)
        if src.flip(0.1):
            lines.insert(0, "# " + src.pick(COMMENTS))
        if src.flip(0.1):
            lines.insert(len(lines) - 1, "")
        from solve_draws import finish  # a backslash solve: A \ B, or A^{-1} B with LaTeX
        return Case(finish(self, "\n".join(lines)), wrt, shape, dict(self.symbols))


def build_case(src, max_depth: int = 6) -> Case:
    return CellGen(src, max_depth).case()


def random_case(rng: random.Random, max_depth: int = 6) -> Case:
    """A random well-typed case from a random.Random (no hypothesis needed)."""
    return build_case(RandomSource(rng), max_depth)


if st is not None:
    @st.composite
    def cases(draw, max_depth: int = 6) -> Case:
        """Hypothesis strategy: a random well-typed Case."""
        return build_case(HypothesisSource(draw), max_depth)
