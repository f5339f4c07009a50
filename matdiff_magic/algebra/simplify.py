"""Rewrite rules to textbook form, then the shortest equivalent form (``choose``).

The canonical forms and the tables of identities live in ``canonical``. Transposes are pushed
to the leaves, declared properties are used (Aᵀ = A for symmetric A, Q⁻¹ = Qᵀ for orthogonal
Q), Kronecker products are merged by the mixed-product rule, commutation matrices cancel,
ones drop out of Hadamard products, and sums with a common left or right factor are
collected: A x + Aᵀ x = (A + Aᵀ) x.
"""

from __future__ import annotations

from .. import memo as M
from .. import ops
from . import expr as E
from .canonical import (
    SCALAR_RULES,
    SYMMETRIC,
    base_exp,
    elementwise_rule,
    had_base_exp,
    had_power,
    hadamard_canonical,
    is_ones,
    ones_product,
    scalar_power_rule,
    scalar_rule,
    tpush,
)
from .choose import shortest


def _inverse_pair(a: E.Expr, b: E.Expr) -> bool:
    """a b = I: X X⁻¹, Q Qᵀ for orthogonal Q, K_{r,c} K_{c,r}."""
    if isinstance(a, E.Inverse) and a.arg == b or isinstance(b, E.Inverse) and b.arg == a:
        return True
    for p, q in ((a, b), (b, a)):
        if isinstance(p, E.Transpose) and isinstance(p.arg, E.Sym) and \
                "orthogonal" in p.arg.props and p.arg == q:
            return True
    if isinstance(a, E.Comm) and isinstance(b, E.Comm):
        return a.r == b.c and a.c == b.r
    return False


def _mixed_product(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD when the factors conform."""
    if not (isinstance(a, E.Kron) and isinstance(b, E.Kron) and len(a.args) == len(b.args)):
        return None
    pairs = list(zip(a.args, b.args))
    if all(x.shape[1] == y.shape[0] for x, y in pairs):
        return E.kron(*(E.mul(x, y) for x, y in pairs))
    return None


def _combine(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """The product a b in one piece when a rule applies, else None."""
    if a.is_scalar or b.is_scalar:
        return None
    if _inverse_pair(a, b):            # X X⁻¹ = I, Qᵀ Q = I, K_{r,c} K_{c,r} = I
        return E.identity(a.shape[0])
    r = _resolvent(a, b)               # (cI - B) B⁻¹ = c B⁻¹ - I
    if r is not None:
        return r
    o = ones_product(a, b)             # 1ᵀ softmax(x) = 1, 1ᵀ(x - (1ᵀx/n) 1) = 0
    if o is not None:
        return o
    d = _diag_scaling(a, b)            # diag(vec(B diag w))(1 ⊗ I) = diag(vec B)(w ⊗ I)
    if d is not None:
        return d
    m = _mixed_product(a, b)           # (A ⊗ B)(C ⊗ D) = AC ⊗ BD
    if m is not None:
        return m
    base_a, pa = base_exp(a)
    base_b, pb = base_exp(b)
    if base_a == base_b:               # Aᵖ A^q = A^(p+q), also across inverses: A⁻⁵A⁴ = A⁻¹
        return E.power(base_a, pa + pb)
    return None


def _diag_scaling(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """diag(vec(B diag w))(1_q ⊗ I_n) = diag(vec B)(w ⊗ I_n) and
    diag(vec(diag(w) B))(I_n ⊗ 1_p) = diag(vec B)(I_n ⊗ w), w a column."""
    if not (isinstance(a, E.Call) and a.name == "diag" and isinstance(a.arg, E.Call)
            and a.arg.name == "vec" and isinstance(a.arg.arg, E.Mul)
            and isinstance(b, E.Kron) and len(b.args) == 2):
        return None
    fs = [f for f in a.arg.arg.args if not f.is_scalar]
    scal = [f for f in a.arg.arg.args if f.is_scalar]
    one, eye = b.args
    for end, pos in ((fs[-1], 0), (fs[0], 1)):
        w = end.arg if isinstance(end, E.Call) and end.name == "diag" else None
        if w is None or not E.is_one(w.shape[1]):
            continue
        ones, ident = (one, eye) if pos == 0 else (eye, one)
        if isinstance(ones, E.Ones) and isinstance(ident, E.Identity) and \
                ones.shape[0] == w.shape[0]:
            rest = fs[:-1] if pos == 0 else fs[1:]
            inner = E.call("diag", E.call("vec", E.mul(*scal, *rest)))
            return E.mul(inner, E.kron(w, ident) if pos == 0 else E.kron(ident, w))
    return None


def _clear_denominator(args: tuple[E.Expr, ...]) -> tuple[E.Expr, ...]:
    """c⁻¹ (1 + a/c)⁻¹ = (c + a)⁻¹: a scalar denominator multiplied into a sum in the
    denominator beside it, when that clears a fraction (the Student-t's ν (1 + δ/ν))."""
    pows = [(i, f) for i, f in enumerate(args)
            if isinstance(f, E.Power) and f.p == -1 and f.is_scalar]
    if len(pows) < 2:
        return args
    for i, f in pows:
        for j, g in pows:
            if j == i or not isinstance(g.arg, E.Add):
                continue
            new = E.add(*(E.mul(f.arg, t) for t in g.arg.args))
            if E.notation_size(new) < E.notation_size(g.arg) + E.notation_size(f.arg):
                return tuple(a for k, a in enumerate(args) if k not in (i, j)) + \
                    (E.power(new, -1),)
    return args


def _resolvent(a: E.Expr, b: E.Expr) -> E.Expr | None:
    """A B⁻¹ = c B⁻¹ - I and B⁻¹ A = c B⁻¹ - I when A + B = c I (the Cayley transform's
    (I - X)(I + X)⁻¹ = 2 (I + X)⁻¹ - I), a sum A and a number c."""
    for s, inv in ((a, b), (b, a)):
        if isinstance(s, E.Add) and isinstance(inv, E.Inverse) and s.shape == inv.shape:
            c, rest = E.split_coef(E.add(s, inv.arg))
            if isinstance(rest, E.Identity) and c != 0:
                return E.add(E.scale(c, inv), E.neg(E.identity(s.shape[0])))
    return None


def _simplify_mul(e: E.Mul) -> E.Expr:
    # one left-to-right pass with a stack: linear in the number of factors
    out: list[E.Expr] = []
    for f in _clear_denominator(e.args):
        out.append(f)
        while len(out) >= 2:
            c = _combine(out[-2], out[-1])
            if c is None:
                break
            out[-2:] = [c]
    return E.mul(*out)


def _factor_out(e: E.Add, factors, without, build, shortens: bool = False) -> E.Expr | None:
    """A factor common to two or more terms of the sum e taken out, or None: ``factors(t)``
    lists the factors a term offers, ``without(t, f)`` is the term with f taken out, and
    ``build(f, inner)`` puts f back around the sum of the rest (``shortens``: only when that
    sum is shorter than its terms, something cancels)."""
    groups: dict[E.Expr, list[int]] = {}
    for i, t in enumerate(e.args):
        for f in dict.fromkeys(factors(t)):
            groups.setdefault(f, []).append(i)
    for key, idx in groups.items():
        if len(idx) < 2:
            continue
        parts = [without(e.args[i], key) for i in idx]
        inner = E.add(*parts)
        if shortens and E.notation_size(inner) >= sum(E.notation_size(p) for p in parts):
            continue
        new = build(key, inner)
        kept = [t for i, t in enumerate(e.args) if i not in idx]
        return E.add(*kept, new) if kept else new
    return None


def _chain_end(t: E.Expr, side: int) -> list[E.Expr]:
    chain = _chain(t)
    return [chain[side]] if len(chain) >= 2 else []


def _kron_factor(t: E.Expr, side: int) -> list[E.Expr]:
    _, rest = E.split_coef(t)
    return [rest.args[side]] if isinstance(rest, E.Kron) and len(rest.args) == 2 else []


def _kron_without(t: E.Expr, side: int) -> E.Expr:
    c, rest = E.split_coef(t)
    return E.scale(c, rest.args[1 - side])


def _had_factors(t: E.Expr) -> tuple[E.Expr, ...]:
    _, rest = E.split_coef(t)
    return rest.args if isinstance(rest, E.Hadamard) else ()


def _had_without(t: E.Expr, key: E.Expr) -> E.Expr:
    c, rest = E.split_coef(t)
    others = list(rest.args)
    others.remove(key)
    return E.scale(c, E.hadamard(*others) if len(others) > 1 else others[0])


def _collect(e: E.Add) -> E.Expr:
    """Factor a common right (then left) chain factor out of a sum: A x + Aᵀ x = (A + Aᵀ) x;
    then a Kronecker factor, when something cancels: (2 P - I) ⊗ Q + I ⊗ Q = 2 P ⊗ Q; then a
    factor of Hadamard products: S ∘ G - S ∘ H = S ∘ (G - H)."""
    for side in (-1, 0):
        out = _factor_out(
            e, lambda t, s=side: _chain_end(t, s),
            lambda t, f, s=side: _drop(t, s),
            lambda f, inner, s=side: E.mul(inner, f) if s == -1 else E.mul(f, inner))
        if out is not None:
            return out
    for side in (1, 0):
        out = _factor_out(
            e, lambda t, s=side: _kron_factor(t, s), lambda t, f, s=side: _kron_without(t, s),
            lambda f, inner, s=side: E.kron(inner, f) if s == 1 else E.kron(f, inner),
            shortens=True)
        if out is not None:
            return out
    out = _factor_out(e, _had_factors, _had_without, lambda f, inner: E.hadamard(f, inner))
    return e if out is None else out


def _chain(t: E.Expr) -> list[E.Expr]:
    _, rest = E.split_coef(t)
    if isinstance(rest, E.Mul):
        return [f for f in rest.args if not f.is_scalar]
    return []


def _drop(t: E.Expr, side: int) -> E.Expr:
    """t without its first (side 0) or last (side -1) chain factor."""
    c, rest = E.split_coef(t)
    args = list(rest.args)
    chain_idx = [i for i, f in enumerate(args) if not f.is_scalar]
    del args[chain_idx[side]]
    return E.scale(c, E.mul(*args))


def _step(e: E.Expr, collect: bool = True, memo: dict | None = None) -> E.Expr:
    """One bottom-up pass of the rules (``memo``: results known from earlier passes; a tree
    without a sum gives the same with and without ``collect``, so it is kept once)."""
    if not e.children:
        return e
    if memo is not None:
        key = (e, collect) if _has_sum(e) else e
        out = memo.get(key)
        if out is None:
            out = memo[key] = _step_node(e, collect, memo)
        return out
    return _step_node(e, collect, memo)


def _has_sum(e: E.Expr) -> bool:
    """Whether e holds a sum (cached on the node): only sums are collected."""
    try:
        return e._has_sum   # type: ignore[attr-defined]
    except AttributeError:
        v = isinstance(e, E.Add) or any(_has_sum(c) for c in e.children)
        object.__setattr__(e, "_has_sum", v)
        return v


def _step_node(e: E.Expr, collect: bool, memo: dict | None) -> E.Expr:
    args = tuple(_step(c, collect, memo) for c in e.children)
    e = E.rebuild(e, args)
    if isinstance(e, E.Transpose):
        return tpush(e.arg)
    if isinstance(e, E.Inverse):
        a = e.arg
        if isinstance(a, E.Sym) and "orthogonal" in a.props:
            return E.transpose(a)
        if isinstance(a, E.Transpose) and isinstance(a.arg, E.Sym) and a.arg.props & SYMMETRIC:
            return E.inverse(a.arg)
        if isinstance(a, E.Kron) and all(x.shape[0] == x.shape[1] for x in a.args):
            return E.kron(*(E.inverse(x) for x in a.args))   # (A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹
        return e
    if isinstance(e, E.Mul):
        return _simplify_mul(e)
    if isinstance(e, E.Hadamard):
        scal = [f for a in e.args if isinstance(a, E.Mul) for f in a.args if f.is_scalar]
        if scal:   # A ∘ (s B) = s (A ∘ B)
            parts = [E.mul(*[f for f in a.args if not f.is_scalar]) if isinstance(a, E.Mul)
                     else a for a in e.args]
            return E.mul(*scal, E.hadamard(*parts))
        return hadamard_canonical(e.args, e.shape)
    if isinstance(e, E.Call) and ops.get(e.name).same_as is not None:
        return ops.get(e.name).same_as(*e.children)   # solve(A, B) = A⁻¹B
    if isinstance(e, E.Call) and e.name in ops.ELEMENTWISE:
        return elementwise_rule(e)
    if isinstance(e, E.Call) and e.name in SCALAR_RULES:
        r = scalar_rule(e)
        if r is not e:
            return r
    if isinstance(e, E.Power) and e.is_scalar:
        return scalar_power_rule(e)     # sqrt(a)² = a, |a|² = a²
    if isinstance(e, E.HadPow) and e.p.denominator == 1:
        c, rest = E.split_coef(e.arg)
        if c != 1:                      # (c A)^∘k = cᵏ A^∘k for a number c
            return E.scale(c ** int(e.p), had_power(rest, e.p) if rest.children or not
                           rest.is_scalar else E.power(rest, int(e.p)))
    if isinstance(e, E.HadPow) and is_ones(e.arg):
        return e.arg                    # 𝟏^∘p = 𝟏, entry by entry
    if isinstance(e, E.HadPow):
        b, p = had_base_exp(e)
        return had_power(b, p) if (b, p) != (e.arg, e.p) else e
    if isinstance(e, E.Call) and e.name == "vec" and E.is_one(e.arg.shape[0]):
        return tpush(e.arg)             # vec(xᵀ) = x: the vec of a row is its transpose
    if isinstance(e, E.Kron) and len(e.args) == 2:
        a, b = e.args                  # xᵀ ⊗ y = y ⊗ xᵀ = y xᵀ (a row and a column)
        if E.is_one(a.shape[0]) and E.is_one(b.shape[1]):
            return E.mul(b, a)
        if E.is_one(a.shape[1]) and E.is_one(b.shape[0]):
            return E.mul(a, b)
    if isinstance(e, E.Kron):
        # pull scalar factors out: (s A) ⊗ B = s (A ⊗ B)
        scal, parts = [], []
        for a in e.args:
            if isinstance(a, E.Mul):
                scal += [f for f in a.args if f.is_scalar]
                parts.append(E.mul(*[f for f in a.args if not f.is_scalar]))
            else:
                parts.append(a)
        return E.mul(*scal, E.kron(*parts)) if scal else e
    if isinstance(e, E.Add) and collect:
        return _collect(e)
    if isinstance(e, E.Call) and e.name in ("diagof", "diag", "tr", "sum") and \
            isinstance(e.arg, E.Mul) and any(f.is_scalar for f in e.arg.args):
        # linear maps: diag(s A) = s diag(A), tr(s A) = s tr(A)
        scal = [f for f in e.arg.args if f.is_scalar]
        return E.mul(*scal, E.call(e.name, E.mul(*[f for f in e.arg.args
                                                   if not f.is_scalar])))
    if isinstance(e, E.Unvec) and isinstance(e.arg, E.Mul) and \
            any(f.is_scalar for f in e.arg.args):   # unvec(s v) = s unvec(v)
        scal = [f for f in e.arg.args if f.is_scalar]
        return E.mul(*scal, E.unvec(E.mul(*[f for f in e.arg.args if not f.is_scalar]),
                                    e.rows))
    if isinstance(e, E.Call) and e.name in ("tr", "sum") and isinstance(e.arg, E.Kron) and (
            e.name == "sum" or all(a.shape[0] == a.shape[1] for a in e.arg.args)):
        # tr(A ⊗ B) = tr(A) tr(B), sum(A ⊗ B) = sum(A) sum(B)
        return E.mul(*(E.call(e.name, a) for a in e.arg.args))
    if isinstance(e, E.Call) and e.name == "vec" and isinstance(e.arg, E.Mul):
        scal = [f for f in e.arg.args if f.is_scalar]
        if scal:
            return E.mul(*scal, E.call("vec", E.mul(*[f for f in e.arg.args
                                                      if not f.is_scalar])))
    return e


def _fix(e: E.Expr, collect: bool = True, max_passes: int = 30) -> E.Expr:
    """The rules applied bottom-up until nothing changes."""
    memo = M.table("simplify.step")   # one pass's results, shared in a derivation
    if memo is None:
        memo = {}
    for _ in range(max_passes):
        new = _step(e, collect, memo)
        if new == e:
            return new
        e = new
    return e


FALLBACKS = [0]   # how often choosing the shortest form failed and the rule form was kept


def simplify(e: E.Expr, collect: bool = True, max_passes: int = 30) -> E.Expr:
    """Textbook form: the rules to their fixed point, then (with ``collect``) the shortest of
    the equivalent candidates that ``choose`` knows. A candidate search that fails keeps the
    rules' form: it never turns a right answer into an error."""
    memo = M.table("simplify")   # within a derivation: the same input, the same output
    if memo is None:
        return _simplify(e, collect, max_passes)[0]
    key = (e, collect, max_passes)
    out = memo.get(key)
    if out is None:
        out = memo[key] = _simplify(e, collect, max_passes)
    elif out[1]:
        FALLBACKS[0] += 1
    return out[0]


def _simplify(e: E.Expr, collect: bool, max_passes: int) -> tuple[E.Expr, bool]:
    """simplify's result, and whether the candidate search failed (counted in FALLBACKS)."""
    e = _fix(e, collect, max_passes)
    if not collect:
        return e, False
    try:
        return shortest(e, _fix), False
    except (E.ShapeError, RecursionError, ArithmeticError, ValueError):
        FALLBACKS[0] += 1
        return e, True
