"""Sizes written in a subscript as textbooks write them: ``I_{mn}``, ``I_{m n}``,
``\\mathbf{1}_{2n}``, ``I_{n^2}``, ``I_{n^{2}}``, ``I_{m \\cdot n}``, ``K_{mn,p}``.

A textbook writes the size m·n of an identity by juxtaposition, ``I_{mn}``, and the LaTeX
printer does the same (``Dim.compact``). Read back, ``mn`` is m·n only against the cell's
dimension names: a subscript is split into the cell's sizes, numbers and powers, and

* an exact dimension name wins: with a size ``mn`` in the cell, ``I_{mn}`` is that size;
* a name that splits two ways into different products (``mnp`` with sizes m, n, p and mn)
  is ambiguous, and a part that is no size of the cell is unknown: both are errors at an
  offset into the subscript, so that the caller can put a caret under it;
* where new sizes may appear (a cell, not a claim), a subscript that is one name and no
  product of known sizes is a new size, as ``I_{k}`` always was.

Grammar (spaces allowed between factors)::

    size   := factor (sep? factor)*          sep: '\\cdot', '\\times', '*', '\\,', '\\;', '\\!'
    factor := (number | name | n(n+1)/2 | '\\mathit{' name '}') ('^' digits | '^{' digits '}')?

A number starts the subscript or follows a separator or a space (``2n`` is 2·n; ``n2`` is a
name). Nothing here is evaluated: the text is scanned by hand.

The cell language's own spelling of a size (``m*n``, ``n^2``, where ``mn`` is one name) is
read by :func:`parse_dim`, which a subscript falls back to for ``p*p``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..dims import Dim, tri_base

MAX_TEXT = 200          # a longer subscript is refused before it is split
MAX_POWER = 64
MAX_SIZE = 10**9
_KEEP = 4               # distinct readings kept per position: two already mean ambiguous

_SEP = re.compile(r"\s*(?:\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|\*|\\[,;!: ])\s*")
_SPACE = re.compile(r"\s+")
_POWER = re.compile(r"\s*\^\s*(?:([0-9]+)|\{\s*([0-9]+)\s*\})")
_NUMBER = re.compile(r"[0-9]+")
_FONT = re.compile(r"\\(?:mathit|mathrm|text|textit|mathsf)\s*\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")
_DIM_PART = re.compile(r"([A-Za-z][A-Za-z0-9_]*|[0-9]+)(?:\^([0-9]+))?")


class SizeError(Exception):
    """A subscript that is no size; ``offset`` indexes the subscript's text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def parse_dim(text: str, err) -> Dim:
    """A size as the cell language writes it: 'm', '3', 'm*n', 'm^2'; 'mn' is a single name.
    ``err(message)`` makes the exception to raise."""
    out = Dim.of(1)
    parts = [p.strip() for p in text.split("*")]
    if not text.strip() or any(not p for p in parts):
        raise err(f"bad dimension '{text}'")
    for p in parts:
        if tri_base(p) is not None:   # n(n+1)/2, the length of vech
            out = out * Dim.of(p)
            continue
        m = _DIM_PART.fullmatch(p)
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


def size_names(dims: Iterable[Dim]) -> frozenset[str]:
    """The dimension names that occur in ``dims`` (n for a factor n(n+1)/2); unification
    variables are left out."""
    out = set()
    for d in dims:
        for name, _ in d.factors:
            if name.startswith("?"):
                continue
            out.add(tri_base(name) or name)
    return frozenset(out)


def _quoted(text: str) -> str:
    """A subscript as a message quotes it: long ones cut short."""
    return text if len(text) <= 40 else text[:37] + "..."


def show(d: Dim) -> str:
    """A size as a message shows it: m·n, n², 2·n."""
    return str(d).replace("*", "·")


def read_size(text: str, names: Iterable[str], new_ok: bool = False) -> Dim:
    """The size a subscript's ``text`` names, against the cell's dimension ``names``.

    ``new_ok``: a subscript that is one name, neither a size of the cell nor a product of
    them, is a new size (in a cell); otherwise (in a claim) it is unknown. Raises SizeError.
    """
    known = frozenset(names)
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        raise SizeError("an empty subscript: write a size, e.g. I_{n}", 0)
    if len(body) > MAX_TEXT:
        raise SizeError(f"the subscript is too long (at most {MAX_TEXT} characters)", lead)
    if body in known:
        return Dim.of(body)
    reader = _Reader(body, known)
    readings = reader.readings(0)
    if len(readings) == 1:
        return _checked(readings[0], lead)
    if len(readings) > 1:
        which = " or ".join(show(d) for d in readings[:3])
        raise SizeError(f"the subscript '{_quoted(body)}' is ambiguous: it reads as {which}; "
                        "separate the factors with \\cdot or spaces (m \\cdot n)", lead)
    if new_ok and _IDENT.fullmatch(body):
        return Dim.of(body)   # a size the cell introduces here, as I_{k}
    if new_ok and "*" in body:   # the cell language's product, p*p: new sizes, as there
        try:
            return _checked(parse_dim(body, lambda msg: SizeError(msg, 0)), lead)
        except SizeError:
            pass
    message, at = reader.failure()
    raise SizeError(message, lead + at)


def _checked(d: Dim, offset: int) -> Dim:
    if d.coef > MAX_SIZE:
        raise SizeError(f"the size {show(d)} is too large (at most 10^9)", offset)
    return d


class _Reader:
    """Every reading of a subscript as a product, found by trying each way to split it;
    remembers how far a reading got, for the error."""

    def __init__(self, text: str, known: frozenset[str]) -> None:
        self.text = text
        self.known = known
        self.far = 0
        self.readings = lru_cache(maxsize=None)(self._readings)

    def _readings(self, i: int) -> list[Dim]:
        """The distinct products that the text from i on reads as (at most _KEEP)."""
        s = self.text
        if i >= len(s):
            return [Dim.of(1)]
        self.far = max(self.far, i)
        out: set[Dim] = set()
        for piece, j in self._pieces(i):
            m = _POWER.match(s, j)
            k = 1
            if m:
                k = int(m.group(1) or m.group(2))
                if not 1 <= k <= MAX_POWER:
                    raise SizeError(f"a power in a size is 1 to {MAX_POWER}, got {k}", j)
                j = m.end()
            if j < len(s):
                sep = _SEP.match(s, j) or _SPACE.match(s, j)
                if sep:
                    j = sep.end()
                    if j >= len(s):
                        self.far = max(self.far, j)
                        continue    # a separator with no factor after it
                elif not self._glued(s, j):
                    self.far = max(self.far, j)
                    continue
            power = Dim.of(1)
            for _ in range(k):
                power = power * piece
                if power.coef > MAX_SIZE:
                    raise SizeError("the size is too large (at most 10^9)", i)
            for rest in self.readings(j):
                out.add(power * rest)
                if len(out) >= _KEEP:
                    break
        return sorted(out)[:_KEEP]

    def _glued(self, s: str, j: int) -> bool:
        """True when a factor may follow at j without a separator: a name after anything
        (2n, mn, n^2m) or a font command; a number needs a space or separator first."""
        return bool(re.match(r"[A-Za-z]|\\[A-Za-z]", s[j:j + 2]))

    def _pieces(self, i: int) -> list[tuple[Dim, int]]:
        """The factors that can start at i, each with where it ends."""
        s, out = self.text, []
        m = _FONT.match(s, i)
        if m:
            name = m.group(1)
            return [(Dim.of(name), m.end())] if name in self.known else []
        m = _NUMBER.match(s, i)
        if m:
            if i > 0 and _NAME_CHAR.match(s[i - 1]):
                return []        # n2 is a name, not n·2
            v = int(m.group(0)) if len(m.group(0)) <= 10 else MAX_SIZE + 1
            if v == 0:
                raise SizeError("a size must be a positive integer, got 0", i)
            if v > MAX_SIZE:
                raise SizeError(f"the size {m.group(0)} is too large (at most 10^9)", i)
            return [(Dim.of(v), m.end())]
        for name in self.known:   # n(n+1)/2, the length of vech
            t = re.compile(re.escape(name) + r"\s*\(\s*" + re.escape(name) +
                           r"\s*\+\s*1\s*\)\s*/\s*2").match(s, i)
            if t:
                out.append((Dim.of(f"{name}({name}+1)/2"), t.end()))
        run = _IDENT.match(s, i)
        if not run:
            return out
        starts_run = i == 0 or not _NAME_CHAR.match(s[i - 1])
        if starts_run and run.group(0) in self.known:
            return out + [(Dim.of(run.group(0)), run.end())]   # an exact name wins
        for name in sorted(self.known):
            if s.startswith(name, i) and i + len(name) <= run.end():
                out.append((Dim.of(name), i + len(name)))
        return out

    def failure(self) -> tuple[str, int]:
        """What stopped every reading, and where (the furthest point a reading reached)."""
        s, k = self.text, self.far
        q = _quoted(s)
        sizes = ", ".join(sorted(self.known)) or "none"
        if k >= len(s):
            return f"the subscript '{q}' ends where a size is expected", k
        while k > 0 and _NAME_CHAR.match(s[k]) and not s[k].isalpha() and \
                _NAME_CHAR.match(s[k - 1]):
            k -= 1       # n2: the name the digits belong to
        run = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*").match(s, k)
        if run:
            return (f"unknown size in the subscript '{q}': '{_quoted(run.group(0))}' is not a "
                    f"size of the cell nor a product of its sizes ({sizes})"), k
        return (f"unexpected '{s[k]}' in the size '{q}': a size in a subscript is a product "
                "of the cell's sizes and numbers (mn, 2n, n^2, m \\cdot n)"), k
