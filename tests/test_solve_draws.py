"""The generator's draws of solves, matrix equations, equation lines and chol
(tests/solve_draws.py): each kind is drawn, every drawn cell derives, and its derivative
passes the oracle (the soak's judge) at the sampler's point."""

from __future__ import annotations

import random
import re

from oracle import judge
from strategies import random_case

KINDS = {   # what a drawn cell writes, for each kind of draw
    "solve": re.compile(r"solve\("),
    # a backslash on a line with no LaTeX command (\otimes, \top, ...): a solve
    "backslash": re.compile(r"^(?!.*\\[A-Za-z]{2,})(?!.*\\[,;|]).*\\", re.M),
    "sylvester": re.compile(r"sylvester\("),
    "lyap": re.compile(r"(?<!d)lyap\("),
    "dlyap": re.compile(r"dlyap\("),
    "chol": re.compile(r"chol\("),
    "equation": re.compile(r"^[^:=#]*[^\s:=#<>!]\s*=\s*[^=]", re.M),
}


def _drawn(n: int = 5000, each: int = 4) -> dict[str, list]:
    out: dict[str, list] = {k: [] for k in KINDS}
    for i in range(n):
        if all(len(v) >= each for v in out.values()):
            break
        case = random_case(random.Random(f"solves:{i}"))
        lines = [line.split("#", 1)[0] for line in case.cell.split("\n")]   # no comments
        for kind, pat in KINDS.items():
            text = "\n".join(line for line in lines if kind != "equation" or
                             not re.match(r"\s*[\w\u0370-\u03ff]+\s*=", line))
            if pat.search(text) and len(out[kind]) < each:
                out[kind].append(case)
    return out


def test_every_kind_is_drawn_and_judged_right():
    drawn = _drawn()
    for kind, cases in drawn.items():
        assert cases, f"no {kind} drawn"
        for case in cases:
            out = judge(case)
            assert out.status != "fail", (kind, case, out.reason, out.detail)
