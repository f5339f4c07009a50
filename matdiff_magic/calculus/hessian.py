"""Second derivatives by the second differential (Magnus & Neudecker, ch. 10).

The first differential gives the gradient G of the function of independent entries,
df = tr(Gᵀ dX). The same rule table, run over df with dX constant (d²X = 0), gives the
second differential d²f = tr(dGᵀ dX). Each term of dG is linear in dX, so the vec identities
give vec(dG) = J vec dX and d²f = (vec dX)ᵀ B (vec dX) with B = Jᵀ; the second
identification theorem then gives the Hessian H = ½(B + Bᵀ). For two variables,
d²f = tr((d_Y G)ᵀ dX) = (vec dX)ᵀ J (vec dY) identifies the mixed block
∂²f/∂(vec X)∂(vec Y)ᵀ = J.

Properties of the variable (X spd, symmetric, diagonal, orthogonal) describe the point, not
the function: they are removed from the variable before differentiating, so that the gradient
of log det X is X⁻ᵀ (not X⁻¹) and its derivative is -K(X⁻ᵀ ⊗ X⁻¹). The Hessian at the point,
with the properties used, is shown as a last step.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from .. import ops
from ..algebra import expr as E
from ..algebra.hessian_rules import canonical, tidy_gradient
from ..algebra.simplify import simplify
from ..derivation import Derivation
from ..errors import MatdiffError
from ..lang.parse import Cell
from ..memo import scope as memo_scope
from .changes import terms as _terms
from .differential import differential, differential_steps, expand
from .vectorize import jacobian_term

MAX_HESSIAN_TERMS = 300


def substitute(e: E.Expr, old: dict[E.Sym, E.Sym], memo: dict | None = None) -> E.Expr:
    """e with the symbols in ``old`` replaced (the smart constructors refold the tree)."""
    memo = {} if memo is None else memo
    if e in memo:
        return memo[e]
    if isinstance(e, E.Sym):
        out = old.get(e, e)
    elif isinstance(e, E.D):
        out = E.D(e.shape, old.get(e.var, e.var))
    elif not e.children:
        out = e
    else:
        out = E.rebuild(e, tuple(substitute(c, old, memo) for c in e.children))
    memo[e] = out
    return out


def plain_cell(cell: Cell, names: list[str]) -> tuple[Cell, dict[E.Sym, E.Sym]]:
    """The cell with the properties of the named variables removed: every entry free."""
    old = {cell.symbols[n]: E.Sym(cell.symbols[n].shape, n, frozenset()) for n in names}
    symbols = {k: old.get(s, s) for k, s in cell.symbols.items()}
    memo: dict = {}
    try:
        defs = [(d, substitute(e, old, memo)) for d, e in cell.definitions]
        target = substitute(cell.target, old, memo)
    except E.ShapeError as exc:   # chol(S) needs S spd: its second derivative is not taken
        props = ", ".join(sorted({p for x in old for p in x.props})) or "none"
        raise E.ShapeError(f"{exc} (a second derivative takes every entry of "
                           f"{', '.join(names)} as free, without the declared properties: "
                           f"{props}; this one is not taken)") from None
    return dataclasses.replace(cell, symbols=symbols, definitions=defs, target=target), old


def _calls(e: E.Expr, out: set | None = None) -> set[str]:
    """The names of the calls in e."""
    out = set() if out is None else out
    if isinstance(e, E.Call):
        out.add(e.name)
    for c in e.children:
        _calls(c, out)
    return out


class Hessian(Derivation):
    """The second derivative of a scalar target: the Hessian ∂²f/∂(vec X)∂(vec X)ᵀ, or, with
    ``wrt2``, the mixed block ∂²f/∂(vec X)∂(vec Y)ᵀ. Built like a :class:`Derivation` and
    recorded step by step; ``evaluate``, ``hvp``, ``check``, ``numpy_source`` and
    ``to_sympy`` work on H."""

    order = 2

    def __init__(self, cell: Cell, wrt: E.Sym, wrt2: E.Sym | None = None,
                 layout: str = "numerator") -> None:
        self._printed: dict = {}   # the printers' memo tables, for the steps when shown
        with memo_scope():   # each subexpression simplified and printed once (memo.py)
            self._build2(cell, wrt, wrt2, layout)

    def _build2(self, cell: Cell, wrt: E.Sym, wrt2: E.Sym | None, layout: str) -> None:
        self.cell = cell
        self.source = cell.source
        self.wrt = wrt
        self.wrt2 = wrt2 if wrt2 is not None else wrt
        self.mixed = self.wrt2.name != wrt.name
        self.layout = layout
        self.target = cell.target
        self.name = cell.target_name or "f"
        self.kind = "mixed" if self.mixed else "hessian"
        self._steps = []
        self.letters = frozenset(n for n in cell.symbols if len(n) == 1)
        names = [wrt.name] + ([self.wrt2.name] if self.mixed else [])
        self.plain, subst = plain_cell(cell, names)
        self.x = subst[wrt]                 # the variables with every entry free
        self.y = subst[self.wrt2]
        self.numerator = self.result = self._derive2()
        self.at_point = self._at_point(subst)

    # --- the method ----------------------------------------------------------------------------
    def _derive2(self) -> E.Expr:
        f, x, y, n = self.target, self.x, self.y, self.name
        rows, cols = x.shape[0] * x.shape[1], y.shape[0] * y.shape[1]
        if self.mixed:
            what = (f"the mixed second derivative ∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ, "
                    f"{rows.pretty()}×{cols.pretty()}")
        else:
            what = (f"the Hessian H = ∂²{n}/∂(vec {x.name})∂(vec {x.name})ᵀ, "
                    f"{rows.pretty()}×{cols.pretty()}")
        self._step("the problem: " + what, ("problem2", n, f, x, y if self.mixed else None))
        for v in dict.fromkeys((self.wrt, self.wrt2)):
            props = sorted(v.props - {"invertible", "positive"})
            if props:
                self._step(f"properties describe the point, not the function: {v.name} is "
                           f"{', '.join(props)} there, but {n} is differentiated as a function "
                           f"of all the entries of {v.name}, each independent; the "
                           "properties are used only at the end, at the point", ("free", v))
        # the first differential and the gradient, recorded as the first-order derivation does
        first = Derivation(self.plain, x)
        self.gradient = first
        for s in first.steps[1:first.steps.index(first.result_step) + 1]:
            self.steps.append(s.prefixed("first differential: "))
        g = first.numerator
        gt = tidy_gradient(g)
        if gt != g:
            self._step("simplify the gradient: a ∘ a^∘-1 = 1, A ∘ (B + C) = A ∘ B + A ∘ C, "
                       "like terms combine", ("eq", ("name", "G"), gt))
            g = gt
        self.g = g
        # the second differential: the same rule table over df = tr(Gᵀ dX), dX constant
        dg, rules = differential(g, y)
        d2 = ("d2", n) if not self.mixed else ("dd", n, x, y)
        d2_u = f"d²{n}" if not self.mixed else f"d_{y.name} d_{x.name} {n}"
        const = (f"d{x.name} constant (d²{x.name} = 0)" if not self.mixed else
                 f"d{x.name} constant, {y.name} varies")
        head = (f"second differential: d(d{n}) with {const}: d{n} = tr(Gᵀ d{x.name}) gives "
                f"{d2_u} = tr((d{'_' + y.name if self.mixed else ''}G)ᵀ d{x.name}); ")
        try:
            stepwise = differential_steps(g, y) if rules else None
        except (E.ShapeError, MatdiffError, KeyError, IndexError):
            stepwise = None
        if stepwise:   # the second differential's own rule, then one rule a step
            self._step(self._rules([], head.rstrip("; ")),
                       ("second", d2, x, E.call("d", g)), E.call("d", g))
        for rule, e in stepwise or [(None, dg)]:
            lead = "second differential: " if stepwise else head
            said = (self._rules([rule], lead) if stepwise else self._rules(rules, lead) if rules
                    else lead + f"G does not depend on {y.name}")
            self._step(said, ("second", d2, x, e), e)
        shape = (rows, cols)
        if E.is_zero(dg):
            return self._zero2(shape)
        self._bound(E.size(dg), "the second differential")
        terms = _terms(expand(simplify(expand(dg, budget=[20_000]), collect=False),
                              budget=[20_000]))
        terms = tuple(t for t in terms if not E.is_zero(t))
        if not terms:
            return self._zero2(shape)
        if len(terms) > MAX_HESSIAN_TERMS:
            raise self._error(f"the second differential has {len(terms)} terms (at most "
                              f"{MAX_HESSIAN_TERMS}): define intermediate results or reduce "
                              "the expression")
        shown = E.add(*(E.call("tr", E.mul(simplify(E.transpose(t)), E.D(x.shape, x)))
                        for t in terms))
        self._eq(f"expand dG into terms linear in d{y.name}: {d2_u} is a sum of terms "
                 "bilinear in the differentials", d2, shown)
        # vectorize: tr(dG_kᵀ dX) = vec(dG_k)ᵀ vec dX = (vec dX)ᵀ J_k (vec dY) ...
        js = [self._vectorize_term(t) for t in terms]
        jsum = simplify(E.add(*js))
        if self.mixed:
            h = canonical(jsum)
            self._step("collect the terms: vec(A + B) = vec A + vec B; simplify",
                       ("bilinear", d2, x, h, y), h)
            self._identify2(h)
            return h
        b = canonical(simplify(E.transpose(jsum)))
        bt = canonical(jsum)
        self._step("collect the terms: the second differential as a quadratic form "
                   f"{d2_u} = (vec d{x.name})ᵀ B (vec d{x.name})",
                   ("bilinear", d2, x, b, x, True), b)
        half = ("lit", "H = ½(B + Bᵀ)", "H = \\tfrac{1}{2}\\left(B + B^\\top\\right)")
        if b == bt:
            h = b
            self._eq("second identification theorem: H = ½(B + Bᵀ); here Bᵀ = B (B is the "
                     "Jacobian of a gradient, symmetric), so H = B", half, h)
        else:
            raw = E.add(*(E.scale(Fraction(1, 2), t) for t in _terms(b) + _terms(bt)))
            h = canonical(raw)
            self._eq("second identification theorem: d²f = (vec dX)ᵀ B (vec dX) gives "
                     "H = ½(B + Bᵀ), the symmetric part of B", half, h)
        self._identify2(h)
        return h

    def _vectorize_term(self, t: E.Expr) -> E.Expr:
        """The steps that turn one term tr(tᵀ dX) into (vec dX)ᵀ M (vec dY), one identity
        each: tr(Aᵀ dX) = vec(A)ᵀ vec dX, then each vec identity (the trace of
        ``jacobian_term``), then a scalar is its own transpose. Returns J, vec t = J vec dY."""
        x, y = self.x, self.y
        trace: list = []
        rules2: list[str] = []
        j = simplify(jacobian_term(t, rules2, trace))
        form = j if self.mixed else simplify(E.transpose(j))
        a = self._letter("A")   # a letter the cell does not use
        dx = E.call("vec", E.D(x.shape, x))
        # a chain of identities, each applied to the inner part of the one before it
        chain = all(inner == nxt[1] for (_, _, _, inner), nxt in zip(trace, trace[1:]))
        if not trace or not chain:   # a branching vectorization: the identities together
            rule = self._rules(rules2 or ["vec dY"],
                               f"tr({a}ᵀ d{x.name}) = vec({a})ᵀ vec d{x.name}; ",
                               tail=self._own_transpose())
            self._step(rule, ("trterm", t, x, form, y), form)
            return j
        self._step(self._rules([], f"tr({a}ᵀ d{x.name}) = vec({a})ᵀ vec d{x.name}"),
                   ("covec_of", t, x, E.call("vec", t), dx), E.call("vec", t))
        local, shown = None, E.call("vec", t)
        for rule, _, l_k, inner in trace:
            local = l_k if local is None else simplify(E.mul(local, l_k))
            now = E.mul(local, E.call("vec", inner))
            if now != shown:   # (I_1 ⊗ A) vec p = A p: the identity changes nothing seen
                self._step(self._rules([rule]), ("covec_of", t, x, now, dx), now)
                shown = now
        self._step(self._rules([], "a scalar is its own transpose" +
                               self._own_transpose()), ("trterm", t, x, form, y), form)
        return j

    def _own_transpose(self) -> str:
        """How (vec dX)ᵀ M (vec dY) reads the term, in the cell's own letters."""
        xn, yn = self.x.name, self.y.name
        if self.mixed:
            return (f": (J vec d{yn})ᵀ vec d{xn} = (vec d{xn})ᵀ J vec d{yn}, by the "
                    "transpose of a 1 × 1")
        return (f": (J vec d{xn})ᵀ vec d{xn} = (vec d{xn})ᵀ Jᵀ vec d{xn}")

    def _letter(self, letter: str) -> str:
        from ..render.steps import fresh_letters
        return fresh_letters(letter, self.letters)

    def _zero2(self, shape) -> E.Expr:
        h = E.zero(shape)
        self._step(f"the gradient does not depend on {self.y.name}: {self.name} is linear in "
                   f"{self.y.name}" if not self.mixed else
                   f"the gradient with respect to {self.x.name} does not depend on "
                   f"{self.y.name}", ("lit", "dG = 0", "\\mathrm{d}G = 0"))
        self._identify2(h)
        return h

    def _identify2(self, h: E.Expr) -> None:
        x, y, n = self.x, self.y, self.name
        rows, cols = x.shape[0] * x.shape[1], y.shape[0] * y.shape[1]
        size = f"{rows.pretty()}×{cols.pretty()}"
        if self.mixed:
            rule = (f"identify the mixed block: d_{y.name} d_{x.name} {n} = (vec d{x.name})ᵀ J "
                    f"(vec d{y.name}) gives ∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ = J, {size}")
        else:
            rule = (f"identify the Hessian: d²{n} = (vec d{x.name})ᵀ H (vec d{x.name}) with H "
                    f"symmetric gives ∂²{n}/∂(vec {x.name})∂(vec {x.name})ᵀ = H, {size}")
        self._eq(rule, ("hess", n, x, y), h)

    def _at_point(self, subst: dict[E.Sym, E.Sym]) -> E.Expr:
        """H with the properties of the point used (Xᵀ = X for X spd, ...): a last step."""
        back = {new: old for old, new in subst.items() if old.props}
        if not back:
            return self.result
        h = canonical(substitute(self.result, back))
        if h != canonical(self.result):
            names = ", ".join(f"{o.name} {' '.join(sorted(o.props))}" for o in back.values())
            gone = _calls(self.result) - _calls(h)   # entries the properties fold away
            notes = "".join(f"; {ops.get(n).at_point}" for n in sorted(gone)
                            if ops.get(n).at_point)
            self._step(f"at the point ({names}) the properties apply, e.g. Xᵀ = X for a "
                       f"symmetric X{notes}; the result above holds at every point",
                       ("at_point", h), h)
        return h

    # --- public --------------------------------------------------------------------------------
    def named(self):
        """The result in named parts (see :meth:`Derivation.named`); where the properties
        of the point change the Hessian (S symmetric: uᵀ = vᵀ, (λI - S)^# = (λI - S)⁺), the
        Hessian at the point, in named parts (``.at_point`` is True)."""
        try:
            return self._named_form
        except AttributeError:
            from ..render.named import named_form
            at = self.at_point is not self.result and self.at_point != self.result
            form = named_form(self.at_point if at else self.result, self.cell)
            self._named_form = dataclasses.replace(form, at_point=True) if form and at else form
            return self._named_form

    def __repr__(self) -> str:
        kind = "mixed second derivative" if self.mixed else "Hessian"
        w = self.wrt.name + (f", {self.wrt2.name}" if self.mixed else "")
        return f"<{kind} of {self.name} w.r.t. {w}: {self.result}>"

    def evaluate(self, values: dict, dims: dict | None = None):
        """H as a NumPy array, (mn) x (mn) (mixed: (mn) x (pq)), at concrete values."""
        from ..numeric.hessian_numeric import evaluate_hessian
        return evaluate_hessian(self, values, dims)

    def hvp(self, values: dict, V, dims: dict | None = None):
        """H applied to a direction V shaped like the (second) variable, without forming H;
        the result is shaped like the first variable."""
        from ..numeric.hessian_numeric import hvp
        return hvp(self, values, V, dims)

    def jvp(self, values: dict, V, dims: dict | None = None):
        """The same as :meth:`hvp`."""
        return self.hvp(values, V, dims)

    def check(self, seed: int = 0, dims: dict | None = None, method: str = "auto",
              values: dict | None = None):
        """Check H against central finite differences of the gradient at a random point
        ("full": every column; "directional": H V against directional differences of the
        gradient, matrix-free; "auto": full up to 40,000 entries of H), H's symmetry, and
        the gradient itself against finite differences of f."""
        from ..numeric.hessian_numeric import check_hessian
        return check_hessian(self, seed=seed, dims=dims, method=method, values=values)

    def numpy_source(self) -> str:
        """Source of standalone NumPy functions ``hessian(...)`` and ``hvp(..., V)``."""
        from ..numeric.hessian_codegen import numpy_source_hessian
        return numpy_source_hessian(self)
