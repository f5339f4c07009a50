"""The smart constructors of expression nodes (``add``, ``mul``, ``kron``, ...): they check
shapes and fold trivial algebra (X'' = X, I X = X, 0 + X = X, 2 (3 X) = 6 X). Anything more
clever lives in ``simplify``. The nodes themselves are in ``nodes`` and re-exported here, so
that ``E.Sym``, ``E.add`` and ``E.Mul`` read from one namespace. The shape rules of named
operations come from the registry ``ops``, which installs them in ``CALL_RULES``.

Product semantics: in a ``Mul`` every 1 x 1 factor acts as a scalar (they come first), and
the remaining factors form a conformable matrix chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction

from .. import memo as _memo
from ..dims import ONE, SCALAR, Dim, Shape, shape_str, triangular  # noqa: F401  (re-exported)
from .nodes import (  # noqa: F401  (re-exported: the nodes and their helpers)
    _KEY_FIELDS,
    _UNIFIER,
    F0,
    F1,
    MAX_MATRIX_POWER,
    PRINTERS,
    PROPERTIES,
    Add,
    Call,
    Comm,
    D,
    Dup,
    Elim,
    Expr,
    Hadamard,
    HadPow,
    Identity,
    Inverse,
    Kron,
    Mul,
    Nary,
    Num,
    Ones,
    Power,
    ShapeError,
    Sym,
    Transpose,
    Unary,
    Unifier,
    Unvec,
    Zero,
    _glyph,
    _identity_eq,
    comm,
    contains,
    dup,
    elim,
    has_d,
    holds,
    identity,
    is_one,
    is_zero,
    notation_size,
    num,
    ones,
    same,
    size,
    sym,
    tri_size,
    zero,
)

# --- constructors ---------------------------------------------------------------------------------

def ones_like(shape: Shape) -> Expr:
    """The all-ones matrix of a shape: 1, 1_n, or 1_m 1_nᵀ."""
    r, c = shape
    if is_one(c):
        return ones(r)
    if is_one(r):
        return transpose(ones(c))
    return mul(ones(r), transpose(ones(c)))


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
            coef = f.value if coef is F1 else coef * f.value   # (1 times v is v)
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
