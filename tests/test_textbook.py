"""The textbook table (tests/textbook.py): every answer is right, and the engine matches it.

Three checks per entry, at random matrices with unequal sizes that honour the declared
properties (and a fourth that the NumPy spelling of the target is the cell's target):

* the textbook answer agrees with central finite differences of the target written
  directly in NumPy (the table itself is right, independently of the derivation);
* ``derive(cell, wrt)`` evaluates to the same numbers as the textbook answer;
* the derived expression is no larger than the textbook answer (``expr.notation_size``:
  the tree, a symbol with its postfix marks counting as one node).
"""

from __future__ import annotations

import functools
import zlib

import numpy as np
import pytest
from textbook import LONGER_THAN_BOOK, TEXTBOOK, Entry

from matdiff_magic import derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric.values import Env, make_env, value

# Distinct sizes, so that a transposition cannot hide behind a square shape.
SIZES = {"m": 3, "n": 4, "p": 2, "q": 5, "k": 6, "d": 7, "N": 8}
IDS = [e.id for e in TEXTBOOK]
# every entry whose numbers are checked: the table, and the answers the engine reaches in a
# longer form than the book's (all checks but the size)
ALL = TEXTBOOK + LONGER_THAN_BOOK
ALL_IDS = [e.id for e in ALL]
BY_ID = {e.id: e for e in ALL}
SOURCES = ("Matrix Cookbook", "Magnus & Neudecker", "Minka", "standard ML gradient", "Bishop",
           "Murphy", "Goodfellow", "Hastie", "Boyd", "Rasmussen", "Vaswani", "Ba, Kiros",
           "Koren")
RTOL = 1e-6


def _draw(rng: np.random.Generator, r: int, c: int, props: frozenset, domain: str | None):
    """A random r x c value honouring the declared properties and the entry's domain."""
    if "orthogonal" in props:
        q, _ = np.linalg.qr(rng.normal(size=(r, r)))
        return q
    if "spd" in props:
        b = rng.normal(size=(r, r))
        return b @ b.T / r + np.eye(r)
    if "symmetric" in props:
        b = rng.normal(size=(r, r))
        return (b + b.T) / 2
    if "diagonal" in props:
        return np.diag(rng.uniform(0.5, 2.0, size=r))
    if "invertible" in props or domain == "shift":
        # well conditioned, not symmetric, det > 0 (so logdet is defined)
        return 0.5 * rng.normal(size=(r, c)) + 2.0 * np.eye(r)
    if domain == "pos":
        return rng.uniform(0.5, 2.0, size=(r, c))
    if domain == "away":
        u = rng.normal(size=(r, c))
        return np.sign(u) * (0.5 + np.abs(u))
    return rng.normal(size=(r, c))


def random_values(entry: Entry, seed: int = 0) -> tuple[dict, dict]:
    """Values for every symbol of the cell, and the cell's symbols (for parsing answers)."""
    symbols = parse_cell(entry.cell).symbols
    rng = np.random.default_rng(zlib.crc32(entry.id.encode()) + seed)
    env = Env({}, SIZES)
    values = {}
    for name in sorted(symbols):
        sym = symbols[name]
        r, c = env.shape(sym)
        values[name] = _draw(rng, r, c, sym.props, entry.domain.get(name))
    return values, symbols


def vec(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(-1, order="F")


def finite_differences(entry: Entry, values: dict) -> np.ndarray:
    """Central differences of entry.f: the gradient shaped like the variable for a scalar
    target, otherwise the Jacobian ∂vec F/∂(vec X)ᵀ with column-major vec."""
    x0 = values[entry.wrt]
    h = 1e-5 * max(1.0, float(np.max(np.abs(x0))))
    f0 = np.asarray(entry.f(values), dtype=float)
    cols = []
    for i in range(x0.size):
        step = np.zeros(x0.size)
        step[i] = h
        step = step.reshape(x0.shape, order="F")
        plus = np.asarray(entry.f(dict(values, **{entry.wrt: x0 + step})), dtype=float)
        minus = np.asarray(entry.f(dict(values, **{entry.wrt: x0 - step})), dtype=float)
        cols.append(vec(plus - minus) / (2 * h))
    J = np.column_stack(cols)
    if f0.size == 1:
        return J[0].reshape(x0.shape, order="F")
    return J


@functools.cache
def derived(entry_id: str):
    """derive() of an entry, computed once per test run (it is deterministic)."""
    entry = BY_ID[entry_id]
    return derive(entry.cell, wrt=entry.wrt)


def answer_expr(entry: Entry, symbols: dict) -> E.Expr:
    return parse_expr(entry.answer, symbols)


def evaluate(e: E.Expr, symbols: dict, values: dict) -> np.ndarray:
    """The engine's numeric value of an expression at the values."""
    with np.errstate(all="raise", under="ignore"):
        return value(e, make_env(symbols, values, SIZES))


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


def test_table_is_large_and_sourced():
    assert len(TEXTBOOK) >= 90
    assert len(set(ALL_IDS)) == len(ALL_IDS)
    for e in ALL:
        assert e.source.strip() and e.answer.strip()
        assert any(tag in e.source for tag in SOURCES), e.id


@pytest.mark.parametrize("entry", ALL, ids=ALL_IDS)
def test_numpy_target_is_the_cell(entry: Entry):
    """The NumPy spelling used for the finite differences computes the cell's target."""
    values, symbols = random_values(entry)
    want = evaluate(parse_cell(entry.cell).target, symbols, values)
    got = np.asarray(entry.f(values), dtype=float)
    assert rel_error(got.reshape(want.shape), want) < 1e-12, entry.id


@pytest.mark.parametrize("entry", ALL, ids=ALL_IDS)
def test_textbook_answer_matches_finite_differences(entry: Entry):
    values, symbols = random_values(entry)
    fd = finite_differences(entry, values)
    ans = evaluate(answer_expr(entry, symbols), symbols, values)
    assert rel_error(ans, fd) < RTOL, f"{entry.id}: the textbook answer {entry.answer!r} " \
        f"disagrees with finite differences"


@pytest.mark.parametrize("entry", ALL, ids=ALL_IDS)
def test_derivative_equals_textbook(entry: Entry):
    d = derived(entry.id)
    for seed in (0, 1):
        values, symbols = random_values(entry, seed)
        got = np.asarray(d.evaluate(values, SIZES), dtype=float)
        want = evaluate(answer_expr(entry, symbols), symbols, values)
        assert rel_error(got, want) < 1e-9, f"{entry.id}: derive gives {d.result}, " \
            f"the textbook {entry.answer}"


@pytest.mark.parametrize("entry", TEXTBOOK, ids=IDS)
def test_derivative_no_larger_than_textbook(entry: Entry):
    d = derived(entry.id)
    ans = answer_expr(entry, d.cell.symbols)
    # the size a reader sees: a symbol with its postfix marks (Aᵀ, X⁻ᵀ) counts as one node
    got, want = E.notation_size(d.result), E.notation_size(ans)
    assert got <= want, \
        f"{entry.id}: {d.result} (size {got}) is larger than the textbook's {ans} (size {want})"
