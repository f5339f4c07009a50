"""A step names the rule it applies: on the reference and textbook cells, the identity a step
states must be instantiated by its own equation.

How: each step is compared with the expression before it (the left side of a trace-method
step, otherwise the previous step's expression).
* Numerically, a simplifying step is an equality: before and after agree at a random point
  of unequal sizes, with the differential dX replaced by a random direction. (The
  differential and trace-method steps are checked the same way in test_steps_one_rule.py.)
* Structurally, the pattern of the named identity is present in what the step rewrote: the
  mixed-product rule needs a product of two Kronecker products; moving the commutation
  matrix needs a Kronecker product next to K; the cyclic property needs a factor to the right
  of the differential, which it moves round (tr(AᵀdX) moves nothing).
* Typographically, an entry-wise quotient is written one way: a rule that says ⊘ has an
  equation that shows ⊘ (\\oslash in LaTeX), and no equation writes A^∘-1.
"""

from __future__ import annotations

import numpy as np
import pytest
from cases import REFERENCE
from test_steps_one_rule import _direction, _taken, _values
from textbook import TEXTBOOK

from matdiff_magic import derive
from matdiff_magic.algebra import expr as E
from matdiff_magic.numeric.values import make_env, value

CELLS = [(c, w) for c, w in REFERENCE] + [(t.cell, t.wrt) for t in TEXTBOOK]
IDS = [f"ref{i}" for i in range(len(REFERENCE))] + [t.id for t in TEXTBOOK]


def _before(steps, i: int) -> E.Expr | None:
    form = steps[i].form
    if form and form[0] == "eq" and isinstance(form[1], E.Expr):
        return form[1]
    return steps[i - 1].expr


def _walk(e: E.Expr):
    yield e
    for c in e.children:
        yield from _walk(c)


def _next_to(e: E.Expr, a: type, b: type) -> bool:
    return any(isinstance(m, E.Mul) and any(
        (isinstance(x, a) and isinstance(y, b)) or (isinstance(x, b) and isinstance(y, a))
        for x, y in zip(m.args, m.args[1:])) for m in _walk(e))


def _has_d(e: E.Expr) -> bool:
    return any(isinstance(n, E.D) for n in _walk(e))


def _factor_right_of_d(e: E.Expr) -> bool:
    for m in _walk(e):
        if isinstance(m, E.Mul):
            chain = [f for f in m.args if not f.is_scalar]
            ks = [k for k, f in enumerate(chain) if _has_d(f)]
            if ks and ks[0] < len(chain) - 1:
                return True
    return False


def _structure(rule: str, before: E.Expr) -> list[str]:
    """What the named rule needs but the expression it rewrote does not have."""
    wrong = []
    if "mixed-product rule" in rule and not _next_to(before, E.Kron, E.Kron):
        wrong.append("mixed-product rule without a product of Kronecker products")
    if "commutation matrix moved" in rule and not _next_to(before, E.Kron, E.Comm):
        wrong.append("the commutation matrix moved, but no K stands next to a ⊗")
    if "cyclic property" in rule and not _factor_right_of_d(before):
        wrong.append("cyclic property, but nothing stands right of the differential")
    return wrong


def _typography(step) -> list[str]:
    wrong = []
    if "^{\\circ -1}" in step.latex:
        wrong.append("A^∘-1 where ⊘ is the spelling")
    identity = step.rule.split(": ", 1)[-1]
    if "⊘" in identity and not ("⊘" in step.text and "\\oslash" in step.latex):
        wrong.append("the rule says ⊘, the equation does not")
    return wrong


def _equal_numerically(cell, x, before: E.Expr, after: E.Expr, seed: int = 0) -> bool:
    values = _values(cell, seed)
    V = _direction(x, values, seed + 1)
    v = E.Sym((x.shape[0], x.shape[1]), "\0V", frozenset())
    env = make_env({**cell.symbols, v.name: v}, {**values, v.name: V})
    a = value(_taken(before, x, v), env)
    b = value(_taken(after, x, v), env)
    scale = max(1.0, float(np.max(np.abs(a), initial=0.0)))
    return a.shape == b.shape and float(np.max(np.abs(a - b), initial=0.0)) <= 1e-8 * scale


@pytest.mark.parametrize("cell_text, wrt", CELLS, ids=IDS)
def test_each_step_applies_the_rule_it_names(cell_text, wrt):
    d = derive(cell_text, wrt=wrt)
    steps = d.steps
    problems = []
    for i in range(1, len(steps)):
        step, before = steps[i], _before(steps, i)
        problems += [f"step {i}: {w}" for w in _typography(step)]
        if before is None or step.expr is None:
            continue
        problems += [f"step {i}: {w}" for w in _structure(step.rule, before)]
        if step.rule.startswith("simplify") and before.shape == step.expr.shape:
            if not _equal_numerically(d.cell, d.wrt, before, step.expr):
                problems.append(f"step {i}: '{step.rule}' changes the value")
    assert not problems, "\n".join(problems)


def test_the_three_misnamed_steps():
    d = derive("X : m x n\nX' X", wrt="X")
    rules = [s.rule for s in d.steps]
    assert not any("mixed-product" in r for r in rules)
    assert any("(A ⊗ B) K = K (B ⊗ A)" in r for r in rules)
    d = derive("A : m x n\nX : m x n\ntr(A' X)", wrt="X")
    assert not any("cyclic" in s.rule for s in d.steps)
    assert any("the transpose of a product" in s.rule for s in d.steps)
    d = derive("A : p x m\nX : m x n\nB : n x p\ntr(A X B)", wrt="X")
    assert any("cyclic property" in s.rule for s in d.steps)
    d = derive("X : N x d\nw : d\ny : N\n-(y' log(sigmoid(X w)) + (1_N - y)' "
               "log(1_N - sigmoid(X w)))", wrt="w")
    log = next(s for s in d.steps if "d log(A)" in s.rule)
    assert "𝟏 ⊘ A ∘ dA" in log.rule and "\\oslash" in log.latex
    assert "^{\\circ -1}" not in log.latex


def test_the_entrywise_sentence_describes_its_own_layout():
    mixed = derive("X : m x n\nX' X", wrt="X").steps[-1].rule
    den = derive("X : m x n\nX' X", wrt="X", layout="denominator").steps[-1].rule
    assert "the entry of the Jacobian in the row of F_ij" in mixed
    assert "the entry of Jᵀ" in den and "in the row of X_kl and the column of F_ij" in den
