"""How long are the engine's answers next to the textbook's?

For every entry of the reference table in tests/textbook.py: derive the cell, then compare
the size of the result's expression tree with the size of the textbook answer's (parsed
with the cell's symbols). Prints the distribution of the ratio result / textbook (min,
median, max, how many are no larger, a histogram), the entries whose ratio is above 1, and
the time derive takes per entry (median and maximum over the table).

    python benchmarks/textbook_sizes.py [--repeat N] [--markdown]

``--markdown`` prints the same figures as a section for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from textbook import TEXTBOOK  # noqa: E402

from matdiff_magic import derive  # noqa: E402
from matdiff_magic.algebra import expr as E  # noqa: E402
from matdiff_magic.lang.parse import parse_expr  # noqa: E402

BINS = [(0.0, 0.5), (0.5, 0.75), (0.75, 1.0), (1.0, 1.0), (1.0, 1.25), (1.25, 1.5),
        (1.5, 2.0), (2.0, 3.0), (3.0, float("inf"))]


def _bin_label(lo: float, hi: float) -> str:
    if lo == hi:
        return f"= {lo:.2f}"
    if hi == float("inf"):
        return f"> {lo:.2f}"
    return f"[{lo:.2f}, {hi:.2f})" if hi <= 1.0 else f"({lo:.2f}, {hi:.2f}]"


def _in_bin(r: float, lo: float, hi: float) -> bool:
    """Bins below 1 are [lo, hi), 1 itself is a bin, bins above 1 are (lo, hi]."""
    if lo == hi:
        return r == lo
    return lo <= r < hi if hi <= 1.0 else lo < r <= hi


def measure(repeat: int = 5) -> list[dict]:
    rows = []
    for entry in TEXTBOOK:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            d = derive(entry.cell, wrt=entry.wrt)
            times.append(time.perf_counter() - t0)
        ans = parse_expr(entry.answer, d.cell.symbols)
        got, want = E.notation_size(d.result), E.notation_size(ans)
        rows.append({"id": entry.id, "result": str(d.result), "textbook": str(ans),
                     "size": got, "textbook_size": want, "ratio": got / want,
                     "ms": 1000 * min(times)})
    return rows


def markdown(rows: list[dict], repeat: int) -> str:
    """The figures as a Markdown section: summary, histogram and the entries above 1."""
    ratios = sorted(r["ratio"] for r in rows)
    ms = [r["ms"] for r in rows]
    out = [f"Textbook table (`tests/textbook.py`, {len(rows)} entries), size of the result's "
           "expression tree over the textbook answer's:", "",
           "| min | median | max | ratio <= 1 | ratio < 1 | derive median | derive max |",
           "|---|---|---|---|---|---|---|",
           f"| {ratios[0]:.2f} | {statistics.median(ratios):.2f} | {ratios[-1]:.2f} | "
           f"{sum(r <= 1 for r in ratios)}/{len(rows)} | {sum(r < 1 for r in ratios)} | "
           f"{statistics.median(ms):.2f} ms | {max(ms):.2f} ms |", "",
           "| ratio | entries |", "|---|---|"]
    for lo, hi in BINS:
        out.append(f"| {_bin_label(lo, hi)} | {sum(_in_bin(r, lo, hi) for r in ratios)} |")
    worse = sorted((r for r in rows if r["ratio"] > 1), key=lambda r: -r["ratio"])
    if worse:
        out += ["", "| entry | ratio | result | textbook |", "|---|---|---|---|"]
        for r in worse:
            out.append(f"| {r['id']} | {r['ratio']:.2f} | `{r['result']}` | "
                       f"`{r['textbook']}` |")
    out.append(f"\n(derive times: best of {repeat} calls per entry)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="derive calls per entry (min taken)")
    ap.add_argument("--markdown", action="store_true", help="print a README section")
    args = ap.parse_args(argv)
    rows = measure(args.repeat)
    if args.markdown:
        print(markdown(rows, args.repeat))
        return
    ratios = sorted(r["ratio"] for r in rows)
    n = len(rows)
    print(f"textbook table: {n} entries")
    print(f"size ratio result/textbook: min {ratios[0]:.2f}, median "
          f"{statistics.median(ratios):.2f}, max {ratios[-1]:.2f}")
    le1 = sum(r <= 1 for r in ratios)
    print(f"no larger than the textbook (ratio <= 1): {le1}/{n}; shorter (< 1): "
          f"{sum(r < 1 for r in ratios)}; equal: {sum(r == 1 for r in ratios)}")
    print("\nhistogram of ratios")
    for lo, hi in BINS:
        count = sum(_in_bin(r, lo, hi) for r in ratios)
        print(f"  {_bin_label(lo, hi):>14}  {count:4d}  {'#' * count}")
    ms = [r["ms"] for r in rows]
    slow = max(rows, key=lambda r: r["ms"])
    print(f"\nderive time per entry: median {statistics.median(ms):.2f} ms, max "
          f"{max(ms):.2f} ms ({slow['id']}), best of {args.repeat}")
    worse = sorted((r for r in rows if r["ratio"] > 1), key=lambda r: -r["ratio"])
    print(f"\nentries with ratio > 1: {len(worse)}")
    for r in worse:
        print(f"  {r['id']}: ratio {r['ratio']:.2f} ({r['size']} vs {r['textbook_size']})")
        print(f"      result:   {r['result']}")
        print(f"      textbook: {r['textbook']}")


if __name__ == "__main__":
    main()
