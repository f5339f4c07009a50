"""Memo tables that live for one derivation.

A derivation simplifies and prints the same subexpressions many times: every step prints
its right side whole, and consecutive steps share most of their subtrees; the trace method
simplifies a chain of weights each of which contains the one before. Simplifying and printing
are pure functions of an expression (equal trees give equal results), so within one
derivation their results can be kept and reused.

``scope()`` opens a fresh set of tables for the code it wraps (a ``Derivation`` being built);
``table(key)`` returns the table of that name in the innermost open scope, or None outside
any scope, where callers compute as before. The tables go when the scope closes, and a table
that grows past ``MAX_ENTRIES`` is emptied, so the memory they hold stays bounded.

Why a table per derivation and not one for the process: expressions compare by value, and a
symbol compares by its name and properties only. Within one derivation a name means one
thing; across derivations it may not (the placeholders that keep sums whole, ``\\0sum0``,
``\\0sum1``, ..., are numbered per derivation).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Hashable, Iterator

MAX_ENTRIES = 50_000      # per table; far above what a derivation within the size bounds needs

_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("matdiff_memo",
                                                                     default=None)


@contextlib.contextmanager
def scope(tables: dict | None = None) -> Iterator[None]:
    """Fresh memo tables for the code in the ``with`` block (nested scopes do not share);
    ``tables``, a dict kept by the caller, makes several scopes share theirs (the steps of
    one derivation, printed one at a time when they are shown)."""
    token = _SCOPE.set({} if tables is None else tables)
    try:
        yield
    finally:
        _SCOPE.reset(token)


current = _SCOPE.get   # current(): the tables of the innermost open scope, or None


def enter(tables: dict) -> contextvars.Token:
    """Open a scope on ``tables`` without a ``with`` block (for a hot path); ``leave`` with
    the token closes it."""
    return _SCOPE.set(tables)


def leave(token: contextvars.Token) -> None:
    _SCOPE.reset(token)


def table(key: Hashable) -> dict | None:
    """The memo table ``key`` of the innermost open scope (created empty on first use), or
    None when no scope is open."""
    tables = _SCOPE.get()
    if tables is None:
        return None
    t = tables.get(key)
    if t is None:
        t = tables[key] = {}
    elif len(t) > MAX_ENTRIES:
        t.clear()
    return t
