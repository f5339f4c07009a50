"""Property tests over random well-typed cells (tests/strategies.py, judged by tests/oracle.py).

Bounded for CI (about 600 examples in all, well under a minute on two cores); examples are
derandomized so that a CI run is reproducible, and not shrunk (the failing cell is printed as
drawn). Set ``MATDIFF_HYPOTHESIS_RANDOM=1`` to explore new examples with shrinking instead
(benchmarks/soak.py runs thousands).

* the derivative passes the engine's numerical check, except at points where the check's
  finite differences are numerically unreliable (counted by reason, shown with
  ``--hypothesis-show-statistics`` and in a summary line at the end of the module);
* printing round-trips: ``parse_expr(str(e), cell.symbols) == e`` for the result and target;
* ``layout="denominator"`` evaluates to the transpose of the numerator-layout Jacobian (and to
  the same gradient);
* ``evaluate`` agrees with the generated ``numpy_source()`` (``jacobian``/``gradient`` and
  ``jvp``) and, on a smaller sample at concrete small sizes, with ``to_sympy()``.
"""

from __future__ import annotations

import collections
import os

import pytest
from conftest import SUMMARY_LINES
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from oracle import (
    NotEvaluable,
    judge,
    layout_problem,
    numpy_problem,
    roundtrip_problem,
    sympy_problem,
    values_for,
)
from strategies import cases

from matdiff_magic import derive

# CI: fixed examples, no database, no shrinking (a failure prints its cell at once; shrinking
# a failing cell can take minutes). MATDIFF_HYPOTHESIS_RANDOM=1: fresh examples, shrinking.
RANDOM = os.environ.get("MATDIFF_HYPOTHESIS_RANDOM") == "1"
COMMON = dict(deadline=None, derandomize=not RANDOM,
              phases=tuple(Phase) if RANDOM else (Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
if not RANDOM:
    COMMON["database"] = None

OUTCOMES: collections.Counter = collections.Counter()
EXCLUSIONS: collections.Counter = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    total = sum(OUTCOMES.values())
    if not total:
        return
    line = (f"test_properties: {total} checked cases: {OUTCOMES['pass']} passed, "
            f"{OUTCOMES['excluded']} excluded as ill-conditioned ("
            + (", ".join(f"{k}: {v}" for k, v in EXCLUSIONS.most_common()) or "none")
            + f"), {OUTCOMES['fail']} failed")
    SUMMARY_LINES.append(line)   # printed at the end of the run (conftest.py)


def _derive(case, **kw):
    """derive() on a generated case; a rejection is test_derivative_passes_the_check's
    business (it fails there), so the other properties skip the example."""
    try:
        return derive(case.cell, wrt=case.wrt, **kw)
    except Exception:  # noqa: BLE001
        event("derive failed: judged by test_derivative_passes_the_check")
        assume(False)


def _skip_if_not_evaluable(fn, *args):
    try:
        return fn(*args)
    except NotEvaluable as exc:
        event(f"not evaluable at the random point: {exc}")
        assume(False)


# --- the derivative is right ---------------------------------------------------------------------

@settings(max_examples=250, **COMMON)
@given(case=cases())
def test_derivative_passes_the_check(case):
    out = judge(case)
    OUTCOMES[out.status] += 1
    if out.status == "excluded":
        EXCLUSIONS[out.reason] += 1
    event(f"outcome: {out.status}" + (f" ({out.reason})" if out.status != "pass" else ""))
    assert out.ok, f"{out.reason}\n{case}\n{out.detail}"


def test_exclusions_are_rare():
    """The exclusion rule must not swallow the test: at most 1 in 10 checked cases."""
    total = sum(OUTCOMES.values())
    if total:
        assert OUTCOMES["excluded"] <= 0.1 * total, dict(EXCLUSIONS)


# --- printing is the inverse of parsing ----------------------------------------------------------

@settings(max_examples=150, **COMMON)
@given(case=cases())
def test_printing_round_trips(case):
    d = _derive(case)
    problem = roundtrip_problem(d)
    assert problem is None, f"{problem}\n{case}"


# --- layouts ------------------------------------------------------------------------------------

@settings(max_examples=80, **COMMON)
@given(case=cases())
def test_denominator_layout_is_the_transpose(case):
    d = _derive(case)
    vals, dims = values_for(d)
    problem = _skip_if_not_evaluable(layout_problem, case, d, vals, dims)
    assert problem is None, f"{problem}\n{case}"


# --- generated NumPy code -----------------------------------------------------------------------

@settings(max_examples=80, **COMMON)
@given(case=cases())
def test_numpy_source_agrees_with_evaluate(case):
    d = _derive(case)
    vals, dims = values_for(d)
    problem = _skip_if_not_evaluable(numpy_problem, d, vals, dims)
    assert problem is None, f"{problem}\n{case}\n{d.numpy_source()}"


# --- SymPy export -------------------------------------------------------------------------------

def _size(e) -> int:
    return 1 + sum(_size(c) for c in e.children)


@settings(max_examples=15, **COMMON)
@given(case=cases(max_depth=3))
def test_sympy_export_agrees_with_evaluate(case):
    d = _derive(case)
    assume(_size(d.result) <= 40)     # SymPy evaluates element by element: keep it small
    problem = _skip_if_not_evaluable(sympy_problem, d, {"m": 2, "n": 3, "p": 2, "q": 3})
    assert problem is None, f"{problem}\n{case}"
