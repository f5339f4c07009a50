"""Derivation and Step: the pipeline parse -> differential -> vectorize -> simplify -> identify,
recording every transformation as a Step a student can follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import expr as E
from .differential import differential, differential_steps, expand
from .errors import MatdiffError
from .memo import scope as memo_scope
from .parse import Cell, _tree_size, parse_cell
from .render import to_latex, to_unicode
from .simplify import simplify
from .vectorize import gradient_term, jacobian_term

LAYOUTS = ("mixed", "numerator", "denominator")
# what each layout shows (SPEC §2): a gradient G (shaped like X) or its transpose, a Jacobian
# J = ∂vec F/∂(vec X)ᵀ or its transpose
LAYOUT_FORMS = {"mixed": ("G", "J"), "numerator": ("Gᵀ", "J"), "denominator": ("G", "Jᵀ")}
LAYOUT_USERS = {
    "mixed": "matrixcalculus.org, the Matrix Cookbook's gradients, ML code",
    "numerator": "Minka, Wikipedia's numerator layout, Magnus & Neudecker's Jacobian",
    "denominator": "Wikipedia's denominator layout, many statistics texts",
}
MAX_TERMS = 300           # bounds: every derive returns or errors within seconds
MAX_DIFF_NODES = 20_000
MAX_TERM_STEPS = 6        # more terms than this: the trace method in one step


@dataclass(frozen=True)
class Step:
    """One transformation: the rule applied (in words), the equation in text and LaTeX, and
    the expression it shows on the right (None where a step shows several equations)."""
    rule: str
    text: str
    latex: str
    expr: E.Expr | None = None

    def __str__(self) -> str:
        return f"{self.text}    [{self.rule}]"


def _shape_u(shape) -> str:
    r, c = shape
    return "scalar" if r.is_one and c.is_one else f"{r.pretty()}×{c.pretty()}"


def _shape_l(shape) -> str:
    r, c = shape
    return "1 \\times 1" if r.is_one and c.is_one else f"{r.compact()} \\times {c.compact()}"


def _occurrences(e: E.Expr, x: E.Sym, memo: dict | None = None) -> int:
    """How many times x occurs in e as a tree, computed on the DAG."""
    memo = {} if memo is None else memo
    k = id(e)
    if k not in memo:
        memo[k] = 1 if e == x else sum(_occurrences(c, x, memo) for c in e.children)
    return memo[k]


def _terms(e: E.Expr) -> tuple[E.Expr, ...]:
    return e.args if isinstance(e, E.Add) else (e,)


def _latex_text(text: str) -> str:
    """Plain text made safe for ``\\text{...}``: braces, dollars and backslashes escaped."""
    out = text.replace("\\", "$\\backslash$").replace("{", "\\{").replace("}", "\\}")
    return out.replace("$\\backslash$", "\0").replace("$", "\\$").replace("\0", "$\\backslash$")


_GENERIC = "ABCDMUVWX"          # the letters the rule tables write their identities in
_SPARE = "PQRSTNHJYZFUVWMABC"   # replacements, in order of preference


def fresh_letters(rule: str, used: set[str]) -> str:
    """The identity ``rule`` with each of its letters that is also a name in the cell renamed,
    so that vec(AXB) = (Bᵀ ⊗ A) vec X, applied in a cell that has its own A, B and X, reads
    vec(PQR) = (Rᵀ ⊗ P) vec Q and no letter means two things in one step."""
    clash = [c for c in dict.fromkeys(rule) if c in _GENERIC and c in used]
    if not clash:
        return rule
    taken = used | set(rule)
    spare = [c for c in _SPARE if c not in taken]
    mapping = {c: spare[i] for i, c in enumerate(clash) if i < len(spare)}
    return "".join(mapping.get(c, c) for c in rule)


def steps_latex_rows(steps: Sequence[Step]) -> list[str]:
    """The rows of ``steps_latex``: each step's number and rule in words, then its formula."""
    rows = []
    for i, s in enumerate(steps, 1):
        rows.append(f"&\\text{{{i}. {_latex_text(s.rule)}}}")
        rows.append(f"&\\quad {s.latex}")
    return rows


def steps_latex(steps: Sequence[Step]) -> str:
    """All the steps as one LaTeX ``aligned`` block: each step's number and rule in words
    (``\\text{...}``), then its formula on the next line, as ``text()`` lays them out."""
    return "$$\\begin{aligned}\n" + " \\\\\n".join(steps_latex_rows(steps)) + \
        "\n\\end{aligned}$$"


class Derivation:
    """The derivative of a cell's target with respect to one variable, with its steps."""

    def __init__(self, cell: Cell, wrt: E.Sym, layout: str = "mixed") -> None:
        with memo_scope():   # each subexpression simplified and printed once (memo.py)
            self._build(cell, wrt, layout)

    def _build(self, cell: Cell, wrt: E.Sym, layout: str) -> None:
        self.cell = cell
        self.source = cell.source
        self.wrt = wrt
        self.layout = layout
        self.target = cell.target
        self.name = cell.target_name or ("f" if cell.target.is_scalar else "F")
        self.steps: list[Step] = []
        self.kind = "gradient" if self.target.is_scalar else "jacobian"
        self.backprop = None    # the gradient through the definitions (backprop.Backprop)
        self._frozen = (lambda e: e, lambda e: e)   # see _freezer
        # the mixed-layout result (G or J): the check, jvp and compare work from it
        self.mixed: E.Expr = self._derive()
        self.numerator: E.Expr = self.mixed   # the name the numeric code has always used
        self.result: E.Expr = self.mixed
        n, xn = self.name, wrt.name
        if layout == "denominator" and self.kind == "jacobian":
            self.result = simplify(E.transpose(self.mixed))
            self._step("denominator layout (Wikipedia's denominator layout, many statistics "
                       "texts): the transpose Jᵀ of the Jacobian; the mixed and numerator "
                       "layouts give J",
                       f"∂(vec {n})ᵀ/∂vec {xn} = {to_unicode(self.result)}",
                       f"\\frac{{\\partial (\\operatorname{{vec}} {n})^\\top}}{{\\partial "
                       f"\\operatorname{{vec}} {xn}}} = {to_latex(self.result)}", self.result)
        elif layout == "numerator" and self.kind == "gradient":
            self.result = simplify(E.transpose(self.mixed))
            xs = _shape_u(self.result.shape)
            self._step("numerator layout (Minka, Wikipedia's numerator layout): the transpose "
                       f"Gᵀ of the gradient, {xs}; the mixed and denominator layouts give G, "
                       f"shaped like {xn}",
                       f"∂{n}/∂{xn}ᵀ = {to_unicode(self.result)}",
                       f"\\frac{{\\partial {n}}}{{\\partial {to_latex(wrt)}^\\top}} = "
                       f"{to_latex(self.result)}", self.result)
        self.index_step = False   # whether the last step is the result entry by entry
        if getattr(self, "wrt_spec", None) is None:
            self._entrywise()

    @property
    def result_step(self) -> Step:
        """The step that states the result (the entry-wise form, when shown, comes after)."""
        return self.steps[-2] if getattr(self, "index_step", False) else self.steps[-1]

    def _entrywise(self) -> None:
        """The result entry by entry with Kronecker deltas, as a last step (when it has such
        a form): ∂Z_ij/∂X_kl = δ_ik (YᵀX)_lj + (XYᵀ)_ik δ_jl."""
        from .render.index import index_form
        try:
            form = index_form(self)
        except (MatdiffError, E.ShapeError):
            return
        self._index = form
        x, n = self.wrt.name, self.name
        names = getattr(form, "free_names", ("i", "j", "k", "l"))
        idx = "".join(i for i in names[-2:] if i) or "k"
        fi = "".join(i for i in names[:-2] if i) or "i"
        rule = (f"entry by entry: the derivative with respect to each entry {x}_{idx} of {x}"
                if self.kind == "gradient" else
                f"entry by entry: ∂{n}_{fi}/∂{x}_{idx} is the entry of the Jacobian in the row "
                f"of {n}_{fi} and the column of {x}_{idx} (column-major vec)")
        if "δ" in form.text:
            rule += "; δ is the Kronecker delta (1 when its indices are equal, else 0)"
        if any(t.sums for t in form.terms):
            rule += "; a repeated index is summed over"
        self._step(rule, form.text, form.latex)
        self.index_step = True

    # --- recording ---------------------------------------------------------------------------
    def _step(self, rule: str, text: str, latex: str, expr: E.Expr | None = None) -> None:
        self.steps.append(Step(rule, text, latex, expr))

    def _eq(self, rule: str, lhs_u: str, lhs_l: str, e: E.Expr) -> None:
        self._step(rule, f"{lhs_u} = {to_unicode(e)}", f"{lhs_l} = {to_latex(e)}", e)

    # --- the method ----------------------------------------------------------------------------
    def _as_written(self) -> list[tuple[str, E.Expr]]:
        """The definitions as the user wrote them (names of earlier definitions kept)."""
        from .parse import parse_expr
        symbols = dict(self.cell.symbols)
        out = []
        for name, e in self.cell.definitions:
            try:
                shown = parse_expr(self.cell.definition_text[name], symbols)
            except (MatdiffError, KeyError):
                shown = e
            out.append((name, shown))
            symbols[name] = E.Sym(e.shape, name, frozenset())
        return out

    def _derive(self) -> E.Expr:
        f, x, n = self.target, self.wrt, self.name
        xs, fs = _shape_u(x.shape), _shape_u(f.shape)
        # the definitions as written are shown when there are some besides the target's
        # own (a cell whose one definition is its target, f = tr(A X B), shows f itself)
        others_defined = any(d != self.cell.target_name for d, _ in self.cell.definitions)
        written = self._as_written() if others_defined else []
        defs = [(d, e) for d, e in written if d != self.cell.target_name]
        shown = written[-1][1] if self.cell.target_name and defs else f
        pre_u = "".join(f"{d} = {to_unicode(e)};  " for d, e in defs)
        pre_l = "".join(f"{d} = {to_latex(e)},\\quad " for d, e in defs)
        others = [s for name, s in self.cell.symbols.items()
                  if name != x.name and E.contains(f, lambda e, s=s: e == s)]
        sizes_u = "".join(f", {s.name} {_shape_u(s.shape)}" for s in others)
        self._step("the problem",
                   f"{pre_u}{n} = {to_unicode(shown)}  ({fs}), differentiated with respect to "
                   f"{x.name} ({xs})" + (f"; sizes: {sizes_u[2:]}" if others else ""),
                   _problem_latex(f"{pre_l}{n} = {to_latex(shown)} \\quad ({_shape_l(f.shape)}),"
                                  f"\\ \\text{{with respect to }} {to_latex(x)} \\ "
                                  f"({_shape_l(x.shape)})", others))
        if defs and shown != f:
            names = ", ".join(d for d, _ in defs)
            self._eq(f"substitute the definition{'s' if len(defs) > 1 else ''} of {names} "
                     "(chain rule)", n, n, f)
        # the product rule gives about (occurrences of X) x (size of F) nodes: refuse early
        occ, size = _occurrences(f, x), _tree_size(f)
        if occ * size > 4 * MAX_DIFF_NODES:
            raise self._error(f"the differential would be too large: {x.name} occurs {occ} "
                               f"times in an expression of {size} nodes; define intermediate "
                               "results or reduce the expression")
        df, rules = differential(f, x)
        dn_u, dn_l = f"d{n}", f"\\mathrm{{d}}{n}"
        if E.is_zero(df):
            flat = any(r.startswith("d step") for r in rules)   # piecewise constant
            self._eq("the differential is zero: " + self._rules(rules) if flat else
                     "the target does not depend on " + x.name, dn_u, dn_l, df)
            return self._zero_result()
        # every step is shown cleaned (σ ⊘ σ = 1), but the sums the cell wrote stay whole:
        # (XW - Y)ᵀ is not opened into WᵀXᵀ - Yᵀ only to be collected again later
        freeze, thaw = self._frozen = _freezer(df, f)
        shown_df = thaw(simplify(freeze(df), collect=False))
        try:
            stepwise = differential_steps(f, x)
        except (E.ShapeError, MatdiffError, KeyError, IndexError):
            stepwise = None
        if stepwise:   # one rule a step, as on a blackboard
            for k, (rule, e) in enumerate(stepwise):
                head = ("the differential: " if k else "take the differential: " if
                        len(stepwise) == 1 else "take the differential, one rule at a time: ")
                self._eq(head + self._rules([rule]), dn_u, dn_l, e)
            last = stepwise[-1][1]
            said = _what_changed(last, shown_df)
            if shown_df != last and not said and _unordered(shown_df) == _unordered(last):
                said = "reorder, A ∘ B = B ∘ A and A + B = B + A"
            elif shown_df != last and not said:
                said = "signs and scalar factors to the front, tr(cA) = c tr(A)"
                _UNNAMED[0] += 1
            if shown_df != last:
                self._eq("simplify: " + said, dn_u, dn_l, shown_df)
        else:
            self._eq("take the differential: " + self._rules(rules), dn_u, dn_l, shown_df)
        self._bound(_tree_size(df), "the differential")
        expanded = expand(df, budget=[MAX_DIFF_NODES])
        self._bound(_tree_size(expanded), "the expanded differential")
        if len(_terms(expanded)) > MAX_TERMS:
            raise self._error(f"the differential has {len(_terms(expanded))} terms (at most "
                              f"{MAX_TERMS}): define intermediate results or reduce the "
                              "expression")
        tidy = expand(thaw(simplify(freeze(expanded), collect=False)),
                      budget=[MAX_DIFF_NODES])
        if tidy != shown_df:
            opened = expand(shown_df)
            said = _what_changed(opened, tidy)
            self._eq(f"expand into terms with one d{x.name} each" if opened != shown_df else
                     "simplify", dn_u, dn_l, tidy)
            if said:
                last = self.steps[-1]
                rule = last.rule + "; " + said if opened != shown_df else "simplify: " + said
                self.steps[-1] = Step(rule, last.text, last.latex, last.expr)
        if E.is_zero(tidy):   # e.g. tr(X X⁻¹) = n: the terms cancel
            return self._zero_result()
        if self.kind == "gradient":
            result = self._gradient(tidy)
            if defs and self.cell.target_name and written[-1][0] == self.cell.target_name:
                self._backprop(defs, written[-1][1])
        else:
            result = self._jacobian(tidy)
        self._identify(result)
        return result

    def _backprop(self, defs: list[tuple[str, E.Expr]], target: E.Expr) -> None:
        """The same gradient through the definitions, backwards, in their names (two steps);
        ``self.backprop`` keeps it. Nothing is shown when a definition cannot be followed."""
        from .backprop import backprop
        try:
            bp = backprop(defs, target, self.wrt)
        except (E.ShapeError, MatdiffError, AssertionError, RecursionError):
            bp = None
        self.backprop = bp
        if bp is None:
            return
        x, n = self.wrt, self.name
        self._step("the chain rule through the definitions: the differential of each one, in "
                   "the differentials of the variable and of earlier definitions",
                   ";  ".join(f"d{h} = {to_unicode(e)}" for h, e in bp.differentials),
                   ",\\quad ".join(f"\\mathrm{{d}}{h} = {to_latex(e)}"
                                    for h, e in bp.differentials))
        grads = bp.adjoints + [(x.name, bp.gradient)]
        self._step(f"backpropagation: the gradient with respect to each definition, the last "
                   f"first; d{n} = tr((∂{n}/∂H)ᵀ dH) passes ∂{n}/∂H on to what H is made of. "
                   "The same gradient as below, in the definitions' names",
                   ";  ".join(f"∂{n}/∂{v} = {to_unicode(g)}" for v, g in grads),
                   ",\\quad ".join(f"\\frac{{\\partial {n}}}{{\\partial {v}}} = {to_latex(g)}"
                                    for v, g in grads))

    def _rules(self, rules: list[str]) -> str:
        """The general identities used, joined, in letters that are not the cell's own."""
        used = {n for n in self.cell.symbols if len(n) == 1}
        return "; ".join(fresh_letters(r, used) for r in rules)

    def _error(self, message: str) -> MatdiffError:
        return MatdiffError(message, self.cell.target_line, 1, self.cell.source)

    def _bound(self, size: int, what: str) -> None:
        if size > MAX_DIFF_NODES:
            raise self._error(f"{what} is too large ({size} nodes, at most {MAX_DIFF_NODES}): "
                              "define intermediate results or reduce the expression")

    def _zero_result(self) -> E.Expr:
        f, x = self.target, self.wrt
        shape = x.shape if self.kind == "gradient" else (
            f.shape[0] * f.shape[1], x.shape[0] * x.shape[1])
        result = E.zero(shape)
        self._identify(result)
        return result

    def _jacobian(self, df: E.Expr) -> E.Expr:
        x, n = self.wrt, self.name
        vx_u, vx_l = f"vec d{x.name}", f"\\operatorname{{vec}} \\mathrm{{d}}{to_latex(x)}"
        parts = []
        for t in _terms(df):
            rules: list[str] = []
            trace: list = []
            j = simplify(jacobian_term(t, rules, trace))
            parts.append(j)
            if len(trace) > 1:   # one identity a step, outermost first, then together
                for rule, tk, local, inner in trace:
                    lk = simplify(local)
                    iu = vx_u if isinstance(inner, E.D) else f"vec({to_unicode(inner)})"
                    il = vx_l if isinstance(inner, E.D) else \
                        f"\\operatorname{{vec}}\\left({to_latex(inner)}\\right)"
                    self._step(self._rules([rule]) + _kron_sizes(lk),
                               f"vec({to_unicode(tk)}) = {_paren_u(lk)} {iu}",
                               f"\\operatorname{{vec}}\\left({to_latex(tk)}\\right) = "
                               f"{_paren_l(lk)} {il}", lk)
            self._step((self._rules(rules) if len(trace) < 2 else
                        "vec of the whole term: the identities above, one inside the other, their "
                        "factors multiplied")
                       + _kron_sizes(j) if rules else f"vec(d{x.name}) = vec d{x.name}",
                       f"vec({to_unicode(t)}) = {_paren_u(j)} {vx_u}",
                       f"\\operatorname{{vec}}\\left({to_latex(t)}\\right) = "
                       f"{_paren_l(j)} {vx_l}", j)
        raw = E.add(*parts)
        if len(parts) > 1:
            self._step(self._rules(["vec is linear: vec(A + B) = vec A + vec B"]),
                       f"vec d{n} = {_paren_u(raw)} {vx_u}",
                       f"\\operatorname{{vec}} \\mathrm{{d}}{n} = {_paren_l(raw)} {vx_l}", raw)
        j = simplify(raw)
        if j != raw:
            self._step("simplify: " + (_what_changed(raw, j) or "the shortest equivalent form"),
                       f"vec d{n} = {_paren_u(j)} {vx_u}",
                       f"\\operatorname{{vec}} \\mathrm{{d}}{n} = {_paren_l(j)} {vx_l}", j)
        return j

    def _gradient(self, df: E.Expr) -> E.Expr:
        x, n = self.wrt, self.name
        rules: list[str] = []
        terms = _terms(df)
        traces: list[list] = [[] for _ in terms]
        parts = [gradient_term(t, E.num(1), rules, tr) for t, tr in zip(terms, traces)]
        raw = E.add(*parts)
        dx_u, dx_l = f"d{x.name}", f"\\mathrm{{d}}{to_latex(x)}"
        form_u, form_l = f"d{n} = tr(Gᵀ {dx_u}),  G", f"\\mathrm{{d}}{n} = \\operatorname{{tr}}" \
            f"\\left(G^\\top {dx_l}\\right),\\quad G"
        shown = simplify(raw, collect=False)
        if len(terms) <= MAX_TERM_STEPS and sum(map(len, traces)) > 1:
            # one identity a step, term by term: each step keeps tr(Wᵀ M) = the term
            freeze, thaw = self._frozen
            for t, trace in zip(terms, traces):
                prev, prev_u = t, to_unicode(t)
                for rule, w, m in trace:   # tr(wᵀ m), wᵀ written out: tr(BXᵀA dX)
                    wt = thaw(simplify(freeze(E.transpose(w)), collect=False))
                    now = E.call("tr", E.mul(wt, m))
                    now_u = to_unicode(now)
                    if now_u == prev_u:
                        continue   # the term was already in this form
                    self._step("trace method: " + self._rules([rule]),
                               f"{prev_u} = {now_u}",
                               f"{to_latex(prev)} = {to_latex(now)}", now)
                    prev, prev_u = now, now_u
            self._eq("trace method: the terms together, each in the form tr(Gₖᵀ "
                     f"d{x.name}), G = Σₖ Gₖ" if len(terms) > 1 else
                     f"trace method: the form tr(Gᵀ d{x.name})", form_u, form_l, shown)
        else:
            self._eq("trace method: " + self._rules(rules or ["df = tr(Gᵀ dX)"]), form_u,
                     form_l, shown)
        g = simplify(raw)
        if g != shown:
            self._eq("simplify: " + (_what_changed(shown, g) or "the shortest equivalent form"),
                     form_u, form_l, g)
        vg = E.call("vec", g)
        self._step(self._rules(["tr(AᵀX) = vec(A)ᵀ vec X"]),
                   f"d{n} = ({to_unicode(vg)})ᵀ vec {dx_u}",
                   f"\\mathrm{{d}}{n} = \\left({to_latex(vg)}\\right)^\\top "
                   f"\\operatorname{{vec}} {dx_l}", vg)
        return g

    def _identify(self, result: E.Expr) -> None:
        x, n = self.wrt, self.name
        xl = to_latex(x)
        if self.kind == "gradient":
            r, c = x.shape
            self._step(f"identify the gradient: d{n} = tr(Gᵀ d{x.name}) gives ∂{n}/∂{x.name} = G, "
                       f"shaped like {x.name} ({_shape_u(x.shape)}): the mixed layout; the "
                       f"denominator layout also gives G, the numerator layout Gᵀ "
                       f"({_shape_u((c, r))})",
                       f"∂{n}/∂{x.name} = {to_unicode(result)}",
                       f"\\frac{{\\partial {n}}}{{\\partial {xl}}} = {to_latex(result)}", result)
        else:
            r, c = self.target.shape
            rows, cols = r * c, x.shape[0] * x.shape[1]
            self._step(f"identify the Jacobian: vec d{n} = J vec d{x.name} gives "
                       f"∂vec {n}/∂(vec {x.name})ᵀ = J, of size {rows.pretty()}×"
                       f"{cols.pretty()}: the mixed and numerator layouts; the denominator "
                       f"layout gives Jᵀ ({cols.pretty()}×{rows.pretty()})",
                       f"∂vec {n}/∂(vec {x.name})ᵀ = {to_unicode(result)}",
                       f"\\frac{{\\partial \\operatorname{{vec}} {n}}}{{\\partial "
                       f"(\\operatorname{{vec}} {xl})^\\top}} = {to_latex(result)}", result)

    # --- public --------------------------------------------------------------------------------
    @property
    def shape(self):
        """The symbolic shape of the result, as SymPy expressions (e.g. (m*n, m*n))."""
        import sympy

        def conv(d):
            from .dims import tri_base
            out = sympy.Integer(d.coef)
            for name, k in d.factors:
                base = tri_base(name)
                v = sympy.Symbol(base or name, positive=True, integer=True)
                out *= (v * (v + 1) / 2 if base else v) ** k
            return out
        return tuple(conv(d) for d in self.result.shape)

    def result_unicode(self) -> str:
        """The result in textbook Unicode (XᵀY ⊗ I_m)."""
        return to_unicode(self.result)

    def latex(self) -> str:
        """LaTeX of the result."""
        return to_latex(self.result)

    def text(self) -> str:
        """All the steps in plain Unicode text, one numbered step a paragraph."""
        lines = []
        for i, s in enumerate(self.steps, 1):
            lines.append(f"{i}. {s.rule}")
            lines.append(f"   {s.text}")
        return "\n".join(lines)

    def html(self) -> str:
        """A static HTML rendering (MathJax-ready LaTeX): the result in a box first, then
        every step with its rule above its equation, as the magic's static output."""
        from .render.html import derivation_html
        return derivation_html(self)

    def __repr__(self) -> str:
        return f"<Derivation of {self.name} w.r.t. {self.wrt.name}: {self.result}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        return steps_latex(self.steps)

    def _repr_html_(self) -> str:
        return self.html()

    def evaluate(self, values: dict, dims: dict | None = None):
        """The derivative as a NumPy array at concrete values (names -> arrays).

        In the derivation's layout: a Jacobian is (pq) x (mn) (its transpose in the
        denominator layout); a gradient has the shape of the variable (its transpose in the
        numerator layout). Sizes are read off the values; ``dims``
        gives any that no value fixes.
        """
        from .numeric import evaluate_result
        return evaluate_result(self, values, dims)

    def check(self, seed: int = 0, dims: dict | None = None, method: str = "auto",
              values: dict | None = None, result=None):
        """Check the derivative against central finite differences at random matrices.

        ``dims`` fixes sizes (default: small distinct sizes 3, 4, 5, 2, ...), ``values``
        fixes some or all matrices; the others are drawn with ``seed`` and honour the
        declared properties. ``method``: "full" (every entry), "directional" (a few random
        directions, matrix-free; for large sizes) or "auto". ``result`` checks a candidate
        derivative instead of this one (an expression, or text in the cell language; in this
        derivation's layout). Returns a CheckResult.
        """
        from .check import run_check
        return run_check(self, seed=seed, dims=dims, method=method, values=values,
                         result=result)

    def compare(self, claim: str, seed: int = 0, dims: dict | None = None):
        """Judge a claimed derivative (cell language or LaTeX, the cell's symbols, this
        derivation's layout) and name the slip: returns a Verdict with ``correct``,
        ``diagnosis`` (correct, transposed, scaled, missing-term, extra-term, needs-symmetry,
        shape or wrong), ``message``, ``factor``, ``term``, ``symbols``, ``max_rel_error``.
        A claim that does not parse raises MatdiffError with a caret in the claim."""
        from .compare import compare
        return compare(self, claim, seed=seed, dims=dims)

    def jvp(self, values: dict, V, dims: dict | None = None):
        """The derivative applied to a direction V shaped like the variable (matrix-free):
        dF for dX = V (shaped like F), or ⟨G, V⟩ for a scalar target."""
        from .numeric import jvp
        return jvp(self, values, V, dims)

    def numpy_source(self) -> str:
        """Source of a standalone NumPy function computing the derivative."""
        from .codegen import numpy_source
        return numpy_source(self)

    def to_sympy(self):
        """The result as a SymPy matrix expression."""
        from .codegen import to_sympy
        return to_sympy(self)

    def index_form(self):
        """The result entry by entry with Kronecker deltas: every ∂F_ij/∂X_kl (or ∂f/∂X_kl),
        e.g. ∂Z_ij/∂X_kl = δ_ik (YᵀX)_lj + (XYᵀ)_ik δ_jl; an IndexForm with ``text``,
        ``latex`` and ``evaluate``. Raises MatdiffError for a form it cannot write."""
        form = getattr(self, "_index", None)
        if form is not None:
            return form
        from .render.index import index_form
        return index_form(self)

    def picture(self, seed: int = 0, dims: dict | None = None) -> str:
        """SVG of the derivative's entries at random small matrices (``seed``, ``dims``):
        a diverging colour scale, zeros blank, lines at the Kronecker blocks."""
        from .render.picture import picture_svg
        return picture_svg(self, seed=seed, dims=dims)


def _problem_latex(head: str, others: list[E.Sym]) -> str:
    """The problem in LaTeX, with the sizes of the other symbols on a short line of their
    own (one long line would widen a narrow notebook)."""
    if not others:
        return head
    sizes = ",\\ ".join(f"{to_latex(s)}\\ ({_shape_l(s.shape)})" for s in others)
    return f"\\begin{{gathered}}{head} \\\\ \\text{{sizes: }} {sizes}\\end{{gathered}}"


def _freezer(df: E.Expr, f: E.Expr):
    """(freeze, thaw): freeze replaces each sum without a differential that the target
    itself contains (a residual such as XW - Y) by a placeholder symbol, so simplifying
    leaves it whole; thaw puts the sums back."""
    inside = set(_nodes(f, E.Add))
    table: dict[E.Expr, E.Expr] = {}
    back: dict[E.Expr, E.Expr] = {}

    def freeze(e: E.Expr) -> E.Expr:
        if e in inside and not E.has_d(e) and not e.is_scalar:
            if e not in table:
                table[e] = E.Sym(e.shape, f"\0sum{len(table)}", frozenset())
                back[table[e]] = e
            return table[e]
        if not e.children:
            return e
        args = tuple(freeze(c) for c in e.children)
        return e if args == e.children else E.rebuild(e, args)

    def thaw(e: E.Expr) -> E.Expr:
        if e in back:
            return back[e]
        if not e.children:
            return e
        args = tuple(thaw(c) for c in e.children)
        return e if args == e.children else E.rebuild(e, args)

    return freeze, thaw


_UNNAMED = [0]   # simplify steps whose change _what_changed could not name (for tests)


def _unordered(e: E.Expr) -> str:
    """e written with the terms of sums and the factors of Hadamard products sorted: equal
    for two expressions that differ only in those orders."""
    if isinstance(e, (E.Add, E.Hadamard)):
        return type(e).__name__ + "{" + ",".join(sorted(_unordered(c) for c in e.args)) + "}"
    if not e.children:
        return repr(e)
    params = [getattr(e, f) for f in e.__dataclass_fields__
              if f not in ("shape", "arg", "args", "rest")]
    return f"{type(e).__name__}{params}(" + ",".join(_unordered(c) for c in e.children) + ")"


def _what_changed(before: E.Expr, after: E.Expr) -> str:
    """In words, the kinds of rewriting that turned ``before`` into ``after``."""
    said = []
    (t_after, inv_after, kron_after), (t_before, inv_before, kron_before) = \
        _kind_counts(after, {}), _kind_counts(before, {})
    if t_after < t_before:
        said.append("transposes pushed to the leaves, (AB)ᵀ = BᵀAᵀ")
    if inv_after != inv_before:
        said.append("powers and inverses combined")
    if kron_after < kron_before:
        said.append("mixed-product rule, (A ⊗ B)(C ⊗ D) = AC ⊗ BD")
    if len(_terms(after)) < len(_terms(before)):
        said.append("like terms collected")
    elif len(_terms(after)) > len(_terms(before)):
        said.append("multiplied out into terms")
    if not said and E.notation_size(after) < E.notation_size(before):
        said.append("factors cancelled")
    return ", ".join(said)


def _kind_counts(e: E.Expr, memo: dict) -> tuple[int, int, int]:
    """How many nodes of e, as a tree, are a transpose of more than a leaf, an inverse or
    power, a Kronecker product (computed on the DAG: ``memo`` by node identity)."""
    k = id(e)
    out = memo.get(k)
    if out is None:
        t = int(isinstance(e, E.Transpose) and not isinstance(
            e.arg, (E.Sym, E.D, E.Identity, E.Ones, E.Comm)))
        inv = int(isinstance(e, (E.Inverse, E.Power, E.HadPow)))
        kron = int(isinstance(e, E.Kron))
        for c in e.children:
            ct, ci, ck = _kind_counts(c, memo)
            t, inv, kron = t + ct, inv + ci, kron + ck
        out = memo[k] = (t, inv, kron)
    return out


def _kron_sizes(e: E.Expr) -> str:
    """The sizes of the Kronecker products in e, for the rule text: '; Cᵀ ⊗ B is sr×nm'."""
    return "".join(f"; {to_unicode(k)} is {_shape_u(k.shape)}" for k in _nodes(e, E.Kron))


def _nodes(e: E.Expr, kind: type, seen: dict | None = None) -> list[E.Expr]:
    """The distinct nodes of one kind in e, in the order they are written."""
    seen = {} if seen is None else seen
    if isinstance(e, kind):
        seen.setdefault(e)
    for c in e.children:
        _nodes(c, kind, seen)
    return list(seen)


def _paren_u(e: E.Expr) -> str:
    s = to_unicode(e)
    return f"({s})" if isinstance(e, (E.Add, E.Kron)) or (
        isinstance(e, E.Mul) and E.split_coef(e)[0] < 0) else s


def _paren_l(e: E.Expr, sup: bool = False) -> str:
    s = to_latex(e)
    if isinstance(e, (E.Add, E.Kron, E.Hadamard)) or (isinstance(e, E.Mul) and (
            sup or E.split_coef(e)[0] < 0)):
        return f"\\left({s}\\right)"
    return s


def _wrt_names(cell: Cell, wrt: str | Sequence[str] | None) -> list[str]:
    if wrt is None:
        used = [n for n in cell.symbols if E.contains(cell.target, lambda e, n=n:
                                                       isinstance(e, E.Sym) and e.name == n)]
        if len(used) == 1:
            return used
        raise MatdiffError("say which variable to differentiate with respect to: wrt=..."
                           + (f" (one of {', '.join(used)})" if used else ""))
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    elif isinstance(wrt, (list, tuple)) and all(isinstance(w, str) for w in wrt):
        names = [w.strip() for w in wrt]
    else:
        raise MatdiffError(f"wrt must be a variable's name (or a list of names), got {wrt!r}")
    if not names or any(not w for w in names):
        raise MatdiffError(f"bad wrt {wrt!r}: give a variable's name, e.g. wrt='X'")
    for w in names:
        if w not in cell.symbols:
            defined = [d for d, _ in cell.definitions]
            why = (f"'{w}' is a definition, not a variable" if w in defined else
                   f"'{w}' does not appear in the cell")
            known = ", ".join(cell.symbols) or "none"
            raise MatdiffError(f"cannot differentiate with respect to '{w}': {why} "
                               f"(variables: {known})")
    return names


def check_layout(layout: object) -> str:
    """The layout's name, or MatdiffError listing the three (SPEC §2)."""
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise MatdiffError(f"unknown layout {layout!r}: use one of 'mixed' (the default: a "
                           "gradient shaped like X, the Jacobian J), 'numerator' (Gᵀ, J) or "
                           "'denominator' (G, Jᵀ)")
    return layout


def derive(cell: str, wrt: str | Sequence[str] | None = None, layout: str = "mixed",
           shapes: Sequence[str] = (), free_dims: bool = False, order: int = 1,
           wrt2: str | None = None):
    """Differentiate the cell's target by the differential method.

    ``shapes`` adds declarations ('X: m x n') before the cell; ``free_dims`` names
    undetermined dimensions instead of raising (handy for one-line input).
    ``order=2`` (scalar targets) gives the Hessian ∂²f/∂(vec X)∂(vec X)ᵀ by the second
    differential; with ``wrt2="Y"`` as well, the mixed block ∂²f/∂(vec X)∂(vec Y)ᵀ.
    Returns a :class:`Derivation` (a list of them when ``wrt`` names several variables).
    Raises :class:`MatdiffError`, and only it, for bad input.
    """
    if isinstance(order, bool) or order not in (1, 2):
        raise MatdiffError(f"order must be 1 (first derivative) or 2 (Hessian), got {order!r}")
    if order == 2 and (isinstance(wrt2, str) and "(" in wrt2 or wrt2 is not None and any(
            isinstance(w, str) and "(" in w
            for w in ([wrt] if isinstance(wrt, str) else list(wrt or ())))):
        raise MatdiffError("a mixed second derivative is taken with respect to two variables' "
                           f"entries, not a structured coordinate such as vech(X): got "
                           f"wrt={wrt!r}, wrt2={wrt2!r}; give the variables' names")
    if wrt2 is not None and order != 2:
        raise MatdiffError("wrt2 names the second variable of a mixed second derivative: "
                           "give order=2 as well")
    check_layout(layout)
    if isinstance(shapes, str):
        shapes = [shapes]
    if not isinstance(shapes, (list, tuple)):
        raise MatdiffError(f"shapes must be a list of declarations, got {shapes!r}")
    parsed = parse_cell(cell, tuple(shapes), free_dims)
    from .structure import StructuredDerivation, split_wrt
    wrt, structures = split_wrt(parsed, wrt)   # vech(X), diag(X): structured coordinates
    names = _wrt_names(parsed, wrt)
    try:
        if order == 2:
            from .hessian import hessians
            plain = iter(hessians(parsed, [w for w in names if w not in structures], wrt2,
                                  layout))
            if structures:   # H in the free coordinates: Mᵀ H M
                from .structured_hessian import StructuredHessian
            out = [StructuredHessian(parsed, structures[w], layout) if w in structures
                   else next(plain) for w in names]
        else:
            out = [StructuredDerivation(parsed, structures[w], layout) if w in structures else
                   Derivation(parsed, parsed.symbols[w], layout) for w in names]
    except RecursionError:
        raise MatdiffError("the expression is too large to differentiate",
                           parsed.target_line, 1, parsed.source) from None
    except E.ShapeError as exc:   # the expansion budget, or a rule that does not apply
        what = ("the differential is too large to expand into terms" if "budget" in str(exc)
                else f"cannot differentiate this expression: {exc}")
        raise MatdiffError(what, parsed.target_line, 1, parsed.source) from None
    if isinstance(wrt, str) and "," not in wrt or wrt is None:
        return out[0]
    return out


def assert_derivative(cell: str, wrt: str, claim: str, layout: str = "mixed",
                      shapes: Sequence[str] = (), order: int = 1) -> None:
    """Raise AssertionError with the verdict's message unless ``claim`` is the derivative of
    the cell's target with respect to ``wrt`` in ``layout`` (``order=2``: the Hessian), for
    pytest and autograding. Bad input (the cell or the claim) raises MatdiffError."""
    d = derive(cell, wrt=wrt, layout=layout, shapes=shapes, order=order)
    if isinstance(d, list):
        raise MatdiffError("assert_derivative takes one variable in wrt")
    v = d.compare(claim)
    if not v.correct:
        raise AssertionError(f"{v.diagnosis}: {v.message}")
