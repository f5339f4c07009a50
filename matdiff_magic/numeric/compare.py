"""Checking a claimed answer (SPEC §8): is it the derivative, and if not, what is the slip?

A claim is a second target: it is parsed with the cell's symbols (plain or LaTeX), in the
derivation's layout, and evaluated next to the engine's answer at a few random points that
honour the declarations and are otherwise general (never symmetric unless declared: a
symmetric point hides a transposition). The first diagnosis that holds is reported, in this
order:

* ``transposed``: the claim is the answer's transpose, usually another layout's answer;
* ``scaled``: a constant multiple (−1 included);
* ``missing-term`` / ``extra-term``: the answer minus one of its terms, or plus one term;
* ``needs-symmetry``: equal only if some symbols were symmetric;
* ``shape``: a shape that is neither the answer's nor its transpose's;
* ``wrong``: none of these.

A claim that is transposed *and* has one of the later slips is reported as ``transposed``
with the other slip in the message and in ``factor`` / ``term`` / ``symbols``.
Equivalent forms are never penalised: the judgement is numerical (after a symbolic shortcut
when the canonical forms already print the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np

from ..algebra import expr as E
from ..algebra.simplify import simplify
from ..errors import MatdiffError
from ..lang.claim import parse_claim
from ..render import to_unicode
from .values import Env, value

POINTS = 3           # random points at which claim and answer are compared
TOL = 1e-8           # relative tolerance of an equality (both sides are exact formulas)
MAX_TERMS = 64       # terms of an expanded answer or claim looked at for missing/extra terms
MAX_SUBSETS = 64     # subsets of symbols tried for needs-symmetry
DIAGNOSES = ("correct", "transposed", "scaled", "missing-term", "extra-term", "needs-symmetry",
             "shape", "wrong")


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
        transpose; the message says which layout it is), ``"scaled"``, ``"missing-term"``,
        ``"extra-term"``, ``"needs-symmetry"``, ``"shape"``, ``"wrong"``.
    message : str
        One or two sentences for a student, naming the slip.
    factor : float or None
        For ``"scaled"``: the claim is ``factor`` times the answer (-1 included).
    term : str or None
        For ``"missing-term"`` / ``"extra-term"``: the term, in the cell language.
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


# --- random points ------------------------------------------------------------------------------

def draw_point(d, seed: int, dims: dict | None = None,
               descending: bool = False) -> tuple[dict, dict]:
    """A random point (values, sizes) that honours the declarations: the numerical check's
    sampler, in one call so that a shared sampler can take its place. ``descending`` sizes
    are the check's second try (log det(XᵀX) needs more rows than columns)."""
    from .check import random_values
    return random_values(d, seed, dims, descending=descending)


def _general(d, values: dict, rng: np.random.Generator) -> dict:
    """Break symmetry the declarations do not ask for. A sampler may draw an spd matrix for a
    log det or an inverse; adding a skew-symmetric part keeps the symmetric part (so det > 0
    and invertibility) while making a transposition visible."""
    out = dict(values)
    for name, s in d.cell.symbols.items():
        a = out.get(name)
        if a is None or a.shape[0] != a.shape[1] or a.shape[0] < 2:
            continue
        if s.props & {"symmetric", "spd", "diagonal", "orthogonal"}:
            continue
        if np.allclose(a, a.T, atol=1e-12 * max(1.0, float(np.max(np.abs(a))))):
            k = rng.standard_normal(a.shape) / (2 * np.sqrt(a.shape[0]))
            out[name] = a + (k - k.T) / 2
    return out


def _symmetrized(values: dict, names: tuple[str, ...]) -> dict:
    out = dict(values)
    for n in names:
        out[n] = (out[n] + out[n].T) / 2
    return out


# --- terms --------------------------------------------------------------------------------------

def terms(e: E.Expr, budget: list[int] | None = None) -> list[E.Expr]:
    """e as a sum of terms: products, Kronecker and Hadamard products and transposes are
    distributed over sums ((A + Aᵀ)x = Ax + Aᵀx); functions are left whole."""
    budget = [MAX_TERMS * 4] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        return [e]
    if isinstance(e, E.Add):
        return [t for a in e.args for t in terms(a, budget)]
    if isinstance(e, E.Transpose):
        return [E.transpose(t) for t in terms(e.arg, budget)]
    if isinstance(e, (E.Mul, E.Kron, E.Hadamard)):
        out: list[list[E.Expr]] = [[]]
        for a in e.args:
            ts = terms(a, budget)
            if len(out) * len(ts) > MAX_TERMS:
                return [e]
            out = [left + [t] for left in out for t in ts]
        build = {E.Mul: E.mul, E.Kron: E.kron, E.Hadamard: E.hadamard}[type(e)]
        return [build(*f) for f in out]
    return [e]


# --- the judgement ------------------------------------------------------------------------------

class _Points:
    """Claim and answer (and other expressions) evaluated at the same random points."""

    def __init__(self, d, seed: int, dims: dict | None, exprs: list[E.Expr]) -> None:
        self.d = d
        self.points: list[tuple[dict, dict]] = []
        problem: Exception | None = None
        rng = np.random.default_rng([int(seed), 11])
        for k in range(4 * POINTS):
            if len(self.points) == POINTS:
                break
            try:
                vals, sizes = draw_point(d, int(seed) + k, dims, descending=k >= 2 * POINTS)
                vals = _general(d, vals, rng)
                if all(np.all(np.isfinite(self._eval(e, vals, sizes))) for e in exprs):
                    self.points.append((vals, sizes))
            except MatdiffError as exc:
                problem = exc
        if not self.points:
            raise MatdiffError("no random point was found where the answer is defined"
                               + (f" ({problem.message})" if problem else ""))
        # one environment per point (and per set of symmetrized symbols): the values of
        # shared subexpressions of answer, claim and their terms are computed once
        self._envs: dict[tuple[str, ...], list[Env]] = {}

    @staticmethod
    def _eval(e: E.Expr, vals: dict, sizes: dict) -> np.ndarray:
        with np.errstate(all="ignore"):
            return value(e, Env(vals, sizes))

    def envs(self, sym: tuple[str, ...] = ()) -> list[Env]:
        if sym not in self._envs:
            self._envs[sym] = [Env(_symmetrized(vals, sym) if sym else vals, sizes)
                               for vals, sizes in self.points]
        return self._envs[sym]

    def values(self, e: E.Expr, sym: tuple[str, ...] = ()) -> list[np.ndarray] | None:
        """e at every point (with the named symbols made symmetric); None where undefined."""
        out = []
        for env in self.envs(sym):
            try:
                with np.errstate(all="ignore"):
                    v = value(e, env)
            except MatdiffError:
                return None
            if not np.all(np.isfinite(v)):
                return None
            out.append(v)
        return out


def _close(a: list[np.ndarray], b: list[np.ndarray], *scales: list[np.ndarray],
           floor: list[float] | None = None) -> bool:
    """a = b at every point, relative to the size of a, b and the other arrays given (the
    pieces a difference was made of) and to ``floor`` (the size of the terms of answer and
    claim), so that cancellation is not mistaken for a slip."""
    for k, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            return False
        scale = max([float(np.max(np.abs(z[k]), initial=0.0)) for z in (a, b, *scales)]
                    + [floor[k] if floor else 0.0])
        if float(np.max(np.abs(x - y), initial=0.0)) > TOL * max(scale, 1e-300):
            return False
    return True


def _magnitude(pts: _Points, exprs: list[E.Expr]) -> list[float]:
    """The largest entry of any of the expressions, point by point."""
    out = [0.0] * len(pts.points)
    for e in exprs:
        vals = pts.values(e)
        for k, v in enumerate(vals or []):
            out[k] = max(out[k], float(np.max(np.abs(v), initial=0.0)))
    return out


def _rel_error(claim: list[np.ndarray], answer: list[np.ndarray],
               floor: list[float] | None = None) -> float:
    err = 0.0
    for k, (c, a) in enumerate(zip(claim, answer)):
        if c.shape != a.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(a), initial=0.0)), floor[k] if floor else 0.0,
                    1e-300)
        err = max(err, float(np.max(np.abs(c - a), initial=0.0)) / scale)
    return err


def _factor(claim: list[np.ndarray], answer: list[np.ndarray],
            floor: list[float] | None = None) -> float | None:
    """c with claim = c · answer at every point (c ≠ 0, 1), or None."""
    a0, c0 = answer[0].reshape(-1), claim[0].reshape(-1)
    nrm = float(a0 @ a0)
    if nrm == 0.0 or np.sqrt(nrm) <= 1e-9 * (floor[0] if floor else 0.0):
        return None   # the answer is zero (up to rounding): no multiple of it is telling
    c = float(a0 @ c0) / nrm
    if c == 0.0 or abs(c - 1.0) < 1e-9:
        return None
    if not _close(claim, [c * a for a in answer], floor=floor):
        return None
    frac = Fraction(c).limit_denominator(1000)
    return float(frac) if abs(float(frac) - c) <= 1e-9 * max(1.0, abs(c)) else c


def _number(c: float) -> str:
    frac = Fraction(c).limit_denominator(1000)
    if float(frac) == c or abs(float(frac) - c) <= 1e-12 * max(1.0, abs(c)):
        return str(frac)
    return f"{c:.6g}"


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
    """Judge a claimed derivative against the derivation ``d`` (see the module docstring)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    if dims is not None:   # bad sizes are the caller's error, not the random point's
        from .check import choose_sizes
        choose_sizes(d.cell.symbols, dims, d.target)
    c = parse_claim(claim, d)
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
        return verdict("shape", f"The claim is {_shape_text(c.shape)}, but the answer is "
                       f"{_shape_text(answer.shape)} ({_what(d)}).", float("inf"))
    if same_shape and str(simplify(c)) == str(answer):
        return verdict("correct", "Correct: the claim is the answer, written the same way.")

    claim_terms = terms(c)
    pts = _Points(d, seed, dims, [answer])
    floor = _magnitude(pts, terms(answer) + claim_terms)
    A = pts.values(answer)
    C = pts.values(c)
    if C is None:
        return verdict("wrong", "The claim is not defined at random points where the answer "
                       "is (a log or square root of a negative entry, or a singular matrix "
                       "that the answer does not invert).", float("inf"))
    At = [a.T for a in A]
    if same_shape and _close(C, A, floor=floor):
        return verdict("correct", "Correct: the claim equals the answer at random points "
                       "that honour the declarations.", _rel_error(C, A, floor))
    err = _rel_error(C, A, floor) if same_shape else _rel_error(C, At, floor)
    if t_shape and _close(C, At, floor=floor):
        return verdict("transposed", f"The claim is the transpose of the answer: "
                       f"{_layout_note(d)}.", err)

    orientations = ([("", A, answer)] if same_shape else []) + \
        ([("transposed", At, E.transpose(answer))] if t_shape else [])
    for how, ref, ref_expr in orientations:
        slip = _slip(d, pts, C, ref, ref_expr, claim_terms, c, floor)
        if slip is None:
            continue
        diagnosis, message, kw = slip
        if how:
            message = (f"The claim is transposed ({_layout_note(d)}), and after transposing: "
                       + message[0].lower() + message[1:])
            diagnosis = "transposed"
        return verdict(diagnosis, message, err, **kw)
    return verdict("wrong", f"The claim differs from the answer at random points (relative "
                   f"error {err:.2g}); it is not a transpose, a multiple, a missing or extra "
                   f"term, or a symmetry assumption away from it.", err)


def _what(d) -> str:
    x, n = d.wrt.name, d.name
    if d.kind == "gradient":
        if d.layout == "numerator":
            return f"the transposed gradient ∂{n}/∂{x}ᵀ, numerator layout"
        return f"the gradient ∂{n}/∂{x}, shaped like {x}, {d.layout} layout"
    if d.layout == "denominator":
        return f"the transposed Jacobian ∂(vec {n})ᵀ/∂vec {x}, denominator layout"
    return f"the Jacobian ∂vec {n}/∂(vec {x})ᵀ, {d.layout} layout"


def _slip(d, pts: _Points, C, ref, ref_expr: E.Expr, claim_terms, claim: E.Expr,
          floor: list[float]):
    """The first of scaled, missing-term, extra-term, needs-symmetry that explains C = ref."""
    f = _factor(C, ref, floor)
    if f is not None:
        what = "the sign is wrong" if f == -1 else f"it is off by a factor {_number(f)}"
        return "scaled", f"The claim is {_number(f)} times the answer: {what}.", {"factor": f}
    for t, T in _term_values(pts, terms(ref_expr), floor):
        if _close(C, [r - v for r, v in zip(ref, T)], ref, T, floor=floor):
            return ("missing-term", f"A term is missing: {to_unicode(t)}.",
                    {"term": str(t)})
    for t, T in _term_values(pts, claim_terms, floor):
        if _close([c - v for c, v in zip(C, T)], ref, C, T, floor=floor):
            return ("extra-term", f"The claim has a term too many: {to_unicode(t)}.",
                    {"term": str(t)})
    names = _candidates(d, claim)
    tried = 0
    for k in range(1, len(names) + 1):
        for subset in combinations(names, k):
            tried += 1
            if tried > MAX_SUBSETS:
                return None
            R = pts.values(ref_expr, subset)
            Cs = pts.values(claim, subset)
            if R is not None and Cs is not None and _close(Cs, R, floor=floor):
                which = ", ".join(subset)
                return ("needs-symmetry", f"The claim would be right only if {which} were "
                        f"symmetric, and the cell does not declare {'them' if k > 1 else 'it'} "
                        "so.", {"symbols": subset})
    return None


def _term_values(pts: _Points, ts: list[E.Expr],
                 floor: list[float]) -> list[tuple[E.Expr, list[np.ndarray]]]:
    """Each term with its values, then each group of terms that are multiples of one another
    (x' ⊗ x and x xᵀ are one term 2 x xᵀ to a reader), written as a multiple of its shortest
    member."""
    vals = [(simplify(t), pts.values(t)) for t in ts]
    vals = [(t, v) for t, v in vals if v is not None]
    out = list(vals)
    seen: set[int] = set()
    for i, (ti, vi) in enumerate(vals):
        if i in seen:
            continue
        group = [(ti, vi, 1.0)]
        for j in range(i + 1, len(vals)):
            tj, vj = vals[j]
            c = _ratio(vj, vi, floor)
            if c is not None:
                group.append((tj, vj, c))
                seen.add(j)
        if len(group) < 2:
            continue
        total = [sum(v[k] for _, v, _ in group) for k in range(len(vi))]
        rep, _, c_rep = min(group, key=lambda g: len(str(g[0])))
        coef = Fraction(sum(c for _, _, c in group) / c_rep).limit_denominator(1000)
        expr = E.scale(coef, rep) if _close([float(coef) * r for r in pts.values(rep)],
                                            total, floor=floor) else \
            E.add(*(g[0] for g in group))
        out.append((expr, total))
    return out


def _ratio(a: list[np.ndarray], b: list[np.ndarray], floor: list[float]) -> float | None:
    """c with a = c · b at every point (any c ≠ 0), or None."""
    b0, a0 = b[0].reshape(-1), a[0].reshape(-1)
    nrm = float(b0 @ b0)
    if nrm == 0.0 or np.sqrt(nrm) <= 1e-9 * floor[0]:
        return None
    c = float(b0 @ a0) / nrm
    return c if c != 0.0 and _close(a, [c * x for x in b]) else None


def _candidates(d, claim: E.Expr) -> list[str]:
    """Square symbols, not declared symmetric, that appear in the target or the claim."""
    used: list[str] = []

    def walk(e: E.Expr) -> None:
        if isinstance(e, E.Sym) and e.name not in used:
            used.append(e.name)
        for ch in e.children:
            walk(ch)
    walk(d.target)
    walk(claim)
    out = []
    for name in d.cell.symbols:
        s = d.cell.symbols[name]
        if name in used and s.shape[0] == s.shape[1] and not s.shape[0].is_one and \
                not s.props & {"symmetric", "spd", "diagonal", "orthogonal"}:
            out.append(name)
    return out


def verdict_text(v: Verdict) -> str:
    """One line for text output: the verdict, then the message."""
    head = "claim correct" if v.correct else f"claim {v.diagnosis.upper()}"
    return f"{head} ({v.claim}): {v.message}"
