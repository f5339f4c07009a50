"""Derivation: the public face of a derivative, its steps and what can be done with it
(text, LaTeX, HTML, numbers, the check, a claim's verdict, code, pictures).

The method itself, the result and its steps, is ``method.Method``; ``derive`` (api.py) builds
derivations.
"""

from __future__ import annotations

from .memo import scope as memo_scope
from .method import MAX_DIFF_NODES, MAX_TERM_STEPS, MAX_TERMS, Method
from .render import to_latex, to_unicode
from .render.steps import steps_latex, steps_latex_rows
from .steps import Step

__all__ = ["Derivation", "Step", "steps_latex", "steps_latex_rows", "LAYOUTS",
           "MAX_DIFF_NODES", "MAX_TERMS", "MAX_TERM_STEPS"]

LAYOUTS = ("mixed", "numerator", "denominator")
# what each layout shows (SPEC §2): a gradient G (shaped like X) or its transpose, a Jacobian
# J = ∂vec F/∂(vec X)ᵀ or its transpose
LAYOUT_FORMS = {"mixed": ("G", "J"), "numerator": ("Gᵀ", "J"), "denominator": ("G", "Jᵀ")}
LAYOUT_USERS = {
    "mixed": "matrixcalculus.org, the Matrix Cookbook's gradients, ML code",
    "numerator": "Minka, Wikipedia's numerator layout, Magnus & Neudecker's Jacobian",
    "denominator": "Wikipedia's denominator layout, many statistics texts",
}


class Derivation(Method):
    """The derivative of a cell's target with respect to one variable, with its steps."""

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
        with memo_scope(self._printed):   # the steps' shared subexpressions printed once
            for i, s in enumerate(self.steps, 1):
                lines.append(f"{i}. {s.rule}")
                lines.append(f"   {s.text}")
        return "\n".join(lines)

    def html(self) -> str:
        """A static HTML rendering (MathJax-ready LaTeX): the result in a box first, then
        every step with its rule above its equation, as the magic's static output."""
        from .render.html import derivation_html
        with memo_scope(self._printed):
            return derivation_html(self)

    def __repr__(self) -> str:
        return f"<Derivation of {self.name} w.r.t. {self.wrt.name}: {self.result}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        with memo_scope(self._printed):
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

    def coordinates(self, X):
        """The map between the coordinates of this derivative (vec X, or the free entries
        vech X, diag X of a structured X) and the matrix, at the size of X."""
        from .coordinates import coordinates_of
        return coordinates_of(self, X)

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


