"""The numerical check at scale, and generated NumPy gradients against autograd.

    pip install autograd      # only for this benchmark
    python benchmarks/bench_check.py [--max-n 1000]

Part 1: time and peak memory (RSS) of `check()` on X Y' X and A exp(B X C) D, all sizes n,
for the matrix-free directional method (n = 10 ... 1000) and the full Jacobian method
(where it fits). Each run is a fresh subprocess so that its peak RSS is its own.
Part 2: the gradient function from `numpy_source()` against autograd's `grad` on three
ML-style scalar targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CELLS = {
    "X Y' X": ("X, Y : n x n\nZ = X Y' X", ("n",)),
    "A exp(B X C) D": ("A, B, X, C, D : n x n\nF = A exp(B X C) D", ("n",)),
}

CHILD = r"""
import json, resource, sys, time
from matdiff_magic import derive
cell, method, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = derive(cell, wrt="X")
d.check(method=method, dims={"n": 3})   # warm-up: imports NumPy, first BLAS calls
t = time.perf_counter()
r = d.check(method=method, dims={"n": n})
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
print(json.dumps({"time": dt, "rss": rss, "passed": r.passed, "err": r.max_rel_error}))
"""


def run_check(cell: str, method: str, n: int) -> dict:
    p = subprocess.run([sys.executable, "-c", CHILD, cell, method, str(n)],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def part1(max_n: int) -> None:
    print("### check() time and peak memory\n")
    print("| target | method | n | Jacobian entries | time (s) | peak RSS (MiB) | passed | "
          "max rel error |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for label, (cell, _) in CELLS.items():
        for method, sizes in (("directional", (10, 30, 100, 300, 1000)),
                              ("full", (5, 10, 20, 30))):
            for n in sizes:
                if n > max_n:
                    continue
                r = run_check(cell, method, n)
                print(f"| `{label}` | {method} | {n} | {n ** 4:,} | {r['time']:.3f} | "
                      f"{r['rss']:.0f} | {r['passed']} | {r['err']:.1e} |")
    print()


ML = {
    "least squares": (
        "A : N x d\nx : d\nb : N\nnorm2(A x - b)^2", "x",
        lambda np, v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2)),
    "logistic loss": (
        "X : N x d\nw : d\ny : N\nsum(log(1_N + exp(-(y .* (X w)))))", "w",
        lambda np, v: np.sum(np.log(1 + np.exp(-(v["y"] * (v["X"] @ v["w"])))))),
    "MLP layer": (
        "W : h x d\nV : k x h\nX : d x N\nY : k x N\nfro(V tanh(W X) - Y)^2", "W",
        lambda np, v: np.sum((v["V"] @ np.tanh(v["W"] @ v["X"]) - v["Y"]) ** 2)),
}


def median_ms(fn, repeat=20) -> float:
    fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def part2() -> None:
    import autograd
    import autograd.numpy as anp
    import numpy as np

    from matdiff_magic import derive
    from matdiff_magic.numeric.check import random_values
    sizes = {"N": 1000, "d": 100, "h": 100, "k": 10}
    print("### generated NumPy gradient vs autograd (N = 1000, d = h = 100, k = 10)\n")
    print("| target | generated (ms) | autograd (ms) | autograd / generated | max abs diff |")
    print("|---|---:|---:|---:|---:|")
    for label, (cell, wrt, fn) in ML.items():
        d = derive(cell, wrt=wrt)
        ns: dict = {}
        exec(d.numpy_source(), ns)
        grad_fn = ns["gradient"]
        present = {n for s in d.cell.symbols.values() for dm in s.shape
                   for n, _ in dm.factors}
        vals, _ = random_values(d, seed=0, dims={k: v for k, v in sizes.items()
                                                 if k in present})
        names = [a.strip() for a in d.numpy_source().split("def gradient(")[1]
                 .split(")")[0].split(",")]
        args = {k: vals[k] for k in names}

        def ag_target(x, args=args, wrt=wrt, fn=fn):
            return fn(anp, {**args, wrt: x})
        ag = autograd.grad(ag_target)
        ours = median_ms(lambda: grad_fn(**args))  # noqa: B023
        theirs = median_ms(lambda: ag(args[wrt]))  # noqa: B023
        diff = float(np.max(np.abs(grad_fn(**args) - ag(args[wrt]))))
        print(f"| {label} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.1f}x | {diff:.1e} |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-n", type=int, default=1000)
    ap.add_argument("--skip-check", action="store_true")
    args = ap.parse_args()
    if not args.skip_check:
        part1(args.max_n)
    part2()


if __name__ == "__main__":
    main()
