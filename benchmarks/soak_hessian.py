"""Soak: Hessians of random well-typed scalar cells, each derived and checked.

    python benchmarks/soak_hessian.py [--n 1000] [--seed 0]

Cells come from the property tests' generator (tests/strategies.py); those whose target is
scalar go through ``derive(cell, wrt, order=2)`` and ``check()`` (H against finite
differences of the gradient, H = Hᵀ, and the gradient against differences of f). Prints a
summary: passed, failed checks, MatdiffErrors by message, other exceptions (bugs), hangs
(more than 20 s), and the first failing cells.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from strategies import random_case  # noqa: E402

from matdiff_magic import MatdiffError, derive  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(args.seed)
    stats: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()
    fails = []
    slowest = (0.0, "")
    t0 = time.perf_counter()
    n = 0
    while n < args.n:
        case = random_case(rng, max_depth=5)
        try:
            if derive(case.cell, wrt=case.wrt).kind != "gradient":
                continue
        except Exception:  # noqa: BLE001 - first-order problems are soak.py's business
            continue
        n += 1
        t = time.perf_counter()
        signal.alarm(20)
        try:
            h = derive(case.cell, wrt=case.wrt, order=2)
            r = h.check()
            stats["passed" if r.passed else "failed"] += 1
            if not r.passed:
                fails.append((case, r.text()))
        except MatdiffError as exc:
            stats["MatdiffError"] += 1
            errors[exc.message[:70]] += 1
        except Hang:
            stats["hang"] += 1
            fails.append((case, "hang"))
        except Exception:  # noqa: BLE001 - a bug
            stats["exception"] += 1
            fails.append((case, traceback.format_exc()[-800:]))
        finally:
            signal.alarm(0)
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, case.cell.splitlines()[-1])
    total = time.perf_counter() - t0
    print(f"{n} scalar cells (seed {args.seed}): " + ", ".join(f"{k} {v}" for k, v in
                                                             stats.most_common()))
    print(f"time {total:.1f} s ({total / max(n, 1) * 1e3:.1f} ms / cell); slowest "
          f"{slowest[0]:.2f} s: {slowest[1]}")
    for msg, k in errors.most_common():
        print(f"  MatdiffError x{k}: {msg}")
    for case, msg in fails[:10]:
        print(f"--- wrt {case.wrt}\n{case.cell}\n{msg}")
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
