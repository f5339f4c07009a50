"""Vectorization: vec(dF) = J vec(dX), one named identity per node kind.

``jacobian_term(t, X)`` returns (J, rule) with vec(t) = J vec(dX) for a term t linear in dX.
``gradient_term(t, W)`` is the trace method for scalar targets: it returns G with
⟨W, t⟩ = tr(Wᵀ t) = tr(Gᵀ dX), moving every factor off dX by the cyclic property of the
trace (the adjoint of each linear map).
"""

from __future__ import annotations

from .. import ops
from ..algebra import expr as E
from ..errors import MatdiffError

VEC_AXB = "vec(AXB) = (Bᵀ ⊗ A) vec X"
VEC_AX = "vec(AX) = (I ⊗ A) vec X"
VEC_XB = "vec(XB) = (Bᵀ ⊗ I) vec X"
VEC_T = "vec(Xᵀ) = K vec X"
VEC_HAD = "vec(A ∘ X) = diag(vec A) vec X"
VEC_KRON = "vec(A ⊗ B) = (I_q ⊗ K_{n,p} ⊗ I_m)(vec A ⊗ vec B)"
VEC_SCALAR = "vec(u A) = vec(A) u for a scalar u"
VEC_DIAG_B = "vec(diag(v) B) = diag(vec B)(1 ⊗ I) v"
VEC_A_DIAG = "vec(A diag(v)) = diag(vec A)(I ⊗ 1) v"


def _find(args: tuple[E.Expr, ...]) -> int:
    idx = [i for i, a in enumerate(args) if E.has_d(a)]
    if len(idx) != 1:
        raise AssertionError("a term must hold exactly one differential")
    return idx[0]


def _kron_local(t: E.Kron) -> tuple[E.Expr, E.Expr]:
    """(L, M) with vec(t) = L vec(M), M the factor of t that holds the differential:
    vec(A ⊗ B) = (I_q ⊗ K_{n,p} ⊗ I_m)(vec A ⊗ vec B) for A (p x q), B (m x n)."""
    i = _find(t.args)
    if i == 0:
        a, b = t.args[0], E.kron(*t.args[1:])
    else:
        a, b = E.kron(*t.args[:i]), E.kron(*t.args[i:])
    p, q = a.shape
    m, n = b.shape
    perm = E.kron(E.identity(q), E.comm(n, p), E.identity(m))
    if E.has_d(b):
        return E.mul(perm, E.kron(E.call("vec", a), E.identity(m * n))), b
    return E.mul(perm, E.kron(E.identity(p * q), E.call("vec", b))), a


def jacobian_term(t: E.Expr, rules: list[str], trace: list | None = None) -> E.Expr:
    """J with vec(t) = J vec(dX). ``trace`` (a list) receives one entry per identity applied,
    outermost first: (rule, t, L, M) with vec(t) = L vec(M)."""
    def use(rule: str) -> None:
        if rule not in rules:
            rules.append(rule)

    def then(rule: str, local: E.Expr, inner: E.Expr) -> E.Expr:
        """vec(t) = local vec(inner), by the identity ``rule``; then vec(inner)."""
        use(rule)
        if trace is not None:
            trace.append((rule, t, local, inner))
        return E.mul(local, jacobian_term(inner, rules, trace))

    if isinstance(t, E.D):
        return E.identity(t.shape[0] * t.shape[1])
    if isinstance(t, E.Add):
        return E.add(*(jacobian_term(a, rules, trace) for a in t.args))
    if isinstance(t, E.Transpose):
        r, c = t.arg.shape
        return then(VEC_T, E.comm(r, c), t.arg)
    if isinstance(t, E.Mul):
        i = _find(t.args)
        m = t.args[i]
        others = t.args[:i] + t.args[i + 1:]
        if m.is_scalar and not t.is_scalar:
            return then(VEC_SCALAR, E.call("vec", E.mul(*others)), m)
        if m.is_scalar:
            return E.mul(*others, jacobian_term(m, rules, trace))
        scalars = [f for f in others if f.is_scalar]
        chain = [f for f in t.args if not f.is_scalar]
        j = chain.index(m)
        left, right = chain[:j], chain[j + 1:]
        if not left and not right:     # s M: only scalars around the differential
            return then("vec(s A) = s vec A", E.mul(*scalars), m)
        if isinstance(m, E.Call) and m.name == "diag" and not (left and right):
            # a diagonal matrix on one side scales rows or columns: no Kronecker product
            v = m.arg if E.is_one(m.arg.shape[1]) else E.transpose(m.arg)
            n = m.shape[0]
            if right:
                rule, b = VEC_DIAG_B, E.mul(*right)
                spread = E.kron(E.ones(b.shape[1]), E.identity(n))
            else:
                rule, b = VEC_A_DIAG, E.mul(*left)
                spread = E.kron(E.identity(n), E.ones(b.shape[0]))
            return then(rule, E.mul(*scalars, E.call("diag", E.call("vec", b)), spread), v)
        a = E.mul(*left) if left else E.identity(m.shape[0])
        b = E.transpose(E.mul(*right)) if right else E.identity(m.shape[1])
        return then(VEC_AXB if left and right else VEC_AX if left else VEC_XB,
                    E.mul(*scalars, E.kron(b, a)), m)
    if isinstance(t, E.Hadamard):
        i = _find(t.args)
        others = E.hadamard(*(t.args[:i] + t.args[i + 1:]))
        return then(VEC_HAD, E.call("diag", E.call("vec", others)), t.args[i])
    if isinstance(t, E.Kron):
        local, inner = _kron_local(t)
        return then(VEC_KRON, local, inner)
    if isinstance(t, E.Unvec):
        return jacobian_term(t.arg, rules, trace)
    if isinstance(t, E.Call) and ops.get(t.name).vec is not None:
        rule = ops.get(t.name).vec      # vec f(M) = L vec M, as the registry entry says
        m = t.children[_find(t.children)]   # M: the argument that holds the differential
        if rule.build is None:          # vec(vec M) = vec M
            return jacobian_term(m, rules, trace)
        return then(rule.text_for(t.children), rule.build(t), m)
    raise MatdiffError(f"cannot vectorize the term {t}")


def gradient_term(t: E.Expr, w: E.Expr, rules: list[str], trace: list | None = None
                  ) -> E.Expr:
    """G with tr(wᵀ t) = tr(Gᵀ dX): the trace method, one adjoint per node kind.
    ``trace``, when given, receives (rule, w', t') for each identity applied: the term is
    tr(w'ᵀ t') after it, so each can be shown as a step of its own."""
    def use(rule: str, w2: E.Expr | None = None, t2: E.Expr | None = None) -> None:
        if rule not in rules:
            rules.append(rule)
        if trace is not None and w2 is not None:
            trace.append((rule, w2, t2))

    def go(t2: E.Expr, w2: E.Expr) -> E.Expr:
        return gradient_term(t2, w2, rules, trace)

    if isinstance(t, E.D):
        return w
    if isinstance(t, E.Add):
        return E.add(*(go(a, w) for a in t.args))
    if isinstance(t, E.Transpose):       # tr(Wᵀ Mᵀ) = tr((Wᵀ)ᵀ M)
        use("tr(Aᵀ) = tr(A)", E.transpose(w), t.arg)
        return go(t.arg, E.transpose(w))
    if isinstance(t, E.Mul):
        i = _find(t.args)
        m = t.args[i]
        others = t.args[:i] + t.args[i + 1:]
        if m.is_scalar:                  # tr(Wᵀ u R) = u tr(Wᵀ R)
            inner = E.call("tr", E.mul(E.transpose(w), E.mul(*others)))
            return go(m, inner)
        scalars = [f for f in others if f.is_scalar]
        chain = [f for f in t.args if not f.is_scalar]
        j = chain.index(m)
        left, right = chain[:j], chain[j + 1:]
        parts = [E.transpose(E.mul(*left))] if left else []
        parts.append(w)
        if right:
            parts.append(E.transpose(E.mul(*right)))
        w2 = E.mul(*scalars, *parts)
        if right:   # a factor moves round from the right of M to the left of W
            use("cyclic property: tr(Wᵀ A M B) = tr((Aᵀ W Bᵀ)ᵀ M)" if left else
                "cyclic property: tr(Wᵀ M B) = tr((W Bᵀ)ᵀ M)", w2, m)
        else:       # nothing moves: the left factors join Wᵀ
            use("the transpose of a product: tr(Wᵀ A M) = tr((Aᵀ W)ᵀ M)", w2, m)
        return go(m, w2)
    if isinstance(t, E.Hadamard):        # tr(Wᵀ (A ∘ M)) = tr((A ∘ W)ᵀ M)
        i = _find(t.args)
        others = t.args[:i] + t.args[i + 1:]
        w2 = E.hadamard(w, *others)
        use("tr(Wᵀ (A ∘ M)) = tr((A ∘ W)ᵀ M)", w2, t.args[i])
        return go(t.args[i], w2)
    if isinstance(t, E.Call) and ops.get(t.name).adjoint is not None:
        rule = ops.get(t.name).adjoint  # tr(Wᵀ f(M)) = tr(W'ᵀ M), as the registry entry says
        m = t.children[_find(t.children)]   # M: the argument that holds the differential
        w2 = rule.build(w, *t.children)
        if rule.text is not None:
            use(rule.text, w2, m)
        return go(m, w2)
    if isinstance(t, E.Unvec):            # tr(Wᵀ unvec(v)) = vec(W)ᵀ v
        use("tr(Wᵀ unvec(v)) = vec(W)ᵀ v", E.call("vec", w), t.arg)
        return go(t.arg, E.call("vec", w))
    if isinstance(t, E.Kron):             # vec(W)ᵀ vec(t) = vec(W)ᵀ L vec(M)
        local, inner = _kron_local(t)
        g = E.unvec(E.mul(E.transpose(local), E.call("vec", w)), inner.shape[0])
        use(VEC_KRON, g, inner)
        return go(inner, g)
    raise MatdiffError(f"the trace method cannot handle the term {t} yet: differentiate a "
                       "matrix-valued expression instead")
