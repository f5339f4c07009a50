"""The differential method, first order: the result, and the steps that lead to it.

parse -> differential -> vectorize -> simplify -> identify. The result is computed when a
derivation is built; the steps, one rule each, are recorded from what the computation kept
(``_plan``) when they are first read, and hold data (``steps.Step``) that ``render/steps.py``
prints when they are shown. ``derive`` called from code records and prints nothing.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..algebra.simplify import simplify
from ..dims import shape_pretty
from ..errors import MatdiffError
from ..lang.parse import Cell
from ..memo import scope as memo_scope
from .changes import UNNAMED, freezer, occurrences, terms, unordered, what_changed
from .differential import differential, differential_steps, expand
from .steps import Step
from .vectorize import gradient_term, jacobian_term

MAX_TERMS = 300           # bounds: every derive returns or errors within seconds
MAX_DIFF_NODES = 20_000
MAX_TERM_STEPS = 6        # more terms than this: the trace method in one step


class Method:
    """The derivative of a cell's target with respect to one variable by the differential
    method: the result (computed when built) and its steps (recorded when first read).
    :class:`~.derivation.Derivation` is its public face."""

    structure = None              # structured coordinates asked for: structure.Structure
    _index = None                 # the entry-wise form, when the last step shows it
    _index_step = False           # whether the last step is the result entry by entry
    _bp = None                    # the gradient through the definitions, when shown
    _steps: list[Step] | None = None

    def __init__(self, cell: Cell, wrt: E.Sym, layout: str = "mixed") -> None:
        self._printed: dict = {}   # the printers' memo tables, for the steps when shown
        # each subexpression simplified once (memo.py); the tables are kept until the steps
        # are recorded, which the first reader of ``steps`` asks for
        self._tables: dict | None = {}
        with memo_scope(self._tables):
            self._build(cell, wrt, layout)

    def _build(self, cell: Cell, wrt: E.Sym, layout: str) -> None:
        self.cell = cell
        self.source = cell.source
        self.wrt = wrt
        self.layout = layout
        self.target = cell.target
        self.name = cell.target_name or ("f" if cell.target.is_scalar else "F")
        self.kind = "gradient" if self.target.is_scalar else "jacobian"
        self._frozen = (lambda e: e, lambda e: e)   # see changes.freezer
        self._plan: dict = {}   # what the steps need besides the result (see _derive)
        self.letters = frozenset(n for n in cell.symbols if len(n) == 1)
        # the mixed-layout result (G or J): the check, jvp and compare work from it
        self.mixed: E.Expr = self._derive()
        self.numerator: E.Expr = self.mixed   # the name the numeric code has always used
        self.result: E.Expr = self.mixed
        if self._transposed():
            self.result = transposed(self.mixed)

    def _transposed(self) -> bool:
        """Whether the layout shows the transpose of the mixed-layout result."""
        return (self.layout == "denominator" and self.kind == "jacobian" or
                self.layout == "numerator" and self.kind == "gradient")

    # --- the steps, recorded when first read ------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        """The steps, from the problem to the result (and its entries), one rule each."""
        if self._steps is None:
            self._steps = []
            try:
                with memo_scope(self._tables):
                    self._record()
            except RecursionError:   # as derive() reports it for the result
                self._steps = None
                raise self._error("the expression is too large to differentiate") from None
            except E.ShapeError as exc:
                self._steps = None
                raise self._error(f"cannot show the steps of this derivative: {exc}") from None
            # what was printed while recording (the entry-wise form) is printed for the
            # steps too: their printers' tables start from it
            for key, table in self._tables.items():
                if isinstance(key, tuple) and key[0] == "print":
                    table.update(self._printed.get(key, {}))
                    self._printed[key] = table
            self._tables = self._plan = None
        return self._steps

    @property
    def backprop(self):
        """The gradient through the definitions (backprop.Backprop), or None; found with
        the steps, which show it."""
        return self._bp if self.steps is not None else None

    @property
    def index_step(self) -> bool:
        """Whether the last step is the result entry by entry."""
        return self._index_step if self.steps is not None else False

    def _record(self) -> None:
        """The steps of the method, from the problem to the identified result, the layout
        and the entries."""
        self._record_method()
        self._identified()
        if self.layout == "denominator" and self.kind == "jacobian":
            self._layout_step("denominator layout (Wikipedia's denominator layout, many "
                              "statistics texts): the transpose Jᵀ of the Jacobian; the mixed "
                              "and numerator layouts give J")
        elif self.layout == "numerator" and self.kind == "gradient":
            self._layout_step("numerator layout (Minka, Wikipedia's numerator layout): the "
                              f"transpose Gᵀ of the gradient, {shape_pretty(self.result.shape)}"
                              f"; the mixed and denominator layouts give G, shaped like "
                              f"{self.wrt.name}")
        if self.structure is None:   # vech(X), diag(X): no entry-wise form
            self._entrywise()

    def _identified(self) -> None:
        """The step that identifies the result."""
        self._identify(self._plan["result"])

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
        from ..render.index import index_form
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
                f"entry by entry: ∂{n}_{fi}/∂{x}_{idx} is the entry of Jᵀ, the denominator "
                f"layout's matrix, in the row of {x}_{idx} and the column of {n}_{fi} "
                f"(column-major vec)" if self.layout == "denominator" else
                f"entry by entry: ∂{n}_{fi}/∂{x}_{idx} is the entry of the Jacobian in the row "
                f"of {n}_{fi} and the column of {x}_{idx} (column-major vec)")
        self._steps.append(Step.of(("entrywise", rule, form), ("index", form), None,
                                   self._printed))
        self._index_step = True

    # --- recording ---------------------------------------------------------------------------
    def _step(self, rule, form: tuple, expr: E.Expr | None = None) -> None:
        self._steps.append(Step.of(rule, form, expr, self._printed))

    def _eq(self, rule, lhs, e: E.Expr) -> None:
        """A step lhs = e; lhs is (notation, *args), see render/steps.py."""
        self._steps.append(Step.of(rule, ("eq", lhs, e), e, self._printed))

    def _rules(self, identities, head: str = "", sizes: E.Expr | None = None,
               tail: str = "") -> tuple:
        """The rule: ``head``, then the general identities used, joined, in letters that are
        not the cell's own; then the sizes of the Kronecker products in ``sizes``, ``tail``."""
        return ("identities", head, tuple(identities), self.letters, sizes, tail)

    # --- the method ----------------------------------------------------------------------------
    def _as_written(self) -> list[tuple[str, E.Expr]]:
        """The definitions as the user wrote them (names of earlier definitions kept)."""
        from ..lang.parse import parse_expr
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
        """The mixed-layout result; ``self._plan`` keeps what the steps need besides it."""
        f, x = self.target, self.wrt
        # the product rule gives about (occurrences of X) x (size of F) nodes: refuse early
        occ, size = occurrences(f, x), E.size(f)
        if occ * size > 4 * MAX_DIFF_NODES:
            raise self._error(f"the differential would be too large: {x.name} occurs {occ} "
                               f"times in an expression of {size} nodes; define intermediate "
                               "results or reduce the expression")
        plan = self._plan
        df, rules = differential(f, x, plan.setdefault("varying", {}))
        plan.update(df=df, rules=rules)
        if E.is_zero(df):
            return self._zero_result()
        freeze, thaw = self._frozen = freezer(df, f)
        self._bound(E.size(df), "the differential")
        expanded = expand(df, budget=[MAX_DIFF_NODES])
        self._bound(E.size(expanded), "the expanded differential")
        if len(terms(expanded)) > MAX_TERMS:
            raise self._error(f"the differential has {len(terms(expanded))} terms (at most "
                              f"{MAX_TERMS}): define intermediate results or reduce the "
                              "expression")
        # every step is shown cleaned (σ ⊘ σ = 1), but the sums the cell wrote stay whole:
        # (XW - Y)ᵀ is not opened into WᵀXᵀ - Yᵀ only to be collected again later
        tidy = plan["tidy"] = expand(thaw(simplify(freeze(expanded), collect=False)),
                                     budget=[MAX_DIFF_NODES])
        if E.is_zero(tidy):   # e.g. tr(X X⁻¹) = n: the terms cancel
            return self._zero_result()
        ts = terms(tidy)
        if self.kind == "gradient":
            # df = Σ tr(Gₖᵀ dX): the trace method, term by term (traces: its identities)
            traces: list[list] = [[] for _ in ts]
            plan["grad_rules"] = grad_rules = []
            plan["traces"] = traces
            raw = plan["raw"] = E.add(*(gradient_term(t, E.num(1), grad_rules, tr)
                                        for t, tr in zip(ts, traces)))
        else:
            # vec dF = Σ Jₖ vec dX: the vec identities, term by term
            plan["vec"] = vec = []
            for t in ts:
                trace: list = []
                tr_rules: list[str] = []
                vec.append((t, simplify(jacobian_term(t, tr_rules, trace)), tr_rules, trace))
            raw = plan["raw"] = E.add(*(j for _, j, _, _ in vec))
        result = plan["result"] = simplify(raw)
        return result

    def _zero_result(self) -> E.Expr:
        f, x = self.target, self.wrt
        result = self._plan["result"] = E.zero(x.shape if self.kind == "gradient" else (
            f.shape[0] * f.shape[1], x.shape[0] * x.shape[1]))
        return result

    def _record_method(self) -> None:
        """The steps from the problem to the result's last form before it is identified."""
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
        solves = dict(self.cell.definitions)
        for q in self.cell.equations:   # an equation line: its unknown is its solve
            self._eq(f"the equation {q[5]} is linear in {q[2]}: {q[2]} is its solve, the "
                     "solution of the linear system it states (implicit differentiation "
                     "follows)", ("name", q[2]), solves[q[2]])
        if defs and shown != f:
            names = ", ".join(d for d, _ in defs)
            self._eq(f"substitute the definition{'s' if len(defs) > 1 else ''} of {names} "
                     "(chain rule)", ("name", n), f)
        plan = self._plan
        df, dn = plan["df"], ("d", n)
        if E.is_zero(df):
            rules = plan["rules"]
            flat = any(r.startswith("d step") for r in rules)   # piecewise constant
            self._eq(self._rules(rules, "the differential is zero: ") if flat else
                     "the target does not depend on " + x.name, dn, df)
            return
        freeze, thaw = self._frozen
        shown_df = thaw(simplify(freeze(df), collect=False))
        try:
            stepwise = differential_steps(f, x, varying=plan.get("varying"))
        except (E.ShapeError, MatdiffError, KeyError, IndexError):
            stepwise = None
        if stepwise:   # one rule a step, as on a blackboard
            for k, (rule, e) in enumerate(stepwise):
                head = ("the differential: " if k else "take the differential: " if
                        len(stepwise) == 1 else "take the differential, one rule at a time: ")
                self._eq(self._rules([rule], head), dn, e)
            last = stepwise[-1][1]
            if shown_df != last:
                said = what_changed(last, shown_df)
                if not said and unordered(shown_df) == unordered(last):
                    said = "reorder, A ∘ B = B ∘ A and A + B = B + A"
                elif not said:
                    said = "signs and scalar factors to the front, tr(cA) = c tr(A)"
                    UNNAMED[0] += 1
                self._eq("simplify: " + said, dn, shown_df)
        else:
            self._eq(self._rules(plan["rules"], "take the differential: "), dn, shown_df)
        tidy = plan["tidy"]
        if tidy != shown_df:
            opened = expand(shown_df)
            said = what_changed(opened, tidy)
            rule = f"expand into terms with one d{x.name} each" if opened != shown_df else \
                "simplify"
            if said:
                rule = rule + "; " + said if opened != shown_df else "simplify: " + said
            self._eq(rule, dn, tidy)
        if E.is_zero(tidy):
            return
        if self.kind == "gradient":
            self._gradient_steps()
            if defs and self.cell.target_name and written[-1][0] == self.cell.target_name:
                self._backprop(defs, written[-1][1])
        else:
            self._jacobian_steps()

    def _backprop(self, defs: list[tuple[str, E.Expr]], target: E.Expr) -> None:
        """The same gradient through the definitions, backwards, in their names (two steps);
        ``self.backprop`` keeps it. Nothing is shown when a definition cannot be followed."""
        from .backprop import backprop
        try:
            bp = backprop(defs, target, self.wrt)
        except (E.ShapeError, MatdiffError, AssertionError, RecursionError):
            bp = None
        self._bp = bp
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

    def _jacobian_steps(self) -> None:
        x, n = self.wrt, self.name
        vdx = ("vecdx", x)
        for t, j, rules, trace in self._plan["vec"]:
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
        raw, j = self._plan["raw"], self._plan["result"]
        if len(self._plan["vec"]) > 1:
            self._step(self._rules(["vec is linear: vec(A + B) = vec A + vec B"]),
                       ("vecmap", ("vecd", n), raw, vdx), raw)
        if j != raw:
            self._step("simplify: " + (what_changed(raw, j) or "the shortest equivalent form"),
                       ("vecmap", ("vecd", n), j, vdx), j)

    def _gradient_steps(self) -> None:
        x, n = self.wrt, self.name
        plan = self._plan
        ts, traces, raw = terms(plan["tidy"]), plan["traces"], plan["raw"]
        rules = plan["grad_rules"]
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
        g = plan["result"]
        if g != shown:
            self._eq("simplify: " + (what_changed(shown, g) or "the shortest equivalent form"),
                     form, g)
        vg = E.call("vec", g)
        self._step(self._rules(["tr(AᵀX) = vec(A)ᵀ vec X"]), ("covec", n, vg, ("vecdx", x)), vg)

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


def transposed(e: E.Expr) -> E.Expr:
    """eᵀ as books write it: the transpose kept on a sum that is a factor of a product
    (2 (AX - B)ᵀA for 2 Aᵀ(AX - B), as the mixed form reads), unless pushing it to the
    leaves (2 (XᵀAᵀ - Bᵀ) A) is shorter by more than the one mark it moves."""
    pushed = simplify(E.transpose(e))

    def marks(f: E.Expr) -> int:
        return isinstance(f, E.Transpose) + sum(marks(c) for c in f.children)

    def keep(f: E.Expr) -> E.Expr:
        flipped = simplify(E.transpose(f))
        if isinstance(f, E.Add) and marks(flipped) > marks(f):   # (AX - B)ᵀ, not XᵀAᵀ - Bᵀ
            return E.Transpose((f.shape[1], f.shape[0]), f)
        return flipped
    if not isinstance(e, E.Mul) or not any(isinstance(f, E.Add) for f in e.args):
        return pushed
    book = E.mul(*(f if f.is_scalar else keep(f) for f in reversed(e.args)))
    return book if E.notation_size(book) <= E.notation_size(pushed) + 1 else pushed

