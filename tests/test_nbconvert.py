"""A notebook executed and exported with nbconvert shows the full static derivation."""

from __future__ import annotations

import html as html_mod
import re
import subprocess
import sys

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")

from matdiff_magic import derive  # noqa: E402
from matdiff_magic.render.html import rule_markup  # noqa: E402

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
    assert len(out) == 2    # the widget, then the static face in an output of its own
    assert set(out[0]["data"]) == {"text/plain", "application/vnd.jupyter.widget-view+json"}
    assert {"text/plain", "text/html", "text/latex"} == set(out[1]["data"])
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    for step in d.steps:
        # every step, its rule in words and math (TeX and MathML, which the exporter writes
        # out again in its own way: the TeX and the words are compared)
        for part in re.split(r'<span class="matdiff-mathml">.*?</math></span>',
                             rule_markup(step.rule, mathml=True)):
            assert part in html
    assert "numerical check passed" in html
    assert "\\otimes" in html                   # the LaTeX of the result, for MathJax
    text, _ = nbconvert.MarkdownExporter().from_notebook_node(nb)
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in text or "X^{\\top} Y \\otimes I_{m}" in text


def test_text_plain_holds_the_whole_derivation(tmp_path):
    nb = _executed(tmp_path, store_widget_state=False)
    plain = nb.cells[1].outputs[1]["data"]["text/plain"]
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    assert d.text() in plain
    assert "numerical check passed" in plain.lower()


def _static_divs(page: str) -> list[str]:
    """The exported static outputs: the HTML of each matdiff-static block."""
    return re.findall(r'<div class="matdiff matdiff-static matdiff-view">(.*?)'
                      r'<b>the steps</b>', page, re.S)


def test_nbconvert_cli_defaults_show_the_result_offline(tmp_path):
    """`jupyter nbconvert --to html --execute nb.ipynb` with its defaults (widget state
    stored): the page holds the widget placeholder, which needs JavaScript from the network,
    and, in an output of its own, the static result, readable without any script."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("%load_ext matdiff_magic"),
                nbformat.v4.new_code_cell(CELL)]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                          "--execute", str(path)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "nb.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in page   # state stored: defaults
    assert 'type="application/vnd.jupyter.widget-view+json"' in page
    statics = _static_divs(page)
    assert len(statics) == 1
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    box = statics[0]
    # the result, in a highlighted box: as TeX for MathJax and as plain Unicode text
    assert "matdiff-result-box" in box
    assert html_mod.escape(d.latex(), quote=False) in box
    assert html_mod.escape(d.result_step.text, quote=False) in box
    assert html_mod.escape(d.steps[-1].latex, quote=False) in box   # entry by entry
    assert "(mn×mn)" in box and "numerical check passed" in box
    # the static block is in an output of its own, outside any script element
    before = page[:page.index('<div class="matdiff matdiff-static')]
    assert before.rfind("<script") <= before.rfind("</script>")
