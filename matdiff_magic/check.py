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
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from . import expr as E
from .errors import MatdiffError
from .numeric import Env, apply, make_env, value

DEFAULT_SIZES = (3, 4, 5, 2, 6, 7, 8, 9, 10, 11)
TOL = 1e-6
FULL_LIMIT = 40_000   # entries of the Jacobian up to which "auto" uses the full method
DIRECTIONS = 3
MAX_ENTRIES = 2 * 10**8   # entries of all matrices together (1.5 GiB of float64)
LARGE = 10**8         # Jacobian entries beyond which the directional check uses one direction


@dataclass
class CheckResult:
    """The outcome of a numerical check; ``passed`` is what matters."""
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
        verdict = "PASSED" if self.passed else "FAILED"
        dims = ", ".join(f"{k}={v}" for k, v in self.dims.items()) or "no symbolic sizes"
        out = (f"numerical check {verdict}: max relative error {self.max_rel_error:.1e} "
               f"(tolerance {self.tol:.0e}), max absolute error {self.max_abs_error:.1e}; "
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


# --- random instances ---------------------------------------------------------------------------

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
            if name not in out:
                out.append(name)
    for c in e.children:
        _expr_dim_names(c, out)


def choose_sizes(symbols: dict[str, E.Sym], dims: dict[str, int] | None,
                 target: E.Expr | None = None, descending: bool = False) -> dict[str, int]:
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
    if descending:   # e.g. logdet(Xᵀ X) needs more rows than columns
        k = len([n for n in names if n not in sizes])
        free = sorted(free[:k], reverse=True) + free[k:]
    for name in names:
        if name not in sizes:
            sizes[name] = free.pop(0) if free else 3
    return sizes


def _domains(target: E.Expr) -> tuple[set[str], set[str], set[str]]:
    """Symbols that need positive entries (under log, sqrt, fractional powers), that appear
    directly under logdet (made spd), or are inverted (made well conditioned)."""
    positive: set[str] = set()
    spd: set[str] = set()
    invertible: set[str] = set()

    def syms(e: E.Expr) -> set[str]:
        out = set()

        def walk(x):
            if isinstance(x, E.Sym):
                out.add(x.name)
            for c in x.children:
                walk(c)
        walk(e)
        return out

    def walk(e: E.Expr) -> None:
        if isinstance(e, E.Call) and e.name in ("log", "sqrt"):
            positive.update(syms(e.arg))
        if isinstance(e, (E.HadPow, E.Power)) and (e.p.denominator != 1 or e.p < 0) \
                and (e.is_scalar or isinstance(e, E.HadPow)):
            positive.update(syms(e.arg))
        if isinstance(e, E.Call) and e.name == "logdet":
            a = e.arg.arg if isinstance(e.arg, E.Transpose) else e.arg
            if isinstance(a, E.Sym):
                spd.add(a.name)
            # D + XᵀX: make the declared-diagonal or symmetric pieces positive definite
            for s in _sym_nodes(e.arg):
                if s.props & {"diagonal"}:
                    positive.add(s.name)
                elif s.props & {"symmetric"}:
                    spd.add(s.name)
        if isinstance(e, (E.Inverse, E.Power)) or (isinstance(e, E.Call) and e.name == "det"):
            a = e.arg.arg if isinstance(e.arg, E.Transpose) else e.arg
            if isinstance(a, E.Sym):
                invertible.add(a.name)
        for c in e.children:
            walk(c)
    walk(target)
    return positive, spd, invertible


def _sym_nodes(e: E.Expr) -> list[E.Sym]:
    out = [e] if isinstance(e, E.Sym) else []
    for c in e.children:
        out += _sym_nodes(c)
    return out


def random_matrix(rng: np.random.Generator, r: int, c: int, props: set[str]) -> np.ndarray:
    """A random r x c matrix with the given properties, entries of order one."""
    if "orthogonal" in props:
        q, rr = np.linalg.qr(rng.standard_normal((r, r)))
        return q * np.sign(np.diag(rr))
    if "spd" in props:
        a = rng.standard_normal((r, r)) / np.sqrt(r)
        return a @ a.T + np.eye(r)
    if "lower" in props:   # a positive diagonal: invertible, det > 0 (a Cholesky factor)
        a = np.tril(rng.standard_normal((r, r)) / np.sqrt(r), -1)
        return a + np.diag(rng.uniform(0.5, 2.0, r))
    if "diagonal" in props:
        d = rng.uniform(0.5, 2.0, r) * rng.choice([-1.0, 1.0], r)
        if "positive" in props:
            d = np.abs(d)
        return np.diag(d)
    if "positive" in props:
        a = rng.uniform(0.5, 2.0, (r, c))
        return (a + a.T) / 2 if "symmetric" in props else a
    a = rng.standard_normal((r, c)) / np.sqrt(max(c, 1))
    if "symmetric" in props:
        a = (a + a.T) / 2
    if "invertible" in props:
        a = a + 2.0 * np.eye(r)   # eigenvalues near 2: well conditioned
    return a


def random_values(derivation, seed: int = 0, dims: dict[str, int] | None = None,
                  values: dict | None = None, descending: bool = False
                  ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Random values for every symbol of the target, honouring the declared properties."""
    symbols = derivation.cell.symbols
    rng = np.random.default_rng(seed)
    given = dict(values or {})
    sizes = choose_sizes(symbols, dims, derivation.target, descending)
    if given:
        env = make_env(symbols, given, dims)
        for k, v in env.sizes.items():
            sizes[k] = v
        given = env.values
    positive, spd, invertible = _domains(derivation.target)
    out: dict[str, np.ndarray] = {}
    probe = Env({}, sizes)
    total = sum(probe.dim(s.shape[0]) * probe.dim(s.shape[1]) for s in symbols.values())
    total += probe.dim(derivation.target.shape[0]) * probe.dim(derivation.target.shape[1])
    if total > MAX_ENTRIES:
        raise MatdiffError(f"these sizes need {total:,} matrix entries; the check handles at "
                           f"most {MAX_ENTRIES:,} (about {MAX_ENTRIES * 8 // 2**30} GiB): give "
                           "smaller dims")
    for name, s in symbols.items():
        if name in given:
            out[name] = given[name]
            continue
        r, c = probe.shape(s)
        props = set(s.props)
        if name in positive:
            props.add("positive")
        if name in spd and not props & {"orthogonal", "diagonal", "lower"}:
            props.add("spd")
        if name in invertible and not props & {"spd", "orthogonal", "diagonal"}:
            props.add("invertible")
        if props & {"spd", "symmetric", "orthogonal", "diagonal", "invertible", "lower"} \
                and r != c:
            raise MatdiffError(f"'{name}' is declared {', '.join(sorted(props))} but is "
                               f"{r} x {c} at these sizes")
        out[name] = random_matrix(rng, r, c, props)
    return out, sizes


# --- the check ----------------------------------------------------------------------------------

def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def run_check(derivation, seed: int = 0, dims: dict[str, int] | None = None,
              method: str = "auto", values: dict | None = None,
              tol: float = TOL) -> CheckResult:
    try:
        return _run_check(derivation, seed, dims, method, values, tol)
    except MemoryError:
        raise MatdiffError("not enough memory for the check at these sizes: give smaller "
                           "dims or use method='directional'") from None


def _run_check(derivation, seed: int, dims: dict[str, int] | None, method: str,
               values: dict | None, tol: float) -> CheckResult:
    if method not in ("auto", "full", "directional"):
        raise MatdiffError(f"method must be 'auto', 'full' or 'directional', got {method!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    x = derivation.wrt
    f = derivation.target
    problem = None
    for attempt in range(8):   # a point where F is defined (log, logdet, inverse, ...)
        vals, sizes = random_values(derivation, [int(seed), attempt] if attempt else seed,
                                    dims, values, descending=attempt >= 4)
        env = Env(vals, sizes)
        n_x = env.dim(x.shape[0]) * env.dim(x.shape[1])
        if method != "full" and n_x * env.dim(f.shape[0]) * env.dim(f.shape[1]) > LARGE:
            break   # large: F(X ± hV) below shows whether F is defined; no extra evaluation
        try:
            with np.errstate(all="ignore"):
                ok = bool(np.all(np.isfinite(value(f, env))))
                # the derivative must be defined there too (e.g. no singular XᵀX); the
                # values are memoized in env, which the symbolic side reuses below
                if derivation.kind == "gradient":
                    d_at = value(derivation.numerator, env)
                else:
                    d_at = apply(derivation.numerator, np.ones(
                        (env.dim(derivation.numerator.shape[1]), 1)), env) \
                        if n_x <= 10_000 else np.zeros(1)   # large: the check itself tells
                ok = ok and bool(np.all(np.isfinite(d_at)))
        except MatdiffError as exc:
            if values and set(values) >= set(derivation.cell.symbols):
                raise
            ok, problem = False, exc
        if ok:
            break
    else:
        raise MatdiffError("no random point was found where the target is defined"
                           + (f" ({problem.message})" if problem else "") +
                           ": declare properties (spd, positive, ...) or give dims or values")
    X0 = vals[x.name]
    from .structure import coordinates_of
    coords = coordinates_of(derivation, X0)   # vec X, or the free entries: vech X, diag X
    v0 = coords.from_matrix(X0)
    fr, fc = env.shape(f)
    jac_entries = fr * fc * v0.size
    if method == "auto":
        method = "full" if jac_entries <= FULL_LIMIT else "directional"
    if method == "full" and jac_entries > 50 * FULL_LIMIT:
        raise MatdiffError(f"the full Jacobian would have {jac_entries:,} entries: use "
                           "method='directional' (or 'auto') at these sizes")

    def F(v: np.ndarray) -> np.ndarray:   # the target at the point with coordinates v
        e2 = Env({**vals, x.name: coords.to_matrix(v)}, sizes)
        with np.errstate(all="ignore"):
            return value(f, e2)

    scale = max(1.0, float(np.max(np.abs(X0))) if X0.size else 1.0)
    numerator = derivation.numerator
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
    if not np.isfinite(result.max_rel_error):
        raise MatdiffError("the check produced non-finite numbers: the target overflows at "
                           "the random point (try smaller dims or give values)")
    result.where = worst[1]
    result.passed = bool(result.max_rel_error < tol)
    return result
