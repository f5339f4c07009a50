"""Wrong versions of a derivative (mutants), and the judge of the numerical check against them.

Shared by tests/test_mutation.py and benchmarks/mutation.py. A mutant is the engine's result
with one typical slip, built with the expr.py constructors:

* ``transposed``: the whole result transposed (square results only);
* ``transposed factor``: one square factor (a symbol, an inverse, a transpose, a power)
  transposed inside the result: X⁻ᵀ → X⁻¹, AᵀB → AB;
* ``scaled by 2``, ``negated``;
* ``dropped term``: one term of a sum left out (every sum in the result, every term);
* ``Kronecker swapped``: A ⊗ B → B ⊗ A;
* ``K inserted``: K_{pq} J or J K_{mn} (Jacobians of matrices);  ``K removed``: a
  commutation matrix replaced by the identity.

:func:`judge_mutants` runs ``check(result=mutant)`` on each: a mutant must FAIL. One that
passes is either *equivalent* (equal to the truth at several random points that honour
the declarations, drawn here independently of the engine's sampler: swapping equal
Kronecker factors, transposing a symmetric result; counted and listed, never dropped
silently) or *survived* (a blind spot of the check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matdiff_magic import MatdiffError
from matdiff_magic.algebra import expr as E
from matdiff_magic.numeric.sample import choose_sizes
from matdiff_magic.numeric.values import Env, apply, value

EQUIV_SEEDS = (101, 202, 303)
EQUIV_TOL = 1e-9


def _nodes(e: E.Expr, path: tuple = ()):
    """(path, node) for every node of e as a tree, in preorder."""
    yield path, e
    for i, c in enumerate(e.children):
        yield from _nodes(c, path + (i,))


def _replace(e: E.Expr, path: tuple, new: E.Expr) -> E.Expr:
    """e with the node at path replaced, rebuilt through the smart constructors."""
    if not path:
        return new
    i = path[0]
    args = list(e.children)
    args[i] = _replace(args[i], path[1:], new)
    return E.rebuild(e, tuple(args))


def _square(e: E.Expr) -> bool:
    return not e.is_scalar and e.shape[0] == e.shape[1]


def mutants(d) -> list[tuple[str, E.Expr]]:
    """The mutants of d.result (numerator layout), each (description, expression); mutants
    that are structurally the result itself, or not well typed, are left out."""
    J = d.result
    out: list[tuple[str, E.Expr]] = []

    def add(what: str, make) -> None:
        try:
            m = make()
        except (E.ShapeError, ValueError, KeyError):
            return
        if m != J and tuple(m.shape) == tuple(J.shape) and all(m != e for _, e in out):
            out.append((what, m))

    if _square(J):
        add("transposed", lambda: E.transpose(J))
    add("scaled by 2", lambda: E.scale(2, J))
    add("negated", lambda: E.neg(J))
    for path, node in _nodes(J):
        where = f" at {'.'.join(map(str, path)) or 'top'}"
        if _square(node) and isinstance(node, (E.Sym, E.Inverse, E.Transpose, E.Power)):
            add(f"transposed factor {node}{where}",
                lambda p=path, n=node: _replace(J, p, E.transpose(n)))
        if isinstance(node, E.Add):
            for i, t in enumerate(node.args):
                rest = node.args[:i] + node.args[i + 1:]
                add(f"dropped term {t}{where}",
                    lambda p=path, r=rest: _replace(J, p, E.add(*r)))
        if isinstance(node, E.Kron):
            add(f"Kronecker swapped{where}",
                lambda p=path, n=node: _replace(J, p, E.kron(*reversed(n.args))))
        if isinstance(node, E.Comm):
            add(f"K removed{where}",
                lambda p=path, n=node: _replace(J, p, E.identity(n.shape[0])))
    if d.kind == "jacobian" and d.layout in ("mixed", "numerator"):
        (p, q), (m, n) = d.target.shape, d.wrt.shape
        if not (p.is_one or q.is_one):
            add("K inserted on the left", lambda: E.mul(E.comm(p, q), J))
        if not (m.is_one or n.is_one):
            add("K inserted on the right", lambda: E.mul(J, E.comm(m, n)))
    return out


def _numeric(d, e: E.Expr, env) -> np.ndarray:
    with np.errstate(all="ignore"):
        if d.kind == "gradient":
            return value(e, env)
        n = env.dim(e.shape[1])
        return apply(e, np.eye(n), env)


def _declared_point(d, seed: int, positive: bool):
    """Values that honour the declarations and nothing else, drawn here and not by the
    engine's sampler (which is what is being tested): general entries (or positive ones)."""
    rng = np.random.default_rng([seed, 99])
    sizes = choose_sizes(d.cell.symbols, None, d.target)
    vals = {}
    for name, s in d.cell.symbols.items():
        r, c = (int(x.value(sizes)) for x in s.shape)
        g = rng.standard_normal((r, c))
        p = s.props
        if "orthogonal" in p:
            a = np.linalg.qr(g)[0]
        elif "spd" in p:
            a = g @ g.T / r + np.eye(r)
        elif "diagonal" in p:
            a = np.diag(rng.uniform(0.5, 2.0, r) if positive else g[:, 0])
        elif "positive" in p or positive:
            a = rng.uniform(0.5, 2.0, (r, c))
            a = (a + a.T) / 2 if "symmetric" in p else a
        elif "symmetric" in p:
            a = (g + g.T) / 2
        else:
            a = g / np.sqrt(c) + (2 * np.eye(r) if "invertible" in p else 0)
        vals[name] = a
    return Env(vals, sizes)


def equivalent(d, m: E.Expr) -> bool:
    """True when the mutant equals the result, entry by entry, at several random points
    that honour the declarations: drawn independently of the engine's sampler (general and
    positive entries), compared where both are finite, at least one point entirely."""
    complete = 0
    for seed in EQUIV_SEEDS:
        for positive in (False, True):
            env = _declared_point(d, seed, positive)
            try:
                a, b = _numeric(d, d.result, env), _numeric(d, m, env)
            except MatdiffError:
                continue
            if a.shape != b.shape:
                return False
            ok = np.isfinite(a) & np.isfinite(b)
            complete += bool(np.all(ok))
            scale = max(1.0, float(np.max(np.abs(a[ok]), initial=0.0)))
            if np.max(np.abs(a[ok] - b[ok]), initial=0.0) > EQUIV_TOL * scale:
                return False
    return complete > 0


@dataclass
class Report:
    """What happened to the mutants of one derivation."""
    cell: str
    wrt: str
    truth_passed: bool = False
    killed: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.equivalent) + len(self.survived)


def judge_mutants(d, methods: tuple[str, ...] = ("full",), limit: int | None = None) -> Report:
    """Check the truth and every mutant (at most ``limit``, spread over the list) with each
    method. A mutant is killed when every method fails it (or refuses it with a
    MatdiffError)."""
    r = Report(d.source, d.wrt.name)
    r.truth_passed = all(d.check(method=mt).passed for mt in methods)
    ms = mutants(d)
    if limit is not None and len(ms) > limit:
        step = len(ms) / limit
        ms = [ms[int(i * step)] for i in range(limit)]
    for what, m in ms:
        label = f"{what}: {m}"
        passed_by = []
        for mt in methods:
            try:
                if d.check(method=mt, result=m).passed:
                    passed_by.append(mt)
            except MatdiffError:
                pass
        if not passed_by:
            r.killed.append(label)
        elif equivalent(d, m):
            r.equivalent.append(label)
        else:
            r.survived.append(f"{label} (passed by {', '.join(passed_by)})")
    return r
