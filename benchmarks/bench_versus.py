"""Two versions of the code side by side, on the same cells, in interleaved processes.

    python benchmarks/bench_versus.py --base PATH [--rounds 5] [--repeat 5] [--wall]

PATH is another checkout of the repository (``git worktree add /tmp/base <commit>``); the
code of this checkout is the other side. Each round runs one worker process per side, in
alternating order (so that a change in the machine's load falls on both), and each worker
imports ``matdiff_magic`` from its own checkout and times, on the same cells (those of the
base checkout's tests, which both sides derive):

- ``derive``: derive() over the reference and textbook cells (tests/cases.py REFERENCE and
  tests/textbook.py TEXTBOOK, mixed layout), the median of ``repeat`` calls per cell;
- ``sympy``: derive() and SymPy's ``.diff`` on the cases of bench_derive.py, the ratio
  SymPy / derive per case;
- ``shown``: derive() followed by everything a display reads (``d.text()``, every step's
  ``.latex``, ``d.html()``), per cell, and that rendering alone, after the derive.

Times are the CPU time of the worker process (``time.process_time``), which the other
processes of a shared machine disturb far less than the wall time (``--wall``). Prints, per
side, the median over the rounds of each figure (its range in brackets), and the change.

    python benchmarks/bench_versus.py --base PATH --same-process [--repeat 5]

is the steadier comparison of the display: both versions imported into one process (copies
of the two packages under other names, in a temporary folder) and timed cell by cell in
alternation, so that a change in the machine's load falls on both alike. Per cell and side,
the least CPU time of ``repeat`` calls of derive, of derive + recording the steps, and of
derive + everything a display reads; printed: the medians over the cells, the sums, and the
median over the cells of the per-cell ratio after / before.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def _cells(root: pathlib.Path) -> list[tuple[str, str]]:
    sys.path.insert(0, str(root / "tests"))
    from cases import REFERENCE
    from textbook import TEXTBOOK
    return list(REFERENCE) + [(t.cell, t.wrt) for t in TEXTBOOK]


def worker(tree: str, repeat: int, wall: bool = False, cells_root: str | None = None) -> dict:
    """The figures of one side, from the code in ``tree``, over the reference and textbook
    cells of ``cells_root`` (the base's: cells that both sides derive)."""
    sys.path.insert(0, tree)
    import matdiff_magic
    assert pathlib.Path(matdiff_magic.__file__).resolve().is_relative_to(
        pathlib.Path(tree).resolve()), matdiff_magic.__file__
    from matdiff_magic import derive
    sys.path.insert(0, str(HERE))
    from bench_derive import CASES, median_ms, sympy_symbols
    clock = time.perf_counter if wall else time.process_time

    def median_ms_(fn, n, setup=None):
        return median_ms(fn, n, setup, clock)
    cells = _cells(pathlib.Path(cells_root) if cells_root else HERE.parent)
    out: dict = {}
    out["derive"] = statistics.median(
        median_ms_(lambda c=c, w=w: derive(c, wrt=w), repeat) for c, w in cells)

    def show(d) -> int:
        return len(d.text()) + sum(len(step.latex) for step in d.steps) + len(d.html())
    import inspect

    from matdiff_magic.render import html as _html
    tex_only = "mathml" in inspect.signature(_html.derivation_html).parameters

    def show_tex(d) -> int:   # the same without the MathML that static pages carry
        page = _html.derivation_html(d, mathml=False) if tex_only else d.html()
        return len(d.text()) + sum(len(step.latex) for step in d.steps) + len(page)
    shown, shown_tex, render = [], [], []
    for c, w in cells:
        shown.append(median_ms_(lambda c=c, w=w: show(derive(c, wrt=w)), repeat))
        shown_tex.append(median_ms_(lambda c=c, w=w: show_tex(derive(c, wrt=w)), repeat))
        ds = [derive(c, wrt=w) for _ in range(repeat + 1)]
        it = iter(ds)
        render.append(median_ms_(lambda it=it: show(next(it)), repeat))
    out["shown"] = statistics.median(shown)
    out["shown_tex"] = statistics.median(shown_tex)
    out["render"] = statistics.median(render)
    import sympy as s
    from sympy.core.cache import clear_cache
    ratios = []
    for _label, cell, wrt, sym in CASES:
        if sym is None:
            continue
        S = sympy_symbols(s, cell)
        e = sym(s, S)
        ours = median_ms_(lambda cell=cell, wrt=wrt: derive(cell, wrt=wrt), repeat * 6)
        theirs = median_ms_(lambda e=e, x=S[wrt]: s.diff(e, x), max(3, repeat),
                            setup=clear_cache)
        ratios.append(theirs / ours)
    out["sympy_ratio"] = statistics.median(ratios)
    return out


def same_process(base: str, repeat: int) -> None:
    """Both checkouts in this process, cell by cell in alternation (see the docstring)."""
    import shutil
    import tempfile
    root = pathlib.Path(tempfile.mkdtemp(prefix="bench_versus_"))
    try:   # the copies stay while the code runs: it imports some modules when first needed
        _same_process(root, base, repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _same_process(root: pathlib.Path, base: str, repeat: int) -> None:
    import importlib
    import inspect
    import shutil
    sides = {}
    for name, tree in (("before_pkg", base), ("after_pkg", str(HERE.parent))):
        shutil.copytree(pathlib.Path(tree) / "matdiff_magic", root / name)
    sys.path.insert(0, str(root))
    for name in ("before_pkg", "after_pkg"):
        pkg = importlib.import_module(name)
        page = importlib.import_module(name + ".render.html").derivation_html
        tex_only = "mathml" in inspect.signature(page).parameters

        def show(d, page=page, tex_only=tex_only) -> int:
            html = page(d, mathml=False) if tex_only else d.html()
            return len(d.text()) + sum(len(step.latex) for step in d.steps) + len(html)
        sides[name] = (pkg.derive, show)
    clock = time.process_time
    figures = ("derive", "recorded", "shown")
    best: dict = {k: {f: [] for f in figures} for k in sides}
    for cell, wrt in _cells(pathlib.Path(base)):
        least = {k: [float("inf")] * 3 for k in sides}
        for derive, show in sides.values():   # warm-up
            show(derive(cell, wrt=wrt))
        for r in range(repeat):
            for k in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                derive, show = sides[k]
                t0 = clock()
                d = derive(cell, wrt=wrt)
                t1 = clock()
                len(d.steps)   # records them
                t2 = clock()
                show(d)
                t3 = clock()
                least[k] = [min(a, b) for a, b in zip(least[k], (t1 - t0, t2 - t0, t3 - t0))]
        for k in sides:
            for f, v in zip(figures, least[k]):
                best[k][f].append(v * 1e3)
    labels = {"derive": "derive (ms)", "recorded": "derive + recording the steps (ms)",
              "shown": "derive + text, LaTeX, HTML of every step (ms)"}
    print("| figure | before: median | after: median | change | sum, change | "
          "per-cell ratio, median |")
    print("|---|---:|---:|---:|---:|---:|")
    for f in figures:
        b, a = best["before_pkg"][f], best["after_pkg"][f]
        mb, ma = statistics.median(b), statistics.median(a)
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"| {labels[f]} | {mb:.3g} | {ma:.3g} | {100 * (ma - mb) / mb:+.1f} % | "
              f"{100 * (sum(a) - sum(b)) / sum(b):+.1f} % | {ratio:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", help="the other checkout (the code before)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--wall", action="store_true", help="wall time instead of CPU time")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--cells", help=argparse.SUPPRESS)
    ap.add_argument("--same-process", action="store_true",
                    help="both versions in one process, cell by cell (the display figures)")
    args = ap.parse_args()
    if args.same_process:
        if not args.base:
            ap.error("--base PATH is required")
        same_process(str(pathlib.Path(args.base).resolve()), args.repeat)
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat, args.wall, args.cells)))
        return
    if not args.base:
        ap.error("--base PATH is required")
    sides = {"before": str(pathlib.Path(args.base).resolve()), "after": str(HERE.parent)}
    runs: dict[str, list[dict]] = {k: [] for k in sides}
    for r in range(args.rounds):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for k in order:
            p = subprocess.run([sys.executable, __file__, "--worker", sides[k],
                                "--repeat", str(args.repeat), "--cells", sides["before"]]
                               + ["--wall"] * args.wall,
                               capture_output=True, text=True, check=True)
            runs[k].append(json.loads(p.stdout))
            print(f"round {r + 1} {k}: {runs[k][-1]}", file=sys.stderr)
    labels = {"derive": "derive median over the cells (ms)",
              "sympy_ratio": "median ratio SymPy .diff / derive",
              "shown": "derive + text, LaTeX, HTML of every step (ms, median over cells)",
              "shown_tex": "the same, the HTML without its MathML (ms, median over cells)",
              "render": "text, LaTeX, HTML alone, after derive (ms, median over cells)"}
    print("| figure | before | after | change |")
    print("|---|---:|---:|---:|")
    for key, label in labels.items():
        b = statistics.median(x[key] for x in runs["before"])
        a = statistics.median(x[key] for x in runs["after"])
        lo_b, hi_b = min(x[key] for x in runs["before"]), max(x[key] for x in runs["before"])
        lo_a, hi_a = min(x[key] for x in runs["after"]), max(x[key] for x in runs["after"])
        print(f"| {label} | {b:.3g} ({lo_b:.3g}-{hi_b:.3g}) | {a:.3g} ({lo_a:.3g}-{hi_a:.3g})"
              f" | {100 * (a - b) / b:+.0f} % |")


if __name__ == "__main__":
    main()
