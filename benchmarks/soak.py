"""Soak test: N random well-typed cells through derive + the numerical check.

    python benchmarks/soak.py                 # 10,000 cases, seed 0
    python benchmarks/soak.py --n 500 --seed 7 --time-limit 900
    python benchmarks/soak.py --n 2000 --extra   # + round trip, layout, numpy_source

Case i is generated from ``random.Random(f"{seed}:{i}")`` by tests/strategies.py (the same
generator the hypothesis property tests use), so any case can be replayed on its own with
``--only i``. Each case is judged by tests/oracle.py: pass, excluded (numerically
ill-conditioned at the random point: counted and reported by reason), or fail (printed with
its cell). The summary gives the counts, the slowest case and the peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from oracle import extra_problems, judge, signature  # noqa: E402
from strategies import random_case  # noqa: E402


def progress(i: int, n: int, t0: float, counts: collections.Counter, width: int = 30) -> str:
    done = i / n if n else 1.0
    bar = "#" * int(width * done) + "." * (width - int(width * done))
    el = time.perf_counter() - t0
    eta = el / i * (n - i) if i else 0.0
    return (f"\r[{bar}] {i}/{n} {el:6.0f}s eta {eta:5.0f}s  pass {counts['pass']} "
            f"excl {counts['excluded']} fail {counts['fail']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of cases (default 10,000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    ap.add_argument("--max-depth", type=int, default=6)
    ap.add_argument("--time-limit", type=float, default=None,
                    help="stop after this many seconds (the summary says how many ran)")
    ap.add_argument("--show", type=int, default=3,
                    help="failing cells printed per failure kind (default 3)")
    ap.add_argument("--only", type=int, default=None, help="run case number ONLY alone")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    ap.add_argument("--extra", action="store_true",
                    help="also check the printing round trip, the denominator layout and "
                         "numpy_source() of every derivation (slower)")
    args = ap.parse_args(argv)

    indices = [args.only] if args.only is not None else range(args.n)
    n = len(indices)
    counts: collections.Counter = collections.Counter()
    excl: collections.Counter = collections.Counter()
    fails: dict[str, list[tuple[int, object, str]]] = collections.defaultdict(list)
    slowest = (0.0, -1, None)
    t0 = time.perf_counter()
    ran = 0
    tty = sys.stderr.isatty()
    for i in indices:
        if args.time_limit is not None and time.perf_counter() - t0 > args.time_limit:
            break
        case = random_case(random.Random(f"{args.seed}:{i}"), args.max_depth)
        t = time.perf_counter()
        out = judge(case)
        if args.extra and out.derivation is not None:
            problems = extra_problems(case, out.derivation)
            if problems and out.status != "fail":
                prop, text = problems[0]
                out.status, out.reason = "fail", f"{prop}: {signature(text)}"
                out.detail = "; ".join(f"{k}: {v}" for k, v in problems)
        dt = time.perf_counter() - t
        ran += 1
        counts[out.status] += 1
        if out.status == "excluded":
            excl[out.reason] += 1
        elif out.status == "fail":
            fails[out.reason].append((i, case, out.detail))
        if dt > slowest[0]:
            slowest = (dt, i, case)
        if not args.quiet and (tty and ran % 10 == 0 or ran % 500 == 0 or ran == n):
            end = "" if tty else "\n"
            print(progress(ran, n, t0, counts), end=end, file=sys.stderr, flush=True)
    if not args.quiet and tty:
        print(file=sys.stderr)
    total = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    for reason, items in sorted(fails.items(), key=lambda kv: -len(kv[1])):
        print(f"\n=== FAIL ({len(items)}x): {reason}")
        for i, case, detail in items[:args.show]:
            print(f"--- case {i} (replay: --seed {args.seed} --only {i}), wrt={case.wrt}")
            print(case.cell)
            print("  >> " + detail.strip().replace("\n", "\n     ")[:1200])
    print("\n=== summary")
    print(f"cases run:   {ran} of {n} (seed {args.seed}, max depth {args.max_depth})")
    print(f"passed:      {counts['pass']}")
    print(f"excluded:    {counts['excluded']}  " +
          ", ".join(f"{k}: {v}" for k, v in excl.most_common()))
    print(f"failures:    {counts['fail']}  " +
          "; ".join(f"{len(v)}x {k}" for k, v in sorted(fails.items(), key=lambda kv:
                                                          -len(kv[1]))))
    from matdiff_magic.algebra.simplify import FALLBACKS
    print(f"simplifier:  {FALLBACKS[0]} fallbacks to the rules' form (a candidate search that "
          "failed)")
    print(f"time:        {total:.1f} s ({1000 * total / max(ran, 1):.1f} ms a case)")
    if slowest[2] is not None:
        print(f"slowest:     case {slowest[1]}, {slowest[0]:.2f} s, wrt={slowest[2].wrt}:")
        print("    " + slowest[2].cell.replace("\n", "\n    "))
    print(f"peak memory: {peak_kb / 1024:.0f} MB (ru_maxrss)")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
