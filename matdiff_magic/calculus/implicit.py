"""Equation lines: an unknown defined implicitly, as the solve of its equation (SPEC §11).

A cell line ``A X + X B = C`` (X declared, the equation's symbol declared last: parse.py)
makes X the solution, and the target may use it. The equation is brought to F(X) = 0 with
F = left − right; it must be linear in X: dF, the differential with respect to X, may not
hold X itself (a nonlinear equation is refused, saying so). Then F(X) = L(X) − R with L the
linear operator (the terms of dF, dX read as X) and R = −F(0), and X is the solve that the
registry writes:

* L(X) = P X            X = P⁻¹ R (solve(P, R), A \\ B)
* L(X) = X Q            X = R Q⁻¹
* L(X) = P X Q          X = P⁻¹ R Q⁻¹
* L(X) = P X + X Q      X = sylvester(P, Q, R); lyap(P, Q) when Q = Pᵀ and R = −Q
* L(X) = X − A X B      X = dlyap(A, B, R) (the Stein equation, MATLAB's dlyap)
* any other linear L    X = vec⁻¹(M⁻¹ vec R) with M the matrix of L (vec L(X) = M vec X)

The derivative then comes by implicit differentiation, through the differential of the solve:
differentiate both sides, collect dX, vectorize, solve with the Kronecker sum (and, for a
scalar target, one solve with the transposed operator: the adjoint method).
"""

from __future__ import annotations

import dataclasses
import re

from ..algebra import expr as E
from ..algebra.simplify import simplify
from ..errors import MatdiffError
from ..lang.parse import Cell
from .changes import terms
from .differential import differential, expand
from .vectorize import jacobian_term


def substitute(e: E.Expr, table: dict[E.Sym, E.Expr]) -> E.Expr:
    """e with the symbols in ``table`` replaced (the constructors refold the tree)."""
    memo: dict[int, E.Expr] = {}

    def go(x: E.Expr) -> E.Expr:
        if id(x) not in memo:
            memo[id(x)] = table.get(x, x) if isinstance(x, E.Sym) else \
                E.rebuild(x, tuple(go(c) for c in x.children)) if x.children else x
        return memo[id(x)]
    return go(e)


def solve_equations(cell: Cell) -> Cell:
    """The cell with each equation's unknown replaced, in the lines after it, by its solve:
    a definition ``X = sylvester(A, B, C)`` the steps show, and no longer a variable."""
    if not cell.equations:
        return cell
    for line, col, name, *_ in cell.equations:   # what an equation solves for is used later
        x = cell.symbols[name]
        others = [cell.target] + [d for _, d in cell.definitions] + \
            [side for q in cell.equations if q[2] != name for side in q[3:5]]
        if not any(E.contains(e, lambda a, x=x: a == x) for e in others) and \
                not _written_after(cell.source, line, name):   # (X - X) Y folds X away
            raise MatdiffError(f"the equation solves for {name} (the symbol declared last), "
                               f"but no line after it uses {name}: declare the unknown "
                               "after the equation's other symbols", line, col, cell.source)
    solved: dict[E.Sym, E.Expr] = {}
    defs: list[tuple[str, E.Expr]] = []     # the solves first, then the cell's definitions
    symbols = dict(cell.symbols)
    for line, col, name, lhs, rhs, _ in cell.equations:
        x = cell.symbols[name]

        def err(msg: str, line=line, col=col) -> MatdiffError:
            return MatdiffError(msg, line, col, cell.source)
        lhs, rhs = substitute(lhs, dict(solved)), substitute(rhs, dict(solved))
        try:
            value = _solve(x, lhs, rhs, err)
        except E.ShapeError as exc:
            raise err(f"cannot solve the equation for {name}: {exc}") from None
        solved[x] = value
        defs.append((name, value))
        del symbols[name]
    target = substitute(cell.target, dict(solved))
    defs += [(n, substitute(d, dict(solved))) for n, d in cell.definitions]
    return dataclasses.replace(cell, symbols=symbols, target=target, definitions=defs,
                               declared=cell.declared - {x.name for x in solved})


def _written_after(source: str, line: int, name: str) -> bool:
    """Whether a line after ``line`` writes the name (outside a comment), even where the
    expression then folds it away: (N - N) X is 0, but it uses X."""
    word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return any(word.search(text.split("#", 1)[0]) for text in source.split("\n")[line:])


def at_equation(cell: Cell, exc: MatdiffError) -> MatdiffError:
    """An error at given values (a singular operator) pointed at the equation line whose
    solve it concerns, with its caret; any other error as it is."""
    if exc.line is not None or not cell.equations:
        return exc
    solves = dict(cell.definitions)
    for line, col, name, *_ in cell.equations:
        shown = str(solves.get(name, ""))
        if shown and exc.message.startswith(shown + " ") or len(cell.equations) == 1 and \
                "singular" in exc.message:
            return MatdiffError(f"{exc.message} (the solve of the equation for {name})", line,
                                col, cell.source)
    return exc


def _solve(x: E.Sym, lhs: E.Expr, rhs: E.Expr, err) -> E.Expr:
    f = E.add(lhs, E.neg(rhs))
    n = x.name
    if f.shape[0] * f.shape[1] != x.shape[0] * x.shape[1]:
        raise err(f"the equation has {E.shape_str(f.shape)} sides, {f.shape[0] * f.shape[1]} "
                  f"equations for the {x.shape[0] * x.shape[1]} entries of {n} "
                  f"({E.shape_str(x.shape)}): their numbers must be equal")
    df, _ = differential(f, x)
    if E.contains(df, lambda e: e == x):
        raise err(f"the equation is not linear in {n} (its differential, {simplify(df)}, "
                  f"still holds {n}): a nonlinear equation is not solved here; give one "
                  f"linear in {n}, or write {n} as an expression")
    op = simplify(expand(df))
    if E.is_zero(op):
        raise err(f"{n} cancels out of the equation: it does not determine {n}")
    r = simplify(E.neg(substitute(f, {x: E.zero(x.shape)})))    # F(X) = L(X) − R
    left, right, both, other = _parts(op)
    stein = _stein(left, right, both, other)
    if stein is not None:    # c X + P X Q = R: X - A X B = C, A = -P/c, B = Q, C = R/c
        c, p, q = stein
        return E.call("dlyap", simplify(E.scale(-1 / c, p)), q, simplify(E.scale(1 / c, r)))
    if other or (both and (left or right)) or len(both) > 1:
        return _general(x, op, r, err)
    if both:
        p, q = both[0]
        return E.mul(E.inverse(p), r, E.inverse(q))
    if not right:
        return E.call("solve", E.add(*left), r)
    if not left:
        return E.mul(r, E.inverse(E.add(*right)))
    p, q = simplify(E.add(*left)), simplify(E.add(*right))
    if p.shape == q.shape and E.is_zero(simplify(E.add(p, q))):
        raise err(f"the operator {n} ↦ {p} {n} - {n} {p} is singular for every {p}, so the "
                  f"equation does not determine {n}: P {n} + {n} Q is singular when P and −Q "
                  "share an eigenvalue, and here −Q = P")
    if simplify(E.transpose(p)) == q and E.split_coef(r)[0] < 0:
        return E.call("lyap", p, simplify(E.neg(r)))    # A X + X Aᵀ + Q = 0
    return E.call("sylvester", p, q, r)


def _stein(left, right, both, other):
    """(c, P, Q) when L(X) = c X + P X Q with c a number (the Stein equation), else None."""
    if other or right or len(both) != 1 or not left:
        return None
    c = sum((E.split_coef(t)[0] for t in left), E.F0)
    if c == 0 or any(not isinstance(E.split_coef(t)[1], E.Identity) for t in left):
        return None
    return (c, *both[0])


def _parts(op: E.Expr):
    """The terms of L(dX): c P dX (left), c dX Q (right), c P dX Q (both: (c P, Q)); any
    other term (dXᵀ, A ∘ dX, a call of dX) is ``other``."""
    left, right, both, other = [], [], [], []
    for t in terms(op):
        if isinstance(t, E.D):
            left.append(E.identity(t.shape[0]))
            continue
        if not isinstance(t, E.Mul):
            other.append(t)
            continue
        chain = [f for f in t.args if not f.is_scalar]
        scal = [f for f in t.args if f.is_scalar]
        at = [k for k, f in enumerate(chain) if isinstance(f, E.D)]
        if len(at) != 1 or any(E.has_d(f) for f in scal):
            other.append(t)
            continue
        k = at[0]
        p, q = chain[:k], chain[k + 1:]
        if p and q:
            both.append((E.mul(*scal, *p), E.mul(*q)))
        elif p or not q:
            left.append(E.mul(*scal, *p) if p else E.mul(*scal, E.identity(chain[k].shape[0])))
        else:
            right.append(E.mul(*scal, *q))
    return left, right, both, other


def _general(x: E.Sym, op: E.Expr, r: E.Expr, err) -> E.Expr:
    """X = vec⁻¹(M⁻¹ vec R): M the matrix of the operator, vec L(X) = M vec X."""
    m = simplify(E.add(*(jacobian_term(t, []) for t in terms(op))))
    if E.is_zero(m):
        raise err(f"{x.name} cancels out of the equation: it does not determine {x.name}")
    return E.unvec(E.mul(E.inverse(m), E.call("vec", r)), x.shape[0])
