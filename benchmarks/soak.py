"""Soak test: N random well-typed cells through derive + the numerical check.

    python benchmarks/soak.py                 # 10,000 cases, seed 0
    python benchmarks/soak.py --n 500 --seed 7 --time-limit 900
    python benchmarks/soak.py --n 2000 --extra   # + round trip, layout, numpy_source

Case i is generated from ``random.Random(f"{seed}:{i}")`` by tests/strategies.py (the same
generator the hypothesis property tests use), or, for one case in five, by ``SpectralGen``
below (eigenvalues, eigenvectors, singular values, norms and matrix functions inside their
domains), so any case can be replayed on its own with ``--only i``. Each case is judged by
tests/oracle.py: pass, excluded (numerically ill-conditioned at the random point: counted and
reported by reason), or fail (printed with its cell). The summary gives the counts, the
slowest case and the peak memory (ru_maxrss).
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
from strategies import ATOM, ONE, SCALAR, CellGen, RandomSource, Term, random_case  # noqa: E402

SPECTRAL_SHARE = 0.2   # of the cases: a spectral function or a matrix function (SPEC §10)


class SpectralGen(CellGen):
    """Cells with eigenvalues, eigenvectors, singular values, norms and matrix functions of
    generated arguments, each inside the domain its derivative needs (so the sampler's
    points honour it): λ_max, λ_min, eig and the eigenvectors of a symmetric form (a declared
    symmetric S, S + AᵀA with S spd, Aᵀ S A, inv(P)) whose eigenvalues are simple at random
    points; expm, sinm, cosm of a tame argument; sqrtm and logm of an spd one; svd, the
    spectral and nuclear norms and cond of a declared (full rank) matrix; the vector norms
    and max, min of a term kept off their kinks. The target is one of them, or one of them
    in a composition (a scale, a sum, an element-wise function)."""

    def symmetric_arg(self, k, d: int) -> Term:
        o = self.src.pick(("sym", "sym", "gram", "congruence", "scale", "inverse", "sum"))
        if o == "gram":      # S + AᵀA, S spd: positive definite, eigenvalues apart
            a = self.symbol_term((self.base_dim(0), k))
            return self.t_add(self.symbol_term((k, k), "spd"),
                              self.t_mul(self.t_transpose(a), a))
        if o == "congruence":   # Aᵀ S A with A invertible, S symmetric
            a = self.symbol_term((k, k), "inv")
            return self.t_mul(self.t_mul(self.t_transpose(a), self.sym((k, k))), a)
        if o == "scale":
            return self.t_mul(self.number(), self.sym((k, k)))
        if o == "inverse":
            return self.t_call("inv", self.symbol_term((k, k), "spd"))
        if o == "sum":
            return self.t_add(self.sym((k, k)), self.sym((k, k)))
        return self.sym((k, k))

    def sym(self, shape) -> Term:
        fits = [s for s in self.symbols.values() if s.shape == shape and s.props in
                (("symmetric",), ("spd",))]
        if fits and self.src.flip(0.6):
            s = self.src.pick(fits)
        else:
            s = self.new_symbol(shape, "spd" if self.src.flip(0.3) else None)
            s.props = s.props if s.props == ("spd",) else ("symmetric",)
        return Term(s.name, ATOM, frozenset([s.name]))

    def declared(self, shape) -> Term:
        """A declared general matrix: full rank, its singular values apart."""
        s = self.new_symbol(shape)
        s.props = ()
        return Term(s.name, ATOM, frozenset([s.name]))

    def spectral_scalar(self, d: int) -> Term:
        k = self.base_dim(0)
        o = self.src.pick(("lambda", "lambda", "eigdot", "eigvec", "trf", "trf", "detexpm",
                           "opnorm", "nucnorm", "cond", "svd", "vnorm"))
        if o == "lambda":
            return self.t_call(self.src.pick(("lambda_max", "lambda_min")),
                               self.symmetric_arg(k, d))
        if o == "eigdot":    # cᵀ eig(S)
            return self.t_mul(self.t_transpose(self.gen((k, ONE), d)),
                              self.t_call("eig", self.symmetric_arg(k, d)))
        if o == "eigvec":    # cᵀ v_max(S), (cᵀ v)²: the eigenvectors' own differentials
            name = self.src.pick(("eigvec_max", "eigvec_min"))
            t = self.t_mul(self.t_transpose(self.gen((k, ONE), d)),
                           self.t_call(name, self.symmetric_arg(k, d)))
            return self.t_post(t, "^2") if self.src.flip(0.5) else t
        if o == "trf":
            f = self.src.pick(("expm", "sinm", "cosm", "sqrtm", "logm"))
            arg = self.spd((k, k), d) if f in ("sqrtm", "logm") else self.tame((k, k), d)
            inner = self.t_call(f, arg)
            if self.src.flip(0.4):   # tr(B f(X))
                inner = self.t_mul(self.gen((k, k), d), inner)
            return self.t_call("tr", inner)
        if o == "detexpm":
            return self.t_call("det", self.t_call("expm", self.tame((k, k), d)))
        shape = (self.base_dim(0), self.base_dim(0))
        if o == "opnorm":    # σ₁ of a term kept away from 0 (simple at random points)
            m = self.t_add(self.gen(shape, d), self.pos(shape, d))
            if "\\|" in m.text or self.src.flip(0.5):   # a norm inside \|...\| is ambiguous
                return self.t_call("opnorm", m)
            return Term(f"\\|{m.text}\\|_2", ATOM, m.syms)
        if o in ("nucnorm", "cond"):
            return self.t_call(o, self.declared(shape))
        if o == "svd":       # sum(f(σ)) of a declared matrix
            f = self.src.pick(("exp", "sqrt", "sin"))
            return self.t_call("sum", self.t_call(f, self.t_call("svd", self.declared(shape))))
        # a declared vector in the sum: entries nonzero and no two equal (no ties, no kinks)
        v = self.t_add(self.declared((k, ONE)), self.gen((k, ONE), d))
        return self.t_call(self.src.pick(("norm1", "norminf", "max", "min")), v)

    def spectral(self, shape, d: int) -> Term:
        r, c = shape
        if shape == SCALAR:
            return self.spectral_scalar(d)
        o = self.src.pick(("scale", "scale", "matfun", "eig", "eigvec"))
        if o == "matfun" and r == c:
            f = self.src.pick(("expm", "sinm", "cosm", "sqrtm", "logm", "expm_sym"))
            if f == "expm_sym":
                return self.t_call("expm", self.sym(shape))
            arg = self.spd(shape, d) if f in ("sqrtm", "logm") else self.tame(shape, d)
            return self.t_call(f, arg)
        if o in ("eig", "eigvec") and c.is_one:
            name = "eig" if o == "eig" else self.src.pick(("eigvec_max", "eigvec_min"))
            return self.t_call(name, self.symmetric_arg(r, d))
        return self.t_mul(self.spectral_scalar(d), self.gen(shape, d))

    def gen(self, shape, depth: int, top: bool = False) -> Term:
        if top or self.src.flip(0.08):
            return self.spectral(shape, max(depth - 1, 0))
        return super().gen(shape, depth, top)


def spectral_case(rng: random.Random, max_depth: int = 6):
    """A generated cell with a spectral function (SpectralGen) as its target."""
    return SpectralGen(RandomSource(rng), max_depth).case()


def draw(seed: int, i: int, max_depth: int):
    """Case i of a run: the shared generator's, or one cell in five a spectral one (its own
    random stream, so the other cases are the shared generator's as before)."""
    if random.Random(f"{seed}:{i}:spectral").random() < SPECTRAL_SHARE:
        return spectral_case(random.Random(f"{seed}:{i}"), max_depth)
    return random_case(random.Random(f"{seed}:{i}"), max_depth)


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
        case = draw(args.seed, i, args.max_depth)
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
