"""Random points for the numerical checks: as general as the declarations and the domain allow.

A point more special than it must be hides mistakes: at a symmetric X, X⁻¹ = X⁻ᵀ, and a
transposition slip passes every comparison made there. So every symbol is drawn as a
*general* matrix (dense, not symmetric, entries of both signs, small unequal sizes) unless

* its declaration says otherwise: ``symmetric``, ``spd``, ``orthogonal``, ``diagonal``,
  ``invertible`` (well conditioned), ``positive`` (entries > 0), or
* the target's domain needs it where the symbol is *itself* the argument (up to transposes
  and vec), as the registry entry of the call says (``Op.domain``, see :func:`domain_needs`):
  positive entries (log, sqrt, and fractional powers); entries away from 0 of either sign
  (negative powers and ``./``); entries > -1 (log1p); a positive determinant (log det): a
  general matrix whose determinant's sign is fixed by flipping one column (a symmetric one
  by flipping one eigenvalue, a diagonal one by one entry, an orthogonal one by one column),
  *not* an spd matrix; a well-conditioned matrix (inverses, det and matrix powers).

Where a function's argument is a compound expression (log(A x), log det(D + XᵀX)), the
first attempts draw general values and keep the point only where the target is defined;
later attempts (:data:`PLAN`) fall back to positive entries for the symbols inside such
arguments and to spd / positive-diagonal pieces of an argument that needs det > 0, and to
more rows than columns (log det(XᵀX)). A point is also rejected where the argument of a call
with poles (tan) is within :data:`POLE_MARGIN` of one (finite differences are useless
there); calls with kinks (relu, step, abs) are kept away from them by the check itself,
which redraws the point when a finite-difference step crosses one.

:func:`draw_values` draws a point, :func:`find_point` the first good one, for the check
and any comparison at random points (pass a claim's or a Hessian's expressions as ``exprs``).
Declarations that cannot hold together (``orthogonal positive``, ``log`` of a diagonal
matrix, values that break a declaration or the domain) raise a MatdiffError naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .. import ops
from ..algebra import expr as E
from ..dims import is_min
from ..errors import MatdiffError
from .values import Env, as_matrix, make_env, value

DEFAULT_SIZES = (3, 4, 5, 2, 6, 7, 8, 9, 10, 11)
MAX_ENTRIES = 2 * 10**8   # entries of all matrices together (1.5 GiB of float64)
ATTEMPTS = 8
# attempt -> (level, descending sizes): level 0 honours the declarations and the direct
# domain needs only; level 1 also makes the symbols inside compound log / sqrt / log det
# arguments positive (spd), to find a point where the target is defined at all
PLAN = ((0, False), (0, False), (1, False), (1, False),
        (0, True), (1, True), (0, True), (1, True))
POLE_MARGIN = 0.05        # a distance to a pole below this (|cos a| for tan a): too close
SQUARE_PROPS = frozenset({"symmetric", "spd", "orthogonal", "diagonal", "invertible",
                          "lower"})
# calls whose derivative jumps (kinks) or that have poles, watched by the numerical check's
# finite differences (the registry's entries with ``sides``)
KINKED = ops.KINKED


# --- what the target needs --------------------------------------------------------------------

def _direct(e: E.Expr) -> E.Sym | None:
    """The symbol e is, up to transposes and vec (the same entries), or None."""
    while isinstance(e, E.Transpose) or (isinstance(e, E.Call) and ops.get(e.name).reorders):
        e = e.arg
    return e if isinstance(e, E.Sym) else None


def _syms(e: E.Expr) -> list[E.Sym]:
    out: dict[str, E.Sym] = {}

    def walk(x: E.Expr) -> None:
        if isinstance(x, E.Sym):
            out.setdefault(x.name, x)
        for c in x.children:
            walk(c)
    walk(e)
    return list(out.values())


def domain_needs(exprs: Iterable[E.Expr], level: int = 0) -> dict[str, dict[str, str]]:
    """symbol -> {need: the expression that needs it}. Needs: 'positive' (entries > 0),
    'nonzero' (entries away from 0), 'above-1' (entries > -1), 'detpos' (det > 0),
    'invertible' (well conditioned), 'spd' (level 1: a symmetric piece of a det > 0 argument)."""
    needs: dict[str, dict[str, str]] = {}
    seen: set[int] = set()

    def need(s: E.Sym | None, what: str, why: E.Expr) -> None:
        if s is not None:
            needs.setdefault(s.name, {}).setdefault(what, str(why))

    def walk(e: E.Expr) -> None:
        if id(e) in seen:
            return
        seen.add(id(e))
        fractional = isinstance(e, (E.HadPow, E.Power)) and (e.is_scalar or
                                                            isinstance(e, E.HadPow))
        domain = ops.get(e.name).domain if isinstance(e, E.Call) else None
        if domain == "positive" or fractional and e.p.denominator != 1:
            need(_direct(e.arg), "positive", e)
            if level:
                for s in _syms(e.arg):
                    need(s, "positive", e)
        elif fractional and e.p < 0:
            need(_direct(e.arg), "nonzero", e)
            if level:
                for s in _syms(e.arg):
                    need(s, "positive", e)
        if domain in ("nonzero", "real-max", "real-min", "spectrum-right"):
            need(_direct(e.arg), domain, e)
        if domain == "above-1":
            need(_direct(e.arg), "above-1", e)
            if level:
                for s in _syms(e.arg):
                    need(s, "positive", e)
        if domain == "detpos":
            need(_direct(e.arg), "detpos", e)
            if level:   # D + XᵀX: the declared-diagonal or symmetric pieces made definite
                for s in _syms(e.arg):
                    if "diagonal" in s.props:
                        need(s, "positive", e)
                    elif "symmetric" in s.props:
                        need(s, "spd", e)
        for a in e.children[:-1] if domain == "separated" else ():   # sylvester, lyap: A, B
            need(_direct(a), "invertible", e)   # near 2 I: A and -B share no eigenvalue
        if (isinstance(e, (E.Inverse, E.Power)) and not e.is_scalar) or \
                domain == "invertible":
            a = e.arg.arg if isinstance(e.arg, E.Transpose) else e.arg
            if isinstance(a, E.Sym):
                need(a, "invertible", e)
        for c in e.children:
            walk(c)
    for x in exprs:
        walk(x)
    return needs


# --- sizes --------------------------------------------------------------------------------------

def _dim_names(symbols: dict[str, E.Sym]) -> list[str]:
    names: list[str] = []
    for s in symbols.values():
        for d in s.shape:
            for name, _ in d.factors:
                if name not in names:
                    names.append(name)
    return names


def _expr_dim_names(e: E.Expr, out: list[str]) -> None:
    for d in e.shape:
        for name, _ in d.factors:
            if name not in out and not is_min(name):   # min(m,n) is sized from m and n
                out.append(name)
    for c in e.children:
        _expr_dim_names(c, out)


def choose_sizes(symbols: dict[str, E.Sym], dims: dict[str, int] | None,
                 target: E.Expr | None = None, descending: bool = False) -> dict[str, int]:
    """Small distinct sizes (3, 4, 5, 2, ...) for the named dimensions, ``dims`` first."""
    names = _dim_names(symbols)
    if target is not None:   # sizes that only an I_n or 1_n in the target names
        _expr_dim_names(target, names)
    sizes: dict[str, int] = {}
    for k, v in (dims or {}).items():
        if k not in names:
            raise MatdiffError(f"dims names '{k}', but the cell's dimensions are "
                               f"{', '.join(names) or 'all numbers'}")
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise MatdiffError(f"dims['{k}'] must be a positive integer, got {v!r}")
        sizes[k] = int(v)
    free = [s for s in DEFAULT_SIZES if s not in sizes.values()]
    if descending:   # e.g. log det(Xᵀ X) needs more rows than columns
        k = len([n for n in names if n not in sizes])
        free = sorted(free[:k], reverse=True) + free[k:]
    for name in names:
        if name not in sizes:
            sizes[name] = free.pop(0) if free else 3
    return sizes


# --- one matrix ---------------------------------------------------------------------------------

def conflict(name: str, r: int, c: int, props: Iterable[str],
             needs: dict[str, str] | None = None) -> None:
    """MatdiffError when the declarations, and the needs of the functions the symbol is
    directly the argument of (``needs``, level 0), cannot hold together."""
    props = set(props)
    needs = needs or {}
    if props & SQUARE_PROPS and r != c:
        raise MatdiffError(f"'{name}' is declared {', '.join(sorted(props))} but is "
                           f"{r} x {c} at these sizes")
    if r < 2:
        return
    if "orthogonal" in props and "positive" in props:
        raise MatdiffError(f"'{name}' is declared orthogonal and positive, which cannot hold "
                           f"together: an orthogonal matrix of size {r} has entries <= 0")
    for need, what in (("positive", "positive entries"), ("nonzero", "nonzero entries")):
        if need not in needs:
            continue
        if "orthogonal" in props and need == "positive" and "diagonal" not in props:
            raise MatdiffError(f"'{name}' is declared orthogonal, but {needs[need]} needs "
                               f"{what}: an orthogonal matrix of size {r} has entries <= 0")
        if "diagonal" in props:
            raise MatdiffError(f"'{name}' is declared diagonal, but {needs[need]} needs {what} "
                               f"and the off-diagonal entries of '{name}' are 0 (write "
                               f"diag(...) of a vector of its diagonal instead)")


def _fix_det_sign(a: np.ndarray) -> np.ndarray:
    """det > 0 by flipping the sign of one column (keeps everything but the sign)."""
    if a.shape[0] and np.linalg.det(a) < 0:
        a = a.copy()
        a[:, 0] = -a[:, 0]
    return a


def _symmetric_det_positive(a: np.ndarray) -> np.ndarray:
    """A symmetric matrix with det > 0, eigenvalues away from 0: flip the smallest one's sign
    when their product is negative."""
    w, v = np.linalg.eigh(a)
    w = np.sign(w) * (np.abs(w) + 0.5)
    if np.prod(np.sign(w)) < 0:
        k = int(np.argmin(np.abs(w)))
        w[k] = -w[k]
    return (v * w) @ v.T


def draw_matrix(rng: np.random.Generator, r: int, c: int, props: Iterable[str] = (),
                needs: dict[str, str] | Iterable[str] = (), name: str = "?") -> np.ndarray:
    """A random r x c matrix, entries of order one, with the declared ``props`` and the
    domain ``needs`` (see :func:`domain_needs`), otherwise general."""
    props = set(props)
    needs = dict(needs) if isinstance(needs, dict) else {k: k for k in needs}
    conflict(name, r, c, props)
    spectral = [k for k in ("real-max", "real-min", "spectrum-right") if needs.pop(k, None)]
    if spectral and r == c and r > 1 and not props & {"orthogonal", "diagonal", "lower"}:
        return _spectral_draw(rng, draw_matrix(rng, r, c, props, needs, name), props,
                              spectral, "detpos" in needs)
    if "positive" in props:
        needs.setdefault("positive", "its declaration")
    detpos = "detpos" in needs
    if "orthogonal" in props:
        if "spd" in props or ("diagonal" in props and "positive" in needs):
            return np.eye(r)   # the only spd (or positive diagonal) orthogonal matrix
        if "diagonal" in props:
            d = rng.choice([-1.0, 1.0], r)
            if detpos and np.prod(d) < 0:
                d[0] = -d[0]
            return np.diag(d)
        q, rr = np.linalg.qr(rng.standard_normal((r, r)))
        q = q * np.sign(np.diag(rr))
        if "symmetric" in props:   # Q diag(±1) Qᵀ: a reflection, symmetric and orthogonal
            s = rng.choice([-1.0, 1.0], r)
            if detpos and np.prod(s) < 0:
                s[0] = -s[0]
            return (q * s) @ q.T
        return _fix_det_sign(q) if detpos else q
    if "onehot" in props:    # labels: one 1 in the column, or in each row of a matrix
        return np.eye(r)[:, [rng.integers(r)]] if c == 1 else \
            np.eye(c)[rng.integers(c, size=r)]
    if "integer" in props:   # the exponent of X^k: a small integer
        return np.full((r, c), float(rng.integers(2, 5)))
    if "lower" in props:   # a positive diagonal: invertible, det > 0 (a Cholesky factor)
        a = np.tril(rng.standard_normal((r, r)) / np.sqrt(r), -1)
        return a + np.diag(rng.uniform(0.5, 2.0, r))
    if props & {"spd"} or ("spd" in needs and props & {"symmetric"}):
        if "diagonal" in props:
            return np.diag(rng.uniform(0.5, 2.0, r))
        if "positive" in needs:   # positive entries, diagonally dominant: spd
            a = rng.uniform(0.5, 2.0, (r, r))
            a = (a + a.T) / 2
            return a + np.diag(a.sum(axis=1))
        a = rng.standard_normal((r, r)) / np.sqrt(r)
        return a @ a.T + np.eye(r)
    if "diagonal" in props:
        d = rng.uniform(0.5, 2.0, r) * rng.choice([-1.0, 1.0], r)
        if "positive" in needs:
            d = np.abs(d)
        if detpos and np.prod(d) < 0:
            d[0] = -d[0]
        return np.diag(d)
    if "positive" in needs:
        a = rng.uniform(0.5, 2.0, (r, c))
        if "symmetric" in props:
            a = (a + a.T) / 2
        if (detpos or "invertible" in needs or "invertible" in props) and r == c:
            a = a + np.diag(a.sum(axis=1))   # diagonally dominant: det > 0, well conditioned
        return a
    if "nonzero" in needs or "above-1" in needs:
        if "nonzero" in needs:   # |entries| in [0.5, 2], either sign
            a = rng.uniform(0.5, 2.0, (r, c)) * rng.choice([-1.0, 1.0], (r, c))
        else:                    # entries > -1, either sign
            a = rng.uniform(-0.6, 1.5, (r, c))
        if "symmetric" in props:
            a = np.triu(a) + np.triu(a, 1).T
            return _symmetric_det_positive(a) if detpos else a
        return _fix_det_sign(a) if detpos else a
    a = rng.standard_normal((r, c)) / np.sqrt(max(c, 1))
    if "symmetric" in props:
        a = (a + a.T) / 2
        if detpos:   # eigenvalues of both signs, an even number negative, away from 0
            return _symmetric_det_positive(a)
    if props & {"invertible"} or "invertible" in needs:
        a = a + 2.0 * np.eye(r)   # eigenvalues near 2: well conditioned
        return _fix_det_sign(a) if detpos else a
    if detpos:   # a general matrix, redrawn (a few times at most) until well conditioned
        for _ in range(20):
            if np.linalg.cond(a) < 100:
                break
            a = rng.standard_normal((r, c)) / np.sqrt(max(c, 1))
        return _fix_det_sign(a)
    return a


def _spectral_draw(rng: np.random.Generator, a: np.ndarray, props: set, spectral: list,
                   detpos: bool) -> np.ndarray:
    """A square draw moved so that 'real-max' / 'real-min' (± 2 q qᵀ sets the extreme
    eigenvalue apart, real) and 'spectrum-right' (real parts >= 0.5: logm, sqrtm) hold."""
    r = a.shape[0]
    if props & {"symmetric", "spd"}:   # real eigenvalues, simple with probability one
        if "spectrum-right" in spectral and "spd" not in props:
            w, v = np.linalg.eigh(a)
            return (v * (np.abs(w) + 0.5)) @ v.T
        return a
    q = rng.standard_normal((r, 1))
    q /= np.linalg.norm(q)
    a = a + 2.0 * (("real-max" in spectral) - ("real-min" in spectral)) * (q @ q.T)
    if "spectrum-right" in spectral:   # real parts at least 0.5
        low = float(np.min(np.linalg.eigvals(a).real))
        if low < 0.5:
            a = a + (0.5 - low) * np.eye(r)
    return _fix_det_sign(a) if detpos and np.linalg.det(a) < 0 else a


# --- given values ------------------------------------------------------------------------------

def _check_declared(name: str, a: np.ndarray, props: frozenset) -> None:
    """Given values that break a combination of declarations, named (before the generic
    checks of each property)."""
    if {"spd", "diagonal"} <= props and a.ndim == 2 and a.shape[0] == a.shape[1]:
        d = np.diag(a)
        if d.size and np.min(d) <= 0:
            raise MatdiffError(f"'{name}' is declared spd and diagonal, but its value has the "
                               f"diagonal entry {float(np.min(d)):g} <= 0")


def _check_given(name: str, a: np.ndarray, props: frozenset, needs: dict[str, str]) -> None:
    """Given values outside the domain of the functions the symbol is the argument of."""
    if "positive" in needs and np.any(a <= 0):
        raise MatdiffError(f"the value of '{name}' has entries <= 0, but {needs['positive']} "
                           "needs positive entries")
    if "nonzero" in needs and np.any(a == 0):
        raise MatdiffError(f"the value of '{name}' has zero entries, but {needs['nonzero']} "
                           "divides by them")
    if "above-1" in needs and np.any(a <= -1):
        raise MatdiffError(f"the value of '{name}' has entries <= -1, but {needs['above-1']} "
                           "needs entries > -1")
    if "detpos" in needs and a.shape[0] == a.shape[1] and np.linalg.det(a) <= 0:
        what = " (an orthogonal matrix with det -1)" if "orthogonal" in props else ""
        raise MatdiffError(f"the value of '{name}' has det <= 0{what}, but {needs['detpos']} "
                           f"needs det {name} > 0")


# --- a point ------------------------------------------------------------------------------------

def _parts(source) -> tuple[dict[str, E.Sym], E.Expr]:
    cell = getattr(source, "cell", source)
    return cell.symbols, getattr(source, "target", None) or cell.target


def draw_values(source, dims: dict[str, int] | None = None, seed: int | list = 0,
                values: dict | None = None, *, attempt: int = 0,
                exprs: Iterable[E.Expr] = (), level: int | None = None,
                descending: bool | None = None
                ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Values for every symbol of a Derivation or a parsed Cell (``source``), and the sizes.

    ``dims`` fixes sizes (others: small distinct ones), ``values`` fixes some or all
    matrices (checked against the declarations and the domain); the rest are drawn from
    ``seed`` as generally as the declarations and the domain of the target and of ``exprs``
    allow. ``attempt`` (0 .. ATTEMPTS-1) selects a retry of :data:`PLAN`; ``level`` and
    ``descending`` override it. Deterministic: the same arguments give the same values.
    """
    symbols, target = _parts(source)
    plan_level, plan_desc = PLAN[attempt % len(PLAN)]
    level = plan_level if level is None else level
    descending = plan_desc if descending is None else descending
    rng_seed = seed if not attempt else [*(seed if isinstance(seed, list) else [seed]),
                                         attempt]
    rng = np.random.default_rng(rng_seed)
    exprs = (target, *exprs)
    needs = domain_needs(exprs, level)
    direct = domain_needs(exprs, 0)
    given = dict(values or {})
    sizes = choose_sizes(symbols, dims, target, descending)
    if given:
        for name, v in given.items():
            if name in symbols and symbols[name].props:
                _check_declared(name, as_matrix(name, v), symbols[name].props)
        env = make_env(symbols, given, dims)
        sizes.update(env.sizes)
        given = env.values
        for name, a in given.items():
            _check_given(name, a, symbols[name].props, direct.get(name, {}))
    out: dict[str, np.ndarray] = {}
    probe = Env({}, sizes)
    total = sum(probe.dim(s.shape[0]) * probe.dim(s.shape[1]) for s in symbols.values())
    total += probe.dim(target.shape[0]) * probe.dim(target.shape[1])
    if total > MAX_ENTRIES:
        raise MatdiffError(f"these sizes need {total:,} matrix entries; the check handles at "
                           f"most {MAX_ENTRIES:,} (about {MAX_ENTRIES * 8 // 2**30} GiB): give "
                           "smaller dims")
    for name, s in symbols.items():
        if name in given:
            out[name] = given[name]
            continue
        r, c = probe.shape(s)
        conflict(name, r, c, s.props, direct.get(name))
        out[name] = draw_matrix(rng, r, c, s.props, needs.get(name, {}), name)
    return out, sizes


@dataclass
class Point:
    """A point where the target is defined: the values, the sizes, an Env holding them (with
    the target's value memoized unless it was not evaluated) and the attempt it came from."""
    values: dict[str, np.ndarray]
    sizes: dict[str, int]
    env: Env
    attempt: int


def _calls(e: E.Expr, names: tuple[str, ...]) -> list[E.Call]:
    out: list[E.Call] = []
    seen: set[int] = set()

    def walk(x: E.Expr) -> None:
        if id(x) in seen:
            return
        seen.add(id(x))
        if isinstance(x, E.Call) and x.name in names and x not in out:
            out.append(x)
        for c in x.children:
            walk(c)
    walk(e)
    return out


_POLED = tuple(n for n, op in ops.REGISTRY.items() if op.pole is not None)


def near_pole(exprs: Iterable[E.Expr], env: Env) -> str:
    """The first call (tan(...)) with its argument within POLE_MARGIN of a pole, or ''."""
    for x in exprs:
        for call in _calls(x, _POLED):
            with np.errstate(all="ignore"):
                a = value(call.arg, env)
            if a.size and np.min(ops.get(call.name).pole(a)) < POLE_MARGIN:
                return str(call)
    return ""


def find_point(source, seed: int = 0, dims: dict[str, int] | None = None,
               values: dict | None = None, *, exprs: Iterable[E.Expr] = (),
               accept: Callable[[Env], bool] | None = None, start: int = 0,
               evaluate: bool = True) -> Point:
    """The first of the attempts ``start`` .. ATTEMPTS-1 (see :func:`draw_values`) where the
    target and ``exprs`` are finite, no tan(...) is near a pole and ``accept(env)`` holds.
    ``evaluate=False`` takes the first draw as it is (huge sizes: the caller finds out).
    Raises MatdiffError when no attempt gives such a point."""
    _, target = _parts(source)
    exprs = tuple(exprs)
    problem = None
    fixed = values is not None and set(values) >= set(_parts(source)[0])
    for attempt in range(start, ATTEMPTS):
        vals, sizes = draw_values(source, dims, seed, values, attempt=attempt, exprs=exprs)
        env = Env(vals, sizes)
        if not evaluate:
            return Point(vals, sizes, env, attempt)
        try:
            with np.errstate(all="ignore"):
                ok = all(bool(np.all(np.isfinite(value(x, env)))) for x in (target, *exprs))
            pole = near_pole((target, *exprs), env) if ok else ""
            if pole:
                ok, problem = False, MatdiffError(f"{pole} is within {POLE_MARGIN} of a pole")
            ok = ok and (accept is None or bool(accept(env)))
        except MatdiffError as exc:
            if fixed:
                raise
            ok, problem = False, exc
        if ok:
            return Point(vals, sizes, env, attempt)
        if fixed:
            break
    raise MatdiffError("no random point was found where the target is defined"
                       + (f" ({problem.message})" if problem else "") +
                       ": declare properties (spd, positive, ...) or give dims or values")
