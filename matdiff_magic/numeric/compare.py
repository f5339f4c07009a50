"""Checking a claimed answer (SPEC §8): is it the derivative, and if not, what is the slip?

A claim is a second target: it is parsed with the cell's symbols (plain or LaTeX), in the
derivation's layout, and evaluated next to the engine's answer at a few random points that
honour the declarations and are otherwise general (never symmetric unless declared: a
symmetric point hides a transposition). The first diagnosis that holds is reported, in this
order:

* ``transposed``: the claim is the answer's transpose, usually another layout's answer;
* ``scaled``: a constant multiple (−1 included);
* ``sign``: one term of the answer with its sign flipped;
* ``swapped-kronecker``: a Kronecker product of the claim with its factors swapped;
* ``missing-factor``: the answer with one factor of a product left out (a forgotten
  chain-rule factor); it may explain a claim of another shape too;
* ``missing-term`` / ``extra-term``: the answer minus one of its terms, or plus one term;
* ``needs-symmetry``: equal only if some symbols were symmetric;
* ``shape``: a shape that is neither the answer's nor its transpose's;
* ``wrong``: none of these.

``judge`` (what the notebook and the stepper call) also turns a claim that is not
well-formed (it does not parse, names what the cell does not have, or multiplies
non-conformable shapes) into a verdict, ``not-well-formed``, whose message has the caret.

A claim that is transposed *and* has one of the later slips is reported as ``transposed``
with the other slip in the message and in ``factor`` / ``term`` / ``symbols``.
Equivalent forms are never penalised: the judgement is numerical (after a symbolic shortcut
when the canonical forms already print the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..algebra import expr as E
from ..algebra.simplify import simplify
from ..errors import MatdiffError
from ..lang.claim import parse_claim
from ..render import to_unicode
from .claim_points import Points, close, draw_point, magnitude, rel_error, terms
from .slips import find_slip, missing_factor

__all__ = ["DIAGNOSES", "NOT_WELL_FORMED", "Verdict", "compare", "draw_point", "judge",
           "verdict_text"]

DIAGNOSES = ("correct", "transposed", "scaled", "sign", "swapped-kronecker", "missing-factor",
             "missing-term", "extra-term", "needs-symmetry", "shape", "wrong")
NOT_WELL_FORMED = "not-well-formed"   # judge's verdict on a claim that does not parse


@dataclass(frozen=True)
class Verdict:
    """The judgement of a claimed derivative, as ``Derivation.compare`` returns it.

    ``correct`` and ``message`` are what matter; ``str()`` of a verdict is a one-line report
    (``claim NEEDS-SYMMETRY (2 Ax): ...``), and in a notebook it shows as a badge.

    Attributes
    ----------
    correct : bool
        Whether the claim is the derivative (in any equivalent form).
    diagnosis : str
        ``"correct"`` or the first slip that holds of: ``"transposed"`` (the answer's
        transpose; the message says which layout it is), ``"scaled"``, ``"sign"``,
        ``"swapped-kronecker"``, ``"missing-factor"``, ``"missing-term"``,
        ``"extra-term"``, ``"needs-symmetry"``, ``"shape"``, ``"wrong"``; from ``judge``
        also ``"not-well-formed"`` (the claim does not parse: the message has the caret).
    message : str
        One or two sentences for a student, naming the slip.
    factor : float or None
        For ``"scaled"``: the claim is ``factor`` times the answer (-1 included).
    term : str or None
        What the slip is about, in the cell language: the missing or extra term, the term
        whose sign is flipped (``"sign"``), the factor left out (``"missing-factor"``), the
        claim's Kronecker product that is the wrong way round (``"swapped-kronecker"``).
    symbols : tuple of str
        For ``"needs-symmetry"``: the symbols that would have to be symmetric.
    max_rel_error : float
        The largest relative difference between claim and answer at the random points.
    claim : str
        The claim as given.
    layout : str
        The layout the claim was judged in.
    """
    correct: bool
    diagnosis: str
    message: str
    factor: float | None = None
    term: str | None = None
    symbols: tuple[str, ...] = ()
    max_rel_error: float = 0.0
    claim: str = ""
    layout: str = "mixed"

    def __str__(self) -> str:
        return verdict_text(self)

    def _repr_html_(self) -> str:
        from ..render.badge import verdict_badge_html
        return verdict_badge_html(self)


# --- the judgement ------------------------------------------------------------------------------

def _shape_text(shape) -> str:
    r, c = shape
    return "scalar (1×1)" if r.is_one and c.is_one else f"{r.pretty()}×{c.pretty()}"


def _layout_note(d) -> str:
    """Which layout the transposed claim is in (SPEC §2)."""
    x = d.wrt.name
    if d.kind == "gradient":
        if d.layout == "numerator":
            return (f"it is the gradient shaped like {x}, the mixed and denominator layouts' "
                    f"answer; in the numerator layout it is transposed")
        return (f"it is the numerator layout's answer (Gᵀ, as Minka writes it); in the "
                f"{d.layout} layout the gradient is shaped like {x}")
    if d.layout == "denominator":
        return ("it is the Jacobian J of the mixed and numerator layouts; the denominator "
                "layout shows Jᵀ")
    return (f"it is the denominator layout's answer (Jᵀ); the {d.layout} layout shows "
            f"J = ∂vec {d.name}/∂(vec {x})ᵀ")


def compare(d, claim: str, seed: int = 0, dims: dict | None = None) -> Verdict:
    """Judge a claimed derivative against the derivation ``d`` (see the module docstring);
    MatdiffError with a caret when the claim does not parse."""
    _arguments(d, seed, dims)
    return _judge(d, parse_claim(claim, d), seed, dims)


def judge(d, claim: str, seed: int = 0, dims: dict | None = None) -> Verdict:
    """``compare``, except that a claim that does not parse, uses a symbol the cell does not
    have or is not conformable is a verdict too: ``not-well-formed``, its message the error
    with the caret under the claim, so that a notebook shows the derivation beside it."""
    _arguments(d, seed, dims)
    try:
        c = parse_claim(claim, d)
    except MatdiffError as exc:
        return Verdict(False, NOT_WELL_FORMED, f"The claim is not well-formed: {exc}",
                       claim=claim if isinstance(claim, str) else repr(claim),
                       layout=d.layout, max_rel_error=float("inf"))
    return _judge(d, c, seed, dims)


def _arguments(d, seed, dims) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    if dims is not None:   # bad sizes are the caller's error, not the random point's
        from .check import choose_sizes
        choose_sizes(d.cell.symbols, dims, d.target)


def _judge(d, c: E.Expr, seed: int, dims: dict | None) -> Verdict:
    answer = d.result
    if isinstance(c, E.Num) and c.value == 0:   # "0": the zero of the answer's shape
        c = E.zero(answer.shape)
    shown = to_unicode(c)
    base = {"claim": shown, "layout": d.layout}

    def verdict(diagnosis: str, message: str, err: float = 0.0, **kw) -> Verdict:
        return Verdict(diagnosis == "correct", diagnosis, message, max_rel_error=err,
                       **base, **kw)

    same_shape = all(a == b for a, b in zip(c.shape, answer.shape))
    t_shape = all(a == b for a, b in zip(c.shape, answer.shape[::-1]))
    if not (same_shape or t_shape):
        wrong_shape = (f"The claim is {_shape_text(c.shape)}, but the answer is "
                       f"{_shape_text(answer.shape)} ({_what(d)})")
        slip = _factor_of_another_shape(d, c, seed, dims)
        if slip is not None:
            return verdict(slip[0], f"{wrong_shape}. {slip[1]}", float("inf"), **slip[2])
        return verdict("shape", f"{wrong_shape}.", float("inf"))
    if same_shape and str(simplify(c)) == str(answer):
        return verdict("correct", "Correct: the claim is the answer, written the same way.")

    claim_terms = terms(c)
    pts = Points(d, seed, dims, [answer])
    floor = magnitude(pts, terms(answer) + claim_terms)
    A = pts.values(answer)
    C = pts.values(c)
    if C is None:
        return verdict("wrong", "The claim is not defined at random points where the answer "
                       "is (a log or square root of a negative entry, or a singular matrix "
                       "that the answer does not invert).", float("inf"))
    At = [a.T for a in A]
    if same_shape and close(C, A, floor=floor):
        return verdict("correct", "Correct: the claim equals the answer at random points "
                       "that honour the declarations.", rel_error(C, A, floor))
    err = rel_error(C, A, floor) if same_shape else rel_error(C, At, floor)
    if t_shape and close(C, At, floor=floor):
        return verdict("transposed", f"The claim is the transpose of the answer: "
                       f"{_layout_note(d)}.", err)

    orientations = ([("", A, answer)] if same_shape else []) + \
        ([("transposed", At, E.transpose(answer))] if t_shape else [])
    for how, ref, ref_expr in orientations:
        slip = find_slip(d, pts, C, ref, ref_expr, claim_terms, c, floor)
        if slip is None:
            continue
        diagnosis, message, kw = slip
        if how:
            message = (f"The claim is transposed ({_layout_note(d)}), and after transposing: "
                       + message[0].lower() + message[1:])
            diagnosis = "transposed"
        return verdict(diagnosis, message, err, **kw)
    return verdict("wrong", f"The claim differs from the answer at random points (relative "
                   f"error {err:.2g}); it is not a transpose, a multiple, a sign, a swap of "
                   f"Kronecker factors, a missing factor, a missing or extra term, or a "
                   f"symmetry assumption away from it.", err)


def _factor_of_another_shape(d, c: E.Expr, seed: int, dims: dict | None):
    """missing-factor for a claim whose shape is neither the answer's nor its transpose's:
    the answer (or its transpose) without one factor has the claim's shape and value."""
    answer = d.result
    try:
        pts = Points(d, seed, dims, [answer])
    except MatdiffError:
        return None
    C = pts.values(c)
    if C is None:
        return None
    floor = magnitude(pts, terms(answer) + terms(c))
    for ref_expr in (answer, E.transpose(answer)):
        ref = pts.values(ref_expr)
        slip = missing_factor(pts, C, ref, ref_expr, c, [], floor) if ref else None
        if slip is not None:
            return slip
    return None


def _what(d) -> str:
    x, n = d.wrt.name, d.name
    if d.kind == "gradient":
        if d.layout == "numerator":
            return f"the transposed gradient ∂{n}/∂{x}ᵀ, numerator layout"
        return f"the gradient ∂{n}/∂{x}, shaped like {x}, {d.layout} layout"
    if d.layout == "denominator":
        return f"the transposed Jacobian ∂(vec {n})ᵀ/∂vec {x}, denominator layout"
    return f"the Jacobian ∂vec {n}/∂(vec {x})ᵀ, {d.layout} layout"


def verdict_text(v: Verdict) -> str:
    """One line for text output: the verdict, then the message."""
    head = "claim correct" if v.correct else f"claim {v.diagnosis.upper()}"
    return f"{head} ({v.claim}): {v.message}"
