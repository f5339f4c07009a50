"""Matrix equations at scale: the JVP of dlyap, sylvester and lyap at n = 100 and 300, against
SciPy's solvers called directly.

The Jacobian of a solve holds the inverse of an n² x n² operator: (I − Bᵀ ⊗ A)⁻¹ for dlyap,
(Bᵀ ⊕ A)⁻¹ for sylvester and lyap. The engine's JVP applies it by a solve (a Stein solve on
the Schur forms, SciPy's solve_sylvester) and never forms it: at n = 300 the operator would
have 8.1·10⁹ entries (65 GB). Run from the repository root:
python benchmarks/bench_solve.py [--sizes 100,300] [--repeat 3]
"""

from __future__ import annotations

import os
import sys
from functools import partial

import numpy as np
import scipy.linalg as sla

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_spectral import arguments, best  # noqa: E402

from matdiff_magic import derive  # noqa: E402


def cases(n: int, rng) -> list:
    """(target, wrt, values, the same JVP by SciPy directly or None, what SciPy calls)."""
    a = rng.standard_normal((n, n)) / (2 * np.sqrt(n))      # spectral radius about 1/2
    b = rng.standard_normal((n, n)) / (2 * np.sqrt(n))
    c = rng.standard_normal((n, n))
    shifted = {"A": a + 2 * np.eye(n), "B": b + 2 * np.eye(n), "C": c, "Q": c}
    stein = {"A": a, "B": b, "C": c}
    return [
        ("dlyap(A, B, C)", "C", stein, None, ""),
        ("dlyap(A, A', C)", "C", stein,
         lambda v: sla.solve_discrete_lyapunov(a, v), "solve_discrete_lyapunov"),
        ("dlyap(A, B, C)", "A", stein, None, ""),
        ("sylvester(A, B, C)", "C", shifted,
         lambda v: sla.solve_sylvester(shifted["A"], shifted["B"], v), "solve_sylvester"),
        ("sylvester(A, B, C)", "A", shifted, None, ""),
        ("lyap(A, Q)", "A", shifted, None, ""),
    ]


def main() -> None:
    args = arguments()
    rng = np.random.default_rng(0)
    rows = []
    for size in args.sizes.split(","):
        n = int(size)
        v = rng.standard_normal((n, n))
        for target, wrt, values, direct, what in cases(n, rng):
            d = derive(f"A, B, C, Q : n x n\n{target}", wrt=wrt)
            got = d.jvp(values, v)
            t_jvp = best(partial(d.jvp, values, v), args.repeat)
            t_ref = None
            if direct is not None:
                assert np.allclose(got, direct(v), rtol=1e-8, atol=1e-8), target
                t_ref = best(partial(direct, v), args.repeat)
            rows.append((target, wrt, n, t_jvp, t_ref, what))
            ref = f"   {what} {t_ref * 1e3:8.1f} ms" if t_ref else ""
            print(f"{target:20s} wrt {wrt}  n={n:4d}  jvp {t_jvp * 1e3:8.1f} ms{ref}",
                  flush=True)
    print()
    print("| target | wrt | n | jvp | SciPy directly |")
    print("|---|---|---|---|---|")
    for target, wrt, n, t_jvp, t_ref, what in rows:
        ref = f"{t_ref * 1e3:.1f} ms ({what})" if t_ref else "–"
        print(f"| `{target}` | {wrt} | {n} | {t_jvp * 1e3:.1f} ms | {ref} |")


if __name__ == "__main__":
    main()
