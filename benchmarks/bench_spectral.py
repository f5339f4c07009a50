"""Matrix functions at scale: the JVP and check() of expm(X) and sqrtm(X) at n = 100 and 300,
against SciPy's Fréchet routines called directly (expm_frechet; sqrtm + solve_sylvester).

The engine's JVP applies the Fréchet derivative (it never forms the n² x n² Jacobian), so it
should cost what SciPy's routine costs plus the engine's bookkeeping. Run from the repository
root: python benchmarks/bench_spectral.py [--sizes 100,300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import scipy.linalg as sla

from matdiff_magic import derive


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _sylvester(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    r = np.real(sla.sqrtm(x))
    return sla.solve_sylvester(r, r, v)


def arguments() -> argparse.Namespace:
    """--sizes (n, comma-separated) and --repeat (best of), for this script and
    bench_solve.py."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,300")
    ap.add_argument("--repeat", type=int, default=3)
    return ap.parse_args()


def main() -> None:
    args = arguments()
    rng = np.random.default_rng(0)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        a = rng.standard_normal((n, n)) / np.sqrt(n)
        v = rng.standard_normal((n, n))
        spd = a @ a.T + np.eye(n)
        cases = {
            "expm": (a, partial(sla.expm_frechet, a, v, compute_expm=False), "expm_frechet"),
            "sqrtm": (spd, partial(_sylvester, spd, v), "sqrtm + solve_sylvester"),
        }
        for name, (x, direct, what) in cases.items():
            d = derive(f"X : n x n\n{name}(X)", wrt="X")
            got = d.jvp({"X": x}, v)
            ref = direct()
            assert np.allclose(got, ref, rtol=1e-8, atol=1e-8), name
            t_jvp = best(partial(d.jvp, {"X": x}, v), args.repeat)
            t_ref = best(direct, args.repeat)
            t_check = best(partial(d.check, seed=0, dims={"n": n}), 1)
            rows.append((name, n, t_jvp, t_ref, what, t_check))
            print(f"{name:6s} n={n:4d}  jvp {t_jvp * 1e3:8.1f} ms   {what} "
                  f"{t_ref * 1e3:8.1f} ms   ratio {t_jvp / t_ref:5.2f}   "
                  f"check() {t_check:6.2f} s", flush=True)
    print()
    print("| function | n | jvp | SciPy directly | ratio | check() |")
    print("|---|---|---|---|---|---|")
    for name, n, t_jvp, t_ref, what, t_check in rows:
        print(f"| `{name}` | {n} | {t_jvp * 1e3:.1f} ms | {t_ref * 1e3:.1f} ms ({what}) | "
              f"{t_jvp / t_ref:.2f} | {t_check:.2f} s |")


if __name__ == "__main__":
    main()
