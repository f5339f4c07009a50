"""Derivation: the public face of a derivative, its steps and what can be done with it
(text, LaTeX, HTML, numbers, the check, a claim's verdict, code, pictures).

The method itself, the result and its steps, is ``method.Method``; ``derive`` (api.py) builds
derivations.
"""

from __future__ import annotations

from .calculus.method import MAX_DIFF_NODES, MAX_TERM_STEPS, MAX_TERMS, Method
from .calculus.steps import Step
from .errors import MatdiffError
from .memo import scope as memo_scope
from .render import to_latex, to_unicode
from .render.steps import steps_latex, steps_latex_rows

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
    """The derivative of a cell's target with respect to one variable, with its steps.

    Made by :func:`derive`, never directly. For ``order=2`` the object is a subclass with the
    same interface whose result is the Hessian H = ∂²f/∂(vec X)∂(vec X)ᵀ, and which adds
    ``hvp(values, V, dims=None)``, the Hessian-vector product H vec V shaped like X, computed
    without forming H.

    Attributes
    ----------
    result : Expr
        The derivative in the derivation's layout: the gradient G (shaped like the variable)
        or its transpose, the Jacobian J = ∂vec F/∂(vec X)ᵀ or its transpose. ``str()`` of
        it is valid cell-language input that parses back to the same expression.
    steps : list of Step
        Every transformation from the problem to the result, one rule a step.
    layout : str
        ``"mixed"``, ``"numerator"`` or ``"denominator"``.
    kind : str
        ``"gradient"`` for a scalar target, ``"jacobian"`` otherwise.
    wrt : Expr
        The variable (a symbol of the cell).
    target : Expr
        The target, with the cell's definitions substituted.
    name : str
        The target's name in the steps (its definition's name, or ``f`` / ``F``).
    source : str
        The cell's text.
    other_forms : dict of str to Expr
        Only for a structured coordinate (``wrt="vech(S)"`` with S symmetric): the Matrix
        Cookbook's ``G + Gᵀ - G ∘ I`` under ``"cookbook"`` and ``sym(G)`` under ``"sym"``.

    See Also
    --------
    derive : makes a Derivation.
    """

    # --- public --------------------------------------------------------------------------------
    @property
    def shape(self):
        """tuple of sympy.Expr : the symbolic shape of the result, e.g. ``(m*n, m*n)`` for
        the Jacobian of an m x n matrix function of an m x n variable."""
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
        """The result in LaTeX, as a textbook prints it.

        Returns
        -------
        str
            LaTeX without math delimiters; it reads back as cell input (LaTeX lines are
            accepted), sizes included.
        """
        return to_latex(self.result)

    def named(self):
        """The result in named parts, as papers write it: ``Xᵀ(S - Y) where S =
        softmax(XW)``.

        The cell's definitions whose expressions occur in the result stand in for them, and
        a part that repeats gets a local name that is no name of the cell. The result itself
        (``result``, which ``evaluate``, ``check`` and ``numpy_source`` use) is unchanged.

        Returns
        -------
        NamedForm or None
            ``.text`` (the cell language), ``.unicode``, ``.latex``, ``.parts`` (pairs of a
            name and its expression, in the order they are defined) and ``.substituted()``;
            None when no definition occurs and nothing worth a name repeats.
        """
        try:
            return self._named_form
        except AttributeError:
            from .render.named import named_form
            self._named_form = named_form(self.result, self.cell)
            return self._named_form

    def text(self) -> str:
        """All the steps in plain Unicode text.

        Returns
        -------
        str
            One numbered paragraph a step: the rule on the first line, the equation indented
            on the next; then the result in named parts, where it has them (:meth:`named`).
            ``str(d)`` is the same text.
        """
        from .render.named import named_lines
        lines = []
        with memo_scope(self._printed):   # the steps' shared subexpressions printed once
            for i, s in enumerate(self.steps, 1):
                lines.append(f"{i}. {s.rule}")
                lines.append(f"   {s.text}")
            named = named_lines(self)
            if named is not None:
                lines.append("in named parts:")
                lines.append(f"   {named[0]}")
        return "\n".join(lines)

    def html(self) -> str:
        """A static HTML rendering, as the magic's static output.

        Returns
        -------
        str
            HTML with MathJax-ready LaTeX: the result in a box first, then every step with
            its rule above its equation.
        """
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
        """The derivative as a NumPy array at concrete values.

        Parameters
        ----------
        values : dict of str to array_like
            A value for every symbol of the cell, by name; a vector may be given as a 1-D
            array. Values must honour the declared properties (checked).
        dims : dict of str to int, optional
            Sizes that no value fixes; the others are read off the values.

        Returns
        -------
        numpy.ndarray
            In the derivation's layout: a Jacobian is (pq) x (mn) (its transpose in the
            denominator layout); a gradient has the shape of the variable (its transpose in
            the numerator layout). No Kronecker product larger than the result is formed.

        Raises
        ------
        MatdiffError
            A value is missing, has the wrong shape or breaks a declaration.
        """
        from .calculus.implicit import at_equation
        from .numeric.values import evaluate_result
        try:
            return evaluate_result(self, values, dims)
        except MatdiffError as exc:   # a solve singular at these values: at its equation
            raise at_equation(self.cell, exc) from None

    def check(self, seed: int = 0, dims: dict | None = None, method: str = "auto",
              values: dict | None = None, result=None):
        """Check the derivative against central finite differences at random matrices.

        The random point is as general as the declarations and the domain allow: dense,
        non-symmetric matrices with entries of both signs unless a property or the domain
        of a function says otherwise.

        Parameters
        ----------
        seed : int, default 0
            Seed of the random matrices.
        dims : dict of str to int, optional
            Sizes to use (default: small distinct sizes 3, 4, 5, 2, ..., so that a
            transposition cannot hide behind a square shape).
        method : {"auto", "full", "directional"}, default "auto"
            ``"full"`` compares every entry of the Jacobian or gradient; ``"directional"``
            compares the derivative applied to three random directions (matrix-free, for
            large sizes); ``"auto"`` is full up to 40,000 Jacobian entries.
        values : dict of str to array_like, optional
            Fixes some or all of the matrices; the others are drawn.
        result : Expr or str, optional
            A candidate derivative to check instead of this one (an expression, or text in
            the cell language with the cell's symbols), in this derivation's layout.

        Returns
        -------
        CheckResult
            ``passed`` and the errors; ``str()`` of it is a one-line report.

        Examples
        --------
        >>> from matdiff_magic import derive
        >>> derive("X : n x n invertible\\ndet(X)", wrt="X").check(result="det(X) inv(X)").passed
        False
        """
        from .numeric.check import run_check
        return run_check(self, seed=seed, dims=dims, method=method, values=values,
                         result=result)

    def compare(self, claim: str, seed: int = 0, dims: dict | None = None):
        """Judge a claimed derivative and name the slip.

        Claim and answer are compared at three random points that honour the declarations
        (after a symbolic shortcut when the simplified claim already prints as the answer);
        equivalent forms are never penalised.

        Parameters
        ----------
        claim : str
            The claimed derivative, in the cell language or in LaTeX, over the cell's
            symbols (and its definitions), in this derivation's layout.
        seed : int, default 0
            Seed of the random points.
        dims : dict of str to int, optional
            Sizes of the random points.

        Returns
        -------
        Verdict
            ``correct``, ``diagnosis`` (``"correct"``, ``"transposed"``, ``"scaled"``,
            ``"sign"``, ``"swapped-kronecker"``, ``"missing-factor"``, ``"missing-term"``,
            ``"extra-term"``, ``"needs-symmetry"``, ``"shape"`` or ``"wrong"``),
            ``message`` and the fields of the slip.

        Raises
        ------
        MatdiffError
            The claim does not parse or uses a symbol the cell does not have (the message
            has a caret in the claim). A claim of the wrong shape is a verdict, not an
            error.

        Examples
        --------
        >>> from matdiff_magic import derive
        >>> d = derive("x : n\\nA : n x n\\nx' A x", wrt="x")
        >>> d.compare("2 A x").diagnosis
        'needs-symmetry'
        >>> d.compare("A x + A' x").correct
        True
        """
        from .numeric.compare import compare
        return compare(self, claim, seed=seed, dims=dims)

    def jvp(self, values: dict, V, dims: dict | None = None):
        """The derivative applied to a direction, matrix-free.

        Parameters
        ----------
        values : dict of str to array_like
            The point, as for :meth:`evaluate`.
        V : array_like
            A direction shaped like the variable (a column of free coordinates for a
            structured one).
        dims : dict of str to int, optional
            Sizes that no value fixes.

        Returns
        -------
        numpy.ndarray or float
            dF for dX = V, shaped like F; for a scalar target, ⟨G, V⟩. The Jacobian is never
            formed.
        """
        from .calculus.implicit import at_equation
        from .numeric.values import jvp
        try:
            return jvp(self, values, V, dims)
        except MatdiffError as exc:   # a solve singular at these values: at its equation
            raise at_equation(self.cell, exc) from None

    def numpy_source(self) -> str:
        """The source of a standalone NumPy function computing the derivative.

        Returns
        -------
        str
            Python source that imports only NumPy; the function takes the cell's matrices as
            arguments and returns the derivative in this derivation's layout (for
            ``order=2``: functions ``hessian`` and ``hvp``).
        """
        from .numeric.codegen import numpy_source
        return numpy_source(self)

    def to_sympy(self):
        """The result as SymPy matrix expressions.

        Returns
        -------
        sympy.MatrixExpr
            The result over ``MatrixSymbol`` objects of the cell's symbols, in this
            derivation's layout.
        """
        from .numeric.codegen import to_sympy
        return to_sympy(self)

    def coordinates(self, X):
        """The map between the coordinates of this derivative (vec X, or the free entries
        vech X, diag X of a structured X) and the matrix, at the size of X."""
        from .numeric.coordinates import coordinates_of
        return coordinates_of(self, X)

    def index_form(self):
        """The result entry by entry, with Kronecker deltas.

        Returns
        -------
        IndexForm
            Every ∂F_ij/∂X_kl of a Jacobian (∂f/∂X_kl of a gradient), e.g.
            ``∂Z_ij/∂X_kl = δ_ik (XᵀY)_jl + (XYᵀ)_ik δ_jl``, as ``text`` (Unicode) and
            ``latex``; its ``evaluate(values, dims=None)`` computes the derivative from that
            formula.

        Raises
        ------
        MatdiffError
            For a form it cannot write entry by entry (a Kronecker product of three factors,
            a structured coordinate).
        """
        if self._index is not None:
            return self._index
        from .render.index import index_form
        return index_form(self)

    def picture(self, seed: int = 0, dims: dict | None = None) -> str:
        """A picture of the derivative's entries at random small matrices.

        Parameters
        ----------
        seed : int, default 0
            Seed of the random matrices.
        dims : dict of str to int, optional
            Sizes (default: small distinct sizes).

        Returns
        -------
        str
            SVG: each entry on a diverging colour scale (blue negative, red positive, zeros
            blank), lines at the Kronecker blocks, each value in a ``data-value`` attribute.
        """
        from .render.picture import picture_svg
        return picture_svg(self, seed=seed, dims=dims)


