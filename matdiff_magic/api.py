"""The public entry points: ``derive`` and ``assert_derivative``.

``derive`` parses the cell, reads which coordinates are asked for (a variable, or the free
entries of a structured one: vech(X), diag(X)) and the order, and builds the derivation of
each: :class:`~.derivation.Derivation`, :class:`~.structure.StructuredDerivation`,
:class:`~.hessian.Hessian` or :class:`~.structure.StructuredHessian`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .algebra import expr as E
from .calculus.hessian import Hessian
from .calculus.implicit import solve_equations
from .calculus.structure import StructuredDerivation, StructuredHessian, split_wrt
from .derivation import LAYOUTS, Derivation
from .dims import shape_pretty
from .errors import MatdiffError
from .lang.parse import Cell, parse_cell

__all__ = ["derive", "assert_derivative", "check_layout"]


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


def hessians(cell: Cell, names: list[str], wrt2: str | None, layout: str) -> list[Hessian]:
    """One Hessian per variable, or the mixed block for wrt2; bad requests raise."""
    f = cell.target
    if not f.is_scalar:
        name = cell.target_name or "F"
        raise MatdiffError(
            f"a second derivative needs a scalar target, but {name} is "
            f"{shape_pretty(f.shape)}: take a scalar of it, such as tr({name}), sum({name}), "
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


def derive(cell: str, wrt: str | Sequence[str] | None = None, layout: str = "mixed",
           shapes: Sequence[str] = (), free_dims: bool = False, order: int = 1,
           wrt2: str | None = None):
    """Differentiate the cell's target by the differential method.

    Parameters
    ----------
    cell : str
        Declarations (``X, Y : m x n``), definitions (``H = X W``) and, on the last line, the
        target, in the cell language or in LaTeX.
    wrt : str or sequence of str, optional
        The variable: a symbol of the cell, several separated by commas (``"X,Y"``) or given
        as a list, or a structured coordinate (``"vech(S)"``, ``"diag(D)"``). May be left
        out when the target has one variable.
    layout : {"mixed", "numerator", "denominator"}, default "mixed"
        What to show: the gradient G shaped like X and the Jacobian
        J = ∂vec F/∂(vec X)ᵀ (mixed), Gᵀ and J (numerator), or G and Jᵀ (denominator).
    shapes : sequence of str, default ()
        Declarations added before the cell, e.g. ``["X: m x n", "A: n x n symmetric"]``.
    free_dims : bool, default False
        Give undetermined sizes fresh names instead of raising (handy for one-line input).
    order : {1, 2}, default 1
        ``2`` gives the Hessian ∂²f/∂(vec X)∂(vec X)ᵀ of a scalar target, by the second
        differential.
    wrt2 : str, optional
        With ``order=2``: the second variable of the mixed block ∂²f/∂(vec X)∂(vec Y)ᵀ.

    Returns
    -------
    Derivation or list of Derivation
        One Derivation, or a list of them, one per variable, when ``wrt`` names several.

    Raises
    ------
    MatdiffError
        For any bad input, and only it: the message names the problem, the line and the
        column, with the source line and a caret.

    See Also
    --------
    assert_derivative : the same derivative, compared with a claimed answer.

    Examples
    --------
    >>> from matdiff_magic import derive
    >>> d = derive("X, Y : m x n\\nZ = X Y' X", wrt="X")
    >>> print(d.result)
    X' Y ⊗ I_m + I_n ⊗ X Y'
    >>> d.shape
    (m*n, m*n)
    >>> d.check().passed
    True
    >>> print(derive("X : m x n\\nA : m x m\\ntr(X' A X)", wrt="X", order=2).result)
    I_n ⊗ (A + A')
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
    parsed = solve_equations(parse_cell(cell, tuple(shapes), free_dims))   # equation lines
    wrt, structures = split_wrt(parsed, wrt)   # vech(X), diag(X): structured coordinates
    names = _wrt_names(parsed, wrt)
    try:
        if order == 2:   # in structured coordinates: H in the free coordinates, Mᵀ H M
            plain = iter(hessians(parsed, [w for w in names if w not in structures], wrt2,
                                  layout))
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
        raise MatdiffError(what, parsed.target_line, _call_column(parsed, str(exc)),
                           parsed.source) from None
    if isinstance(wrt, str) and "," not in wrt or wrt is None:
        return out[0]
    return out


def _call_column(cell, message: str) -> int:
    """The column of the call a differential rule refused (the message opens with it,
    eig(X)), on the target's line; else 1."""
    m = re.match(r"([A-Za-z_]\w*)\(", message)
    line = cell.source.split("\n")[cell.target_line - 1] if cell.source else ""
    at = line.find(m.group(0)) if m else -1
    return at + 1 if at >= 0 else 1


def assert_derivative(cell: str, wrt: str, claim: str, layout: str = "mixed",
                      shapes: Sequence[str] = (), order: int = 1) -> None:
    """Assert that a claimed answer is the derivative, for pytest and autograding.

    Parameters
    ----------
    cell : str
        The cell, as for :func:`derive`.
    wrt : str
        One variable.
    claim : str
        The claimed derivative, in the cell language or in LaTeX, in ``layout``.
    layout : {"mixed", "numerator", "denominator"}, default "mixed"
        The layout the claim is written in.
    shapes : sequence of str, default ()
        Declarations added before the cell.
    order : {1, 2}, default 1
        ``2``: the claim is the Hessian.

    Raises
    ------
    AssertionError
        Unless the claim is the derivative; the message is the verdict's diagnosis and
        message, e.g. ``"transposed: ..."`` or ``"needs-symmetry: The claim would be right
        only if A were symmetric, ..."``, which is what a student reads in the feedback.
    MatdiffError
        For bad input: the cell or the claim does not parse, or ``wrt`` names several
        variables.

    See Also
    --------
    Derivation.compare : the verdict itself.

    Examples
    --------
    >>> from matdiff_magic import assert_derivative
    >>> assert_derivative("A : q x m\\nX : m x n\\nB : q x n\\nfro(A X - B)^2", wrt="X",
    ...                   claim=r"2 A^\\top (A X - B)")
    >>> assert_derivative("x : n\\nA : n x n\\nx' A x", "x", "2 A x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: needs-symmetry: The claim would be right only if A were symmetric, ...
    """
    d = derive(cell, wrt=wrt, layout=layout, shapes=shapes, order=order)
    if isinstance(d, list):
        raise MatdiffError("assert_derivative takes one variable in wrt")
    v = d.compare(claim)
    if not v.correct:
        raise AssertionError(f"{v.diagnosis}: {v.message}")
