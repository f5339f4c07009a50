"""--claim in the magic (a badge with the verdict, in the widget and in the static text/plain
and text/html that nbval and nbconvert see) and in the command line (exit status 0 / 1 / 2)."""

from __future__ import annotations

import pytest
from display_pairs import paired
from IPython.utils.capture import capture_output

from matdiff_magic import derive
from matdiff_magic.cli import main
from matdiff_magic.notebook.widget import MatdiffDisplay

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
XAX = "x : n\nA : n x n\nx' A x"


def run(ip, src: str):
    with capture_output() as cap:
        ip.run_cell(src)
    # one dict per derivation: its widget output and its static output merged
    return paired([o.data for o in cap.outputs]), cap.stdout, cap.stderr


def test_magic_claim_wrong_shows_derivation_and_badge(ip):
    outs, _, err = run(ip, f'%%matdiff --wrt x --claim "2 A x"\n{XAX}')
    assert err == "" and len(outs) == 1
    data = outs[0]
    assert "the problem" in data["text/plain"]                 # the derivation
    assert "claim NEEDS-SYMMETRY (2 Ax)" in data["text/plain"]  # and the verdict
    assert "A were symmetric" in data["text/plain"]
    assert "matdiff-claim" in data["text/html"] and "matdiff-fail" in data["text/html"]
    assert "\\text{claim NEEDS-SYMMETRY (2 Ax): " in data["text/latex"]
    assert WIDGET_MIME in data


def test_magic_claim_correct(ip):
    outs, _, err = run(ip, f"%%matdiff --wrt x --claim \"A x + A' x\"\n{XAX}")
    assert err == ""
    assert "claim correct" in outs[0]["text/plain"]
    assert "matdiff-pass" in outs[0]["text/html"]


def test_magic_claim_in_latex_and_another_layout(ip):
    outs, _, err = run(ip, "%%matdiff --wrt X --layout numerator --claim \"B A\"\n"
                           "A : p x m\nX : m x n\nB : n x p\ntr(A X B)")
    assert err == "" and "claim correct" in outs[0]["text/plain"]
    outs, _, err = run(ip, "%%matdiff --wrt X --claim \"A^\\top B^\\top\"\n"
                           "A : p x m\nX : m x n\nB : n x p\ntr(A X B)")
    assert err == "" and "claim correct" in outs[0]["text/plain"]


def test_magic_line_form_takes_a_claim(ip):
    outs, _, err = run(ip, '%matdiff x\' x --wrt x --shape "x: n" --claim "x"')
    assert err == "" and "claim SCALED" in outs[0]["text/plain"]


def test_magic_bad_claim_is_a_red_verdict_with_a_caret_not_a_traceback(ip):
    outs, out, err = run(ip, f'%%matdiff --wrt x --claim "2 B x"\n{XAX}')
    assert err == "" and len(outs) == 1
    text = outs[0]["text/plain"]
    assert "the problem" in text                                  # the derivation
    assert "claim NOT-WELL-FORMED (2 B x)" in text and "the claim uses 'B'" in text
    assert "Traceback" not in text and "    2 B x\n      ^" in text
    assert "matdiff-fail" in outs[0]["text/html"]


def test_magic_non_conformable_claim_shows_the_derivation_and_the_caret(ip):
    lsq = "A : q x m\nX : m x n\nB : q x n\nfro(A X - B)^2"
    outs, _, err = run(ip, f"%%matdiff --wrt X --claim \"2 (A X - B) A'\"\n{lsq}")
    assert err == "" and len(outs) == 1
    data = outs[0]
    assert "the problem" in data["text/plain"] and "2 Aᵀ(AX - B)" in data["text/plain"]
    assert "claim NOT-WELL-FORMED" in data["text/plain"]
    assert "cannot multiply q x n by m x q" in data["text/plain"]
    assert "    2 (A X - B) A'\n                ^" in data["text/plain"]   # the caret
    html = data["text/html"]
    assert "✘ claim not well-formed" in html and "matdiff-fail" in html
    # the caret lines up under the claim in monospace
    assert "<pre class=\"matdiff-claim-caret\"" in html
    assert "    2 (A X - B) A&#x27;\n                ^</pre>" in html
    assert WIDGET_MIME in data


def test_magic_claim_with_several_variables_is_an_error(ip):
    outs, _, err = run(ip, f'%%matdiff --wrt x,A --claim "2 A x"\n{XAX}')
    assert outs == [] and "--claim needs one variable" in err


def test_stepper_badge_and_layout_switch_rejudges_the_claim():
    from matdiff_magic import derive
    d = derive("A : p x m\nX : m x n\nB : n x p\ntr(A X B)", wrt="X")
    disp = MatdiffDisplay(d, verdict=d.compare("B A"), claim="B A")
    s = disp.stepper
    assert "matdiff-fail" in s.claim_badge._dom_classes and "transposed" in s.claim_badge.value
    s.layout_toggle.value = "numerator"
    assert "matdiff-pass" in s.claim_badge._dom_classes and "claim correct" in \
        s.claim_badge.value
    s.layout_toggle.value = "mixed"
    assert "matdiff-fail" in s.claim_badge._dom_classes


def test_stepper_badge_of_a_malformed_claim_after_a_layout_switch():
    from matdiff_magic import derive
    from matdiff_magic.numeric.compare import judge
    d = derive(XAX, wrt="x")
    disp = MatdiffDisplay(d, verdict=judge(d, "A x +"), claim="A x +")
    s = disp.stepper
    assert "matdiff-fail" in s.claim_badge._dom_classes
    assert "not well-formed" in s.claim_badge.value
    s.layout_toggle.value = "numerator"
    assert "not well-formed" in s.claim_badge.value and "operand is missing" in \
        s.claim_badge.value


def test_static_text_is_deterministic():
    from matdiff_magic import derive
    texts = {MatdiffDisplay(derive(XAX, wrt="x"),
                            verdict=derive(XAX, wrt="x").compare("A x")).text()
             for _ in range(2)}
    assert len(texts) == 1


@pytest.mark.parametrize("claim, status, words", [
    ("A x + A' x", 0, "claim correct"),
    ("(A + A^\\top) x", 0, "claim correct"),
    ("2 A x", 1, "claim NEEDS-SYMMETRY"),
    ("A x", 1, "claim MISSING-TERM"),
    ("x' (A + A')", 1, "claim TRANSPOSED"),
])
def test_cli_claim_exit_status(capsys, claim, status, words):
    code = main(["x' A x", "--wrt", "x", "--shape", "x: n", "--shape", "A: n x n",
                 "--claim", claim])
    out, err = capsys.readouterr()
    assert code == status and words in out and err == ""


def test_cli_bad_claim_exits_2_with_a_caret(capsys):
    code = main(["x' A x", "--wrt", "x", "--shape", "x: n", "--shape", "A: n x n",
                 "--claim", "A x +"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "operand is missing" in err and "    A x +\n         ^" in err


def test_cli_claim_in_the_numerator_layout(capsys):
    args = ["tr(A X B)", "--wrt", "X", "--shape", "A: p x m", "--shape", "X: m x n",
            "--shape", "B: n x p", "--claim", "B A"]
    assert main(args) == 1
    assert "numerator layout" in capsys.readouterr().out
    assert main([*args, "--layout", "numerator"]) == 0


def test_a_claim_may_use_a_size_only_the_target_writes():
    """1_m in the target makes m a size of the cell: the engine's own answer, which holds it,
    is a claim like any other (found by the compare properties on generated cells)."""
    d = derive("Q : 1 x q\nA : q x q positive\n1_m*Q / tr(A)", wrt="Q")
    assert d.compare(str(d.result)).diagnosis == "correct"
