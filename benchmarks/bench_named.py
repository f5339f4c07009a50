"""What answers in named parts cost: derive's median over the reference and textbook cells
against the median time of the naming pass (``Derivation.named()``, made when a result is
first shown), per cell, in one process. SPEC §12's budget: naming costs at most 20 % of
derive's median. Run from the repository root: python benchmarks/bench_named.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cases import REFERENCE  # noqa: E402
from textbook import TEXTBOOK  # noqa: E402

from matdiff_magic import derive  # noqa: E402
from matdiff_magic.render.named import named_form  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cells = list(REFERENCE) + [(t.cell, t.wrt) for t in TEXTBOOK]
    t_derive, t_named, named = [], [], 0
    for cell, wrt in cells:
        best_d = best_n = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            d = derive(cell, wrt=wrt)
            t1 = time.perf_counter()
            form = named_form(d.result, d.cell)
            t2 = time.perf_counter()
            best_d, best_n = min(best_d, t1 - t0), min(best_n, t2 - t1)
        named += form is not None
        t_derive.append(best_d)
        t_named.append(best_n)
    md, mn = statistics.median(t_derive), statistics.median(t_named)
    print(f"{len(cells)} cells, {named} with a where-form")
    print(f"derive median        {md * 1e3:7.3f} ms")
    print(f"naming median        {mn * 1e3:7.3f} ms  ({100 * mn / md:.1f} % of derive)")
    print(f"naming, slowest cell {max(t_named) * 1e3:7.3f} ms")


if __name__ == "__main__":
    main()
