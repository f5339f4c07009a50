"""Generated Hessians and Hessian-vector products against autograd, JAX and PyTorch.

    python benchmarks/bench_hessian.py [--quick] [--skip-heavy]

Needs the ``bench`` extra (``pip install -e ".[bench]"``; PyTorch as the CPU wheel, e.g.
``pip install torch==2.13.0``). Everything runs on the CPU in float64. For each case the
matdiff-magic functions are the ones ``numpy_source()`` writes (``hessian`` and ``hvp``),
executed as they are; the others are

* autograd: ``autograd.hessian(f)`` and ``autograd.hessian_vector_product(f)``;
* JAX: ``jax.jit(jax.hessian(f))`` and ``jax.jit`` of forward-over-reverse
  ``jvp(grad(f))``, timed after compilation (the compile time is printed apart);
* PyTorch: ``torch.func.hessian(f)`` (jacfwd over jacrev) and ``torch.func.jvp`` of
  ``torch.func.grad(f)``.

All tools run with the same number of threads (``--threads``, default 1). Each figure is
the median wall time of repeated calls (at least 3, more while the total stays
under a second); every tool's Hessian is compared with ours (relative difference printed).
Also: the median time of ``derive(..., order=2)`` on the reference cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _threads() -> str:
    """--threads N, read before NumPy, JAX and PyTorch start their thread pools."""
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


THREADS = _threads()
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = THREADS
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                           + ("false" if THREADS == "1" else "true")).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))


def timeit(fn, budget: float = 1.0, min_reps: int = 3, max_reps: int = 50) -> float:
    times: list[float] = []
    t_end = time.perf_counter() + budget
    while len(times) < min_reps or (time.perf_counter() < t_end and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if times[-1] > 5 * budget and len(times) >= min_reps:
            break   # slow: the minimum number of repeats is enough
    return statistics.median(times)


def sig(xp, z):
    return 1.0 / (1.0 + xp.exp(-z))


def _slogdet(xp, X):
    if xp.__name__ == "torch":
        return xp.linalg.slogdet(X)[1]
    return xp.linalg.slogdet(X)[1]


# name, cell, variable, values(rng) -> dict, f(xp, var, consts) -> scalar
CASES = [
    ("xᵀAx, n = 100", "x : n\nA : n x n\nx' A x", "x",
     lambda r: {"x": r.standard_normal((100, 1)), "A": r.standard_normal((100, 100))},
     lambda xp, v, c: xp.sum(v * (c["A"] @ v))),
    ("xᵀAx, n = 1000", "x : n\nA : n x n\nx' A x", "x",
     lambda r: {"x": r.standard_normal((1000, 1)), "A": r.standard_normal((1000, 1000))},
     lambda xp, v, c: xp.sum(v * (c["A"] @ v))),
    ("logistic regression, N = 1000, d = 100",
     "X : N x d\nw : d\ny : N\n-(y' log(sigmoid(X w)) + (1_N - y)' log(1_N - sigmoid(X w)))",
     "w",
     lambda r: {"X": r.standard_normal((1000, 100)) / 10, "w": r.standard_normal((100, 1)),
                "y": (r.random((1000, 1)) > 0.5).astype(float)},
     lambda xp, v, c: -xp.sum(c["y"] * xp.log(sig(xp, c["X"] @ v))
                              + (1 - c["y"]) * xp.log(1 - sig(xp, c["X"] @ v)))),
    ("least squares ‖AX − B‖²_F, A 200×40, X 40×30",
     "A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X",
     lambda r: {"A": r.standard_normal((200, 40)), "X": r.standard_normal((40, 30)),
                "B": r.standard_normal((200, 30))},
     lambda xp, v, c: xp.sum((c["A"] @ v - c["B"]) ** 2)),
    ("logdet X, n = 100", "X : n x n\nlogdet(X)", "X",
     lambda r: {"X": r.standard_normal((100, 100)) / 10 + np.eye(100)},
     lambda xp, v, c: _slogdet(xp, v)),
]


def to_vec_hessian(H4: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(m, n, m, n) or (m, 1, m, 1) Hessian tensor -> (mn) x (mn), column-major vec."""
    m, n = shape
    return np.asarray(H4).reshape(m, n, m, n).transpose(1, 0, 3, 2).reshape(m * n, m * n)


def ours(cell: str, wrt: str, vals: dict):
    from matdiff_magic import derive
    h = derive(cell, wrt=wrt, order=2)
    ns: dict = {}
    src = h.numpy_source()
    exec(compile(src, "<matdiff-generated>", "exec"), ns)   # our own generated code
    params = src.split("def hessian(")[1].split(")")[0].replace(" ", "").split(",")
    args = [vals[p] for p in params if p and p != "*"]
    return (lambda: ns["hessian"](*args)), (lambda V: ns["hvp"](*args, V))


def run_case(name, cell, wrt, make, f, tools, heavy_ok: bool, quick: bool):
    rng = np.random.default_rng(0)
    vals = make(rng)
    X0 = vals[wrt]
    V = rng.standard_normal(X0.shape)
    consts = {k: v for k, v in vals.items() if k != wrt}
    budget = 0.3 if quick else 1.0
    row = {"case": name}
    hess, hvp = ours(cell, wrt, vals)
    H = hess()
    row["ours H"] = timeit(hess, budget)
    row["ours HVP"] = timeit(lambda: hvp(V), budget)
    ref_hv = H @ V.reshape(-1, order="F")
    errs = {}
    dense_ok = heavy_ok or X0.size <= 2000
    if "autograd" in tools:
        import autograd
        import autograd.numpy as anp

        def fa(v):
            return f(anp, v, consts)
        if dense_ok:
            Ha = autograd.hessian(fa)
            got = to_vec_hessian(Ha(X0), X0.shape)
            errs["autograd"] = np.max(np.abs(got - H)) / max(1, np.max(np.abs(H)))
            row["autograd H"] = timeit(lambda: Ha(X0), budget, min_reps=1 if X0.size > 2000
                                       else 3)
        hv = autograd.hessian_vector_product(fa)
        row["autograd HVP"] = timeit(lambda: hv(X0, V), budget)
        assert np.allclose(np.asarray(hv(X0, V)).reshape(-1, order="F"), ref_hv)
    if "jax" in tools:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        cj = {k: jnp.asarray(v) for k, v in consts.items()}

        def fj(v):
            return f(jnp, v, cj)
        xj, vj = jnp.asarray(X0), jnp.asarray(V)
        if dense_ok:
            Hj = jax.jit(jax.hessian(fj))
            t0 = time.perf_counter()
            got = to_vec_hessian(np.asarray(Hj(xj).block_until_ready()), X0.shape)
            row["jax compile"] = time.perf_counter() - t0
            errs["jax"] = np.max(np.abs(got - H)) / max(1, np.max(np.abs(H)))
            row["jax H"] = timeit(lambda: Hj(xj).block_until_ready(), budget)
        hvj = jax.jit(lambda x, v: jax.jvp(jax.grad(fj), (x,), (v,))[1])
        hvj(xj, vj).block_until_ready()
        row["jax HVP"] = timeit(lambda: hvj(xj, vj).block_until_ready(), budget)
        assert np.allclose(np.asarray(hvj(xj, vj)).reshape(-1, order="F"), ref_hv)
    if "torch" in tools:
        import torch
        from torch.func import grad, hessian, jvp
        torch.set_num_threads(int(THREADS))
        ct = {k: torch.as_tensor(v) for k, v in consts.items()}

        def ft(v):
            return f(torch, v, ct)
        xt, vt = torch.as_tensor(X0), torch.as_tensor(V)
        if dense_ok:
            Ht = hessian(ft)
            got = to_vec_hessian(Ht(xt).numpy(), X0.shape)
            errs["torch"] = np.max(np.abs(got - H)) / max(1, np.max(np.abs(H)))
            row["torch H"] = timeit(lambda: Ht(xt), budget, min_reps=1 if X0.size > 2000
                                    else 3)
        row["torch HVP"] = timeit(lambda: jvp(grad(ft), (xt,), (vt,))[1], budget)
        assert np.allclose(jvp(grad(ft), (xt,), (vt,))[1].numpy().reshape(-1, order="F"),
                           ref_hv)
    row["errs"] = errs
    return row


def fmt(t: float | None) -> str:
    if t is None:
        return "–"
    return f"{t * 1e3:.2f}" if t < 10 else f"{t * 1e3:.0f}"


def derive_latency(repeat: int) -> tuple[float, float, int]:
    from cases import REFERENCE

    from matdiff_magic import derive
    cells = [(c, w) for c, w in REFERENCE if derive(c, wrt=w).kind == "gradient"]
    meds = []
    for c, w in cells:
        derive(c, wrt=w, order=2)
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            derive(c, wrt=w, order=2)
            ts.append(time.perf_counter() - t0)
        meds.append(statistics.median(ts))
    return statistics.median(meds), max(meds), len(cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter timing budget")
    ap.add_argument("--skip-heavy", action="store_true",
                    help="no dense Hessian beyond 2000 variables (logdet n = 100: 10⁸ entries)")
    ap.add_argument("--tools", default="autograd,jax,torch")
    ap.add_argument("--threads", default="1", help="BLAS / PyTorch / XLA threads (default 1: "
                    "the reference machine's 2 cores are shared, one thread is steadier)")
    args = ap.parse_args()
    tools = args.tools.split(",")
    med, mx, k = derive_latency(5 if args.quick else 20)
    print(f"derive(order=2): median {med * 1e3:.1f} ms over {k} reference cases "
          f"(max {mx * 1e3:.1f} ms)\n")
    cols = ["ours H", "autograd H", "jax H", "torch H", "ours HVP", "autograd HVP", "jax HVP",
            "torch HVP"]
    print("| case | " + " | ".join(c + " (ms)" for c in cols) + " | jax compile (ms) |")
    print("|---|" + "---:|" * (len(cols) + 1))
    notes = []
    for name, cell, wrt, make, f in CASES:
        row = run_case(name, cell, wrt, make, f, tools, not args.skip_heavy, args.quick)
        print(f"| {name} | " + " | ".join(fmt(row.get(c)) for c in cols)
              + f" | {fmt(row.get('jax compile'))} |", flush=True)
        notes.append(f"{name}: Hessians agree with ours to "
                     + ", ".join(f"{t} {e:.0e}" for t, e in row["errs"].items()))
    print()
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
