"""The picture and the entry-wise form in the magic's static output and in the widget."""

from __future__ import annotations

import html
import re

from conftest import global_ipython
from display_pairs import paired
from IPython.utils.capture import capture_output

from matdiff_magic import derive
from matdiff_magic.notebook.widget import MatdiffDisplay, Stepper

JAC = "X, Y : m x n\nZ = X Y' X"


def _run(src: str) -> list[dict]:
    ip = global_ipython()
    ip.run_line_magic("load_ext", "matdiff_magic")
    with capture_output() as cap:
        ip.run_cell(src)
    assert cap.stderr == "", cap.stderr
    return paired([o.data for o in cap.outputs])


def test_magic_picture_flag_adds_the_svg_to_the_static_html():
    (data,) = _run(f"%%matdiff --wrt X --picture\n{JAC}")
    page = data["text/html"]
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1
    d = derive(JAC, wrt="X")
    assert page.count('class="cell"') == derive(JAC, wrt="X").picture().count('class="cell"')
    assert d.picture() in page
    (plain,) = _run(f"%%matdiff --wrt X\n{JAC}")
    assert "<svg" not in plain["text/html"]
    assert data["text/plain"] == plain["text/plain"]      # the text face is unchanged


def test_widget_picture_toggle_and_layout_switch():
    d = derive(JAC, wrt="X")
    s = Stepper(d)
    assert s.picture_html.layout.display == "none" and s.picture_html.value == ""
    s.picture_button.value = True
    assert s.picture_html.layout.display != "none"
    assert s.picture_html.value == d.picture()
    s.layout_toggle.value = "denominator"
    assert "denominator layout" in s.picture_html.value
    s.picture_button.value = False
    assert s.picture_html.layout.display == "none"
    on = MatdiffDisplay(d, picture=True).stepper
    assert on.picture_button.value and "<svg" in on.picture_html.value


def test_result_box_holds_the_entry_wise_form():
    d = derive(JAC, wrt="X")
    page = MatdiffDisplay(d).html()
    box = re.search(r'<div class="matdiff-result-box"[^>]*>(.*?)<b>the steps</b>', page, re.S)[1]
    assert html.escape(d.index_form().latex, quote=False) in box
    assert html.escape(d.index_form().latex, quote=False) in Stepper(d).result_html.value
    # a result with no entry-wise form: the box just has none
    k = derive("A : p x q\nX : m x n\nkron(A, X)", wrt="X")
    assert "matdiff-index" not in MatdiffDisplay(k).html()
    assert "entry by entry" not in MatdiffDisplay(k).text()
    assert "entry by entry: ∂Z_ij/∂X_kl" in MatdiffDisplay(d).text()   # one story


def test_derivation_html_is_the_same_story():
    from matdiff_magic.render.html import rule_markup
    d = derive(JAC, wrt="X")
    page = d.html()
    assert page == d._repr_html_()
    assert page.index("matdiff-result-box") < page.index("the steps")
    for step in d.steps:   # each rule above its equation, no raw text in italics
        assert page.index(rule_markup(step.rule, mathml=True)) < page.rindex(
            html.escape(step.latex, quote=False))
    assert "<em>" not in page
    assert 'class="matdiff matdiff-view"' in page and "matdiff-static " not in page  # shown


def test_the_result_box_keeps_the_entrywise_form_one_click_away():
    """On a projector the box holds the rule, the result and its plain line; the entry-wise
    form is behind a summary that opens it."""
    from matdiff_magic.render.html import result_box_html
    box = result_box_html(derive("X, Y : m x n\nZ = X Y' X", wrt="X"))
    head, _, folded = box.partition('<details class="matdiff-index">')
    assert folded and "<summary" in folded and "δ" in folded
    assert "δ" not in head
