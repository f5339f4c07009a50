"""Time derive() on the reference cases against SymPy's MatrixSymbol.diff.

    python benchmarks/bench_derive.py [--repeat 30]

Prints a markdown table: median milliseconds for matdiff-magic's derive (parse, differential,
vectorize, simplify, steps) and for SymPy's matrix-expression diff of the same expression,
where SymPy can do it, and their ratio. Also the cost of `import matdiff_magic`.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import time

CASES = [
    ("A X B", "A : p x m\nX : m x n\nB : n x q\nA X B", "X",
     lambda s, S: S["A"] * S["X"] * S["B"]),
    ("X'", "X : m x n\nX'", "X", lambda s, S: S["X"].T),
    ("X Y' X", "X, Y : m x n\nZ = X Y' X", "X", lambda s, S: S["X"] * S["Y"].T * S["X"]),
    ("inv(X)", "X : n x n invertible\ninv(X)", "X", lambda s, S: S["X"].I),
    ("X .* X", "X : m x n\nX .* X", "X",
     lambda s, S: s.HadamardProduct(S["X"], S["X"])),
    ("A exp(B X C) D",
     "A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nF = A exp(B X C) D", "X", None),
    ("tr(A X B)", "A : p x m\nX : m x n\nB : n x p\nf = tr(A X B)", "X",
     lambda s, S: s.Trace(S["A"] * S["X"] * S["B"])),
    ("logdet(X)", "X : n x n spd\nlogdet(X)", "X", lambda s, S: s.log(s.Determinant(S["X"]))),
    ("det(X)", "X : n x n invertible\ndet(X)", "X", lambda s, S: s.Determinant(S["X"])),
    ("x' A x", "x : n\nA : n x n\nx' A x", "x", lambda s, S: S["x"].T * S["A"] * S["x"]),
    ("X^2", "X : n x n\nX^2", "X", lambda s, S: S["X"] ** 2),
    ("fro(A X - B)^2", "A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2", "X",
     lambda s, S: s.Trace((S["A"] * S["X"] - S["B"]).T * (S["A"] * S["X"] - S["B"]))),
    ("norm2(A x - b)^2", "A : q x n\nx : n\nb : q\nnorm2(A x - b)^2", "x",
     lambda s, S: ((S["A"] * S["x"] - S["b"]).T * (S["A"] * S["x"] - S["b"]))),
    ("kron(A, X)", "A : p x q\nX : m x n\nkron(A, X)", "X",
     lambda s, S: s.KroneckerProduct(S["A"], S["X"])),
    ("sigmoid(W x)", "W : m x n\nx : n\nsigmoid(W x)", "W", None),
    ("sum(tanh(W X).^2)", "W : m x n\nX : n x q\nH = tanh(W X)\nf = sum(H .* H)", "W", None),
    ("y' inv(S) y", "S : n x n spd\ny : n\ny' inv(S) y", "S",
     lambda s, S: S["y"].T * S["S"].I * S["y"]),
    ("tr(X' A X)", "X : m x n\nA : m x m\ntr(X' A X)", "X",
     lambda s, S: s.Trace(S["X"].T * S["A"] * S["X"])),
    ("B .* exp(X)", "X, B : m x n\nB .* exp(X)", "X", None),
    ("X' X + I", "X : m x n\nX' X + I", "X", lambda s, S: S["X"].T * S["X"] + s.Identity(S["n"])),
]


def median_ms(fn, repeat: int, setup=None, clock=time.perf_counter) -> float:
    """The median time of ``repeat`` calls of fn after a warm-up, in ms (``clock``: wall time,
    or time.process_time for the CPU time of this process)."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) * 1e3


def sympy_symbols(s, cell: str) -> dict:
    import matdiff_magic
    if (pathlib.Path(matdiff_magic.__file__).parent / "lang").is_dir():
        from matdiff_magic.lang.parse import parse_cell
    else:   # a checkout from before the stages had folders (the other side of bench_versus)
        from matdiff_magic.parse import parse_cell
    c = parse_cell(cell)
    syms = {}
    dims = {}
    for name, sym in c.symbols.items():
        shape = []
        for d in sym.shape:
            v = s.Integer(d.coef)
            for dn, k in d.factors:
                dims.setdefault(dn, s.Symbol(dn, integer=True, positive=True))
                v *= dims[dn] ** k
            shape.append(v)
        syms[name] = s.MatrixSymbol(name, *shape)
    syms.update(dims)
    return syms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    import sympy as s

    from matdiff_magic import derive

    rows = []
    ours_all = []
    for label, cell, wrt, sym in CASES:
        ours = median_ms(lambda: derive(cell, wrt=wrt), args.repeat)  # noqa: B023
        ours_all.append(ours)
        theirs = None
        if sym is not None:
            S = sympy_symbols(s, cell)
            try:
                e = sym(s, S)
                # SymPy caches results: clear the cache before each timed call
                from sympy.core.cache import clear_cache
                theirs = median_ms(lambda: s.diff(e, S[wrt]),  # noqa: B023
                                   max(3, args.repeat // 5),
                                   setup=clear_cache)
            except Exception as exc:  # noqa: BLE001 - SymPy may not support a case
                theirs = None
                print(f"  SymPy cannot do {label}: {type(exc).__name__}", file=sys.stderr)
        rows.append((label, ours, theirs))
    print("| expression | derive (ms) | SymPy diff (ms) | SymPy / derive |")
    print("|---|---:|---:|---:|")
    ratios = []
    for label, ours, theirs in rows:
        if theirs is None:
            print(f"| `{label}` | {ours:.2f} | n/a | |")
        else:
            ratios.append(theirs / ours)
            print(f"| `{label}` | {ours:.2f} | {theirs:.2f} | {theirs / ours:.0f}x |")
    print(f"\nmedian derive: {statistics.median(ours_all):.2f} ms over {len(rows)} cases; "
          f"max {max(ours_all):.2f} ms; median ratio SymPy/derive "
          f"{statistics.median(ratios):.0f}x over {len(ratios)} cases SymPy can do")
    imp = [subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); "
                           "import matdiff_magic; print(time.perf_counter()-t)"],
                          capture_output=True, text=True, check=True) for _ in range(5)]
    t = statistics.median(float(p.stdout) for p in imp)
    ext = [subprocess.run([sys.executable, "-c", "import IPython, time; "
                           "t=time.perf_counter(); "
                           "import matdiff_magic, matdiff_magic.notebook.magic; "
                           "print(time.perf_counter()-t)"],
                          capture_output=True, text=True, check=True) for _ in range(5)]
    te = statistics.median(float(p.stdout) for p in ext)
    print(f"import matdiff_magic: {t * 1e3:.1f} ms; the magic module in a process that "
          f"already runs IPython (what %load_ext adds): {te * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
