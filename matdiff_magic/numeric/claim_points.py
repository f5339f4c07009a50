"""The numbers a claim is judged by (SPEC §8): claim, answer and the pieces of either,
evaluated at the same few random points, and equality, multiples and relative errors between
them, measured against the size of the terms so that cancellation is not mistaken for a slip."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..algebra import expr as E
from ..errors import MatdiffError
from .values import Env, value

POINTS = 3           # random points at which claim and answer are compared
TOL = 1e-8           # relative tolerance of an equality (both sides are exact formulas)
MAX_TERMS = 64       # terms of an expanded answer or claim looked at for missing/extra terms


# --- random points ------------------------------------------------------------------------------

def draw_point(d, seed: int, dims: dict | None = None,
               descending: bool = False) -> tuple[dict, dict]:
    """A random point (values, sizes) that honours the declarations: the numerical check's
    sampler, in one call so that a shared sampler can take its place. ``descending`` sizes
    are the check's second try (log det(XᵀX) needs more rows than columns)."""
    from .check import random_values
    return random_values(d, seed, dims, descending=descending)


def general_point(d, values: dict, rng: np.random.Generator) -> dict:
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


def symmetrized(values: dict, names: tuple[str, ...]) -> dict:
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


class Points:
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
                vals = general_point(d, vals, rng)
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
            self._envs[sym] = [Env(symmetrized(vals, sym) if sym else vals, sizes)
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


def close(a: list[np.ndarray], b: list[np.ndarray], *scales: list[np.ndarray],
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


def magnitude(pts: Points, exprs: list[E.Expr]) -> list[float]:
    """The largest entry of any of the expressions, point by point."""
    out = [0.0] * len(pts.points)
    for e in exprs:
        vals = pts.values(e)
        for k, v in enumerate(vals or []):
            out[k] = max(out[k], float(np.max(np.abs(v), initial=0.0)))
    return out


def rel_error(claim: list[np.ndarray], answer: list[np.ndarray],
              floor: list[float] | None = None) -> float:
    err = 0.0
    for k, (c, a) in enumerate(zip(claim, answer)):
        if c.shape != a.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(a), initial=0.0)), floor[k] if floor else 0.0,
                    1e-300)
        err = max(err, float(np.max(np.abs(c - a), initial=0.0)) / scale)
    return err


def multiple(claim: list[np.ndarray], answer: list[np.ndarray],
             floor: list[float] | None = None) -> float | None:
    """c with claim = c · answer at every point (c ≠ 0, 1), or None."""
    a0, c0 = answer[0].reshape(-1), claim[0].reshape(-1)
    nrm = float(a0 @ a0)
    if nrm == 0.0 or np.sqrt(nrm) <= 1e-9 * (floor[0] if floor else 0.0):
        return None   # the answer is zero (up to rounding): no multiple of it is telling
    c = float(a0 @ c0) / nrm
    if c == 0.0 or abs(c - 1.0) < 1e-9:
        return None
    if not close(claim, [c * a for a in answer], floor=floor):
        return None
    frac = Fraction(c).limit_denominator(1000)
    return float(frac) if abs(float(frac) - c) <= 1e-9 * max(1.0, abs(c)) else c


def number_text(c: float) -> str:
    frac = Fraction(c).limit_denominator(1000)
    if float(frac) == c or abs(float(frac) - c) <= 1e-12 * max(1.0, abs(c)):
        return str(frac)
    return f"{c:.6g}"


def ratio(a: list[np.ndarray], b: list[np.ndarray], floor: list[float]) -> float | None:
    """c with a = c · b at every point (any c ≠ 0), or None."""
    b0, a0 = b[0].reshape(-1), a[0].reshape(-1)
    nrm = float(b0 @ b0)
    if nrm == 0.0 or np.sqrt(nrm) <= 1e-9 * floor[0]:
        return None
    c = float(b0 @ a0) / nrm
    return c if c != 0.0 and close(a, [c * x for x in b]) else None
