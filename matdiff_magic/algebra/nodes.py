"""Expression nodes: immutable, hashable, each carrying its shape.

Nodes are plain frozen dataclasses compared and hashed by structure, so that memo tables and
deterministic output come for free. They are built through the smart constructors of
``expr`` (which re-exports every name here); printing lives in ``render``, which installs the
printers ``str`` uses in ``PRINTERS``.

While a cell is parsed, undeclared symbols have dimensions that are variables; the parser
installs a :class:`Unifier` (``_UNIFIER``) so that the constructors can bind them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ..dims import ONE, SCALAR, Dim, Shape, triangular

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
              "integer", "onehot")   # onehot: labels, a single 1 in each row (in a column)


# --- leaves and their constructors -------------------------------------------------------------

_INTS: dict[int, Num] = {}   # the integer numbers made so far, each one node


def num(v: int | Fraction) -> Num:
    """The number v as a node. An integer's node is made once: numbers are immutable and
    equal by value, and the one node keeps its hash (a Fraction's is slow to compute) and
    the other measures cached on it."""
    k = v if v.__class__ is int else (
        v.numerator if v.__class__ is Fraction and v.denominator == 1 else None)
    if k is None:
        return Num(SCALAR, Fraction(v))
    out = _INTS.get(k)
    if out is None:
        out = Num(SCALAR, Fraction(k))
        if -1024 <= k <= 1024:
            _INTS[k] = out
    return out


def sym(name: str, rows: Dim | int | str, cols: Dim | int | str = 1,
        props: frozenset | tuple = ()) -> Sym:
    return Sym((Dim.of(rows), Dim.of(cols)), name, frozenset(props))


def identity(n: Dim) -> Expr:
    return num(1) if is_one(n) else Identity((n, n))


def zero(shape: Shape) -> Expr:
    return num(0) if is_one(shape[0]) and is_one(shape[1]) else Zero(shape)


def ones(n: Dim) -> Expr:
    return num(1) if is_one(n) else Ones((n, ONE))


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



# --- measures of a tree ------------------------------------------------------------------------

def contains(e: Expr, pred) -> bool:
    if pred(e):
        return True
    return any(contains(c, pred) for c in e.children)


def holds(e: Expr, key: str, pred: Callable[[Expr], bool]) -> bool:
    """Whether e or one of its subtrees satisfies ``pred``, cached on each node under the
    attribute ``key`` (one key per predicate: trees that share subtrees ask once per node)."""
    v = e.__dict__.get(key)
    if v is None:
        v = pred(e) or any(holds(c, key, pred) for c in e.children)
        object.__setattr__(e, key, v)
    return v


def has_d(e: Expr) -> bool:
    """Whether e holds a differential dX (cached on the node, like its hash)."""
    v = e.__dict__.get("_has_d")
    if v is None:
        v = isinstance(e, D) or any(has_d(c) for c in e.children)
        object.__setattr__(e, "_has_d", v)
    return v


def size(e: Expr) -> int:
    """The nodes of e as a tree, shared subtrees counted each time (cached on the node, like
    its hash: computed once per distinct subtree of a DAG)."""
    v = e.__dict__.get("_size")
    if v is None:
        v = 1 + sum(size(c) for c in e.children)
        object.__setattr__(e, "_size", v)
    return v


def _glyph(e: Expr) -> bool:
    """A symbol with postfix marks (Aᵀ, A⁻¹, A⁻ᵀ, 1ᵀ): one glyph group for a reader."""
    while isinstance(e, (Transpose, Inverse)):
        e = e.arg
    return not e.children


def notation_size(e: Expr) -> int:
    """The size a reader sees: the tree's nodes, a symbol with its postfix marks counting as
    one (AᵀBᵀ is as short as textbooks count it, not longer than (BA)ᵀ), and a scalar's
    reciprocal as its base (a / s is one operation, like a s). Cached on the node, like
    its hash: the candidates compared share their subtrees."""
    v = e.__dict__.get("_notation_size")
    if v is None:
        if _glyph(e):
            v = 1
        elif isinstance(e, Power) and e.p == -1:
            v = notation_size(e.arg)
        else:
            v = 1 + sum(notation_size(c) for c in e.children)
        object.__setattr__(e, "_notation_size", v)
    return v
