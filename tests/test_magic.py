"""The %%matdiff / %matdiff magics, run in an in-process IPython shell (no kernel).

Tests that need the numerical check (``Derivation.check``) have ``check`` in their name.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from display_pairs import paired
from IPython.utils.capture import capture_output

from matdiff_magic import MatdiffError, derive
from matdiff_magic.notebook.magic import MatdiffMagics, parse_line

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SEED_CELL = "%%matdiff --wrt X\nX, Y : m x n\nZ = X Y' X"
OPTIONS = ["--wrt", "--check", "--seed", "--dims", "--values", "--layout", "--steps",
           "--no-steps", "--out", "--shape", "--help"]


def run(ip, src: str):
    """Run a cell; return (one data dict per derivation: its widget output and its static
    output merged, see display_pairs), stdout, stderr, ExecutionResult)."""
    with capture_output() as cap:
        res = ip.run_cell(src)
    return paired([o.data for o in cap.outputs]), cap.stdout, cap.stderr, res


def plain(ip, src: str) -> str:
    outs, _, err, _ = run(ip, src)
    assert err == "" and len(outs) == 1, err
    return outs[0]["text/plain"]


# --- loading -------------------------------------------------------------------------------------

def test_extension_registers_line_and_cell_magic(ip):
    assert ip.find_line_magic("matdiff") is not None
    assert ip.find_cell_magic("matdiff") is not None


def test_loading_twice_is_harmless(ip):
    ip.run_line_magic("load_ext", "matdiff_magic")
    ip.run_line_magic("reload_ext", "matdiff_magic")
    import matdiff_magic
    matdiff_magic.load_ipython_extension(ip)  # a second registration, on purpose
    assert "the problem" in plain(ip, SEED_CELL)
    assert ip.find_cell_magic("matdiff") is not None


def test_unload_removes_the_magics(ip):
    ip.run_line_magic("unload_ext", "matdiff_magic")
    try:
        assert ip.find_line_magic("matdiff") is None
        assert ip.find_cell_magic("matdiff") is None
    finally:
        ip.run_line_magic("load_ext", "matdiff_magic")
    assert ip.find_cell_magic("matdiff") is not None


def _subprocess(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_load_ext_is_light():
    """Loading the extension imports neither SymPy nor ipywidgets (its time is measured by
    benchmarks/bench_magic.py, not here)."""
    out = _subprocess("""
        import sys
        from IPython.testing.globalipapp import get_ipython
        ip = get_ipython()
        ip.run_line_magic("load_ext", "matdiff_magic")
        print("sympy" in sys.modules, "ipywidgets" in sys.modules)
    """)
    sympy_loaded, widgets_loaded = out.split()
    assert sympy_loaded == "False"
    assert widgets_loaded == "False"


def test_derive_does_not_import_sympy():
    out = _subprocess("""
        import sys
        import matdiff_magic
        from matdiff_magic import derive
        derive("X, Y : m x n\\nZ = X Y' X", wrt="X").text()
        derive("A : p x m\\nX : m x n\\nB : n x p\\ntr(A X B)", wrt="X").text()
        print("sympy" in sys.modules)
    """)
    assert out.strip() == "False"


# --- the display ---------------------------------------------------------------------------------

def test_cell_displays_widget_and_static_text(ip):
    outs, stdout, err, res = run(ip, SEED_CELL)
    assert res.success and err == "" and stdout == ""
    assert len(outs) == 1
    data = outs[0]
    assert {WIDGET_MIME, "text/plain", "text/latex", "text/html"} <= set(data)
    assert data[WIDGET_MIME]["model_id"]
    d = derive("X, Y : m x n\nZ = X Y' X", wrt="X")
    text = data["text/plain"]
    for step in d.steps:
        assert step.rule in text and step.text in text
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in text
    assert text.startswith("1. the problem")
    assert d.latex() in data["text/latex"]
    assert "\\begin{aligned}" in data["text/latex"]
    assert "matdiff-result-box" in data["text/html"] and "the problem" in data["text/html"]
    assert data["text/html"].count("matdiff-step-item") == len(d.steps)


def test_cell_gives_a_widget_output_then_a_static_output(ip):
    with capture_output() as cap:
        ip.run_cell(SEED_CELL)
    kinds = [WIDGET_MIME in o.data for o in cap.outputs]
    assert kinds == [True, False]       # exporters render the static one on its own
    assert "text/html" not in cap.outputs[0].data


def test_magic_returns_none(ip):
    _, _, _, res = run(ip, SEED_CELL)
    assert res.result is None


def test_static_output_is_deterministic(ip):
    first = run(ip, SEED_CELL)[0][0]
    second = run(ip, SEED_CELL)[0][0]
    for mime in ("text/plain", "text/latex", "text/html"):
        assert first[mime] == second[mime]
    assert first[WIDGET_MIME]["model_id"] != second[WIDGET_MIME]["model_id"]  # a new widget


def test_line_form(ip):
    text = plain(ip, "%matdiff x' A x --wrt x --shape \"x: n\"")
    assert "(A + Aᵀ) x" in text


def test_line_form_with_several_shapes(ip):
    text = plain(ip, '%matdiff tr(A X B) --wrt X --shape "A: p x m" --shape "X: m x n" '
                     '--shape "B: n x p"')
    assert "∂f/∂X = AᵀBᵀ" in text


def test_line_form_without_wrt_infers_the_single_variable(ip):
    assert "-(X⁻ᵀ ⊗ X⁻¹)" in plain(ip, '%matdiff inv(X) --shape "X: n x n"')


def test_shape_option_in_cell_form(ip):
    text = plain(ip, '%%matdiff --wrt X --shape "X, Y: m x n"\nX Y\' X')
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in text


def test_line_is_not_variable_expanded(ip):
    """User text is never evaluated: no $name / {expr} expansion on the magic line."""
    ip.user_ns["side_effects"] = []
    outs, _, err, _ = run(ip, '%matdiff tr(X^{-1}) --wrt X --shape "X: n x n"')
    assert err == "" and "X⁻" in outs[0]["text/plain"]
    _, _, err, _ = run(ip, "%matdiff tr({side_effects.append(1)} X) --wrt X")
    assert ip.user_ns["side_effects"] == []
    assert "matdiff: error" in err


def test_layout_option(ip):
    num = plain(ip, SEED_CELL)
    den = plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --layout denominator"))
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in num
    assert "YᵀX ⊗ I_m + I_n ⊗ YXᵀ" in den
    assert "denominator layout" in den


def test_several_wrt_give_one_display_each(ip):
    outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X,Y"))
    assert err == "" and len(outs) == 2
    assert "with respect to X" in outs[0]["text/plain"]
    assert "with respect to Y" in outs[1]["text/plain"]


def test_no_steps_shows_only_the_result(ip):
    text = plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --no-steps"))
    assert text == ("∂vec Z/∂(vec X)ᵀ = XᵀY ⊗ I_m + I_n ⊗ XYᵀ\n"
                    "entry by entry: ∂Z_ij/∂X_kl = δ_ik (XᵀY)_jl + (XYᵀ)_ik δ_jl")


def test_steps_is_the_default(ip):
    assert plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --steps")) == plain(ip, SEED_CELL)


def test_out_stores_the_derivation(ip):
    run(ip, SEED_CELL.replace("--wrt X", "--wrt X --out dZ"))
    d = ip.user_ns["dZ"]
    assert d.result_unicode() == "XᵀY ⊗ I_m + I_n ⊗ XYᵀ"
    assert d.wrt.name == "X" and d.layout == "mixed"


def test_out_stores_a_list_for_several_wrt(ip):
    run(ip, SEED_CELL.replace("--wrt X", "--wrt X,Y --out both"))
    both = ip.user_ns["both"]
    assert isinstance(both, list) and [d.wrt.name for d in both] == ["X", "Y"]


def test_parse_line_splits_expression_and_options():
    expr, args = parse_line("tr(A X B) --wrt X --layout denominator --no-steps --out g "
                            "--shape 'A: p x m' --shape \"X: m x n\" --seed 3 --dims m=3,n=4")
    assert expr == "tr(A X B)"
    assert args.wrt == "X" and args.layout == "denominator" and args.steps is False
    assert args.out == "g" and args.seed == 3 and args.dims == "m=3,n=4"
    assert args.shape == ["A: p x m", "X: m x n"]
    assert args.check is False and args.values is False
    expr, args = parse_line("X - -Y --check --values")
    assert expr == "X - -Y" and args.check and args.values
    expr, args = parse_line("")
    assert expr == "" and args.wrt is None and args.steps is True and args.shape == []


# --- errors --------------------------------------------------------------------------------------

BAD = [
    ("%%matdiff --wrt X\nX : m x n\nX +* Y", "^"),                     # parse error, caret
    ("%%matdiff --wrt X\ntr(A X B)", "cannot be determined"),          # shape not inferable
    ("%%matdiff --wrt Q\nX : n x n\ninv(X)", "'Q' does not appear"),   # unknown variable
    ("%%matdiff --wrt X --layout sideways\nX : n x n\ninv(X)", "invalid choice"),
    ("%%matdiff --wrt X --bogus\nX : n x n\ninv(X)", "unrecognized arguments"),
    ("%%matdiff --wrt X --seed many\nX : n x n\ninv(X)", "invalid int value"),
    ("%%matdiff --wrt X --dims m=0\nX : n x n\ninv(X)", "bad --dims entry"),
    ("%%matdiff --wrt X --out 2x\nX : n x n\ninv(X)", "--out needs a Python name"),
    ("%%matdiff --wrt X --shape 'X: m\nX : n x n\ninv(X)", "cannot split the options"),
    ("%%matdiff X\nX : n x n\ninv(X)", "did you mean --wrt X?"),
    ("%matdiff --wrt X", "give an expression"),
    ("%matdiff X +* X --shape 'X: n x n'", "^"),                       # line form
]


@pytest.mark.parametrize("src, needle", BAD)
def test_bad_input_prints_a_short_error_and_no_traceback(ip, src, needle):
    outs, _, err, res = run(ip, src)
    assert res.success  # the magic handled it: no exception reached the shell
    assert outs == []
    assert err.startswith("matdiff: error: ")
    assert needle in err
    assert "Traceback" not in err
    # the shell keeps working
    ip.run_cell("after_error = 40 + 2")
    assert ip.user_ns["after_error"] == 42


def test_parse_error_shows_source_line_and_caret(ip):
    _, _, err, _ = run(ip, "%%matdiff --wrt X\nX : m x n\nX +* X")
    lines = err.rstrip("\n").split("\n")
    assert "line 3" in lines[0]    # the editor's line: the %%matdiff line is line 1
    assert lines[1].strip() == "X +* X"
    assert lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index("*")


def test_error_lines_count_the_magic_line(ip):
    # "X X" on the editor's line 4 (declarations on 2 and 3), with --shape added too
    src = "%%matdiff --wrt X --shape \"B: n x n\"\nX : m x n\nY : m x m\nZ = X X"
    _, _, err, _ = run(ip, src)
    assert "(line 4, column 7)" in err and "Z = X X" in err
    assert src.split("\n")[3] == "Z = X X"
    # a blank line in the cell counts too
    _, _, err, _ = run(ip, "%%matdiff --wrt X\n\nX : m x n\nZ = X X")
    assert "(line 4, column 7)" in err
    # an error in a --shape declaration is on the %%matdiff line: line 1
    _, _, err, _ = run(ip, "%%matdiff --wrt X --shape \"Y: q x\"\nX : m x n\nZ = X")
    assert "(line 1, column 7)" in err and "Y: q x" in err
    # the line form has one line: its positions are left alone
    _, _, err, _ = run(ip, "%matdiff X +* X --wrt X --shape \"X: n x n\"")
    assert "line 1" in err


def test_error_does_not_store_out(ip):
    ip.user_ns.pop("never", None)
    run(ip, "%%matdiff --wrt Q --out never\nX : n x n\ninv(X)")
    assert "never" not in ip.user_ns


def test_parse_line_raises_usage_error_for_bad_options():
    from IPython.core.error import UsageError
    with pytest.raises(UsageError):
        parse_line("--layout sideways")
    with pytest.raises(MatdiffError):
        from matdiff_magic.cli import parse_dims
        parse_dims("m=three")


# --- help ----------------------------------------------------------------------------------------

def test_help_lists_every_option(ip):
    doc = ip.find_cell_magic("matdiff").__doc__
    assert doc == ip.find_line_magic("matdiff").__doc__
    for opt in OPTIONS:
        assert opt in doc, opt
    assert "%%matdiff" in doc and "Z = X Y' X" in doc


def test_question_mark_shows_help(ip):
    _, stdout, _, _ = run(ip, "%%matdiff?\n")
    for opt in OPTIONS:
        assert opt in stdout, opt


def test_help_option_prints_help(ip):
    outs, stdout, err, _ = run(ip, "%matdiff --help")
    assert outs == [] and err == ""
    for opt in OPTIONS:
        assert opt in stdout, opt


def test_magic_class_parser_has_every_option():
    actions = {s for a in MatdiffMagics.matdiff.parser._actions for s in a.option_strings}
    assert set(OPTIONS) <= actions


# --- the numerical check (these need Derivation.check) -------------------------------------------

def test_check_adds_a_passing_check(ip):
    outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X --check"))
    assert err == ""
    data = outs[0]
    assert "numerical check PASSED" in data["text/plain"]
    assert "seed 0" in data["text/plain"]
    assert "matdiff-pass" in data["text/html"]
    # the steps are still all there, before the check
    assert data["text/plain"].index("identify the Jacobian") < \
        data["text/plain"].index("numerical check")


def test_check_output_is_deterministic(ip):
    src = SEED_CELL.replace("--wrt X", "--wrt X --check")
    assert plain(ip, src) == plain(ip, src)


def test_seed_option_reaches_the_check(ip):
    assert "seed 7" in plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --check --seed 7"))


def test_dims_option_reaches_the_check(ip):
    text = plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --check --dims m=2,n=5"))
    assert "m=2, n=5" in text


def test_seed_and_dims_imply_check(ip):
    assert "numerical check" in plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --seed 1"))
    assert "numerical check" in plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --dims m=2"))
    assert "numerical check" not in plain(ip, SEED_CELL)


def test_values_check_uses_namespace_arrays(ip):
    ip.user_ns["X"] = np.arange(12.0).reshape(2, 6) / 7
    ip.user_ns["Y"] = np.ones((2, 6))
    try:
        text = plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --check --values"))
        assert "numerical check PASSED" in text
        assert "m=2, n=6" in text  # the sizes came from the arrays, not the defaults
    finally:
        del ip.user_ns["X"], ip.user_ns["Y"]


def test_values_with_wrong_shape_is_an_error(ip):
    ip.user_ns["X"] = np.ones((2, 6))
    ip.user_ns["Y"] = np.ones((6, 2))
    try:
        outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X --values"))
        assert outs == [] and err.startswith("matdiff: error: --values:")
        assert "'Y'" in err and "Traceback" not in err
        outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X --values --dims m=3"))
        assert outs == [] and "'m' is 3" in err
    finally:
        del ip.user_ns["X"], ip.user_ns["Y"]


def test_values_without_arrays_is_an_error(ip):
    for name in ("X", "Y"):
        ip.user_ns.pop(name, None)
    ip.user_ns["Y"] = "not an array"
    try:
        outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X --values"))
        assert outs == [] and "none of X, Y is a NumPy array" in err
    finally:
        ip.user_ns.pop("Y", None)


def test_check_error_still_shows_the_derivation(ip):
    ip.user_ns.pop("unchecked", None)
    outs, _, err, res = run(ip, SEED_CELL.replace("--wrt X", "--wrt X --dims q=3 --out unchecked"))
    assert res.success and "Traceback" not in err
    assert err.startswith("matdiff: error: numerical check: ") and "'q'" in err
    assert len(outs) == 1 and "numerical check" not in outs[0]["text/plain"]
    assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in outs[0]["text/plain"]
    assert "unchecked" in ip.user_ns


def test_check_with_several_wrt(ip):
    outs, _, err, _ = run(ip, SEED_CELL.replace("--wrt X", "--wrt X,Y --check"))
    assert err == "" and len(outs) == 2
    assert all("numerical check PASSED" in o["text/plain"] for o in outs)


def test_check_no_steps(ip):
    text = plain(ip, SEED_CELL.replace("--wrt X", "--wrt X --no-steps --check"))
    first, entrywise, second = text.split("\n")
    assert first == "∂vec Z/∂(vec X)ᵀ = XᵀY ⊗ I_m + I_n ⊗ XYᵀ"
    assert entrywise.startswith("entry by entry: ∂Z_ij/∂X_kl = δ_ik")
    assert second.startswith("numerical check PASSED")
