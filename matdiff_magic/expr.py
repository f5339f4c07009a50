"""Expression nodes: immutable, hashable, each carrying its shape.

Nodes are plain frozen dataclasses; the smart constructors below (``add``, ``mul``,
``kron``, ...) check shapes and fold trivial algebra (X'' = X, I X = X, 0 + X = X, 2 (3 X) =
6 X). Anything more clever lives in ``simplify``. Printing lives in ``render`` (which
installs the printers ``str`` uses in ``PRINTERS``), the shape rules of named operations in
the registry ``ops`` (which installs them in ``CALL_RULES``).

Product semantics: in a ``Mul`` every 1 x 1 factor acts as a scalar (they come first), and
the remaining factors form a conformable matrix chain.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from . import memo as _memo
from .dims import ONE, SCALAR, Dim, Shape, shape_str, triangular

F0, F1 = Fraction(0), Fraction(1)   # shared: Fraction() is slow on hot paths


class ShapeError(Exception):
    """A shape conflict; the parser turns it into a MatdiffError with a position."""


# --- unification hook -------------------------------------------------------------------------
# While a cell is parsed, undeclared symbols have dimensions that are variables ('?1'); the
# parser installs a Unifier so that the constructors can bind them. Outside parsing, dims are
# compared for equality.

class Unifier:
    def __init__(self) -> None:
        self.subst: dict[str, Dim] = {}
        self.count = 0

    def fresh(self) -> Dim:
        self.count += 1
        return Dim.of(f"?{self.count}")

    def resolve(self, d: Dim) -> Dim:
        """d with every bound variable replaced (union-find with path compression)."""
        if not d.has_vars:
            return d
        if d.var is not None:
            path = []
            cur = d
            while cur.var is not None and cur.var in self.subst:
                path.append(cur.var)
                cur = self.subst[cur.var]
            if cur.has_vars and cur.var is None:
                cur = self.resolve(cur)
            for v in path:
                self.subst[v] = cur
            return cur
        out = Dim(d.coef, ())
        for name, k in d.factors:
            base = self.resolve(Dim.of(name)) if name.startswith("?") else Dim.of(name)
            for _ in range(k):
                out = out * base
        return out

    def unify(self, a: Dim, b: Dim) -> bool:
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return True
        if a.var is not None and a.var not in dict(b.factors):
            self.subst[a.var] = b
            return True
        if b.var is not None and b.var not in dict(a.factors):
            self.subst[b.var] = a
            return True
        return False


_UNIFIER: contextvars.ContextVar[Unifier | None] = contextvars.ContextVar("unifier",
                                                                          default=None)


def same(a: Dim, b: Dim) -> bool:
    u = _UNIFIER.get()
    return u.unify(a, b) if u is not None else a == b


def is_one(d: Dim) -> bool:
    u = _UNIFIER.get()
    if u is not None:
        d = u.resolve(d)
    return d.is_one


# Printing lives in render/, which installs its printers here when it is imported (the
# package imports it): str(e) is the cell language, e._repr_latex_() the LaTeX.
PRINTERS: dict[str, Callable[[Expr], str]] = {}

_KEY_FIELDS: dict[type, tuple[str, ...]] = {}   # the fields that identify a node, per class

# --- nodes --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    shape: Shape = field(compare=False, repr=False)

    def __hash__(self) -> int:  # cached: trees are hashed often by the memo tables
        try:
            return self._hash   # type: ignore[attr-defined]
        except AttributeError:
            h = hash((type(self).__name__,) + self._key())
            object.__setattr__(self, "_hash", h)
            return h

    def _key(self) -> tuple:
        names = _KEY_FIELDS.get(type(self))
        if names is None:
            names = _KEY_FIELDS[type(self)] = tuple(f for f in self.__dataclass_fields__
                                                    if f != "shape")
        return tuple([getattr(self, f) for f in names])

    @property
    def is_scalar(self) -> bool:
        try:
            return self._is_scalar   # type: ignore[attr-defined]
        except AttributeError:
            if _UNIFIER.get() is not None:     # while parsing, dims may still be bound
                return is_one(self.shape[0]) and is_one(self.shape[1])
            v = self.shape[0].is_one and self.shape[1].is_one
            object.__setattr__(self, "_is_scalar", v)
            return v

    @property
    def children(self) -> tuple[Expr, ...]:
        return ()

    def __str__(self) -> str:
        return PRINTERS["text"](self)

    def _repr_latex_(self) -> str:
        return "$" + PRINTERS["latex"](self) + "$"


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    name: str = ""
    props: frozenset = frozenset()

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class D(Expr):
    """The differential dX of a variable."""
    var: Sym = None  # type: ignore[assignment]

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Num(Expr):
    value: Fraction = Fraction(0)

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Identity(Expr):
    __hash__ = Expr.__hash__

    def _key(self) -> tuple:
        return (self.shape,)


@dataclass(frozen=True, eq=True)
class Zero(Expr):
    __hash__ = Expr.__hash__

    def _key(self) -> tuple:
        return (self.shape,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Zero) and self.shape == other.shape


@dataclass(frozen=True, eq=True)
class Ones(Expr):
    """The all-ones column vector 1_n."""
    __hash__ = Expr.__hash__

    def _key(self) -> tuple:
        return (self.shape,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ones) and self.shape == other.shape


@dataclass(frozen=True, eq=True)
class Comm(Expr):
    """The commutation matrix K_{r,c}: K vec(A) = vec(Aᵀ) for A of shape r x c."""
    r: Dim = ONE
    c: Dim = ONE

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Dup(Expr):
    """The duplication matrix D_n (n² x n(n+1)/2): D_n vech(A) = vec(A) for symmetric A."""
    n: Dim = ONE

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Elim(Expr):
    """The elimination matrix L_n (n(n+1)/2 x n²): L_n vec(A) = vech(A) for any A."""
    n: Dim = ONE

    __hash__ = Expr.__hash__


def _identity_eq(self: Expr, other: object) -> bool:
    return isinstance(other, Identity) and self.shape == other.shape


Identity.__eq__ = _identity_eq  # type: ignore[method-assign]


@dataclass(frozen=True, eq=True)
class Nary(Expr):
    args: tuple = ()

    __hash__ = Expr.__hash__

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=True)
class Add(Nary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Mul(Nary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Kron(Nary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Hadamard(Nary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Unary(Expr):
    arg: Expr = None  # type: ignore[assignment]

    __hash__ = Expr.__hash__

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, eq=True)
class Transpose(Unary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Inverse(Unary):
    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Power(Unary):
    """Matrix power (integer p >= 2 of a square matrix) or any real power of a scalar."""
    p: Fraction = Fraction(1)

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class HadPow(Unary):
    """Element-wise power X.^p."""
    p: Fraction = Fraction(1)

    __hash__ = Expr.__hash__


@dataclass(frozen=True, eq=True)
class Call(Unary):
    """A named operation of its arguments; the registry (ops) holds one entry per name.
    ``arg`` is the first argument, ``rest`` the others (khatrirao(A, B), expm_frechet(X, E))."""
    name: str = ""
    rest: tuple = ()

    __hash__ = Expr.__hash__

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg, *self.rest) if self.rest else (self.arg,)

    def __repr__(self) -> str:
        more = f", rest={self.rest!r}" if self.rest else ""
        return f"Call(arg={self.arg!r}, name={self.name!r}{more})"


@dataclass(frozen=True, eq=True)
class Unvec(Unary):
    """unvec(v, r): the r x (len/r) matrix whose vec is v (the inverse of vec)."""
    rows: Dim = ONE

    __hash__ = Expr.__hash__


MAX_MATRIX_POWER = 64
PROPERTIES = ("symmetric", "spd", "invertible", "diagonal", "orthogonal", "positive", "lower",
              "integer")


# --- constructors ---------------------------------------------------------------------------------

def num(v: int | Fraction) -> Num:
    return Num(SCALAR, Fraction(v))


def sym(name: str, rows: Dim | int | str, cols: Dim | int | str = 1,
        props: frozenset | tuple = ()) -> Sym:
    return Sym((Dim.of(rows), Dim.of(cols)), name, frozenset(props))


def identity(n: Dim) -> Expr:
    return num(1) if is_one(n) else Identity((n, n))


def zero(shape: Shape) -> Expr:
    return num(0) if is_one(shape[0]) and is_one(shape[1]) else Zero(shape)


def ones(n: Dim) -> Expr:
    return num(1) if is_one(n) else Ones((n, ONE))


def ones_like(shape: Shape) -> Expr:
    """The all-ones matrix of a shape: 1, 1_n, or 1_m 1_nᵀ."""
    r, c = shape
    if is_one(c):
        return ones(r)
    if is_one(r):
        return transpose(ones(c))
    return mul(ones(r), transpose(ones(c)))


def comm(r: Dim, c: Dim) -> Expr:
    if is_one(r) or is_one(c):
        return identity(r * c)
    return Comm((r * c, r * c), r, c)


def tri_size(n: Dim, what: str) -> Dim:
    if n.has_vars:
        raise ShapeError(f"{what} needs a size that is known: declare the matrix "
                         "(e.g. 'S : n x n symmetric')")
    try:
        return triangular(n)
    except ValueError as exc:
        raise ShapeError(f"{what}: {exc} (declare the matrix as n x n)") from None


def dup(n: Dim) -> Expr:
    """D_n, the duplication matrix: D_n vech(A) = vec(A) for a symmetric n x n A."""
    if is_one(n):
        return num(1)
    return Dup((n * n, tri_size(n, "the duplication matrix")), n)


def elim(n: Dim) -> Expr:
    """L_n, the elimination matrix: L_n vec(A) = vech(A) for any n x n A."""
    if is_one(n):
        return num(1)
    return Elim((tri_size(n, "the elimination matrix"), n * n), n)


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Num) and e.value == 0)


def split_coef(e: Expr) -> tuple[Fraction, Expr]:
    """e = c * rest with c a number."""
    if isinstance(e, Num):
        return e.value, num(1)
    if isinstance(e, Mul) and isinstance(e.args[0], Num):
        c = e.args[0].value
        rest = e.args[1:]
        if len(rest) == 1:
            return c, rest[0]
        return c, Mul(_chain_shape(rest), rest)
    return F1, e


def scale(c: Fraction | int, e: Expr) -> Expr:
    return mul(num(c), e)


def neg(e: Expr) -> Expr:
    return scale(-1, e)


def _memoized(fn):
    """``fn`` (a constructor) with its results kept for the derivation being built
    (memo.py): equal arguments give an equal node, so the one built first is returned.
    Not while a cell is parsed, where sizes are still being unified."""
    key = "expr." + fn.__name__

    @functools.wraps(fn)
    def wrapper(*args):
        table = _memo.table(key)
        if table is None or _UNIFIER.get() is not None:
            return fn(*args)
        out = table.get(args)
        if out is None:
            out = table[args] = fn(*args)
        return out
    return wrapper


@_memoized
def add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    for t in terms:
        if isinstance(t, Add):
            flat.extend(t.args)
        elif isinstance(t, Mul) and len(t.args) == 2 and isinstance(t.args[0], Num) \
                and isinstance(t.args[1], Add):   # A - (B + C) = A - B - C
            flat.extend(scale(t.args[0].value, u) for u in t.args[1].args)
        else:
            flat.append(t)
    shape = None
    for t in flat:
        if is_zero(t) and not (isinstance(t, Zero)):
            continue
        if shape is None:
            shape = t.shape
        elif not (same(shape[0], t.shape[0]) and same(shape[1], t.shape[1])):
            raise ShapeError(f"cannot add {shape_str(shape)} and {shape_str(t.shape)}: "
                             "the shapes must be equal")
    if shape is None:  # only numeric zeros
        return flat[0] if flat else num(0)
    coefs: dict[Expr, list] = {}   # rest -> [coefficient, first term, count]
    for t in flat:
        if is_zero(t):
            continue
        c, rest = split_coef(t)
        entry = coefs.get(rest)
        if entry is None:
            coefs[rest] = [c, t, 1]
        else:
            entry[0] += c
            entry[2] += 1
    out = [t if n == 1 else scale(c, rest) for rest, (c, t, n) in coefs.items() if c != 0]
    if len(out) > 1 and split_coef(out[0])[0] < 0:   # a sum opens with a positive term
        first = next((t for t in out if split_coef(t)[0] > 0), None)
        if first is not None:
            out.remove(first)
            out.insert(0, first)
    if not out:
        return zero(shape)
    if len(out) == 1:
        return out[0]
    return Add(shape, tuple(out))


def _chain_shape(factors: tuple[Expr, ...] | list[Expr]) -> Shape:
    chain = [f for f in factors if not f.is_scalar]
    if not chain:
        return SCALAR
    return (chain[0].shape[0], chain[-1].shape[1])


@_memoized
def mul(*factors: Expr) -> Expr:
    flat: list[Expr] = []
    for f in factors:
        if isinstance(f, Mul) and (not f.is_scalar or all(a.is_scalar for a in f.args)):
            flat.extend(f.args)
        elif isinstance(f, Mul) and isinstance(f.args[0], Num):
            # a scalar product with a matrix chain inside, (2 x' y): keep it whole
            flat.extend((f.args[0], Mul(f.shape, f.args[1:]) if len(f.args) > 2 else
                         f.args[1]))
        else:
            flat.append(f)
    coef = F1
    scalars: list[Expr] = []
    chain: list[Expr] = []
    for f in flat:
        if isinstance(f, Num):
            coef *= f.value
        elif f.is_scalar:
            scalars.append(f)
        else:
            if chain and not same(chain[-1].shape[1], f.shape[0]):
                raise ShapeError(f"cannot multiply {shape_str(chain[-1].shape)} by "
                                 f"{shape_str(f.shape)}: columns {chain[-1].shape[1]} "
                                 f"≠ rows {f.shape[0]}" + _product_hint(chain[-1], f))
            chain.append(f)
    shape = _chain_shape(chain)
    plain = coef is F1     # no number among the factors (the comparisons below are slow)
    if not plain and coef == 0 or any(isinstance(f, Zero) for f in chain):
        return zero(shape)
    if len(chain) > 1:
        chain = [f for f in chain if not isinstance(f, Identity)] or [chain[0]]
    if len(chain) >= 2 and is_one(chain[0].shape[0]):
        # canonical grouping: a prefix whose product is 1 x 1 is a scalar factor, as the
        # parser reads x' y x' = (x' y) x' left to right
        seg: list[Expr] = []
        for f in chain:
            seg.append(f)
            if len(seg) >= 2 and is_one(f.shape[1]):
                scalars.append(Mul(SCALAR, tuple(seg)))
                seg = []
        chain = seg
        shape = _chain_shape(chain)
    scalars = _merge_powers(scalars)
    if len(scalars) > 1:   # scalars commute: one canonical order, so like terms meet
        scalars.sort(key=scalar_key)
    # (no zero and no identity can be left in the chain here: both were taken out above)
    args = ([num(coef)] if not plain and coef != 1 else []) + scalars + chain
    if not args:
        return num(1)
    if len(args) == 1:
        return args[0]
    return Mul(shape, tuple(args))


def scalar_key(f: Expr) -> tuple:
    """The canonical order of commuting factors: positive powers before negative ones (they
    print as a denominator), then shorter before longer, then by their text."""
    key = f.__dict__.get("_skey")
    if key is None:
        text = PRINTERS["text"](f)
        key = (isinstance(f, (Power, HadPow)) and f.p < 0, len(text), text)
        object.__setattr__(f, "_skey", key)
    return key


def _product_hint(a: Expr, b: Expr) -> str:
    """For two symbols that do not conform: the products that would (X X -> X' X or X X')."""
    if not (isinstance(a, Sym) and isinstance(b, Sym)):
        return ""
    tries = []
    if a.shape[0] == b.shape[0]:
        tries.append(f"{a.name}' {b.name}")
    if a.shape[1] == b.shape[1]:
        tries.append(f"{a.name} {b.name}'")
    return f"; did you mean {' or '.join(tries)}?" if tries else ""


def _merge_powers(scalars: list[Expr]) -> list[Expr]:
    """x^a x^b = x^(a+b) for scalar factors (fro(M) fro(M)^-1 = 1)."""
    if len(scalars) < 2:
        return scalars
    exps: dict[Expr, Fraction] = {}
    for f in scalars:
        base, p = (f.arg, f.p) if isinstance(f, Power) else (f, F1)
        exps[base] = exps.get(base, F0) + p
    if len(exps) == len(scalars):
        return scalars
    out = [power(b, p) for b, p in exps.items() if p != 0]
    return [f for f in out if not (isinstance(f, Num) and f.value == 1)]


@_memoized
def kron(*factors: Expr) -> Expr:
    flat: list[Expr] = []
    for f in factors:
        flat.extend(f.args if isinstance(f, Kron) else (f,))
    scalars = [f for f in flat if f.is_scalar]
    mats = [f for f in flat if not f.is_scalar]
    if not mats:
        return mul(*scalars)
    r, c = mats[0].shape
    for f in mats[1:]:
        r, c = r * f.shape[0], c * f.shape[1]
    if any(isinstance(f, Zero) for f in mats):
        return mul(*scalars, zero((r, c)))
    # I_a ⊗ I_b = I_ab
    merged: list[Expr] = []
    for f in mats:
        if merged and isinstance(f, Identity) and isinstance(merged[-1], Identity):
            merged[-1] = identity(merged[-1].shape[0] * f.shape[0])
        else:
            merged.append(f)
    body = merged[0] if len(merged) == 1 else Kron((r, c), tuple(merged))
    return mul(*scalars, body) if scalars else body


@_memoized
def hadamard(*factors: Expr) -> Expr:
    flat: list[Expr] = []
    for f in factors:
        flat.extend(f.args if isinstance(f, Hadamard) else (f,))
    shape = flat[0].shape
    for f in flat[1:]:
        if not (same(shape[0], f.shape[0]) and same(shape[1], f.shape[1])):
            raise ShapeError(f"element-wise operation on {shape_str(shape)} and "
                             f"{shape_str(f.shape)}: the shapes must be equal")
    if all(f.is_scalar for f in flat):
        return mul(*flat)
    if any(is_zero(f) for f in flat):
        return zero(shape)
    coef = F1
    rest: list[Expr] = []
    for f in flat:
        c, r = split_coef(f)
        coef *= c
        rest.append(r)
    body = rest[0] if len(rest) == 1 else Hadamard(shape, tuple(rest))
    return scale(coef, body)


def transpose(e: Expr) -> Expr:
    if e.is_scalar:
        return e
    if isinstance(e, Transpose):
        return e.arg
    if isinstance(e, (Identity,)):
        return e
    if isinstance(e, Zero):
        return Zero((e.shape[1], e.shape[0]))
    if isinstance(e, Comm):
        return Comm(e.shape, e.c, e.r)
    return Transpose((e.shape[1], e.shape[0]), e)


def require_square(e: Expr, what: str) -> None:
    if not same(e.shape[0], e.shape[1]):
        raise ShapeError(f"{what} needs a square matrix, got {shape_str(e.shape)}")


def inverse(e: Expr) -> Expr:
    require_square(e, "the inverse")
    if e.is_scalar:
        return power(e, -1)
    if isinstance(e, Inverse):
        return e.arg
    if isinstance(e, Identity):
        return e
    if isinstance(e, Zero):
        raise ShapeError("the zero matrix has no inverse")
    return Inverse(e.shape, e)


def power(e: Expr, p: Fraction | int) -> Expr:
    p = Fraction(p)
    if e.is_scalar:
        if p == 1:
            return e
        if p == 0:
            return num(1)
        if isinstance(e, Num):
            if e.value == 0 and p < 0:
                raise ShapeError("division by zero")
            if p.denominator == 1:
                return num(e.value ** int(p))
            if e.value > 0:
                root = _exact_root(e.value, p)
                if root is not None:
                    return num(root)
        if isinstance(e, Power):
            inner = e.p * p
            if e.p.denominator == 1 and p.denominator == 1:
                return power(e.arg, inner)
        return Power(SCALAR, e, p)
    require_square(e, "a matrix power")
    if p.denominator != 1:
        raise ShapeError(f"a matrix power needs an integer exponent, got {p}")
    if p == 0:
        return identity(e.shape[0])
    if p < 0:
        return inverse(power(e, -p))
    if p == 1 or isinstance(e, Identity):
        return e
    if isinstance(e, Power):        # (A^p)^q = A^(pq)
        return power(e.arg, e.p * p)
    if p > MAX_MATRIX_POWER:
        raise ShapeError(f"matrix power {p} is too large (at most {MAX_MATRIX_POWER})")
    return Power(e.shape, e, p)


def _exact_root(v: Fraction, p: Fraction) -> Fraction | None:
    import math
    try:
        num_, den = round(math.pow(v.numerator, p)), round(math.pow(v.denominator, p))
    except (OverflowError, ValueError):
        return None
    if num_ == 0 or den == 0:
        return None
    r = Fraction(num_, den)
    return r if r ** p.denominator == v ** p.numerator else None


def hadpow(e: Expr, p: Fraction | int) -> Expr:
    p = Fraction(p)
    if e.is_scalar:
        return power(e, p)
    if p == 1:
        return e
    if p == 0:
        return ones_like(e.shape)
    if isinstance(e, HadPow) and p.denominator == 1:   # (x^a)^k = x^(ak) for integer k
        return hadpow(e.arg, e.p * p)
    return HadPow(e.shape, e, p)


# The shape rules of the named functions, name -> rule(*args) -> node: filled in by the
# operation registry (ops), which holds one entry per operation.
CALL_RULES: dict[str, Callable[..., Expr]] = {}


@_memoized
def call(name: str, *args: Expr) -> Expr:
    """The node name(args), through the shape rule of its registry entry."""
    rule = CALL_RULES.get(name)
    if rule is None:
        raise ShapeError(f"unknown function '{name}'")
    return rule(*args)


def unvec(v: Expr, rows: Dim) -> Expr:
    n, c = v.shape
    if not is_one(c):
        raise ShapeError(f"unvec() needs a column vector, got {shape_str(v.shape)}")
    cols = n.divide(rows)
    if cols is None:
        raise ShapeError(f"unvec(): {n} entries do not fill {rows} rows")
    if is_one(cols):
        return v
    if isinstance(v, Call) and v.name == "vec" and v.arg.shape[0] == rows:
        return v.arg
    if isinstance(v, Zero):
        return Zero((rows, cols))
    return Unvec((rows, cols), v, rows)


def rebuild(e: Expr, args: tuple[Expr, ...]) -> Expr:
    """The same node kind over new children, through the smart constructors."""
    if isinstance(e, Add):
        return add(*args)
    if isinstance(e, Mul):
        return mul(*args)
    if isinstance(e, Kron):
        return kron(*args)
    if isinstance(e, Hadamard):
        return hadamard(*args)
    if isinstance(e, Transpose):
        return transpose(args[0])
    if isinstance(e, Inverse):
        return inverse(args[0])
    if isinstance(e, Power):
        return power(args[0], e.p)
    if isinstance(e, HadPow):
        return hadpow(args[0], e.p)
    if isinstance(e, Call):
        return call(e.name, *args)
    if isinstance(e, Unvec):
        return unvec(args[0], e.rows)
    return e


def contains(e: Expr, pred) -> bool:
    if pred(e):
        return True
    return any(contains(c, pred) for c in e.children)


def has_d(e: Expr) -> bool:
    """Whether e holds a differential dX (cached on the node, like its hash)."""
    v = e.__dict__.get("_has_d")
    if v is None:
        v = isinstance(e, D) or any(has_d(c) for c in e.children)
        object.__setattr__(e, "_has_d", v)
    return v


def size(e: Expr) -> int:
    return 1 + sum(size(c) for c in e.children)


def _glyph(e: Expr) -> bool:
    """A symbol with postfix marks (Aᵀ, A⁻¹, A⁻ᵀ, 1ᵀ): one glyph group for a reader."""
    while isinstance(e, (Transpose, Inverse)):
        e = e.arg
    return not e.children


def notation_size(e: Expr) -> int:
    """The size a reader sees: the tree's nodes, a symbol with its postfix marks counting as
    one (AᵀBᵀ is as short as textbooks count it, not longer than (BA)ᵀ), and a scalar's
    reciprocal as its base (a / s is one operation, like a s)."""
    if _glyph(e):
        return 1
    if isinstance(e, Power) and e.p == -1:
        return notation_size(e.arg)
    return 1 + sum(notation_size(c) for c in e.children)
