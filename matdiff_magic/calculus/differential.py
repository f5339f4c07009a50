"""The differential d(F): one rule per node kind, each next to its math.

``differential(F, X)`` returns dF as an expression linear in the differential dX (node ``D``),
and the names of the rules it used, in order of first use.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ops
from ..algebra import expr as E

Rule = Callable[["_Diff", E.Expr], E.Expr]


class _Diff:
    def __init__(self, var: E.Sym, varying: dict | None = None) -> None:
        self.var = var
        self.rules: list[str] = []
        self.memo: dict[E.Expr, E.Expr] = {}
        self._varying: dict[E.Expr, bool] = {} if varying is None else varying

    def varies(self, e: E.Expr) -> bool:
        """Whether the variable occurs in e (each distinct subtree looked at once)."""
        v = self._varying.get(e)
        if v is None:
            v = self._varying[e] = e == self.var or any(self.varies(c) for c in e.children)
        return v

    def use(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def __call__(self, e: E.Expr) -> E.Expr:
        if e in self.memo:
            return self.memo[e]
        if not self.varies(e):
            out = E.zero(e.shape)           # d(constant) = 0
        else:
            out = RULES[type(e)](self, e)
        self.memo[e] = out
        return out


def _sym(d: _Diff, e: E.Sym) -> E.Expr:
    return E.D(e.shape, e)


def _add(d: _Diff, e: E.Add) -> E.Expr:
    d.use("d(A + B) = dA + dB")
    return E.add(*(d(t) for t in e.args))


def _product(d: _Diff, e: E.Nary, make, rule: str) -> E.Expr:
    # d(A B C) = dA B C + A dB C + A B dC (the order of the factors is kept)
    terms = []
    for i, a in enumerate(e.args):
        da = d(a)
        if not E.is_zero(da):
            terms.append(make(*e.args[:i], da, *e.args[i + 1:]))
    varying = sum(1 for a in e.args if d.varies(a))
    d.use(rule[0] if varying > 1 else rule[1])
    return E.add(*terms) if terms else E.zero(e.shape)


def _mul(d: _Diff, e: E.Mul) -> E.Expr:
    return _product(d, e, E.mul, ("product rule: d(AB) = dA B + A dB",
                                  "constant factors stay: d(A X B) = A dX B"))


def _kron(d: _Diff, e: E.Kron) -> E.Expr:
    return _product(d, e, E.kron, ("d(A ⊗ B) = dA ⊗ B + A ⊗ dB",
                                   "a constant factor stays: d(A ⊗ X) = A ⊗ dX"))


def _hadamard(d: _Diff, e: E.Hadamard) -> E.Expr:
    return _product(d, e, E.hadamard, ("d(A ∘ B) = dA ∘ B + A ∘ dB",
                                       "a constant factor stays: d(A ∘ X) = A ∘ dX"))


def _transpose(d: _Diff, e: E.Transpose) -> E.Expr:
    d.use("d(Aᵀ) = (dA)ᵀ")
    return E.transpose(d(e.arg))


def _inverse(d: _Diff, e: E.Inverse) -> E.Expr:
    d.use("d(A⁻¹) = -A⁻¹ dA A⁻¹")
    return E.neg(E.mul(e, d(e.arg), e))


def _power(d: _Diff, e: E.Power) -> E.Expr:
    a, p = e.arg, e.p
    square = ops.get(a.name).d_square if isinstance(a, E.Call) else None
    if e.is_scalar and p == 2 and square is not None:
        # d‖A‖_F² = 2 tr(Aᵀ dA): the square's own rule, with no ‖A‖ to cancel afterwards
        d.use(square.text)
        return square.build(a, a.children, tuple(d(x) for x in a.children))
    if e.is_scalar:  # d(s^p) = p s^(p-1) ds
        d.use("d(s^p) = p s^(p-1) ds")
        return E.mul(E.num(p), E.power(a, p - 1), d(a))
    # d(A^k) = Σ_j A^j dA A^(k-1-j)
    d.use("d(A^k) = Σⱼ Aʲ dA A^(k-1-j)")
    da = d(a)
    k = int(p)
    return E.add(*(E.mul(E.power(a, j), da, E.power(a, k - 1 - j)) for j in range(k)))


def _hadpow(d: _Diff, e: E.HadPow) -> E.Expr:
    d.use("d(A.^p) = p A.^(p-1) ∘ dA")
    return E.scale(e.p, E.hadamard(E.hadpow(e.arg, e.p - 1), d(e.arg)))


def _call(d: _Diff, e: E.Call) -> E.Expr:
    """The registry entry's differential: d f(A) = f'(A) ∘ dA for an element-wise f."""
    op = ops.get(e.name)
    args = e.children
    dargs = tuple(d(a) for a in args)
    d.use(op.d.text_for(args))
    return op.differential(e, args, dargs)


def _unvec(d: _Diff, e: E.Unvec) -> E.Expr:
    d.use("d unvec(a) = unvec(da)")
    return E.unvec(d(e.arg), e.rows)


RULES: dict[type, Rule] = {
    E.Sym: _sym, E.Add: _add, E.Mul: _mul, E.Kron: _kron, E.Hadamard: _hadamard,
    E.Transpose: _transpose, E.Inverse: _inverse, E.Power: _power, E.HadPow: _hadpow,
    E.Call: _call, E.Unvec: _unvec,
}


def pending(e: E.Expr) -> E.Expr:
    """d(e) not yet taken: a node the steps show as d(XW - Y) until a rule opens it."""
    return E.Call(e.shape, e, "d")


def is_pending(e: E.Expr) -> bool:
    return isinstance(e, E.Call) and e.name == "d"


class _OneLevel(_Diff):
    """One rule, one level down: the differentials of the children are left pending,
    except that of the variable itself (dX) and those of constants (0)."""

    def __call__(self, e: E.Expr) -> E.Expr:
        if not self.varies(e):
            return E.zero(e.shape)
        return E.D(e.shape, e) if e == self.var else pending(e)


def _open(e: E.Expr, var: E.Sym, varying: dict | None = None) -> tuple[str, E.Expr]:
    """The rule that opens d(e), and d(e) one level down (``varying``: what
    ``_Diff.varies`` found so far, shared by the calls of one derivation)."""
    d = _OneLevel(var, varying)
    out = RULES[type(e)](d, e)
    return d.rules[0], out


def _has_pending(e: E.Expr) -> bool:
    """Whether e holds a pending d(·) (cached on the node: the steps share their subtrees)."""
    return E.holds(e, "_has_pending", is_pending)


def _pending_nodes(e: E.Expr, out: list[E.Expr], seen: set[int] | None = None
                   ) -> list[E.Expr]:
    """The pending d(·) nodes of e, in the order they are written (``seen``: the nodes of
    the DAG already looked at, by identity)."""
    seen = set() if seen is None else seen
    if id(e) in seen or not _has_pending(e):
        return out
    seen.add(id(e))
    if is_pending(e):
        if e not in out:
            out.append(e)
        return out
    for c in e.children:
        _pending_nodes(c, out, seen)
    return out


def _substitute(e: E.Expr, mapping: dict[E.Expr, E.Expr], memo: dict | None = None
                ) -> E.Expr:
    """e with the pending nodes in ``mapping`` replaced (``memo``: results by node identity,
    so that a subtree shared in the DAG is rebuilt once; the tree being walked keeps its
    nodes, and so their identities, alive)."""
    memo = {} if memo is None else memo
    k = id(e)
    out = memo.get(k)
    if out is not None:
        return out
    if e in mapping:
        out = mapping[e]
    elif is_pending(e) or not e.children or not _has_pending(e):
        out = e
    else:
        args = tuple(_substitute(c, mapping, memo) for c in e.children)
        out = e if args == e.children else E.rebuild(e, args)
    memo[k] = out
    return out


def differential_steps(f: E.Expr, var: E.Sym, max_steps: int = 16,
                       varying: dict[E.Expr, bool] | None = None
                       ) -> list[tuple[str, E.Expr]] | None:
    """The differential taken one rule at a time, as on a blackboard: from d(F), each step
    applies one rule (wherever it applies first, leftmost outermost, and to every other
    pending d(·) it fits), until no d(·) is left. Returns (rule, expression) pairs whose last
    expression is ``differential(f, var)``'s, or None past ``max_steps`` steps (the caller
    then shows the rules in one step). ``varying``: which subtrees hold the variable, as
    ``differential`` found them (the same table serves both)."""
    if f == var:
        return [(f"the differential of {var.name} is d{var.name}", E.D(f.shape, f))]
    cur = pending(f)
    steps: list[tuple[str, E.Expr]] = []
    varying = {} if varying is None else varying
    opens: dict[E.Expr, tuple[str, E.Expr]] = {}   # a d(·) that waits is opened once

    def opened(n: E.Expr) -> tuple[str, E.Expr]:
        out = opens.get(n)
        if out is None:
            out = opens[n] = _open(n.arg, var, varying)
        return out
    while True:
        nodes = _pending_nodes(cur, [])
        if not nodes:
            return steps
        if len(steps) == max_steps:
            return None
        rule = opened(nodes[0])[0]
        cur = _substitute(cur, {n: opened(n)[1] for n in nodes if opened(n)[0] == rule})
        steps.append((rule, cur))


def differential(f: E.Expr, var: E.Sym, varying: dict[E.Expr, bool] | None = None
                 ) -> tuple[E.Expr, list[str]]:
    """dF, and the rules used in order of first use (``varying``: a table that receives
    which subtrees hold the variable, for ``differential_steps`` to reuse)."""
    d = _Diff(var, varying)
    df = d(f)
    if not d.rules:
        d.use(f"the differential of {var.name} is d{var.name}")
    return df, d.rules


def expand(e: E.Expr, budget: list[int] | None = None) -> E.Expr:
    """Distribute products, transposes and linear maps over sums that hold a differential,
    so that dF is a sum of terms, each with exactly one dX. ``budget`` (a one-element list)
    bounds the work: a product of sums can multiply the number of terms."""
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise E.ShapeError("expansion budget exhausted")
    if not E.has_d(e) or not e.children:
        return e
    args = tuple(expand(c, budget) for c in e.children)
    if isinstance(e, E.Add):
        return E.add(*args)
    if isinstance(e, (E.Mul, E.Kron, E.Hadamard)):
        for i, a in enumerate(args):
            if isinstance(a, E.Add) and E.has_d(a):
                return E.add(*(expand(E.rebuild(e, args[:i] + (t,) + args[i + 1:]), budget)
                               for t in a.args))
        return E.rebuild(e, args)
    # a call is linear in the argument that holds the differential (the first: expm_frechet's
    # E is its second, but then the point X holds none)
    i = next((k for k, c in enumerate(args) if E.has_d(c)), 0)
    a = args[i]
    if isinstance(a, E.Add):
        return E.add(*(expand(E.rebuild(e, args[:i] + (t,) + args[i + 1:]), budget)
                       for t in a.args))
    out = E.rebuild(e, args)
    # pull numeric and scalar factors out of linear maps: tr(2 A) = 2 tr(A)
    if isinstance(out, (E.Transpose, E.Call)) and isinstance(out.arg, E.Mul) and \
            len(out.children) == 1:
        scal = [f for f in out.arg.args if f.is_scalar and not E.has_d(f)]
        linear = isinstance(out, E.Transpose) or ops.get(out.name).linear
        if scal and linear:
            rest = [f for f in out.arg.args if not (f.is_scalar and not E.has_d(f))]
            return E.mul(*scal, E.rebuild(out, (E.mul(*rest),)))
    return out
