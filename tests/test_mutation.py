"""The numerical check cannot be fooled: every wrong version of a result fails it.

For every reference case (tests/cases.py, tests/test_reference.py, and the spectral cells of
tests/test_spectral.py, test_matfun.py and test_norms.py) and for random well-typed
cells from the property generator (tests/strategies.py, a fixed deterministic sample), the
engine's result must pass ``check()`` and every mutant (tests/mutants.py: transposed,
a factor transposed, scaled by 2, negated, a term dropped, Kronecker factors swapped, a
commutation matrix inserted or removed) must fail it, with both methods. Mutants that are
equal to the result at random points honouring the declarations (a symmetric result
transposed, equal Kronecker factors swapped) are *equivalent*: counted and printed in a
summary line, never dropped silently. benchmarks/mutation.py prints the same figures as a
table.
"""

from __future__ import annotations

import collections
import random

import numpy as np
import pytest
from cases import REFERENCE
from conftest import SUMMARY_LINES
from mutants import judge_mutants, mutants
from oracle import judge
from strategies import random_case
from test_matfun import CASES as MATFUN_CASES
from test_mpow import CASES as MPOW_CASES
from test_norms import CASES as NORM_CASES
from test_pinv_adj_khatrirao import CASES as PRODUCT_CASES
from test_reference import REFERENCE as TEXTBOOK
from test_spectral import CASES as SPECTRAL_CASES

from matdiff_magic import MatdiffError, derive
from matdiff_magic.algebra import expr as E

ISSUE_CELL = ("X : n x n invertible\nlogdet(X)", "X")
ELEMENTWISE = [(f"A : p x m\nX : m x n\nB : n x q\nA {f}(X) B", "X")
               for f in ("tan", "softplus", "log1p", "expm1", "relu")] + [
    ("W : m x n\nx : n\ny : m\nsum(softplus(W x) - y .* (W x))", "W"),
    ("W : m x n\nV : p x m\nx : n\nnorm2(V relu(W x))^2", "W")]
_SYL = "A : m x m\nB : n x n\nC, D : m x n\nQ : m x m\n"
_LYAP = "A : n x n\nQ : n x n symmetric\nX : n x n\nA X + X A' = Q\ntr(X)"
_CHOL = "S : n x n spd\nA : n x n\nB : m x n\nC : n x p\n"
SOLVES = [   # solves, equation lines and the Cholesky factor (SPEC §11)
    *((_SYL + "sylvester(A, B, C)", w) for w in "ABC"), (_SYL + "tr(D' sylvester(A, B, C))", "A"),
    (_SYL + "lyap(A, Q)", "A"), (_SYL + "tr(lyap(A, Q) Q)", "Q"), (_LYAP, "Q"), (_LYAP, "A"),
    ("A : m x m\nE : m x p\nX : m x p\nA X = E\nX", "A"),
    ("S : m x m\nQ : m x m\nX : m x m\nX - S X S' = Q\nsum(X .* X)", "S"),
    (_CHOL + "tr(A chol(S))", "S"), (_CHOL + "B chol(S) C", "S"),
    (_CHOL + "tr(A chol(S))", "vech(S)"),
    # the solve node (A \\ B), the Stein solve (dlyap) and a Sylvester equation line
    ("A : m x m\nB : m x p\nA \\ B", "A"), ("A : m x m\nB : m x p\nA \\ B", "B"),
    ("A : m x m\nb, c : m\nc' solve(A, b)", "A"),
    (_SYL + "dlyap(A / 4, B / 4, C)", "A"), (_SYL + "dlyap(A / 4, B / 4, C)", "C"),
    (_SYL + "X : m x n\nA X + X B = C\nX' D", "B")]
# eigenvalues, matrix functions, singular values and norms (SPEC §10)
SPECTRAL = [(c[0], c[1]) for cases in (SPECTRAL_CASES, MATFUN_CASES, NORM_CASES, PRODUCT_CASES,
                                       MPOW_CASES) for c in cases]
CELLS = list(dict.fromkeys([*REFERENCE, *((c, w) for _, c, w, *_ in TEXTBOOK), ISSUE_CELL,
                            *ELEMENTWISE, *SPECTRAL, *SOLVES]))
METHODS = ("full", "directional")
RANDOM_CELLS = 200      # generated cells (deterministic: random.Random(f"mutation:{i}"))
RANDOM_LIMIT = 16       # mutants per generated cell, spread over its list

TOTALS: collections.Counter = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if TOTALS:
        SUMMARY_LINES.append(
            f"test_mutation: {TOTALS['mutants']} mutants of {TOTALS['cells']} results: "
            f"{TOTALS['killed']} killed, {TOTALS['equivalent']} equivalent (excluded), "
            f"{TOTALS['survived']} survived; {TOTALS['false alarms']} true results failed; "
            f"{TOTALS['generated cells not judged']} generated cells not judged")


def _count(r) -> None:
    TOTALS["cells"] += 1
    TOTALS["mutants"] += r.total
    TOTALS["killed"] += len(r.killed)
    TOTALS["equivalent"] += len(r.equivalent)
    TOTALS["survived"] += len(r.survived)
    TOTALS["false alarms"] += not r.truth_passed


@pytest.mark.parametrize("cell,wrt", CELLS)
def test_reference_mutants_are_killed(cell, wrt):
    d = derive(cell, wrt=wrt)
    r = judge_mutants(d, METHODS)
    _count(r)
    assert r.truth_passed, f"the true result fails the check: {cell!r}"
    assert r.total >= 2
    assert not r.survived, "mutants that pass the check:\n" + "\n".join(r.survived)


def _generated():
    for i in range(RANDOM_CELLS):
        yield i, random_case(random.Random(f"mutation:{i}"), max_depth=5)


@pytest.mark.parametrize("i,case", list(_generated()), ids=lambda x: str(x)[:30])
def test_generated_mutants_are_killed(i, case):
    out = judge(case)
    if out.status != "pass":   # ill-conditioned at the point: the property tests' business
        TOTALS["generated cells not judged"] += 1
        pytest.skip(f"oracle: {out.status} {out.reason}")
    d = derive(case.cell, wrt=case.wrt)
    r = judge_mutants(d, METHODS, limit=RANDOM_LIMIT)
    _count(r)
    assert r.truth_passed, f"the true result fails the check: {case}"
    assert not r.survived, f"{case}\nmutants that pass the check:\n" + "\n".join(r.survived)


def test_generated_cells_are_mostly_judged():
    """Skipped generated cells (oracle: not 'pass') must stay rare, or the test is empty."""
    assert TOTALS["generated cells not judged"] <= RANDOM_CELLS // 10, dict(TOTALS)


# --- the case that started it, and the suite's own power -------------------------------------

def test_issue_case_inverse_instead_of_inverse_transpose_fails():
    d = derive(*ISSUE_CELL[:1], wrt="X")
    X = d.cell.symbols["X"]
    assert d.check().passed
    for method in METHODS:
        r = d.check(method=method, result=E.inverse(X))
        assert not r.passed, r.text()
        assert r.max_rel_error > 1e-3
        assert not d.check(method=method, result="inv(X)").passed
    # and the point drawn for it is not symmetric, but has det > 0
    from matdiff_magic.numeric.check import random_values
    for seed in range(5):
        v, _ = random_values(d, seed=seed)
        assert not np.allclose(v["X"], v["X"].T)
        assert np.linalg.det(v["X"]) > 0


def test_the_suite_detects_a_too_special_sampler(monkeypatch):
    """With every square matrix drawn spd (the old blind spot), the transposed factor of
    logdet's gradient survives, and the independent judge of equivalence does not excuse
    it: the suite is not vacuous."""
    import matdiff_magic.numeric.sample as S
    real = S.draw_matrix

    def symmetric_draw(rng, r, c, props=(), needs=(), name="?"):
        a = real(rng, r, c, props, needs, name)
        return a @ a.T + np.eye(r) if r == c else a
    monkeypatch.setattr(S, "draw_matrix", symmetric_draw)
    r = judge_mutants(derive("X : n x n\nlogdet(X)", wrt="X"), METHODS)
    assert r.truth_passed
    assert any("X^-1" in s for s in r.survived), r
    assert not any("X^-1" in s for s in r.equivalent), r


def test_equivalent_mutants_are_recognised_not_dropped():
    # x' A x with A symmetric: 2 A x; transposing A gives the same values
    r = judge_mutants(derive("x : n\nA : n x n symmetric\nx' A x", wrt="x"), METHODS)
    assert any("transposed factor A" in s for s in r.equivalent), r
    assert not r.survived and r.killed


def test_mutants_cover_every_kind():
    d = derive("X : n x n\nX' X + X'", wrt="X")
    kinds = {what.split(" at ")[0].split(" on ")[0] for what, _ in mutants(d)}
    assert {"scaled by 2", "negated", "transposed"} <= kinds
    assert any(k.startswith("dropped term") for k in kinds)
    assert any(k.startswith("Kronecker swapped") for k in kinds)
    assert any(k.startswith("K removed") for k in kinds)
    assert "K inserted" in kinds
    assert any(k.startswith("transposed factor") for k in kinds)


def test_candidate_result_in_denominator_layout():
    d = derive("A : p x m\nX : m x n\nB : n x q\nA X B", wrt="X", layout="denominator")
    assert d.check(result=d.result).passed
    assert d.check(result="B ⊗ A'").passed             # (Bᵀ ⊗ A)ᵀ
    with pytest.raises(MatdiffError, match="candidate result is"):
        d.check(result="B' ⊗ A")                         # the numerator layout's shape
    d = derive("X : n x n\ninv(X)", wrt="X", layout="denominator")
    assert d.check(result="-(X^-1 ⊗ X^-T)").passed
    assert not d.check(result="-(X^-T ⊗ X^-1)").passed  # the numerator-layout form


@pytest.mark.parametrize("bad,msg", [
    ("inv(X", "does not parse"),
    ("X Y", "unknown|undeclared|not declared|Y"),
    ("X'", ""),
])
def test_candidate_result_bad_input(bad, msg):
    d = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X")
    with pytest.raises(MatdiffError, match=msg or "candidate result is"):
        d.check(result=bad)
    with pytest.raises(MatdiffError, match="expression"):
        d.check(result=42)
