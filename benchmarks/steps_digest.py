"""One SHA-256 digest of every step and result that derive() writes for the reference and
textbook cells, so that a change meant to be invisible (a faster derive) can be shown to be.

    python benchmarks/steps_digest.py [--verbose] [--random N] [--seed S]

Derives every cell of tests/cases.py REFERENCE and tests/textbook.py TEXTBOOK in the three
layouts, and with order=2 (for a target that is not scalar that is the error message), and
hashes each step's rule, text, LaTeX and expression, the result (repr, Unicode, LaTeX), the
full text and the backpropagation. Errors are hashed too (their message). ``--random N``
adds N random well-typed cells of the soak's generator (tests/strategies.py, case i drawn
from ``random.Random(f"{seed}:{i}")``), mixed layout and order=2. Two runs of the same code
print the same digest; a run before and after a change must as well.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

from matdiff_magic import MatdiffError, derive  # noqa: E402
from matdiff_magic.render import to_latex, to_unicode  # noqa: E402


def cells() -> list[tuple[str, str]]:
    from cases import REFERENCE
    from textbook import TEXTBOOK
    return list(REFERENCE) + [(t.cell, t.wrt) for t in TEXTBOOK]


def describe(d) -> list[str]:
    """Everything a derivation shows, as lines of text."""
    out = []
    for s in d.steps:
        out += [s.rule, s.text, s.latex, repr(s.expr)]
    out += [repr(d.result), to_unicode(d.result), to_latex(d.result), d.text()]
    bp = getattr(d, "backprop", None)
    if bp is not None:
        out += [repr(bp.gradient)]
    return out


def run(cell: str, wrt: str, **kw) -> list[str]:
    try:
        d = derive(cell, wrt=wrt, **kw)
    except MatdiffError as exc:
        return [f"MatdiffError: {exc}"]
    ds = d if isinstance(d, list) else [d]
    return [line for x in ds for line in describe(x)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verbose", action="store_true", help="one digest per derivation")
    ap.add_argument("--random", type=int, default=0, help="random cells to add (default 0)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    total = hashlib.sha256()
    n = 0
    work = [(cell, wrt, [dict(layout=lay) for lay in ("mixed", "numerator", "denominator")]
             + [dict(order=2)]) for cell, wrt in cells()]
    if args.random:
        import random

        from strategies import random_case
        for i in range(args.random):
            case = random_case(random.Random(f"{args.seed}:{i}"))
            work.append((case.cell, case.wrt, [dict(layout="mixed"), dict(order=2)]))
    for cell, wrt, runs in work:
        for kw in runs:
            lines = run(cell, wrt, **kw)
            blob = "\n".join([cell, wrt, repr(sorted(kw.items()))] + lines).encode()
            total.update(hashlib.sha256(blob).digest())
            n += 1
            if args.verbose:
                print(hashlib.sha256(blob).hexdigest()[:16], repr(cell), wrt, kw)
    print(f"{n} derivations: {total.hexdigest()}")


if __name__ == "__main__":
    main()
