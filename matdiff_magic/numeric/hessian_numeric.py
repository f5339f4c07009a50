"""NumPy side of second derivatives: the Hessian's value, Hessian-vector products, the check.

``hvp`` applies H to vec V with the vec trick ((B ⊗ A) vec V = vec(A V Bᵀ), K vec V =
vec Vᵀ), so H is never formed. The check compares H with central differences of the
gradient G of the function of independent entries (the first-order result, itself checked
against differences of f at the same point):

* ``full``: every column, (G(X + h E_k) - G(X - h E_k)) / 2h, and the symmetry H = Hᵀ;
* ``directional``: H vec V for three random V against (G(X + hV) - G(X - hV)) / 2h, and the
  symmetry as uᵀ(H v) = vᵀ(H u) for random u, v: memory O(size of X), so n = 1000 is fine.

The random point is drawn by :func:`matdiff_magic.numeric.check.random_values`, as for the first
derivative (it honours the declared properties: the Hessian is taken at such a point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..algebra import expr as E
from ..errors import MatdiffError
from .check import TOL, CheckResult, random_values, run_check
from .coordinates import coordinates_of
from .values import Env, apply, as_matrix, finite, make_env, value

FULL_LIMIT = 40_000   # entries of H up to which "auto" compares every column
DIRECTIONS = 3


def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, order="F")


def _used(h) -> set[str]:
    return {n for n in h.cell.symbols
            if E.contains(h.target, lambda e, n=n: isinstance(e, E.Sym) and e.name == n)}


def evaluate_hessian(h, values: dict, dims: dict | None = None) -> np.ndarray:
    if not isinstance(values, dict):
        raise MatdiffError(f"values must be a dict mapping names to arrays, got "
                           f"{type(values).__name__}")
    missing = sorted(_used(h) - set(values))
    if missing:
        raise MatdiffError(f"no value for {', '.join(repr(m) for m in missing)}")
    env = make_env(h.cell.symbols, values, dims)
    with np.errstate(all="ignore"):
        out = apply(h.result, np.eye(env.dim(h.result.shape[1])), env)
    return finite(out, "the Hessian")


def hvp(h, values: dict, V, dims: dict | None = None) -> np.ndarray:
    env = make_env(h.cell.symbols, values, dims)
    Vm = as_matrix("V", V)
    want = env.shape(h.y)
    if Vm.shape != want:
        raise MatdiffError(f"V should be shaped like {h.y.name}: {want}, got {Vm.shape}")
    with np.errstate(all="ignore"):
        out = apply(h.result, _vec(Vm).reshape(-1, 1), env)
    return out.reshape(env.shape(h.x), order="F")


@dataclass
class HessianCheckResult(CheckResult):
    """A CheckResult that also reports H's symmetry and the gradient's own check."""
    symmetry_error: float = 0.0
    gradient_check: CheckResult | None = None

    def text(self) -> str:
        out = super().text()
        if self.symmetry_error >= 0:
            out += f"; symmetry |H - Hᵀ| relative {self.symmetry_error:.1e}"
        if self.gradient_check is not None:
            g = self.gradient_check
            out += (f"; gradient vs f: {'passed' if g.passed else 'FAILED'} "
                    f"({g.max_rel_error:.1e})")
        return out

    __str__ = text


def _point(h, seed: int, dims, values) -> tuple[dict, dict, Env]:
    """A random point where f, its gradient and its Hessian are defined."""
    problem = None
    for attempt in range(8):
        vals, sizes = random_values(h, [int(seed), attempt] if attempt else seed, dims,
                                    values, descending=attempt >= 4)
        env = Env(vals, sizes)
        try:
            with np.errstate(all="ignore"):
                ok = bool(np.all(np.isfinite(value(h.target, env))))
                ok = ok and bool(np.all(np.isfinite(value(h.g, env))))
                nx = env.dim(h.result.shape[1])
                probe = np.ones((nx, 1)) / max(1, nx)
                ok = ok and bool(np.all(np.isfinite(apply(h.result, probe, env))))
        except MatdiffError as exc:
            if values and set(values) >= set(h.cell.symbols):
                raise
            ok, problem = False, exc
        if ok:
            return vals, sizes, env
    raise MatdiffError("no random point was found where the target is defined"
                       + (f" ({problem.message})" if problem else "") +
                       ": declare properties (spd, positive, ...) or give dims or values")


def check_hessian(h, seed: int = 0, dims: dict | None = None, method: str = "auto",
                  values: dict | None = None, tol: float = TOL) -> HessianCheckResult:
    if method not in ("auto", "full", "directional"):
        raise MatdiffError(f"method must be 'auto', 'full' or 'directional', got {method!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    vals, sizes, env = _point(h, seed, dims, values)
    x, y = h.x, h.y
    X0, Y0 = vals[x.name], vals[y.name]
    entries = X0.size * Y0.size
    if method == "auto":
        method = "full" if entries <= FULL_LIMIT else "directional"
    if method == "full" and entries > 50 * FULL_LIMIT:
        raise MatdiffError(f"the full Hessian would have {entries:,} entries: use "
                           "method='directional' (or 'auto') at these sizes")

    def G(Yv: np.ndarray) -> np.ndarray:
        e2 = Env({**vals, y.name: Yv}, sizes)
        with np.errstate(all="ignore"):
            return value(h.g, e2)

    scale = max(1.0, float(np.max(np.abs(Y0))) if Y0.size else 1.0)
    step = 1e-5 * scale
    res = HessianCheckResult(False, 0.0, 0.0, dict(sizes), int(seed), method, tol)
    sym_err = -1.0     # not applicable (mixed block)
    if method == "full":
        with np.errstate(all="ignore"):
            H = apply(h.result, np.eye(Y0.size), env)
        fd = np.empty((X0.size, Y0.size))
        for k in range(Y0.size):
            Ek = np.zeros(Y0.size)
            Ek[k] = step
            Ek = Ek.reshape(Y0.shape, order="F")
            fd[:, k] = (_vec(G(Y0 + Ek)) - _vec(G(Y0 - Ek))) / (2 * step)
        res.evaluations = 2 * Y0.size
        diff = np.abs(H - fd)
        denom = max(1.0, float(np.max(np.abs(fd))))
        i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        res.max_abs_error = float(diff.max())
        res.max_rel_error = res.max_abs_error / denom
        res.where = f"Hessian entry (row {i} of vec {x.name}, column {j} of vec {y.name})"
        if not h.mixed:
            sym_err = float(np.max(np.abs(H - H.T))) / max(1.0, float(np.max(np.abs(H))))
    else:
        rng = np.random.default_rng([int(seed), 11])
        rel = 0.0
        hv = []
        for t in range(DIRECTIONS):
            V = rng.standard_normal(Y0.shape)
            V /= max(1.0, float(np.max(np.abs(V))))
            with np.errstate(all="ignore"):
                fd = (G(Y0 + step * V) - G(Y0 - step * V)) / (2 * step)
                got = apply(h.result, _vec(V).reshape(-1, 1), env).reshape(fd.shape, order="F")
            hv.append((V, got))
            diff = np.abs(got - fd)
            err = float(diff.max()) if diff.size else 0.0
            denom = max(1.0, float(np.max(np.abs(fd))))
            res.max_abs_error = max(res.max_abs_error, err)
            if err / denom >= rel:
                rel = err / denom
                res.where = f"direction {t + 1}"
        res.evaluations = 2 * DIRECTIONS
        res.max_rel_error = rel
        if not h.mixed:   # uᵀ (H v) = vᵀ (H u)
            (u, hu), (v, hvv) = hv[0], hv[1]
            a, b = float(np.sum(u * hvv)), float(np.sum(v * hu))
            sym_err = abs(a - b) / max(1.0, abs(a), abs(b))
    res.symmetry_error = sym_err
    res.gradient_check = run_check(h.gradient, seed=int(seed), dims=dict(sizes),
                                   method="auto" if method == "full" else "directional",
                                   values=vals)
    if not np.isfinite(res.max_rel_error):
        raise MatdiffError("the check produced non-finite numbers: the target overflows at "
                           "the random point (try smaller dims or give values)")
    res.passed = bool(res.max_rel_error < tol and sym_err < tol
                      and res.gradient_check.passed)
    res.details = [f"symmetry error {sym_err:.1e}", res.gradient_check.text()]
    return res


# --- in structured coordinates (structure.StructuredHessian): H_v = Mᵀ H M ----------------

def hvp_structured(h, values: dict, V, dims: dict | None = None):
    """H applied to a direction V in the free coordinates (a vector), without forming H."""
    env = make_env(h.cell.symbols, values, dims)
    k = env.dim(h.result.shape[1])
    v = np.asarray(V, dtype=float).reshape(-1, 1)
    if v.shape[0] != k:
        raise MatdiffError(f"V must have {k} entries (the free coordinates "
                           f"{h.structure.coord}), got {v.shape[0]}")
    with np.errstate(all="ignore"):
        return apply(h.result, v, env)


def check_structured(h, seed: int = 0, dims: dict | None = None,
                     method: str = "auto", values: dict | None = None,
                     tol: float = TOL) -> HessianCheckResult:
    if method not in ("auto", "full", "directional"):
        raise MatdiffError(f"method must be 'auto', 'full' or 'directional', got {method!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise MatdiffError(f"seed must be an integer, got {seed!r}")
    vals, sizes, env = _point(h, seed, dims, values)
    x = h.x
    X0 = vals[x.name]
    coords = coordinates_of(h, X0)
    v0 = coords.from_matrix(X0)
    k = v0.size
    mt = E.transpose(h.structure.embedding())

    def grad(v: np.ndarray) -> np.ndarray:   # Mᵀ vec G at the point with coordinates v
        e2 = Env({**vals, x.name: coords.to_matrix(v)}, sizes)
        with np.errstate(all="ignore"):
            return apply(mt, _vec(value(h.g, e2)).reshape(-1, 1), e2).reshape(-1)

    if method == "auto":
        method = "full" if k * k <= FULL_LIMIT else "directional"
    step = 1e-5 * max(1.0, float(np.max(np.abs(v0))) if k else 1.0)
    res = HessianCheckResult(False, 0.0, 0.0, dict(sizes), int(seed), method, tol)
    rng = np.random.default_rng([int(seed), 13])
    if method == "full":
        with np.errstate(all="ignore"):
            H = apply(h.result, np.eye(k), env)
        fd = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            e[j] = step
            fd[:, j] = (grad(v0 + e) - grad(v0 - e)) / (2 * step)
        res.evaluations = 2 * k
        diff = np.abs(H - fd)
        i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
        res.max_abs_error = float(diff.max())
        res.max_rel_error = res.max_abs_error / max(1.0, float(np.max(np.abs(fd))))
        res.where = f"Hessian entry ({i}, {j}) in {h.structure.coord}"
        sym = float(np.max(np.abs(H - H.T))) / max(1.0, float(np.max(np.abs(H))))
    else:
        hv = []
        for t in range(DIRECTIONS):
            d = rng.standard_normal(k)
            fd = (grad(v0 + step * d) - grad(v0 - step * d)) / (2 * step)
            with np.errstate(all="ignore"):
                got = apply(h.result, d.reshape(-1, 1), env).reshape(-1)
            hv.append((d, got))
            err = float(np.max(np.abs(got - fd)))
            rel = err / max(1.0, float(np.max(np.abs(fd))))
            res.max_abs_error = max(res.max_abs_error, err)
            if rel >= res.max_rel_error:
                res.max_rel_error, res.where = rel, f"direction {t + 1}"
        res.evaluations = 2 * DIRECTIONS
        (u, hu), (w, hw) = hv[0], hv[1]
        a, b = float(u @ hw), float(w @ hu)
        sym = abs(a - b) / max(1.0, abs(a), abs(b))
    if not np.isfinite(res.max_rel_error):
        raise MatdiffError("the check produced non-finite numbers at the random point (try "
                           "smaller dims or give values)")
    res.symmetry_error = sym
    res.gradient_check = run_check(h.gradient, seed=int(seed), dims=dict(sizes),
                                   method="auto" if method == "full" else "directional",
                                   values=vals)
    res.passed = bool(res.max_rel_error < tol and sym < tol and res.gradient_check.passed)
    res.details = [f"symmetry error {sym:.1e}", res.gradient_check.text()]
    return res
