"""The judge for generated cases, shared by tests/test_properties.py and benchmarks/soak.py.

``judge(case)`` differentiates a generated (well-typed, valid-domain) cell, runs the
engine's numerical check, and returns an :class:`Outcome`:

* ``pass``: the check passed;
* ``excluded``: the check failed or could not run *only* because the input is numerically
  ill-conditioned at the random point. Every reason is decided from the *target* (its
  values and its finite differences), never from the engine's derivative, so a wrong
  derivative cannot be excused:

  - ``huge``: the target or its finite differences exceed 1e8, or the rounding error of
    the central difference (about eps * max|F| / h) is above a tenth of the tolerance and
    explains the discrepancy: the check's finite differences cannot resolve the derivative;
  - ``fd-unreliable``: central differences with steps 2h, h and h/2 disagree with each
    other by more than a tenth of the engine-vs-FD discrepancy, or by more than 1 %
    (truncation error, a kink, cos of a huge argument): they cannot judge the derivative;
  - ``overflow-inside``: the target is finite but computed through a non-finite
    intermediate value (1 / sigmoid(-1e6) = inf, then y / inf = 0);
  - ``not-finite``: the check finds no point where the target is defined (the target
    itself overflows or is singular at every point the check tries);
  - ``non-differentiable``: the target is finite but one-sided differences disagree
    (``abs`` at 0): there is no derivative to check;

* ``fail``: anything else: ``derive`` rejecting a generated cell, any exception other than
  ``MatdiffError``, or a check failure the reasons above do not explain.

Exclusions are counted by the callers and reported (hypothesis ``event()``, a summary line
at the end of tests/test_properties.py, the soak summary), never dropped silently.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass

import numpy as np

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.check import TOL, random_values
from matdiff_magic.numeric.values import Env, apply, value

HUGE = 1e8
EPS = np.finfo(float).eps
# the engine's check raises these (and only these) for points where the target overflows or
# a generated matrix is numerically singular: a property of the point, not of the derivative
NUMERIC_MESSAGES = ("not finite", "non-finite", "overflow", "singular",
                    "needs a positive determinant", "no random point was found")


@dataclass
class Outcome:
    status: str            # 'pass' | 'excluded' | 'fail'
    reason: str = ""       # exclusion category or failure signature
    detail: str = ""
    derivation: object = None

    @property
    def ok(self) -> bool:
        return self.status != "fail"


def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def _attempt_values(d, seed: int, attempt: int):
    """The values of the engine's check at one of its attempts (sample.find_point)."""
    try:
        from matdiff_magic.numeric.sample import draw_values
    except ImportError:   # an engine without the shared sampler
        s = [int(seed), attempt] if attempt else seed
        return random_values(d, s, descending=attempt >= 4)
    return draw_values(d, seed=seed, attempt=attempt)


def point(d, seed: int = 0):
    """The values the engine's check uses (the same attempts loop as check.run_check: the
    first attempt where the target and the derivative are finite)."""
    first = None
    for attempt in range(8):
        vals, sizes = _attempt_values(d, seed, attempt)
        if _target_finite(d, vals, sizes):
            first = first or (vals, sizes)
            if _derivative_finite(d, vals, sizes):
                return vals, sizes
    return first or (vals, sizes)


def _derivative_finite(d, vals, sizes) -> bool:
    try:
        env = Env(vals, sizes)
        with np.errstate(all="ignore"):
            if d.kind == "gradient":
                out = value(d.numerator, env)
            else:
                n = env.dim(d.wrt.shape[0]) * env.dim(d.wrt.shape[1])
                out = apply(d.numerator, np.ones((n, 1)), env)
        return bool(np.all(np.isfinite(out)))
    except MatdiffError:
        return False


def _target_finite(d, vals, sizes) -> bool:
    try:
        with np.errstate(all="ignore"):
            return bool(np.all(np.isfinite(value(d.target, Env(vals, sizes)))))
    except MatdiffError:
        return False


def target_never_finite(d, seed: int = 0) -> bool:
    """True when the target itself is undefined (overflow, singular) at every point the
    check tries: the input is ill-conditioned there, whatever the derivative."""
    return not any(_target_finite(d, *_attempt_values(d, seed, a)) for a in range(8))


def kinked(d, seed: int = 0) -> str:
    """Where the target is finite but has no derivative (|x| at 0, ...): one-sided
    differences along some coordinate disagree. Returns a description, or ''."""
    vals, sizes = point(d, seed)
    x = d.wrt
    X0 = vals[x.name]
    h = 1e-6 * max(1.0, float(np.max(np.abs(X0))))

    def F(Xv):
        with np.errstate(all="ignore"):
            return _vec(value(d.target, Env({**vals, x.name: Xv}, sizes)))

    f0 = F(X0)
    for k in range(min(X0.size, 400)):
        E = np.zeros(X0.size)
        E[k] = h
        E = E.reshape(X0.shape, order="F")
        fwd, bwd = (F(X0 + E) - f0) / h, (f0 - F(X0 - E)) / h
        if not (np.all(np.isfinite(fwd)) and np.all(np.isfinite(bwd))):
            continue
        gap = float(np.max(np.abs(fwd - bwd)))
        if gap > 1e-2 * max(1.0, float(np.max(np.abs(fwd)))):
            return (f"one-sided differences along entry {k} of {x.name} differ by {gap:.2e}: "
                    "the target has no derivative at the point")
    return ""


def intermediate_overflow(d, seed: int = 0) -> str:
    """A finite target computed through a non-finite intermediate value (1 / sigmoid(-1e6)
    = inf, then x / inf = 0): no derivative formula can be evaluated there."""
    vals, sizes = point(d, seed)
    env = Env(vals, sizes)
    try:
        with np.errstate(all="ignore"):
            value(d.target, env)
    except MatdiffError:
        return ""
    for e, v in env.memo.items():
        if not np.all(np.isfinite(v)):
            return f"the subexpression {str(e)[:80]} is not finite at the point"
    return ""


def fd_magnitude(d, seed: int = 0) -> float:
    """The largest central difference of the target at the point (inf if not finite):
    a derivative that overflows is a property of the input, not of the engine."""
    vals, sizes = point(d, seed)
    x = d.wrt
    X0 = vals[x.name]
    h = 1e-5 * max(1.0, float(np.max(np.abs(X0))))
    worst = 0.0
    for k in range(min(X0.size, 200)):
        E = np.zeros(X0.size)
        E[k] = h
        E = E.reshape(X0.shape, order="F")
        try:
            with np.errstate(all="ignore"):
                fd = (value(d.target, Env({**vals, x.name: X0 + E}, sizes))
                      - value(d.target, Env({**vals, x.name: X0 - E}, sizes))) / (2 * h)
        except MatdiffError:
            return float("inf")
        if not np.all(np.isfinite(fd)):
            return float("inf")
        worst = max(worst, float(np.max(np.abs(fd))))
    return worst


def diagnose(d, seed: int = 0) -> tuple[str | None, str]:
    """Why a failed check is not the engine's fault, or (None, summary) when it is."""
    vals, sizes = point(d, seed)
    x = d.wrt
    X0 = vals[x.name]

    def F(Xv):
        with np.errstate(all="ignore"):
            return value(d.target, Env({**vals, x.name: Xv}, sizes))

    f0 = F(X0)
    scale = max(1.0, float(np.max(np.abs(X0))))
    h = 1e-5 * scale
    gradient = d.kind == "gradient"
    n = X0.size
    fsize = f0.size
    full = fsize * n <= 40_000
    rng = np.random.default_rng([int(seed), 99])
    dirs = ([np.eye(n)[:, k].reshape(X0.shape, order="F") for k in range(n)] if full else
            [rng.standard_normal(X0.shape) for _ in range(3)])
    with np.errstate(all="ignore"):
        env = Env(vals, sizes)
        J = value(d.numerator, env) if gradient else None

        def sym_dir(V):
            if gradient:
                return np.array([np.sum(J * V)])
            return _vec(apply(d.numerator, _vec(V).reshape(-1, 1), env))

        def fd(V, step):
            return (_vec(F(X0 + step * V)) - _vec(F(X0 - step * V))) / (2 * step)

        S = np.column_stack([sym_dir(V) for V in dirs])
        D1 = np.column_stack([fd(V, h) for V in dirs])
        D2 = np.column_stack([fd(V, 2 * h) for V in dirs])
        Dh = np.column_stack([fd(V, h / 2) for V in dirs])
        fmax = max(float(np.max(np.abs(f0))),
                   max(float(np.max(np.abs(F(X0 + h * V)))) for V in dirs[:5]))
    if not (np.all(np.isfinite(D1)) and np.all(np.isfinite(S))):
        return "not-finite", "non-finite finite differences or derivative"
    denom = max(1.0, float(np.max(np.abs(D1))))
    err = float(np.max(np.abs(S - D1))) / denom
    spread = (float(np.max(np.abs(D1 - D2))) + float(np.max(np.abs(D1 - Dh)))) / denom
    rounding = 8 * EPS * max(1.0, fmax) / h / denom
    summary = (f"check error {err:.2e}, FD spread {spread:.2e}, FD rounding {rounding:.2e}, "
               f"max|F| {fmax:.2e}, max|FD| {denom:.2e}")
    if fmax > HUGE or denom > HUGE or float(np.max(np.abs(S))) > HUGE:
        return "huge", summary
    inside = intermediate_overflow(d, seed)
    if inside:
        return "overflow-inside", inside
    if rounding > TOL / 10 and err <= 100 * rounding:
        return "huge", summary
    if err <= 10 * spread or spread > 1e-2:   # the FD estimates disagree among themselves
        return "fd-unreliable", summary
    return None, summary


def signature(message: str) -> str:
    """A failure kind: the message with names and numbers blanked, so that one bug counts
    once however many cells hit it."""
    s = re.sub(r"'[^']*'", "'…'", message.split("\n")[0])
    s = re.sub(r"\d+", "#", s)
    return s[:70]


def _tb(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    return "".join(lines[-4:])[-1200:]


def judge(case, seed: int = 0) -> Outcome:
    try:
        d = derive(case.cell, wrt=case.wrt)
    except MatdiffError as exc:
        return Outcome("fail", "derive rejects a well-typed cell: " + signature(exc.message),
                       str(exc))
    except Exception as exc:  # noqa: BLE001 - anything but MatdiffError is a bug
        return Outcome("fail", f"derive raised {type(exc).__name__}",
                       _tb(exc))
    try:
        res = d.check(seed=seed)
    except MatdiffError as exc:
        # excused only when the *target* is undefined at every point the check tries; a
        # finite target with a non-finite derivative is the engine's problem
        if any(m in exc.message for m in NUMERIC_MESSAGES):
            if target_never_finite(d, seed):
                return Outcome("excluded", "not-finite", exc.message, d)
            kink = kinked(d, seed)
            if kink:
                return Outcome("excluded", "non-differentiable", kink, d)
            inside = intermediate_overflow(d, seed)
            if inside:
                return Outcome("excluded", "overflow-inside", inside, d)
            steep = fd_magnitude(d, seed)
            if not steep < HUGE:
                return Outcome("excluded", "huge", f"{exc.message}; finite differences of "
                               f"the target reach {steep:.1e}", d)
        return Outcome("fail", "check raised MatdiffError: " + signature(exc.message), str(exc), d)
    except Exception as exc:  # noqa: BLE001
        return Outcome("fail", f"check raised {type(exc).__name__}",
                       _tb(exc), d)
    if res.passed:
        return Outcome("pass", derivation=d)
    try:
        why, summary = diagnose(d, seed)
    except MatdiffError as exc:
        return Outcome("fail", "diagnosis raised MatdiffError", str(exc), d)
    if why is not None:
        return Outcome("excluded", why, summary, d)
    return Outcome("fail", "numerical check failed",
                   f"{res.text()}; {summary}; result {d.result}", d)


# --- the other properties (used by tests/test_properties.py and benchmarks/soak.py --extra) ----

def _dims_of(e, out: set) -> set:
    from matdiff_magic.algebra import expr as E
    for dd in e.shape:
        out.update(name for name, _ in dd.factors)
    if isinstance(e, E.Comm):
        out.update(name for dd in (e.r, e.c) for name, _ in dd.factors)
    for c in e.children:
        _dims_of(c, out)
    return out


def values_for(d, seed: int = 0, small: dict | None = None):
    """Values honouring the declarations (the check's own sampler, at the check's point, or
    at the given small sizes) and a size for every named dimension, including ones that only
    appear in I_n / 1_n subscripts. Returns (values, dims)."""
    if small is None:
        vals, sizes = point(d, seed)
    else:
        names = {n for s in d.cell.symbols.values() for dd in s.shape for n, _ in dd.factors}
        vals, sizes = random_values(d, seed, dims={k: v for k, v in small.items()
                                                   if k in names})
    spare = iter((3, 2, 4, 5, 6, 7, 8, 9))
    for name in sorted(_dims_of(d.result, set()) | _dims_of(d.target, set())):
        if name not in sizes:
            sizes[name] = (small or {}).get(name) or next(spare)
    return vals, dict(sizes)


def close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-8) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=rtol * scale))


class NotEvaluable(Exception):
    """The derivative is not finite at the point (an ill-conditioned case, not a bug)."""


def evaluate_at(d, vals, dims):
    try:
        with np.errstate(all="ignore"):
            J = d.evaluate(vals, dims=dims)
    except MatdiffError as exc:
        if any(m in exc.message for m in NUMERIC_MESSAGES):
            raise NotEvaluable(exc.message) from None
        raise
    if float(np.max(np.abs(J))) > HUGE if J.size else False:
        raise NotEvaluable("huge")
    return J


def roundtrip_problem(d) -> str | None:
    from matdiff_magic.lang.parse import parse_expr
    for what, e in (("target", d.cell.target), ("result", d.result)):
        text = str(e)
        back = parse_expr(text, d.cell.symbols)
        if back != e:
            return f"{what} {text!r} re-parses as {str(back)!r}"
    return None


def layout_problem(case, d, vals, dims) -> str | None:
    den = derive(case.cell, wrt=case.wrt, layout="denominator")
    J = evaluate_at(d, vals, dims)
    with np.errstate(all="ignore"):
        Jd = den.evaluate(vals, dims=dims)
    want = J if d.kind == "gradient" else J.T
    if not close(Jd, want):
        return f"numerator {d.result}; denominator {den.result}"
    return None


def numpy_problem(d, vals, dims) -> str | None:
    import inspect
    J = evaluate_at(d, vals, dims)
    import warnings
    src = d.numpy_source()
    ns: dict = {}
    with warnings.catch_warnings():   # invalid escapes are SyntaxErrors to come
        warnings.simplefilter("error")
        code = compile(src, "<numpy_source>", "exec")
    exec(code, ns)  # the test runs it; the package never does
    fn = ns["gradient" if d.kind == "gradient" else "jacobian"]
    params = inspect.signature(fn).parameters
    # positional: the variables (a keyword such as 'lambda' gets a trailing '_');
    # keyword-only: sizes that no argument fixes
    args = [vals[a if a in vals else a.rstrip("_")] for a, p in params.items()
            if p.kind is not p.KEYWORD_ONLY]
    kw = {a: dims[a.rstrip("_")] for a, p in params.items() if p.kind is p.KEYWORD_ONLY}
    with np.errstate(all="ignore"):
        G = np.asarray(fn(*args, **kw), dtype=float)
    if not close(G, J):
        return f"{'gradient' if d.kind == 'gradient' else 'jacobian'}() differs; result {d.result}"
    if d.kind == "jacobian":
        V = np.random.default_rng(1).standard_normal(vals[d.wrt.name].shape)
        with np.errstate(all="ignore"):
            jv = np.asarray(ns["jvp"](*args, V, **kw), dtype=float)
        want = (J @ V.reshape(-1, order="F")).reshape(jv.shape, order="F")
        if not close(jv, want):
            return f"jvp() differs; result {d.result}"
    return None


def sympy_problem(d, small: dict) -> str | None:
    from matdiff_magic.numeric.sympy_export import evaluate_sympy
    vals, dims = values_for(d, small=small)
    J = evaluate_at(d, vals, dims)
    Y = evaluate_sympy(d.to_sympy(), vals, dims)
    if d.kind == "gradient" and Y.size == J.size:
        Y = Y.reshape(J.shape)
    if not close(Y, J, rtol=1e-7):
        return f"SymPy value differs; result {d.result}"
    return None


def extra_problems(case, d) -> list[tuple[str, str]]:
    """(property, problem) for round trip, layout and numpy_source; exceptions count."""
    out = []
    checks = [("round trip", lambda: roundtrip_problem(d))]
    try:
        vals, dims = values_for(d)
        checks += [("layout", lambda: layout_problem(case, d, vals, dims)),
                   ("numpy_source", lambda: numpy_problem(d, vals, dims))]
    except Exception as exc:  # noqa: BLE001
        out.append(("values", f"{type(exc).__name__}: {exc}"))
    for name, fn in checks:
        try:
            problem = fn()
        except NotEvaluable:
            continue
        except Exception as exc:  # noqa: BLE001
            problem = f"{type(exc).__name__}: {signature(str(exc))}"
        if problem:
            out.append((name, problem))
    return out
