"""Second derivatives in structured coordinates: H_v = Mᵀ H M.

X = unvec(M v) is linear in its free coordinates v (M = D_n for vech of a symmetric X, L_nᵀ
for vech of a lower-triangular X, diag(vec I)(1 ⊗ I) for the diagonal of a diagonal X), so
d²X = 0 and d²f = (vec dX)ᵀ H (vec dX) = (dv)ᵀ Mᵀ H M (dv): the Hessian in v is Mᵀ H M, with
H the Hessian of the function of independent entries (Magnus & Neudecker: D_nᵀ H D_n).
The check compares it with central differences of the structured gradient Mᵀ vec G in v.
"""

from __future__ import annotations

import numpy as np

from . import expr as E
from .check import TOL, run_check
from .coordinates import coordinates_of
from .duplication import tidy
from .errors import MatdiffError
from .hessian import Hessian
from .hessian_numeric import FULL_LIMIT, HessianCheckResult, _point, _vec
from .numeric import Env, apply, make_env, value
from .parse import Cell
from .structure import Structure

DIRECTIONS = 3


class StructuredHessian(Hessian):
    """The Hessian of a scalar target with respect to the free coordinates of a structured
    variable (vech(X) for X symmetric or lower triangular, diag(X) for X diagonal)."""

    def __init__(self, cell: Cell, structure: Structure, layout: str = "mixed") -> None:
        self.structure = structure
        self.wrt_spec = structure.spec
        super().__init__(cell, structure.var, None, layout)
        self.free_hessian = self.result
        m = structure.embedding()
        raw = E.mul(E.transpose(m), self.free_hessian, m)
        h = tidy(raw)
        x, n, v = self.wrt, self.name, structure.coord
        self._step(("holes", f"substitute the structure: vec d{x.name} = {{0}} d {v}, linear "
                    f"in {v} (so d²{x.name} = 0), gives d²{n} = (d {v})ᵀ {{0}}ᵀ H {{0}} (d {v}): "
                    f"the Hessian with respect to the {structure.size.pretty()} free entries "
                    "is {0}ᵀ H {0}", m), ("eq", ("hessc", n, structure), h))
        self.numerator = self.result = self.at_point = h

    def __repr__(self) -> str:
        return f"<Hessian of {self.name} w.r.t. {self.structure.spec}: {self.result}>"

    def hvp(self, values: dict, V, dims: dict | None = None):
        """H applied to a direction V in the free coordinates (a vector), without forming H."""
        env = make_env(self.cell.symbols, values, dims)
        k = env.dim(self.result.shape[1])
        v = np.asarray(V, dtype=float).reshape(-1, 1)
        if v.shape[0] != k:
            raise MatdiffError(f"V must have {k} entries (the free coordinates "
                               f"{self.structure.coord}), got {v.shape[0]}")
        with np.errstate(all="ignore"):
            return apply(self.result, v, env)

    def check(self, seed: int = 0, dims: dict | None = None, method: str = "auto",
              values: dict | None = None):
        """H_v against central differences of the gradient in the free coordinates, its
        symmetry, and the gradient itself against differences of f."""
        return check_structured(self, seed, dims, method, values)


def check_structured(h: StructuredHessian, seed: int = 0, dims: dict | None = None,
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
