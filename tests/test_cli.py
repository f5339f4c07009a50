"""The command line: `matdiff ...`, `python -m matdiff_magic ...` and cli.main([...])."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from matdiff_magic.cli import main

XYX = ["X Y' X", "--wrt", "X", "--shape", "X, Y: m x n"]
XYX_RESULT = "XᵀY ⊗ I_m + I_n ⊗ XYᵀ"


def run_module(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matdiff_magic", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


# --- in process ------------------------------------------------------------------------------

def test_main_prints_steps_and_result(capsys):
    assert main(XYX) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.strip().splitlines()
    assert lines[0].startswith("1. the problem")
    assert "take the differential" in out
    assert "vec(PB) = (Bᵀ ⊗ I) vec P" in out   # the identity's X renamed: the cell has one
    assert lines[-3].strip() == f"∂vec F/∂(vec X)ᵀ = {XYX_RESULT}"
    assert lines[-2].startswith("7. entry by entry")          # then the result entry-wise
    assert lines[-1].strip() == "∂F_ij/∂X_kl = δ_ik (XᵀY)_jl + (XYᵀ)_ik δ_jl"


def test_main_no_steps_prints_only_the_result(capsys):
    assert main([*XYX, "--no-steps"]) == 0
    out, _ = capsys.readouterr()
    assert out == XYX_RESULT + "\n"


def test_main_latex(capsys):
    assert main([*XYX, "--latex", "--no-steps"]) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == r"X^{\top} Y \otimes I_{m} + I_{n} \otimes X Y^{\top}"


def test_main_latex_steps(capsys):
    assert main([*XYX, "--latex"]) == 0
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) >= 4
    assert lines[-2].endswith(r"X^{\top} Y \otimes I_{m} + I_{n} \otimes X Y^{\top}")
    assert lines[-1].endswith(r"\delta_{jl}")
    assert "ᵀ" not in out and "⊗" not in out


def test_main_denominator_layout(capsys):
    args = ["A X B", "--wrt", "X", "--shape", "A: p x m", "--shape", "X: m x n",
            "--shape", "B: n x q", "--no-steps"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "Bᵀ ⊗ A"
    assert main([*args, "--layout", "denominator"]) == 0
    assert capsys.readouterr().out.strip() == "B ⊗ Aᵀ"


def test_main_gradient(capsys):
    args = ["tr(A X B)", "--wrt", "X", "--shape", "A: p x m", "--shape", "X: m x n",
            "--shape", "B: n x p", "--no-steps"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "AᵀBᵀ"


def test_main_several_variables(capsys):
    assert main(["A X", "--wrt", "A,X", "--shape", "A: p x m", "--shape", "X: m x n",
                 "--no-steps"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Xᵀ ⊗ I_p", "I_n ⊗ A"]


def test_main_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("X : m x n\nX'\n"))
    assert main(["-", "--wrt", "X", "--no-steps"]) == 0
    assert capsys.readouterr().out.strip() == "K_mn"


@pytest.mark.parametrize("args, col", [
    (["X Y' X +", "--wrt", "X", "--shape", "X, Y: m x n"], 9),
    (["X Y X", "--wrt", "X", "--shape", "X, Y: m x n"], 3),
    (["foo(X)", "--wrt", "X", "--shape", "X: m x n"], 1),
])
def test_main_bad_input_exit_2_with_caret(capsys, args, col):
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("matdiff: error: ")
    shown, caret = err.rstrip("\n").split("\n")[-2:]
    assert caret.strip() == "^"
    assert shown.strip() == args[0]
    assert caret.index("^") - 4 == col - 1
    assert "Traceback" not in err


def test_main_bad_wrt_exit_2(capsys):
    assert main(["X'", "--wrt", "Z", "--shape", "X: m x n"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "'Z'" in err


def test_main_bad_shape_declaration_exit_2(capsys):
    assert main(["X'", "--wrt", "X", "--shape", "X: m x 0"]) == 2
    err = capsys.readouterr().err
    assert "X: m x 0" in err and "^" in err


def test_main_bad_layout_is_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        main([*XYX, "--layout", "sideways"])
    assert info.value.code == 2
    assert "layout" in capsys.readouterr().err


def test_main_check(capsys):
    assert main([*XYX, "--check", "--no-steps"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == XYX_RESULT
    assert "PASSED" in out


# --- as a program ------------------------------------------------------------------------------

def test_module_prints_steps_and_result():
    r = run_module(XYX)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-3].strip().endswith(XYX_RESULT)
    assert r.stderr == ""


def test_module_latex_no_steps():
    r = run_module([*XYX, "--latex", "--no-steps"])
    assert r.returncode == 0
    assert r.stdout.strip() == r"X^{\top} Y \otimes I_{m} + I_{n} \otimes X Y^{\top}"


def test_module_denominator_layout():
    r = run_module(["X'", "--wrt", "X", "--shape", "X: m x n", "--layout", "denominator",
                    "--no-steps"])
    assert r.returncode == 0
    assert r.stdout.strip() == "K_nm"


def test_module_bad_input_exit_2():
    r = run_module(["X Y' X +", "--wrt", "X", "--shape", "X, Y: m x n"])
    assert r.returncode == 2
    assert r.stdout == ""
    assert "matdiff: error:" in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.rstrip("\n").split("\n")[-1].strip() == "^"


def test_module_reads_standard_input():
    r = run_module(["-", "--wrt", "X", "--no-steps"], stdin="X, Y : m x n\nX Y' X\n")
    assert r.returncode == 0
    assert r.stdout.strip() == XYX_RESULT


def test_module_help():
    r = run_module(["--help"])
    assert r.returncode == 0
    for opt in ("--wrt", "--shape", "--layout", "--latex", "--no-steps"):
        assert opt in r.stdout


def test_console_script_is_declared():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("matdiff") == "matdiff_magic.cli:main"


def test_console_script_runs():
    import shutil
    from pathlib import Path

    exe = Path(sys.executable).with_name("matdiff")
    script = str(exe) if exe.exists() else shutil.which("matdiff")
    assert script, "the 'matdiff' console script is not installed"
    r = subprocess.run([script, *XYX, "--no-steps"], capture_output=True, text=True,
                       encoding="utf-8", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == XYX_RESULT
    bad = subprocess.run([script, "X +", "--wrt", "X", "--shape", "X: m x n"],
                         capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert bad.returncode == 2 and "^" in bad.stderr
