"""Kernel-side timing of the magic: from running a %%matdiff cell to the stepper built.

Runs the cell in an in-process IPython shell (the displayed outputs are captured, which is
when the widget and the static output next to it get built), repeats it like %timeit and
prints a markdown table of the median. The first cell of a fresh process is timed on its
own: it pays for importing the engine and ipywidgets.

    python benchmarks/bench_magic.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

SEED = "X, Y : m x n\nZ = X Y' X"
# cells whose steps show commutation matrices / diag(vec A): the static output pictures them
GRAM = "X : m x n\nF = X' X"
SANDWICH = "A : p x m\nB : n x q\nX : m x n\nF = A exp(X) B"


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds per call, after one warm-up call; widgets are closed between calls."""
    import ipywidgets

    fn()
    out = []
    for _ in range(repeat):
        ipywidgets.Widget.close_all()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=30)
    repeat = ap.parse_args().repeat

    from IPython.testing.globalipapp import get_ipython
    from IPython.utils.capture import capture_output

    ip = get_ipython()
    t = time.perf_counter()
    ip.run_line_magic("load_ext", "matdiff_magic")
    load_ms = (time.perf_counter() - t) * 1e3

    def cell(options: str, source: str = SEED):
        def run():
            with capture_output() as cap:
                ip.run_cell(f"%%matdiff {options}\n{source}")
            assert cap.outputs and not cap.stderr, cap.stderr
        return run

    rows: list[tuple[str, list[float]]] = []
    t = time.perf_counter()
    cell("--wrt X")()
    rows.append(("first cell in a fresh kernel (imports engine + ipywidgets)",
                 [(time.perf_counter() - t) * 1e3]))
    rows.append(("`%%matdiff --wrt X`", timed(cell("--wrt X"), repeat)))
    rows.append(("`%%matdiff --wrt X --no-steps`", timed(cell("--wrt X --no-steps"), repeat)))
    rows.append(("`%%matdiff --wrt X --picture`", timed(cell("--wrt X --picture"), repeat)))
    rows.append(("`%%matdiff --wrt X` on `F = X' X` (5 step pictures of K)",
                 timed(cell("--wrt X", GRAM), repeat)))
    rows.append(("`%%matdiff --wrt X` on `F = A exp(X) B` (3 of diag(vec exp(X)))",
                 timed(cell("--wrt X", SANDWICH), repeat)))

    from matdiff_magic import derive
    d = derive(SEED, wrt="X")
    has_check = True
    try:
        d.check()
    except NotImplementedError:
        has_check = False
    if has_check:
        rows.append(("`%%matdiff --wrt X --check`", timed(cell("--wrt X --check"), repeat)))

    from matdiff_magic.notebook.widget import Stepper
    rows.append(("part: `derive(...)`", timed(lambda: derive(SEED, wrt="X"), repeat)))
    if has_check:
        rows.append(("part: `d.check()`", timed(lambda: d.check(), repeat)))
    rows.append(("part: `Stepper(d)` (widget built)", timed(lambda: Stepper(d), repeat)))
    rows.append(("part: `d.index_form()`", timed(lambda: d.index_form(), repeat)))
    rows.append(("part: `d.picture()`", timed(lambda: d.picture(), repeat)))

    def step_pictures():   # the picture button on, every step shown: all step pictures
        s = Stepper(derive(GRAM, wrt="X"))
        s.picture_button.value = True
        s.show_all = True
    rows.append(("part: `Stepper` of `X' X`, picture on, all steps shown",
                 timed(step_pictures, repeat)))

    def toggle():
        s = Stepper(d)
        s.layout_toggle.value = "denominator"
    rows.append(("`Stepper(d)` + layout switch (re-derive)", timed(toggle, repeat)))

    print(f"`%load_ext matdiff_magic`: {load_ms:.1f} ms\n")
    print(f"Seed example `{SEED!r}`, median of {repeat} runs after a warm-up:\n")
    print("| case | median (ms) | min (ms) | runs |")
    print("|---|---:|---:|---:|")
    for name, times in rows:
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} | {len(times)} |")
    if not has_check:
        print("\n(`--check` not timed: Derivation.check is not available yet)")


if __name__ == "__main__":
    main()
