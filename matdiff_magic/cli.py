"""The command line: ``matdiff "X Y' X" --wrt X --shape "X, Y: m x n"``."""

from __future__ import annotations

import argparse
import sys

from .errors import MatdiffError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matdiff",
        description="Differentiate a matrix expression by the differential method and "
                    "print the steps.",
        epilog="example: matdiff \"X Y' X\" --wrt X --shape \"X, Y: m x n\" --check; "
               "matdiff \"x' A x\" --wrt x --shape \"x: n\" --shape \"A: n x n\" "
               "--claim \"2 A x\"")
    p.add_argument("expression", help="the expression or a whole cell (declarations, "
                   "definitions, target on separate lines); '-' reads standard input")
    p.add_argument("--wrt", help="the variable (or comma-separated variables); vech(S) for a "
                   "symmetric or lower-triangular S, diag(X) for a diagonal X")
    p.add_argument("--shape", action="append", default=[], metavar="DECL",
                   help="a declaration such as 'X: m x n' or 'A: n x n spd' (repeatable)")
    p.add_argument("--layout", choices=("mixed", "numerator", "denominator"), default="mixed",
                   help="mixed (default): a gradient shaped like X, the Jacobian "
                        "d vec F/d (vec X)'; numerator: the gradient transposed, the Jacobian; "
                        "denominator: the gradient, the Jacobian transposed")
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of Unicode")
    p.add_argument("--no-steps", action="store_true", help="print only the result")
    p.add_argument("--check", action="store_true",
                   help="check the result numerically against finite differences")
    p.add_argument("--seed", type=int, default=0, help="seed for the random check")
    p.add_argument("--dims", default=None, help="sizes for the check, e.g. m=3,n=4")
    p.add_argument("--claim", default=None, metavar="ANSWER",
                   help="a claimed derivative to judge (exit status 1 when it is wrong)")
    p.add_argument("--order", type=int, default=1,
                   help="2: the Hessian d2f/d(vec X)d(vec X)' of a scalar target")
    p.add_argument("--wrt2", default=None, metavar="Y",
                   help="with --order 2: the mixed block d2f/d(vec X)d(vec Y)'")
    return p


def parse_dims(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        name, eq, val = part.partition("=")
        name, val = name.strip(), val.strip()
        if not eq or not name.isidentifier() or not val.isdigit() or int(val) <= 0:
            raise MatdiffError(f"bad --dims entry '{part.strip()}': use name=size, e.g. m=3")
        out[name] = int(val)
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from . import derive
    text = sys.stdin.read() if args.expression == "-" else args.expression
    try:
        ds = derive(text, wrt=args.wrt, layout=args.layout, shapes=args.shape,
                    order=args.order, wrt2=args.wrt2)
        ds = ds if isinstance(ds, list) else [ds]
        status = 0
        for d in ds:
            if args.no_steps:
                print(d.latex() if args.latex else d.result_unicode())
            elif args.latex:
                print("\n".join(s.latex for s in d.steps))
            else:
                print(d.text())
            if args.check:
                res = d.check(seed=args.seed, dims=parse_dims(args.dims))
                print(res.text())
                status = status or (0 if res.passed else 1)
        if args.claim is not None:
            if len(ds) != 1:
                raise MatdiffError("--claim needs one variable in --wrt")
            v = ds[0].compare(args.claim, seed=args.seed)
            print(v)
            status = status or (0 if v.correct else 1)
    except MatdiffError as exc:
        print(f"matdiff: error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
