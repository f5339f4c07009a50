"""Re-execute the lecture notebooks in place and store their outputs for nbval.

    python notebooks/refresh_outputs.py notebooks/*.ipynb

Each notebook runs top to bottom in a fresh kernel. The live-widget view is dropped from the
stored outputs (its model id changes on every run); the static text/plain, text/latex and
text/html rendering of every derivation stays, and that is what nbval compares. Consecutive
stream outputs of the same name (stdout) are merged into one: how the kernel splits printed
text into messages depends on timing, the text does not. Figures are stored as image/png
(nbval does not compare images unless run with --nbval-nbdime; their text/plain is compared).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET = "application/vnd.jupyter.widget-view+json"


def merge_streams(outputs: list) -> list:
    """The outputs with each run of consecutive stream outputs of one name joined into one,
    so that a cell's printed text is stored the same way on every run."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None
                and prev.get("output_type") == "stream" and prev.get("name") == out.get("name")):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def refresh(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t
    for cell in nb.cells:
        if "outputs" in cell:
            cell["outputs"] = merge_streams(cell["outputs"])
        for out in cell.get("outputs", []):
            if "data" in out:
                out["data"].pop(WIDGET, None)
            if out.get("output_type") == "error" or (
                    out.get("output_type") == "stream" and out.get("name") == "stderr"):
                raise SystemExit(f"{path}: a cell wrote an error:\n{out}")
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return elapsed


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {refresh(Path(arg)):.1f} s")
