"""Derivation: the pipeline parse -> differential -> vectorize -> simplify -> identify,
recording every transformation as a Step a student can follow.

The steps are data (``steps.Step``): the rule and the expressions each one relates;
``render/steps.py`` prints them when they are first shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import expr as E
from .changes import UNNAMED, freezer, occurrences, terms, unordered, what_changed
from .differential import differential, differential_steps, expand
from .dims import shape_pretty
from .errors import MatdiffError
from .memo import scope as memo_scope
from .parse import Cell, _tree_size
from .render import to_latex, to_unicode
from .simplify import simplify
from .steps import Step
from .vectorize import gradient_term, jacobian_term

__all__ = ["Derivation", "Step", "steps_latex", "steps_latex_rows", "LAYOUTS"]

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


def _latex_text(text: str) -> str:
    """Plain text made safe for ``\\text{...}``: braces, dollars and backslashes escaped."""
    out = text.replace("\\", "$\\backslash$").replace("{", "\\{").replace("}", "\\}")
    return out.replace("$\\backslash$", "\0").replace("$", "\\$").replace("\0", "$\\backslash$")


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

    structure = None              # structured coordinates asked for: structure.Structure
    _index = None                 # the entry-wise form, when the last step shows it
    index_step = False            # whether the last step is the result entry by entry

    def __init__(self, cell: Cell, wrt: E.Sym, layout: str = "mixed") -> None:
        self._printed: dict = {}   # the printers' memo tables, for the steps when shown
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
        self._frozen = (lambda e: e, lambda e: e)   # see changes.freezer
        self.letters = frozenset(n for n in cell.symbols if len(n) == 1)
        # the mixed-layout result (G or J): the check, jvp and compare work from it
        self.mixed: E.Expr = self._derive()
        self.numerator: E.Expr = self.mixed   # the name the numeric code has always used
        self.result: E.Expr = self.mixed
        if layout == "denominator" and self.kind == "jacobian":
            self.result = simplify(E.transpose(self.mixed))
            self._layout_step("denominator layout (Wikipedia's denominator layout, many "
                              "statistics texts): the transpose Jᵀ of the Jacobian; the mixed "
                              "and numerator layouts give J")
        elif layout == "numerator" and self.kind == "gradient":
            self.result = simplify(E.transpose(self.mixed))
            self._layout_step("numerator layout (Minka, Wikipedia's numerator layout): the "
                              f"transpose Gᵀ of the gradient, {shape_pretty(self.result.shape)}"
                              f"; the mixed and denominator layouts give G, shaped like "
                              f"{wrt.name}")
        self.index_step = False   # whether the last step is the result entry by entry
        if self.structure is None:   # vech(X), diag(X): no entry-wise form
            self._entrywise()

    def _layout_step(self, rule: str) -> None:
        lhs = ("jacT" if self.kind == "jacobian" else "gradT", self.name, self.wrt)
        self._eq(rule, lhs, self.result)

    @property
    def result_step(self) -> Step:
        """The step that states the result (the entry-wise form, when shown, comes after)."""
        return self.steps[-2] if self.index_step else self.steps[-1]

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
        self.steps.append(Step.of(("entrywise", rule, form), ("index", form), None,
                                  self._printed))
        self.index_step = True

    # --- recording ---------------------------------------------------------------------------
    def _step(self, rule, form: tuple, expr: E.Expr | None = None) -> None:
        self.steps.append(Step.of(rule, form, expr, self._printed))

    def _eq(self, rule, lhs, e: E.Expr) -> None:
        """A step lhs = e; lhs is (notation, *args), see render/steps.py."""
        self.steps.append(Step.of(rule, ("eq", lhs, e), e, self._printed))

    def _rules(self, identities, head: str = "", sizes: E.Expr | None = None,
               tail: str = "") -> tuple:
        """The rule: ``head``, then the general identities used, joined, in letters that are
        not the cell's own; then the sizes of the Kronecker products in ``sizes``, ``tail``."""
        return ("identities", head, tuple(identities), self.letters, sizes, tail)

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

    def _problem(self, defs, shown: E.Expr, others) -> None:
        self._step("the problem", ("problem", tuple(defs), self.name, shown, self.target,
                                   self.wrt, tuple(others), self.structure))

    def _derive(self) -> E.Expr:
        f, x, n = self.target, self.wrt, self.name
        # the definitions as written are shown when there are some besides the target's
        # own (a cell whose one definition is its target, f = tr(A X B), shows f itself)
        others_defined = any(d != self.cell.target_name for d, _ in self.cell.definitions)
        written = self._as_written() if others_defined else []
        defs = [(d, e) for d, e in written if d != self.cell.target_name]
        shown = written[-1][1] if self.cell.target_name and defs else f
        others = [s for name, s in self.cell.symbols.items()
                  if name != x.name and E.contains(f, lambda e, s=s: e == s)]
        self._problem(defs, shown, others)
        if defs and shown != f:
            names = ", ".join(d for d, _ in defs)
            self._eq(f"substitute the definition{'s' if len(defs) > 1 else ''} of {names} "
                     "(chain rule)", ("name", n), f)
        # the product rule gives about (occurrences of X) x (size of F) nodes: refuse early
        occ, size = occurrences(f, x), _tree_size(f)
        if occ * size > 4 * MAX_DIFF_NODES:
            raise self._error(f"the differential would be too large: {x.name} occurs {occ} "
                               f"times in an expression of {size} nodes; define intermediate "
                               "results or reduce the expression")
        df, rules = differential(f, x)
        dn = ("d", n)
        if E.is_zero(df):
            flat = any(r.startswith("d step") for r in rules)   # piecewise constant
            self._eq(self._rules(rules, "the differential is zero: ") if flat else
                     "the target does not depend on " + x.name, dn, df)
            return self._zero_result()
        # every step is shown cleaned (σ ⊘ σ = 1), but the sums the cell wrote stay whole:
        # (XW - Y)ᵀ is not opened into WᵀXᵀ - Yᵀ only to be collected again later
        freeze, thaw = self._frozen = freezer(df, f)
        shown_df = thaw(simplify(freeze(df), collect=False))
        try:
            stepwise = differential_steps(f, x)
        except (E.ShapeError, MatdiffError, KeyError, IndexError):
            stepwise = None
        if stepwise:   # one rule a step, as on a blackboard
            for k, (rule, e) in enumerate(stepwise):
                head = ("the differential: " if k else "take the differential: " if
                        len(stepwise) == 1 else "take the differential, one rule at a time: ")
                self._eq(self._rules([rule], head), dn, e)
            last = stepwise[-1][1]
            said = what_changed(last, shown_df)
            if shown_df != last and not said and unordered(shown_df) == unordered(last):
                said = "reorder, A ∘ B = B ∘ A and A + B = B + A"
            elif shown_df != last and not said:
                said = "signs and scalar factors to the front, tr(cA) = c tr(A)"
                UNNAMED[0] += 1
            if shown_df != last:
                self._eq("simplify: " + said, dn, shown_df)
        else:
            self._eq(self._rules(rules, "take the differential: "), dn, shown_df)
        self._bound(_tree_size(df), "the differential")
        expanded = expand(df, budget=[MAX_DIFF_NODES])
        self._bound(_tree_size(expanded), "the expanded differential")
        if len(terms(expanded)) > MAX_TERMS:
            raise self._error(f"the differential has {len(terms(expanded))} terms (at most "
                              f"{MAX_TERMS}): define intermediate results or reduce the "
                              "expression")
        tidy = expand(thaw(simplify(freeze(expanded), collect=False)),
                      budget=[MAX_DIFF_NODES])
        if tidy != shown_df:
            opened = expand(shown_df)
            said = what_changed(opened, tidy)
            rule = f"expand into terms with one d{x.name} each" if opened != shown_df else \
                "simplify"
            if said:
                rule = rule + "; " + said if opened != shown_df else "simplify: " + said
            self._eq(rule, dn, tidy)
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
        n = self.name
        self._step("the chain rule through the definitions: the differential of each one, in "
                   "the differentials of the variable and of earlier definitions",
                   ("chain", tuple(bp.differentials)))
        grads = bp.adjoints + [(self.wrt.name, bp.gradient)]
        self._step(f"backpropagation: the gradient with respect to each definition, the last "
                   f"first; d{n} = tr((∂{n}/∂H)ᵀ dH) passes ∂{n}/∂H on to what H is made of. "
                   "The same gradient as below, in the definitions' names",
                   ("adjoints", n, tuple(grads)))

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
        vdx = ("vecdx", x)
        parts = []
        for t in terms(df):
            rules: list[str] = []
            trace: list = []
            j = simplify(jacobian_term(t, rules, trace))
            parts.append(j)
            if len(trace) > 1:   # one identity a step, outermost first, then together
                for rule, tk, local, inner in trace:
                    lk = simplify(local)
                    self._step(self._rules([rule], sizes=lk),
                               ("vecmap", ("vecof", tk), lk,
                                vdx if isinstance(inner, E.D) else ("vecof", inner)), lk)
            if not rules:
                rule = f"vec(d{x.name}) = vec d{x.name}"
            elif len(trace) < 2:
                rule = self._rules(rules, sizes=j)
            else:
                rule = ("identities", "vec of the whole term: the identities above, one inside "
                        "the other, their factors multiplied", (), self.letters, j)
            self._step(rule, ("vecmap", ("vecof", t), j, vdx), j)
        raw = E.add(*parts)
        if len(parts) > 1:
            self._step(self._rules(["vec is linear: vec(A + B) = vec A + vec B"]),
                       ("vecmap", ("vecd", n), raw, vdx), raw)
        j = simplify(raw)
        if j != raw:
            self._step("simplify: " + (what_changed(raw, j) or "the shortest equivalent form"),
                       ("vecmap", ("vecd", n), j, vdx), j)
        return j

    def _gradient(self, df: E.Expr) -> E.Expr:
        x, n = self.wrt, self.name
        rules: list[str] = []
        ts = terms(df)
        traces: list[list] = [[] for _ in ts]
        parts = [gradient_term(t, E.num(1), rules, tr) for t, tr in zip(ts, traces)]
        raw = E.add(*parts)
        form = ("trform", n, x)
        shown = simplify(raw, collect=False)
        if len(ts) <= MAX_TERM_STEPS and sum(map(len, traces)) > 1:
            # one identity a step, term by term: each step keeps tr(Wᵀ M) = the term
            freeze, thaw = self._frozen
            for t, trace in zip(ts, traces):
                prev = t
                for rule, w, m in trace:   # tr(wᵀ m), wᵀ written out: tr(BXᵀA dX)
                    wt = thaw(simplify(freeze(E.transpose(w)), collect=False))
                    now = E.call("tr", E.mul(wt, m))
                    if now == prev:
                        continue   # the term was already in this form
                    self._eq(self._rules([rule], "trace method: "), prev, now)
                    prev = now
            self._eq("trace method: the terms together, each in the form tr(Gₖᵀ "
                     f"d{x.name}), G = Σₖ Gₖ" if len(ts) > 1 else
                     f"trace method: the form tr(Gᵀ d{x.name})", form, shown)
        else:
            self._eq(self._rules(rules or ["df = tr(Gᵀ dX)"], "trace method: "), form, shown)
        g = simplify(raw)
        if g != shown:
            self._eq("simplify: " + (what_changed(shown, g) or "the shortest equivalent form"),
                     form, g)
        vg = E.call("vec", g)
        self._step(self._rules(["tr(AᵀX) = vec(A)ᵀ vec X"]), ("covec", n, vg, ("vecdx", x)), vg)
        return g

    def _identify(self, result: E.Expr) -> None:
        x, n = self.wrt, self.name
        if self.kind == "gradient":
            r, c = x.shape
            self._eq(f"identify the gradient: d{n} = tr(Gᵀ d{x.name}) gives ∂{n}/∂{x.name} = G, "
                     f"shaped like {x.name} ({shape_pretty(x.shape)}): the mixed layout; the "
                     f"denominator layout also gives G, the numerator layout Gᵀ "
                     f"({shape_pretty((c, r))})", ("grad", n, x), result)
        else:
            r, c = self.target.shape
            rows, cols = r * c, x.shape[0] * x.shape[1]
            self._eq(f"identify the Jacobian: vec d{n} = J vec d{x.name} gives "
                     f"∂vec {n}/∂(vec {x.name})ᵀ = J, of size {rows.pretty()}×"
                     f"{cols.pretty()}: the mixed and numerator layouts; the denominator "
                     f"layout gives Jᵀ ({cols.pretty()}×{rows.pretty()})", ("jac", n, x), result)

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
        if self._index is not None:
            return self._index
        from .render.index import index_form
        return index_form(self)

    def picture(self, seed: int = 0, dims: dict | None = None) -> str:
        """SVG of the derivative's entries at random small matrices (``seed``, ``dims``):
        a diverging colour scale, zeros blank, lines at the Kronecker blocks."""
        from .render.picture import picture_svg
        return picture_svg(self, seed=seed, dims=dims)


