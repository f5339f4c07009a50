"""derive() time over the 206 reference and textbook cells (tests/cases.py REFERENCE and
tests/textbook.py TEXTBOOK), mixed layout.

    python benchmarks/bench_cells.py [--repeat 5] [--profile] [--order 2]

For each cell: the median of ``repeat`` calls after a warm-up (wall and CPU time). Prints the
mean, median and maximum over the cells. ``--profile`` prints a cProfile of one pass over all
the cells instead (sorted by cumulative time). ``--order 2`` times ``derive(order=2)`` on
the cells whose target is scalar.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

from matdiff_magic import derive  # noqa: E402


def cells() -> list[tuple[str, str]]:
    from cases import REFERENCE
    from textbook import TEXTBOOK
    return list(REFERENCE) + [(t.cell, t.wrt) for t in TEXTBOOK]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--order", type=int, default=1, choices=(1, 2))
    args = ap.parse_args()
    cs = cells()
    if args.order == 2:
        cs = [(c, w) for c, w in cs if derive(c, wrt=w).target.is_scalar]

    def run(c: str, w: str) -> None:
        derive(c, wrt=w, order=args.order)
    if args.profile:
        import cProfile
        import pstats
        for c, w in cs:   # warm-up: imports and first-call costs out of the profile
            run(c, w)
        pr = cProfile.Profile()
        pr.enable()
        for c, w in cs:
            run(c, w)
        pr.disable()
        pstats.Stats(pr).sort_stats(args.sort).print_stats(args.limit)
        return
    wall, cpu = [], []
    for c, w in cs:
        run(c, w)
        tw, tc = [], []
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            run(c, w)
            tc.append(time.process_time() - c0)
            tw.append(time.perf_counter() - w0)
        wall.append(statistics.median(tw) * 1e3)
        cpu.append(statistics.median(tc) * 1e3)
    for label, xs in (("wall", wall), ("CPU", cpu)):
        print(f"{label}: mean {statistics.mean(xs):.2f} ms, median {statistics.median(xs):.2f}"
              f" ms, max {max(xs):.2f} ms over {len(xs)} cells")


if __name__ == "__main__":
    main()
