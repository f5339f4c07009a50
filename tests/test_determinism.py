"""Determinism: the same cell gives byte-identical output whatever the hash seed.

The reference cells (tests/cases.py) and 60 generated ones (tests/strategies.py, fixed
seeds) run in two subprocesses with different PYTHONHASHSEED; ``d.text()``, ``d.latex()``,
``str(d.result)`` and ``d.numpy_source()`` (or the error message) must agree byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = r"""
import json, random, sys
sys.path.insert(0, sys.argv[1])
from cases import REFERENCE
from strategies import random_case
from matdiff_magic import MatdiffError, derive

items = list(REFERENCE) + [(c.cell, c.wrt) for c in
                           (random_case(random.Random(f"det:{i}")) for i in range(60))]
out = []
for cell, wrt in items:
    for layout in ("numerator", "denominator"):
        try:
            d = derive(cell, wrt=wrt, layout=layout)
            try:
                src = d.numpy_source()
            except Exception as exc:  # a codegen bug must not hide the other fields
                src = "numpy_source raised " + type(exc).__name__
            out.append({"cell": cell, "layout": layout, "text": d.text(), "latex": d.latex(),
                        "str": str(d.result), "numpy": src})
        except MatdiffError as exc:
            out.append({"cell": cell, "layout": layout, "error": str(exc)})
sys.stdout.write(json.dumps(out, ensure_ascii=True))
"""


def _run(hashseed: str) -> list[dict]:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, HERE], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_output_does_not_depend_on_the_hash_seed():
    a = _run("0")
    b = _run("4242")
    assert len(a) == len(b) > 100
    for x, y in zip(a, b):
        assert x["cell"] == y["cell"]
        for key in ("text", "latex", "str", "numpy", "error"):
            assert x.get(key) == y.get(key), (
                f"{key} differs between PYTHONHASHSEED=0 and 4242 for {x['cell']!r} "
                f"({x['layout']}):\n{x.get(key)}\n----\n{y.get(key)}")
