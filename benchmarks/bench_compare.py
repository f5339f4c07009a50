"""Time Derivation.compare on claims of every diagnosis.

    python benchmarks/bench_compare.py [--repeat 30]

Prints a markdown table: the median milliseconds of ``d.compare(claim)`` (parse the claim,
the symbolic shortcut, then the random points and the diagnoses), with the derivation made
once beforehand, and the diagnosis found.
"""

from __future__ import annotations

import argparse
import statistics
import time

from matdiff_magic import derive

XAX = "x : n\nA : n x n\nx' A x"
CASES = [
    (XAX, "x", "(A + A')x"),            # symbolic shortcut
    (XAX, "x", "A x + A' x"),           # numerical
    ("A : n x m\nX : m x p\nB : p x n\ntr(A X B)", "X", "B A"),
    ("X : m x n\ntr(X' X)", "X", "X"),
    (XAX, "x", "A x"),
    (XAX, "x", "(A + A')x + A x"),
    (XAX, "x", "2 A x"),
    ("x : n\nA, B, C : n x n\nx' A x + x' B x + x' C x", "x", "2 (A + B + C) x"),
    (XAX, "x", "A"),
    (XAX, "x", "exp(x)"),
    ("X, Y : m x n\nZ = X Y' X", "X", "kron(I_n, X Y')"),
    ("W : m x n\nX : n x q\nH = tanh(W X)\nf = sum(H .* H)", "W", "2 H X'"),
    ("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X", "2 A'(A X + B)"),
    ("A : p x m\nX : m x n\nB : n x q\nA X B", "X", "kron(A, B')"),
    ("A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X", "2 (A X - B)"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    print("| target | claim | diagnosis | compare (ms) |")
    print("|---|---|---|---:|")
    times = []
    for cell, wrt, claim in CASES:
        d = derive(cell, wrt=wrt)
        v = d.compare(claim)   # warm-up
        runs = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            d.compare(claim)
            runs.append(time.perf_counter() - t)
        ms = statistics.median(runs) * 1e3
        times.append(ms)
        print(f"| `{cell.splitlines()[-1]}` | `{claim}` | {v.diagnosis} | {ms:.1f} |")
    print(f"\nmedian {statistics.median(times):.1f} ms, max {max(times):.1f} ms over "
          f"{len(times)} claims")


if __name__ == "__main__":
    main()
