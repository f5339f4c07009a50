"""The numerical check: random instances that honour the declarations, and finite differences.

The check is independent of the symbolic result: the target F itself is evaluated at
X ± h E and compared with the derivative the engine found.

* ``full``: every column of the Jacobian (every entry of the gradient) against central
  differences along each coordinate direction E = e_k; cost 2·mn evaluations of F.
* ``directional``: three random directions V (one when the Jacobian has more than 10⁸
  entries: a wrong linear map is caught by a random direction with probability one); the
  derivative applied to vec V (matrix-free, no Kronecker product is formed) against
  (F(X + hV) - F(X - hV)) / 2h. Memory O(size of X and F), so n = 1000 is fine.

Step h = 1e-5 · max(1, max|X|) / max(1, ‖V‖∞) (central differences: truncation O(h²),
rounding O(ε/h), both far below the tolerance). The error of a comparison is
max|J - FD| / max(1, max|FD|); the check passes when it is below ``tol`` = 1e-6.

The point comes from ``sample.py``: as general as the declarations and the domain allow (a
symmetric point would hide a transposition). A point where a finite-difference step crosses
a kink of relu, step or abs (or a pole of tan) is redrawn. ``result=`` checks a candidate
derivative in place of the engine's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from .. import ops
from ..algebra import expr as E
from ..errors import MatdiffError
from .coordinates import coordinates_of
from .sample import (  # noqa: F401  (choose_sizes, _dim_names: public here too)
    ATTEMPTS,
    DEFAULT_SIZES,
    KINKED,
    MAX_ENTRIES,
    _calls,
    _dim_names,
    choose_sizes,
    draw_matrix,
    draw_values,
    find_point,
)
from .values import Env, apply, value

TOL = 1e-6
FULL_LIMIT = 40_000   # entries of the Jacobian up to which "auto" uses the full method
DIRECTIONS = 3
LARGE = 10**8         # Jacobian entries beyond which the directional check uses one direction


@dataclass
class CheckResult:
    """The outcome of a numerical check, as ``Derivation.check`` returns it.

    ``passed`` is what matters; ``str()`` of it is a one-line report, and in a notebook it
    shows as a badge.

    Attributes
    ----------
    passed : bool
        Whether every comparison was within the tolerance.
    max_abs_error : float
        The largest absolute difference from the finite differences.
    max_rel_error : float
        The error the tolerance applies to: ``max|J - FD| / max(1, max|FD|)``.
    dims : dict of str to int
        The sizes of the random point.
    seed : int
        The seed of the random point.
    method : str
        ``"full"`` or ``"directional"``.
    tol : float
        The tolerance, 1e-6.
    where : str
        For a failed check: where the largest error is (a Jacobian entry or a direction).
    evaluations : int
        How many times the target was evaluated.
    details : list of str
        Further lines of the report (the parts of a Hessian's check).
    """
    passed: bool
    max_abs_error: float
    max_rel_error: float
    dims: dict[str, int]
    seed: int
    method: str
    tol: float = TOL
    where: str = ""
    evaluations: int = 0
    details: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The one-line report: PASSED or FAILED, the error against the tolerance, the
        method, the seed and the sizes (and, for a failure, where)."""
        verdict = "PASSED" if self.passed else "FAILED"
        dims = ", ".join(f"{k}={v}" for k, v in self.dims.items()) or "no symbolic sizes"
        out = (f"numerical check {verdict}: {error_phrase(self)}; "
               f"method {self.method}, seed {self.seed}, {dims}")
        if not self.passed and self.where:
            out += f"; worst at {self.where}"
        return out

    __str__ = text

    def __repr__(self) -> str:
        return (f"CheckResult(passed={self.passed}, max_rel_error={self.max_rel_error:.2e}, "
                f"max_abs_error={self.max_abs_error:.2e}, method={self.method!r}, "
                f"seed={self.seed}, dims={self.dims})")

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#cf222e"
        label = "check passed" if self.passed else "check FAILED"
        return (f'<span class="matdiff-badge" style="background:{color};color:white;'
                f'padding:2px 8px;border-radius:10px;font-weight:bold">{label}</span> '
                f"<span>{html.escape(self.text())}</span>")

    def _repr_latex_(self) -> str:
        mark = "\\checkmark" if self.passed else "\\times"
        return (f"${mark}$ numerical check {'passed' if self.passed else 'failed'}: "
                f"max relative error ${self.max_rel_error:.1e}$")


def error_phrase(check, tolerance: bool = True) -> str:
    """The errors of a check in words. The relative error divides the largest difference by
    max(1, largest finite difference); when no finite difference exceeds 1 in size the two
    errors are the same number (when the largest is close to 1, the same to two digits): it
    is printed once, and the reason is said, rather than two equal numbers."""
    tol = f"tolerance {check.tol:.0e}" if tolerance else ""
    rel, err = check.max_rel_error, getattr(check, "max_abs_error", None)
    if err is None or f"{err:.1e}" == f"{rel:.1e}":
        note = ("absolute = relative: no finite difference exceeds 1 in size" if err == rel else
                "absolute ≈ relative: the largest finite difference is close to 1")
        return f"max error {rel:.1e} ({tol + '; ' if tol else ''}{note})"
    return (f"max relative error {rel:.1e}{f' ({tol})' if tol else ''}, "
            f"max absolute error {err:.1e}")


# --- random instances (matdiff_magic.numeric.sample) --------------------------------

def random_matrix(rng: np.random.Generator, r: int, c: int, props: set[str]) -> np.ndarray:
    """A random r x c matrix with the given properties, entries of order one."""
    return draw_matrix(rng, r, c, props)


def random_values(derivation, seed: int = 0, dims: dict[str, int] | None = None,
                  values: dict | None = None, descending: bool = False
                  ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Random values for every symbol of the target, honouring the declared properties and
    the domain, otherwise general (the first attempt of the check; see sample.draw_values)."""
    return draw_values(derivation, dims, seed, values, level=0, descending=descending)


# --- the check ----------------------------------------------------------------------------------

def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def candidate_numerator(derivation, result) -> E.Expr:
    """A candidate derivative (an Expr, or text in the cell language with the cell's
    symbols), given in the derivation's layout like ``d.result``, as the numerator-layout
    form the check compares (``d.numerator``)."""
    if isinstance(result, str):
        from ..lang.parse import parse_expr
        text = result
        try:
            result = parse_expr(text, dict(derivation.cell.symbols))
        except MatdiffError as exc:
            raise MatdiffError(f"the candidate result does not parse: {exc.message}") from None
    if not isinstance(result, E.Expr):
        raise MatdiffError(f"result must be an expression or its text, got "
                           f"{type(result).__name__}")
    want = derivation.result.shape
    if tuple(result.shape) != tuple(want):
        from ..dims import shape_str
        raise MatdiffError(f"the candidate result is {shape_str(result.shape)}, but the "
                           f"derivative is {shape_str(want)}")
    if derivation.result is derivation.numerator or derivation.result == derivation.numerator:
        return result
    return E.transpose(result)   # denominator layout: the check compares Jacobians


def run_check(derivation, seed: int = 0, dims: dict[str, int] | None = None,
              method: str = "auto", values: dict | None = None,
              tol: float = TOL, result=None) -> CheckResult:
    """Check ``derivation`` (or the candidate ``result`` in its place, see
    :func:`candidate_numerator`) against central finite differences of the target."""
    try:
        return _run_check(derivation, seed, dims, method, values, tol, result)
    except MemoryError:
        raise MatdiffError("not enough memory for the check at these sizes: give smaller "
                           "dims or use method='directional'") from None


def _run_check(derivation, seed: int, dims: dict[str, int] | None, method: str,
               values: dict | None, tol: float, result=None) -> CheckResult:
    if method not in ("auto", "full", "directional"):
        raise MatdiffError(f"method must be 'auto', 'full' or 'directional', got {method!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    numerator = derivation.numerator if result is None else \
        candidate_numerator(derivation, result)
    fixed = values is not None and set(values) >= set(derivation.cell.symbols)
    start = 0
    while True:
        point = _point(derivation, numerator, seed, dims, method, values, start)
        out, crossed = _compare(derivation, numerator, point, seed, method, tol)
        if not crossed:
            return out
        start = point.attempt + 1
        if fixed or start >= ATTEMPTS:
            raise MatdiffError(f"the finite differences cross the kink of {crossed} at "
                               + ("these values" if fixed else "every point tried") +
                               ": its derivative jumps there; give other values or smaller "
                               "dims")


def _point(derivation, numerator, seed, dims, method, values, start):
    """The first point where the target and the derivative are finite (sample.find_point)."""
    x, f = derivation.wrt, derivation.target

    def large(env: Env) -> bool:
        n_x = env.dim(x.shape[0]) * env.dim(x.shape[1])
        return method != "full" and n_x * env.dim(f.shape[0]) * env.dim(f.shape[1]) > LARGE

    def derivative_finite(env: Env) -> bool:
        # the derivative must be defined there too (e.g. no singular XᵀX); the values are
        # memoized in env, which the symbolic side reuses
        n_x = env.dim(x.shape[0]) * env.dim(x.shape[1])
        with np.errstate(all="ignore"):
            if derivation.kind == "gradient":
                d_at = value(numerator, env)
            else:
                d_at = apply(numerator, np.ones((env.dim(numerator.shape[1]), 1)), env) \
                    if n_x <= 10_000 else np.zeros(1)   # large: the check itself tells
        return bool(np.all(np.isfinite(d_at)))

    # large: F(X ± hV) below shows whether F is defined; no extra evaluation
    first = find_point(derivation, seed, dims, values, start=start, evaluate=False)
    if large(first.env):
        return first
    return find_point(derivation, seed, dims, values, start=start, accept=derivative_finite)


def _compare(derivation, numerator, point, seed, method, tol):
    """The comparison at one point: (CheckResult, '' or the kinked call a step crossed)."""
    x = derivation.wrt
    f = derivation.target
    vals, sizes, env = point.values, point.sizes, point.env
    X0 = vals[x.name]
    coords = coordinates_of(derivation, X0)   # vec X, or the free entries: vech X, diag X
    v0 = coords.from_matrix(X0)
    fr, fc = env.shape(f)
    jac_entries = fr * fc * v0.size
    if method == "auto":
        method = "full" if jac_entries <= FULL_LIMIT else "directional"
    if method == "full" and jac_entries > 50 * FULL_LIMIT:
        raise MatdiffError(f"the full Jacobian would have {jac_entries:,} entries: use "
                           "method='directional' (or 'auto') at these sizes")
    kinks = _calls(f, KINKED)   # calls with kinks or poles (the registry's ``sides``)
    crossed: list[str] = []

    def sides(a: np.ndarray, name: str) -> np.ndarray:
        return ops.get(name).sides(a)

    base = {}
    if kinks:
        with np.errstate(all="ignore"):
            base = {k: sides(value(k.arg, env), k.name) for k in kinks}

    def F(v: np.ndarray) -> np.ndarray:   # the target at the point with coordinates v
        e2 = Env({**vals, x.name: coords.to_matrix(v)}, sizes)
        with np.errstate(all="ignore"):
            out = value(f, e2)
            for k in kinks:   # a step across a kink (or a pole of tan): not a derivative
                if not crossed and np.any(sides(value(k.arg, e2), k.name) != base[k]):
                    crossed.append(str(k))
        return out

    scale = max(1.0, float(np.max(np.abs(X0))) if X0.size else 1.0)
    gradient = derivation.kind == "gradient"
    result = CheckResult(False, 0.0, 0.0, {k: sizes[k] for k in sizes}, int(seed), method,
                         tol)
    worst = (-1.0, "")
    if method == "full":
        with np.errstate(all="ignore"):
            J = value(numerator, env) if gradient else apply(numerator, np.eye(v0.size), env)
        h = 1e-5 * scale
        cols = np.empty((fr * fc, v0.size))
        for k in range(v0.size):
            Ek = np.zeros(v0.size)
            Ek[k] = h
            cols[:, k] = (_vec(F(v0 + Ek)) - _vec(F(v0 - Ek))) / (2 * h)
        fd = cols.reshape(coords.gradient_shape, order="F") if gradient else cols
        result.evaluations = 2 * v0.size
        diff = np.abs(J - fd)
        denom = max(1.0, float(np.max(np.abs(fd))))
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        idx = tuple(int(v) for v in idx)
        where = (f"gradient entry {idx}" if gradient else
                 f"Jacobian entry (row {idx[0]} of vec {derivation.name}, column {idx[1]} of "
                 f"{'vec ' + x.name if coords.kind == 'vec' else derivation.wrt_spec})")
        worst = (float(diff.max()) if diff.size else 0.0, where)
        result.max_abs_error = worst[0]
        result.max_rel_error = worst[0] / denom
    else:
        rng = np.random.default_rng([int(seed), 7])
        senv = env   # constant subexpressions are computed once
        rel = 0.0
        n_dir = DIRECTIONS if jac_entries <= LARGE else 1
        for t in range(n_dir):
            V = rng.standard_normal(coords.gradient_shape)
            V /= max(1.0, float(np.max(np.abs(V))))
            h = 1e-5 * scale
            with np.errstate(all="ignore"):
                fd = (F(v0 + h * _vec(V)) - F(v0 - h * _vec(V))) / (2 * h)
                if gradient:
                    G = value(numerator, senv)
                    sym = np.array([[np.sum(G * V)]])
                else:
                    sym = apply(numerator, _vec(V).reshape(-1, 1), senv)
                    sym = sym.reshape(fd.shape, order="F")
            diff = np.abs(sym - fd)
            err = float(diff.max()) if diff.size else 0.0
            denom = max(1.0, float(np.max(np.abs(fd))))
            if err / denom > rel:
                rel = err / denom
                i = np.unravel_index(int(np.argmax(diff)), diff.shape)
                worst = (err, f"direction {t + 1}, entry {tuple(int(v) for v in i)} of "
                              f"d{derivation.name}")
            result.max_abs_error = max(result.max_abs_error, err)
        result.evaluations = 2 * n_dir
        result.max_rel_error = rel
    if crossed:
        return result, crossed[0]
    if not np.isfinite(result.max_rel_error):
        raise MatdiffError("the check produced non-finite numbers: the target overflows at "
                           "the random point (try smaller dims or give values)")
    result.where = worst[1]
    result.passed = bool(result.max_rel_error < tol)
    return result, ""
