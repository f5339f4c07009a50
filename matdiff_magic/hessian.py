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
of logdet X is X⁻ᵀ (not X⁻¹) and its derivative is -K(X⁻ᵀ ⊗ X⁻¹). The Hessian at the point,
with the properties used, is shown as a last step.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from . import expr as E
from .derivation import Derivation, _paren_l, _paren_u, _shape_l, _shape_u, _terms
from .differential import differential, differential_steps, expand
from .errors import MatdiffError
from .hessian_rules import canonical, tidy_gradient
from .memo import scope as memo_scope
from .parse import Cell
from .render import to_latex, to_unicode
from .simplify import simplify
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
    defs = [(d, substitute(e, old, memo)) for d, e in cell.definitions]
    return dataclasses.replace(cell, symbols=symbols, definitions=defs,
                               target=substitute(cell.target, old, memo)), old


def _vec_u(x: E.Sym) -> str:
    return f"vec d{x.name}"


def _vec_l(x: E.Sym) -> str:
    return f"\\operatorname{{vec}} \\mathrm{{d}}{to_latex(x)}"


class Hessian(Derivation):
    """The second derivative of a scalar target: the Hessian ∂²f/∂(vec X)∂(vec X)ᵀ, or, with
    ``wrt2``, the mixed block ∂²f/∂(vec X)∂(vec Y)ᵀ. Built like a :class:`Derivation` and
    recorded step by step; ``evaluate``, ``hvp``, ``check``, ``numpy_source`` and
    ``to_sympy`` work on H."""

    order = 2

    def __init__(self, cell: Cell, wrt: E.Sym, wrt2: E.Sym | None = None,
                 layout: str = "numerator") -> None:
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
        self.steps = []
        names = [wrt.name] + ([self.wrt2.name] if self.mixed else [])
        self.plain, subst = plain_cell(cell, names)
        self.x = subst[wrt]                 # the variables with every entry free
        self.y = subst[self.wrt2]
        self.numerator = self.result = self._derive2()
        self.at_point = self._at_point(subst)

    # --- the method ----------------------------------------------------------------------------
    def _derive2(self) -> E.Expr:
        f, x, y, n = self.target, self.x, self.y, self.name
        xs, ys = _shape_u(x.shape), _shape_u(y.shape)
        rows, cols = x.shape[0] * x.shape[1], y.shape[0] * y.shape[1]
        if self.mixed:
            what_u = (f"the mixed second derivative ∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ, "
                      f"{rows.pretty()}×{cols.pretty()}")
            what_l = (f"\\frac{{\\partial^2 {n}}}{{\\partial \\operatorname{{vec}} {to_latex(x)}"
                      f"\\,\\partial (\\operatorname{{vec}} {to_latex(y)})^\\top}}")
            wrt_u = f"{x.name} ({xs}) and {y.name} ({ys})"
            wrt_l = f"{to_latex(x)} \\ ({_shape_l(x.shape)}) \\text{{ and }} {to_latex(y)} " \
                    f"\\ ({_shape_l(y.shape)})"
        else:
            what_u = (f"the Hessian H = ∂²{n}/∂(vec {x.name})∂(vec {x.name})ᵀ, "
                      f"{rows.pretty()}×{cols.pretty()}")
            what_l = (f"H = \\frac{{\\partial^2 {n}}}{{\\partial \\operatorname{{vec}} "
                      f"{to_latex(x)}\\,\\partial (\\operatorname{{vec}} {to_latex(x)})^\\top}}")
            wrt_u, wrt_l = f"{x.name} ({xs})", f"{to_latex(x)} \\ ({_shape_l(x.shape)})"
        self._step("the problem: " + what_u,
                   f"{n} = {to_unicode(f)}  (scalar), twice differentiated with respect to "
                   f"{wrt_u}",
                   f"{n} = {to_latex(f)} \\quad (1 \\times 1),\\ \\text{{twice with respect to }}"
                   f" {wrt_l}:\\ {what_l}")
        for v in dict.fromkeys((self.wrt, self.wrt2)):
            props = sorted(v.props - {"invertible", "positive"})
            if props:
                self._step(f"properties describe the point, not the function: {v.name} is "
                           f"{', '.join(props)} there, but {n} is differentiated as a function "
                           f"of all the entries of {v.name}, each independent; the "
                           "properties are used only at the end, at the point",
                           f"{v.name} : {_shape_u(v.shape)}, every entry free",
                           f"{to_latex(v)} : {_shape_l(v.shape)},\\ \\text{{every entry free}}")
        # the first differential and the gradient, recorded as the first-order derivation does
        first = Derivation(self.plain, x)
        self.gradient = first
        for s in first.steps[1:first.steps.index(first.result_step) + 1]:
            self.steps.append(dataclasses.replace(s, rule="first differential: " + s.rule))
        g = first.numerator
        dx_u, dx_l = f"d{x.name}", f"\\mathrm{{d}}{to_latex(x)}"
        gt = tidy_gradient(g)
        if gt != g:
            self._step("simplify the gradient: a ∘ a^∘-1 = 1, A ∘ (B + C) = A ∘ B + A ∘ C, "
                       "like terms combine",
                       f"G = {to_unicode(gt)}", f"G = {to_latex(gt)}")
            g = gt
        self.g = g
        # the second differential: the same rule table over df = tr(Gᵀ dX), dX constant
        dg, rules = differential(g, y)
        d2_u = f"d²{n}" if not self.mixed else f"d_{y.name} d_{x.name} {n}"
        d2_l = f"\\mathrm{{d}}^2 {n}" if not self.mixed else \
            f"\\mathrm{{d}}_{{{to_latex(y)}}} \\mathrm{{d}}_{{{to_latex(x)}}} {n}"
        const = (f"d{x.name} constant (d²{x.name} = 0)" if not self.mixed else
                 f"d{x.name} constant, {y.name} varies")
        head = (f"second differential: d(d{n}) with {const}: d{n} = tr(Gᵀ {dx_u}) gives "
                f"{d2_u} = tr((d{'_' + y.name if self.mixed else ''}G)ᵀ {dx_u}); ")
        try:
            stepwise = differential_steps(g, y) if rules else None
        except (E.ShapeError, MatdiffError, KeyError, IndexError):
            stepwise = None
        for k, (rule, e) in enumerate(stepwise or [(None, dg)]):
            said = (self._rules([rule]) if stepwise else self._rules(rules) if rules else
                    f"G does not depend on {y.name}")
            self._step((head if k == 0 else "second differential: ") + said,
                       f"{d2_u} = tr((dG)ᵀ {dx_u}),  dG = {to_unicode(e)}",
                       f"{d2_l} = \\operatorname{{tr}}\\left((\\mathrm{{d}}G)^\\top {dx_l}"
                       f"\\right),\\quad \\mathrm{{d}}G = {to_latex(e)}", e)
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
                 "bilinear in the differentials", d2_u, d2_l, shown)
        # vectorize: tr(dG_kᵀ dX) = vec(dG_k)ᵀ vec dX = (vec dX)ᵀ J_k (vec dY) ...
        js = []
        for t in terms:
            rules2: list[str] = []
            j = simplify(jacobian_term(t, rules2))
            js.append(j)
            tu, tl = to_unicode(t), to_latex(t)
            if self.mixed:
                form, form_u, form_l = j, _paren_u(j), _paren_l(j)
            else:
                bt = simplify(E.transpose(j))
                form, form_u, form_l = bt, _paren_u(bt), _paren_l(bt)
            a = self._rules(["A"])   # a letter the cell does not use
            self._step(f"tr({a}ᵀ d{x.name}) = vec({a})ᵀ vec d{x.name}; "
                       + (self._rules(rules2) if rules2 else "vec dY") +
                       ("" if self.mixed else "; a scalar is its own transpose: "
                        "vec(dG)ᵀ vec dX = (J vec dX)ᵀ vec dX = (vec dX)ᵀ Jᵀ vec dX"),
                       f"tr(({tu})ᵀ {dx_u}) = ({_vec_u(x)})ᵀ {form_u} "
                       f"({_vec_u(y)})",
                       f"\\operatorname{{tr}}\\left(\\left({tl}\\right)^\\top {dx_l}\\right) = "
                       f"({_vec_l(x)})^\\top {form_l} \\, {_vec_l(y)}", form)
        jsum = simplify(E.add(*js))
        if self.mixed:
            h = canonical(jsum)
            self._step("collect the terms: vec(A + B) = vec A + vec B; simplify",
                       f"{d2_u} = ({_vec_u(x)})ᵀ {_paren_u(h)} ({_vec_u(y)})",
                       f"{d2_l} = ({_vec_l(x)})^\\top {_paren_l(h)} \\, {_vec_l(y)}", h)
            self._identify2(h)
            return h
        b = canonical(simplify(E.transpose(jsum)))
        bt = canonical(jsum)
        self._step("collect the terms: the second differential as a quadratic form "
                   f"{d2_u} = (vec {dx_u})ᵀ B (vec {dx_u})",
                   f"{d2_u} = ({_vec_u(x)})ᵀ {_paren_u(b)} ({_vec_u(x)}),  B = {to_unicode(b)}",
                   f"{d2_l} = ({_vec_l(x)})^\\top {_paren_l(b)} \\, {_vec_l(x)}", b)
        if b == bt:
            h = min((b, bt), key=lambda e: len(to_unicode(e)))
            self._step("second identification theorem: H = ½(B + Bᵀ); here Bᵀ = B (B is the "
                       "Jacobian of a gradient, symmetric), so H = B",
                       f"H = ½(B + Bᵀ) = {to_unicode(h)}",
                       f"H = \\tfrac{{1}}{{2}}\\left(B + B^\\top\\right) = {to_latex(h)}", h)
        else:
            half = Fraction(1, 2)
            raw = E.add(*(E.scale(half, t) for t in _terms(b) + _terms(bt)))
            h = canonical(raw)
            self._step("second identification theorem: d²f = (vec dX)ᵀ B (vec dX) gives "
                       "H = ½(B + Bᵀ), the symmetric part of B",
                       f"H = ½(B + Bᵀ) = {to_unicode(h)}",
                       f"H = \\tfrac{{1}}{{2}}\\left(B + B^\\top\\right) = {to_latex(h)}", h)
        self._identify2(h)
        return h

    def _zero2(self, shape) -> E.Expr:
        h = E.zero(shape)
        self._step(f"the gradient does not depend on {self.y.name}: {self.name} is linear in "
                   f"{self.y.name}" if not self.mixed else
                   f"the gradient with respect to {self.x.name} does not depend on "
                   f"{self.y.name}", "dG = 0", "\\mathrm{d}G = 0")
        self._identify2(h)
        return h

    def _identify2(self, h: E.Expr) -> None:
        x, y, n = self.x, self.y, self.name
        rows, cols = x.shape[0] * x.shape[1], y.shape[0] * y.shape[1]
        size = f"{rows.pretty()}×{cols.pretty()}"
        lhs_l = (f"\\frac{{\\partial^2 {n}}}{{\\partial \\operatorname{{vec}} {to_latex(x)}\\,"
                 f"\\partial (\\operatorname{{vec}} {to_latex(y)})^\\top}}")
        if self.mixed:
            rule = (f"identify the mixed block: d_{y.name} d_{x.name} {n} = (vec d{x.name})ᵀ J "
                    f"(vec d{y.name}) gives ∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ = J, {size}")
        else:
            rule = (f"identify the Hessian: d²{n} = (vec d{x.name})ᵀ H (vec d{x.name}) with H "
                    f"symmetric gives ∂²{n}/∂(vec {x.name})∂(vec {x.name})ᵀ = H, {size}")
        self._step(rule, f"∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ = {to_unicode(h)}",
                   f"{lhs_l} = {to_latex(h)}", h)

    def _at_point(self, subst: dict[E.Sym, E.Sym]) -> E.Expr:
        """H with the properties of the point used (Xᵀ = X for X spd, ...): a last step."""
        back = {new: old for old, new in subst.items() if old.props}
        if not back:
            return self.result
        h = canonical(substitute(self.result, back))
        if h != canonical(self.result):
            names = ", ".join(f"{o.name} {' '.join(sorted(o.props))}" for o in back.values())
            self._step(f"at the point ({names}) the properties apply, e.g. Xᵀ = X for a "
                       "symmetric X; the result above holds at every point",
                       f"H = {to_unicode(h)}  at the point",
                       f"H = {to_latex(h)} \\quad \\text{{at the point}}", h)
        return h

    # --- public --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        kind = "mixed second derivative" if self.mixed else "Hessian"
        w = self.wrt.name + (f", {self.wrt2.name}" if self.mixed else "")
        return f"<{kind} of {self.name} w.r.t. {w}: {self.result}>"

    def evaluate(self, values: dict, dims: dict | None = None):
        """H as a NumPy array, (mn) x (mn) (mixed: (mn) x (pq)), at concrete values."""
        from .hessian_numeric import evaluate_hessian
        return evaluate_hessian(self, values, dims)

    def hvp(self, values: dict, V, dims: dict | None = None):
        """H applied to a direction V shaped like the (second) variable, without forming H;
        the result is shaped like the first variable."""
        from .hessian_numeric import hvp
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
        from .hessian_numeric import check_hessian
        return check_hessian(self, seed=seed, dims=dims, method=method, values=values)

    def numpy_source(self) -> str:
        """Source of standalone NumPy functions ``hessian(...)`` and ``hvp(..., V)``."""
        from .hessian_codegen import numpy_source_hessian
        return numpy_source_hessian(self)


def hessians(cell: Cell, names: list[str], wrt2: str | None, layout: str) -> list[Hessian]:
    """One Hessian per variable, or the mixed block for wrt2; bad requests raise."""
    from .derivation import _wrt_names
    from .errors import MatdiffError
    f = cell.target
    if not f.is_scalar:
        name = cell.target_name or "F"
        raise MatdiffError(
            f"a second derivative needs a scalar target, but {name} is "
            f"{_shape_u(f.shape)}: take a scalar of it, such as tr({name}), sum({name}), "
            f"fro({name})^2 or an entry a' {name} b", cell.target_line, 1, cell.source)
    if wrt2 is not None:
        if not isinstance(wrt2, str):
            raise MatdiffError(f"wrt2 must be a variable's name, got {wrt2!r}")
        if len(names) != 1:
            raise MatdiffError("a mixed second derivative takes one variable in wrt and one "
                               f"in wrt2, got wrt={', '.join(names)}")
        (y,) = _wrt_names(cell, [wrt2])
        return [Hessian(cell, cell.symbols[names[0]], cell.symbols[y], layout)]
    return [Hessian(cell, cell.symbols[w], None, layout) for w in names]
