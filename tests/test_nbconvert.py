"""A notebook executed and exported with nbconvert shows the full static derivation."""

from __future__ import annotations

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")

from matdiff_magic import derive  # noqa: E402

CELL = "%%matdiff --wrt X --check\nX, Y : m x n\nZ = X Y' X"


def _executed(tmp_path, store_widget_state: bool):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("%load_ext matdiff_magic"),
                nbformat.v4.new_code_cell(CELL)]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     store_widget_state=store_widget_state,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


def test_executed_notebook_exports_every_step_to_html(tmp_path):
    nb = _executed(tmp_path, store_widget_state=False)
    out = nb.cells[1].outputs
    assert len(out) == 1
    data = out[0]["data"]
    assert {"text/plain", "text/html", "text/latex",
            "application/vnd.jupyter.widget-view+json"} <= set(data)
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    for step in d.steps:
        assert step.rule.split(":")[0] in html   # every step, in words
    assert "numerical check passed" in html
    assert "\\otimes" in html                   # the LaTeX of the result, for MathJax
    text, _ = nbconvert.MarkdownExporter().from_notebook_node(nb)
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in text or "X^{\\top} Y \\otimes I_{m}" in text


def test_text_plain_holds_the_whole_derivation(tmp_path):
    nb = _executed(tmp_path, store_widget_state=False)
    plain = nb.cells[1].outputs[0]["data"]["text/plain"]
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    assert d.text() in plain
    assert "numerical check passed" in plain.lower()
