"""Mutation testing of the numerical check: how many wrong results does check() catch?

    python benchmarks/mutation.py [--random 200] [--limit 16]

For every reference case (tests/cases.py, tests/test_reference.py, the new element-wise
functions) and for random well-typed
cells from the property generator (tests/strategies.py, ``random.Random(f"mutation:{i}")``,
the same sample as tests/test_mutation.py), the engine's result and its mutants
(tests/mutants.py) go through ``check()`` with the full and the directional method. Prints a
Markdown table by kind of mutant: killed, equivalent (equal to the truth at independent
random points that honour the declarations: excluded, not counted as killed), survived, and
the kill rate = killed / (mutants - equivalent); and the false alarms (true results that
fail the check).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from cases import REFERENCE  # noqa: E402
from mutants import judge_mutants  # noqa: E402
from oracle import judge  # noqa: E402
from strategies import random_case  # noqa: E402
from test_reference import REFERENCE as _TEXTBOOK  # noqa: E402  (needs pytest)

from matdiff_magic import derive  # noqa: E402

TEXTBOOK = [(c, w) for _, c, w, *_ in _TEXTBOOK] + [("X : n x n invertible\nlogdet(X)", "X")]
ELEMENTWISE = [(f"A : p x m\nX : m x n\nB : n x q\nA {f}(X) B", "X")
               for f in ("tan", "softplus", "log1p", "expm1", "relu")] + [
    ("W : m x n\nx : n\ny : m\nsum(softplus(W x) - y .* (W x))", "W"),
    ("W : m x n\nV : p x m\nx : n\nnorm2(V relu(W x))^2", "W")]
METHODS = ("full", "directional")


def kind(label: str) -> str:
    what = label.split(":")[0]
    for k in ("transposed factor", "dropped term", "Kronecker swapped", "K removed",
              "K inserted"):
        if what.startswith(k):
            return k
    return what


def run(cells, limit, table, alarms) -> int:
    n = 0
    for cell, wrt in cells:
        d = derive(cell, wrt=wrt)
        r = judge_mutants(d, METHODS, limit=limit)
        n += 1
        alarms[0] += not r.truth_passed
        for status in ("killed", "equivalent", "survived"):
            for label in getattr(r, status):
                table[kind(label)][status] += 1
                if status == "survived":
                    print(f"SURVIVED {cell!r}: {label}", file=sys.stderr)
    return n


def print_table(title: str, table, cells: int, alarms: int, seconds: float) -> None:
    print(f"### {title}: {cells} results, {seconds:.1f} s\n")
    print("| mutant | mutants | killed | equivalent (excluded) | survived | kill rate |")
    print("|---|---:|---:|---:|---:|---:|")
    tot = collections.Counter()
    for k in sorted(table):
        c = table[k]
        total = c["killed"] + c["equivalent"] + c["survived"]
        tot.update(c)
        rate = c["killed"] / max(1, total - c["equivalent"])
        print(f"| {k} | {total} | {c['killed']} | {c['equivalent']} | {c['survived']} | "
              f"{100 * rate:.1f} % |")
    total = tot["killed"] + tot["equivalent"] + tot["survived"]
    rate = tot["killed"] / max(1, total - tot["equivalent"])
    print(f"| **all** | {total} | {tot['killed']} | {tot['equivalent']} | {tot['survived']} | "
          f"**{100 * rate:.1f} %** |")
    print(f"\nFalse alarms (true results failing the check): **{alarms}** of {cells}.\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=200)
    ap.add_argument("--limit", type=int, default=16)
    args = ap.parse_args()
    ref = list(dict.fromkeys([*REFERENCE, *TEXTBOOK, *ELEMENTWISE]))
    t = time.perf_counter()
    table: dict = collections.defaultdict(collections.Counter)
    alarms = [0]
    n = run(ref, None, table, alarms)
    print_table("reference cases", table, n, alarms[0], time.perf_counter() - t)
    t = time.perf_counter()
    gen, skipped = [], 0
    for i in range(args.random):
        case = random_case(random.Random(f"mutation:{i}"), max_depth=5)
        if judge(case).status == "pass":
            gen.append((case.cell, case.wrt))
        else:
            skipped += 1
    table = collections.defaultdict(collections.Counter)
    alarms = [0]
    n = run(gen, args.limit, table, alarms)
    print_table(f"generated cells ({skipped} of {args.random} not judged: ill-conditioned)",
                table, n, alarms[0], time.perf_counter() - t)


if __name__ == "__main__":
    main()
