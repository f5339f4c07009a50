"""Dimension algebra: a dimension is a monomial  c * m^a * n^b ...  over named sizes.

The cell language only ever multiplies dimensions (Kronecker products, vec), so monomials
are closed under every operation we need. Names starting with '?' are unification
variables for shapes not yet determined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True, order=True)
class Dim:
    coef: int = 1
    factors: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def of(x: int | str | Dim) -> Dim:
        if isinstance(x, Dim):
            return x
        if isinstance(x, int):
            return Dim(x, ())
        return Dim(1, ((x, 1),))

    def __mul__(self, other: Dim | int) -> Dim:
        other = Dim.of(other)
        powers = dict(self.factors)
        for name, k in other.factors:
            powers[name] = powers.get(name, 0) + k
        return Dim(self.coef * other.coef, tuple(sorted(powers.items())))

    def divide(self, other: Dim) -> Dim | None:
        """self / other when it is again a monomial, else None."""
        if other.coef == 0 or self.coef % other.coef:
            return None
        powers = dict(self.factors)
        for name, k in other.factors:
            if powers.get(name, 0) < k:
                return None
            powers[name] -= k
        return Dim(self.coef // other.coef,
                   tuple(sorted((n, k) for n, k in powers.items() if k)))

    @property
    def is_int(self) -> bool:
        return not self.factors

    @property
    def is_one(self) -> bool:
        return self.coef == 1 and not self.factors

    @cached_property
    def var(self) -> str | None:
        """The variable's name if this dimension is a lone unification variable."""
        if self.coef == 1 and len(self.factors) == 1 and self.factors[0][1] == 1 \
                and self.factors[0][0].startswith("?"):
            return self.factors[0][0]
        return None

    @cached_property
    def has_vars(self) -> bool:
        return any(name.startswith("?") for name, _ in self.factors)

    def subs(self, mapping: dict[str, Dim]) -> Dim:
        out = Dim(self.coef, ())
        for name, k in self.factors:
            base = mapping.get(name, Dim.of(name))
            for _ in range(k):
                out = out * base
        return out

    def value(self, sizes: dict[str, int]) -> int:
        v = self.coef
        for name, k in self.factors:
            base = tri_base(name)
            if base is not None and base in sizes:
                v *= (sizes[base] * (sizes[base] + 1) // 2) ** k
                continue
            pair = _MIN.fullmatch(name)
            if pair is not None:    # min(m,n): the smaller of two sizes
                a, b = (Dim.of(int(x) if x.isdigit() else x).value(sizes)
                        for x in pair.groups())
                v *= min(a, b) ** k
                continue
            if name not in sizes:
                raise KeyError(name if base is None else base)
            v *= sizes[name] ** k
        return v

    def __str__(self) -> str:
        parts = [] if self.coef == 1 and self.factors else [str(self.coef)]
        for name, k in self.factors:
            parts.append(name if k == 1 else f"{name}^{k}")
        return "*".join(parts)

    def compact(self) -> str:
        """Textbook subscript form: 'mn', 'm^2', '3n'."""
        return self._compact

    @cached_property
    def _compact(self) -> str:
        s = "" if self.coef == 1 and self.factors else str(self.coef)
        for name, k in self.factors:
            s += name if k == 1 else f"{name}^{k}"
        return s

    def pretty(self) -> str:
        """Unicode: 'mn', 'n²'."""
        return self._pretty

    @cached_property
    def _pretty(self) -> str:
        s = "" if self.coef == 1 and self.factors else str(self.coef)
        for name, k in self.factors:
            s += name if k == 1 else name + str(k).translate(_SUPERSCRIPT)
        return s

    def subscript(self) -> str:
        """The form used after 'I_' and '1_' in the cell language: n, 3 or {m*n}."""
        s = str(self)
        return s if (self.is_int or (len(self.factors) == 1 and self.factors[0][1] == 1
                                     and self.coef == 1 and tri_base(s) is None)
                     ) else "{" + s + "}"


_TRI = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\(\1\+1\)/2")


def tri_base(name: str) -> str | None:
    """'n' for the factor 'n(n+1)/2' (a triangular number), else None."""
    m = _TRI.fullmatch(name)
    return m.group(1) if m else None


def triangular(d: Dim) -> Dim:
    """n(n+1)/2, the number of entries on and below the diagonal of an n x n matrix (the
    length of vech). Dimensions are monomials, so a named n gives the factor 'n(n+1)/2',
    an opaque name that ``value`` knows how to size; a product such as m*n is refused."""
    if d.is_int:
        return Dim(d.coef * (d.coef + 1) // 2, ())
    if d.coef == 1 and len(d.factors) == 1 and d.factors[0][1] == 1:
        name = d.factors[0][0]
        return Dim.of(f"{name}({name}+1)/2")
    raise ValueError(f"the size {d} is not a single name or a number")


_MIN = re.compile(r"min\(([A-Za-z0-9_]+),([A-Za-z0-9_]+)\)")


def is_min(name: str) -> bool:
    """Whether a factor is min(a,b), sized from a and b (never chosen on its own)."""
    return _MIN.fullmatch(name) is not None


def min_parts(name: str) -> tuple[str, str] | None:
    """('a', 'b') for the factor 'min(a,b)', else None."""
    m = _MIN.fullmatch(name)
    return (m.group(1), m.group(2)) if m else None


def smaller(a: Dim, b: Dim) -> Dim:
    """min(a, b), the number of singular values of an a x b matrix: a or b when they are
    equal or numbers, otherwise the factor 'min(a,b)' (an opaque name ``value`` can size);
    sizes that are products are refused."""
    if a == b:
        return a
    if a.is_int and b.is_int:
        return a if a.coef <= b.coef else b
    names = []
    for d in (a, b):
        if d.is_int:
            names.append(str(d.coef))
        elif d.coef == 1 and len(d.factors) == 1 and d.factors[0][1] == 1:
            names.append(d.factors[0][0])
        else:
            raise ValueError(f"the size {d} is not a single name or a number")
    return Dim.of(f"min({','.join(sorted(names))})")


ONE = Dim(1, ())
Shape = tuple[Dim, Dim]
SCALAR: Shape = (ONE, ONE)


def shape_str(shape: Shape) -> str:
    r, c = shape
    return "scalar" if r.is_one and c.is_one else f"{r} x {c}"


def shape_pretty(shape: Shape) -> str:
    """A shape as the steps write it in Unicode: 'scalar' or 'm×n'."""
    r, c = shape
    return "scalar" if r.is_one and c.is_one else f"{r.pretty()}×{c.pretty()}"


def shape_tex(shape: Shape) -> str:
    """A shape in LaTeX: '1 \\times 1' or 'm \\times n'."""
    r, c = shape
    return "1 \\times 1" if r.is_one and c.is_one else f"{r.compact()} \\times {c.compact()}"
