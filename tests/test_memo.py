"""The per-derivation memo tables (matdiff_magic/memo.py) change no output: every step of the
reference cells is the same with the tables as without them, the tables are dropped when a
derivation is built, and the assumptions they rest on hold."""

from __future__ import annotations

import pytest
from cases import REFERENCE

from matdiff_magic import derive, memo
from matdiff_magic.algebra import expr as E
from matdiff_magic.dims import Dim
from matdiff_magic.render import to_latex, to_unicode
from matdiff_magic.render.text import to_text


def _shown(cell: str, wrt: str, **kw) -> list[tuple]:
    d = derive(cell, wrt=wrt, **kw)
    return [(s.rule, s.text, s.latex, repr(s.expr)) for s in d.steps] + [
        (repr(d.result), to_unicode(d.result), to_latex(d.result))]


@pytest.mark.parametrize("cell,wrt", REFERENCE)
def test_the_memo_changes_no_step(cell, wrt, monkeypatch):
    runs = [dict(layout="mixed"), dict(layout="denominator")]
    if derive(cell, wrt=wrt).target.is_scalar:
        runs.append(dict(order=2))
    with_memo = [_shown(cell, wrt, **kw) for kw in runs]
    monkeypatch.setattr(memo, "table", lambda key: None)   # every memo off
    without = [_shown(cell, wrt, **kw) for kw in runs]
    assert with_memo == without


def test_tables_live_in_a_scope_only():
    assert memo.table("t") is None
    with memo.scope():
        t = memo.table("t")
        t["a"] = 1
        assert memo.table("t") is t
        with memo.scope():   # a nested derivation (a Hessian's gradient) starts afresh
            assert memo.table("t") == {}
        assert memo.table("t") is t
    assert memo.table("t") is None


def test_a_table_past_its_bound_is_emptied(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)
    with memo.scope():
        t = memo.table("t")
        t.update({i: i for i in range(4)})
        assert memo.table("t") == {}


def test_no_table_is_left_after_derive():
    derive("X : m x n\nX' X", wrt="X")
    derive("X : n x n\nlogdet(X)", wrt="X", order=2)
    assert memo._SCOPE.get() is None


def test_constants_of_different_sizes_are_different_keys():
    """The memo tables key on expressions: I_m, 1_m and 0 of different sizes must not be
    equal, or one would be printed (or built) as the other."""
    m, n = Dim.of("m"), Dim.of("n")
    pairs = [(E.identity(m), E.identity(n)), (E.ones(m), E.ones(n)),
             (E.zero((m, n)), E.zero((n, m))), (E.zero((m, m)), E.zero((m, n)))]
    for a, b in pairs:
        assert a != b
        assert to_text(a) != to_text(b)


def test_a_constant_prints_with_its_own_size_inside_a_derivation():
    with memo.scope():
        m, n = Dim.of("m"), Dim.of("n")
        assert to_unicode(E.identity(m)) == "I_m"
        assert to_unicode(E.identity(n)) == "I_n"
        assert to_text(E.zero((m, n))) != to_text(E.zero((n, m)))
