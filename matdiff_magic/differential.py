"""The differential d(F): one rule per node kind, each next to its math.

``differential(F, X)`` returns dF as an expression linear in the differential dX (node ``D``),
and the names of the rules it used, in order of first use.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from . import expr as E

Rule = Callable[["_Diff", E.Expr], E.Expr]


def _dprime(name: str, a: E.Expr) -> E.Expr:
    """f'(A) for the element-wise functions."""
    one = E.ones_like(a.shape)
    if name == "exp":      # exp' = exp
        return E.call("exp", a)
    if name == "log":      # log'(a) = 1 / a
        return E.hadpow(a, -1)
    if name == "sin":      # sin' = cos
        return E.call("cos", a)
    if name == "cos":      # cos' = -sin
        return E.neg(E.call("sin", a))
    if name == "tanh":     # tanh' = 1 - tanh²
        return E.add(one, E.neg(E.hadpow(E.call("tanh", a), 2)))
    if name == "sigmoid":  # σ' = σ (1 - σ)
        s = E.call("sigmoid", a)
        return E.hadamard(s, E.add(one, E.neg(s)))
    if name == "sqrt":     # sqrt'(a) = 1 / (2 sqrt(a))
        return E.scale(Fraction(1, 2), E.hadpow(E.call("sqrt", a), -1))
    if name == "abs":      # abs'(a) = a / |a|
        return E.hadamard(a, E.hadpow(E.call("abs", a), -1))
    if name == "tan":      # tan' = 1/cos² = 1 + tan²
        return E.add(one, E.hadpow(E.call("tan", a), 2))
    if name == "softplus":  # softplus(a) = log(1 + eᵃ), softplus' = eᵃ/(1 + eᵃ) = σ
        return E.call("sigmoid", a)
    if name == "log1p":    # log1p(a) = log(1 + a), log1p'(a) = 1 / (1 + a)
        return E.hadpow(E.add(one, a), -1)
    if name == "expm1":    # expm1(a) = eᵃ - 1, expm1' = exp
        return E.call("exp", a)
    if name == "relu":     # relu(a) = max(a, 0), relu' = step (convention: relu'(0) = 0)
        return E.call("step", a)
    if name == "step":     # step' = 0 wherever it has a derivative (a ≠ 0)
        return E.zero(a.shape)
    raise KeyError(name)


ELEMENTWISE_RULES = {
    "exp": "d exp(A) = exp(A) ∘ dA",
    "log": "d log(A) = dA ⊘ A",
    "sin": "d sin(A) = cos(A) ∘ dA",
    "cos": "d cos(A) = -sin(A) ∘ dA",
    "tanh": "d tanh(A) = (1 - tanh(A)^∘2) ∘ dA",
    "sigmoid": "d σ(A) = σ(A) ∘ (1 - σ(A)) ∘ dA",
    "sqrt": "d sqrt(A) = dA ⊘ (2 sqrt(A))",
    "abs": "d |A| = A ⊘ |A| ∘ dA",
    "tan": "d tan(A) = (1 + tan(A)^∘2) ∘ dA",
    "softplus": "d softplus(A) = σ(A) ∘ dA",
    "log1p": "d log1p(A) = dA ⊘ (1 + A)",
    "expm1": "d expm1(A) = exp(A) ∘ dA",
    "relu": "d relu(A) = step(A) ∘ dA (step(0) = 0)",
    "step": "d step(A) = 0 (A ≠ 0)",
}


class _Diff:
    def __init__(self, var: E.Sym) -> None:
        self.var = var
        self.rules: list[str] = []
        self.memo: dict[E.Expr, E.Expr] = {}

    def use(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def __call__(self, e: E.Expr) -> E.Expr:
        if e in self.memo:
            return self.memo[e]
        if not E.contains(e, lambda x: x == self.var):
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
    varying = sum(1 for a in e.args if E.contains(a, lambda x: x == d.var))
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
    if e.is_scalar and p == 2 and isinstance(a, E.Call) and a.name in ("fro", "norm2"):
        # d‖A‖_F² = 2 tr(Aᵀ dA): the square's own rule, with no ‖A‖ to cancel afterwards
        d.use("d‖A‖_F² = 2 tr(Aᵀ dA)" if a.name == "fro" else "d‖a‖² = 2 aᵀ da")
        return E.mul(E.num(2), E.call("tr", E.mul(E.transpose(a.arg), d(a.arg))))
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
    a, name = e.arg, e.name
    da = d(a)
    if name in ELEMENTWISE_RULES:
        d.use(ELEMENTWISE_RULES[name])
        return E.hadamard(_dprime(name, a), da)
    if name == "tr":         # d tr(A) = tr(dA)
        d.use("d tr(A) = tr(dA)")
        return E.call("tr", da)
    if name == "det":        # d det(A) = det(A) tr(A⁻¹ dA)
        d.use("d det(A) = det(A) tr(A⁻¹ dA)")
        return E.mul(e, E.call("tr", E.mul(E.inverse(a), da)))
    if name == "logdet":     # d log det(A) = tr(A⁻¹ dA)
        d.use("d log det(A) = tr(A⁻¹ dA)")
        return E.call("tr", E.mul(E.inverse(a), da))
    if name == "fro":        # d‖A‖_F = tr(Aᵀ dA) / ‖A‖_F
        d.use("d‖A‖_F = tr(Aᵀ dA) / ‖A‖_F")
        return E.mul(E.power(e, -1), E.call("tr", E.mul(E.transpose(a), da)))
    if name == "norm2":      # d‖a‖ = aᵀ da / ‖a‖
        d.use("d‖a‖ = aᵀ da / ‖a‖")
        return E.mul(E.power(e, -1), E.call("tr", E.mul(E.transpose(a), da)))
    # linear maps: d vec(A) = vec(dA), d diag(A) = diag(dA), d sum(A) = sum(dA)
    d.use(f"d {name if name != 'diagof' else 'diag'}(A) = "
          f"{name if name != 'diagof' else 'diag'}(dA)")
    return E.call(name, da)


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
        if not E.contains(e, lambda x: x == self.var):
            return E.zero(e.shape)
        return E.D(e.shape, e) if e == self.var else pending(e)


def _open(e: E.Expr, var: E.Sym) -> tuple[str, E.Expr]:
    """The rule that opens d(e), and d(e) one level down."""
    d = _OneLevel(var)
    out = RULES[type(e)](d, e)
    return d.rules[0], out


def _pending_nodes(e: E.Expr, out: list[E.Expr], seen: set[int] | None = None
                   ) -> list[E.Expr]:
    """The pending d(·) nodes of e, in the order they are written (``seen``: the nodes of
    the DAG already looked at, by identity)."""
    seen = set() if seen is None else seen
    if id(e) in seen:
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
    elif is_pending(e) or not e.children:
        out = e
    else:
        args = tuple(_substitute(c, mapping, memo) for c in e.children)
        out = e if args == e.children else E.rebuild(e, args)
    memo[k] = out
    return out


def differential_steps(f: E.Expr, var: E.Sym, max_steps: int = 12
                       ) -> list[tuple[str, E.Expr]] | None:
    """The differential taken one rule at a time, as on a blackboard: from d(F), each step
    applies one rule (wherever it applies first, leftmost outermost, and to every other
    pending d(·) it fits), until no d(·) is left. Returns (rule, expression) pairs whose last
    expression is ``differential(f, var)``'s, or None past ``max_steps`` steps (the caller
    then shows the rules in one step)."""
    if f == var:
        return [(f"the differential of {var.name} is d{var.name}", E.D(f.shape, f))]
    cur = pending(f)
    steps: list[tuple[str, E.Expr]] = []
    while True:
        nodes = _pending_nodes(cur, [])
        if not nodes:
            return steps
        if len(steps) == max_steps:
            return None
        opened = [(n, *_open(n.arg, var)) for n in nodes]
        rule = opened[0][1]
        cur = _substitute(cur, {n: new for n, r, new in opened if r == rule})
        steps.append((rule, cur))


def differential(f: E.Expr, var: E.Sym) -> tuple[E.Expr, list[str]]:
    d = _Diff(var)
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
    (a,) = args
    if isinstance(a, E.Add):
        return E.add(*(expand(E.rebuild(e, (t,)), budget) for t in a.args))
    out = E.rebuild(e, args)
    # pull numeric and scalar factors out of linear maps: tr(2 A) = 2 tr(A)
    if isinstance(out, (E.Transpose, E.Call)) and isinstance(out.arg, E.Mul):
        scal = [f for f in out.arg.args if f.is_scalar and not E.has_d(f)]
        linear = isinstance(out, E.Transpose) or out.name in ("tr", "vec", "sum", "diag",
                                                              "diagof", "vech")
        if scal and linear:
            rest = [f for f in out.arg.args if not (f.is_scalar and not E.has_d(f))]
            return E.mul(*scal, E.rebuild(out, (E.mul(*rest),)))
    return out
