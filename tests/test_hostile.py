"""Hostile input (tests/hostile_corpus.py) and fuzzing: only MatdiffError, always with a place.

* API: every corpus entry raises MatdiffError with ``line`` and ``col`` set and a caret in
  ``str(err)``;
* CLI: every entry through ``cli.main([...])`` in process (exit status 2, the error with its
  caret on stderr, no traceback); a spread of 30 through ``python -m matdiff_magic -`` in a
  subprocess (the cell on standard input);
* magic: a spread of 30 through ``%%matdiff`` in an IPython shell, and single-line ones
  through ``%matdiff``: the error printed, no traceback;
* fuzz: hypothesis ``text()`` and grammar-aware mutations of valid generated cells; nothing
  but MatdiffError may escape ``derive`` (a generous 20 s alarm turns a hang into a failure
  instead of a stuck CI job; no timing assertions).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hostile_corpus import CORPUS, sample
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import cases

from matdiff_magic import MatdiffError, derive
from matdiff_magic.cli import main

IDS = [f"{i:03d}-{cat}" for i, (cat, _) in enumerate(CORPUS)]
from conftest import GUARD_SECONDS, Hang, guard  # noqa: E402,F401


def test_corpus_is_big_and_varied():
    cats = {c for c, _ in CORPUS}
    assert len(CORPUS) >= 200
    assert {"syntax", "shape", "names", "lookalike", "invisible", "long", "deep", "number",
            "empty", "injection"} <= cats


# --- API ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [c for _, c in CORPUS], ids=IDS)
def test_api_rejects_with_a_position(cell):
    with guard():
        with pytest.raises(MatdiffError) as info:
            derive(cell, wrt="X")
    err = info.value
    assert err.line is not None and err.col is not None, str(err)
    assert err.line >= 1 and err.col >= 1
    text = str(err)
    assert "^" in text.splitlines()[-1], text
    assert f"line {err.line}, column {err.col}" in text


# --- command line -----------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [c for _, c in CORPUS], ids=IDS)
def test_cli_in_process_exits_2_with_the_error(cell, capsys):
    with guard():
        status = main(["--wrt", "X", "--", cell])
    out, err = capsys.readouterr()
    assert status == 2
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith("matdiff: error: ")
    assert err.rstrip("\n").splitlines()[-1].strip() == "^"


CLI_SAMPLE = [(cat, c) for cat, c in sample(40, seed=1)
              if len(c) < 30_000 and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in c)][:30]


@pytest.mark.parametrize("cell", [c for _, c in CLI_SAMPLE],
                         ids=[f"{i:02d}-{cat}" for i, (cat, _) in enumerate(CLI_SAMPLE)])
def test_cli_subprocess_exits_2_without_traceback(cell):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "matdiff_magic", "--wrt", "X", "-"],
                          input=cell.encode("utf-8"), capture_output=True, timeout=120, env=env)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert err.startswith("matdiff: error: ") and "^" in err


# --- the magic --------------------------------------------------------------------------------

def _run(ip, src: str):
    from IPython.utils.capture import capture_output
    with capture_output() as cap:
        res = ip.run_cell(src)
    return cap.stdout, cap.stderr, res


MAGIC_SAMPLE = sample(30, seed=2)


@pytest.mark.parametrize("cell", [c for _, c in MAGIC_SAMPLE],
                         ids=[f"{i:02d}-{cat}" for i, (cat, _) in enumerate(MAGIC_SAMPLE)])
def test_cell_magic_prints_the_error_without_traceback(ip, cell):
    with guard():
        out, err, res = _run(ip, "%%matdiff --wrt X\n" + cell)
    assert res.error_before_exec is None and res.error_in_exec is None
    assert "Traceback" not in out + err
    assert "matdiff: error: " in err


def _line_form_is_bad(expr: str) -> bool:
    """The one-line form names open sizes (free_dims), so 'Q X' is fine there: keep only
    entries that are bad input in that form too (anything but a clean accept stays)."""
    try:
        derive(expr, wrt="X", shapes=["X: m x n"], free_dims=True)
    except MatdiffError:
        return True
    except Exception:  # noqa: BLE001 - a crash must show up in the test
        return True
    return False


LINE_SAMPLE = [line for line in (c.split("\n")[-1] for _, c in CORPUS
                                 if c.count("\n") == 1 and c.startswith("X : m x n\n"))
               # characters that IPython (like str.splitlines) takes as line breaks would
               # split the magic line itself
               # split the magic line itself; IPython strips the line, so no outer blanks
               if line.strip() and line == line.strip() and len(line.splitlines()) == 1
               and _line_form_is_bad(line)][::6][:20]


@pytest.mark.parametrize("expr", LINE_SAMPLE)
def test_line_magic_prints_the_error_without_traceback(ip, expr):
    with guard():
        out, err, res = _run(ip, f'%matdiff {expr} --shape "X: m x n" --wrt X')
    assert res.error_in_exec is None
    assert "Traceback" not in out + err
    assert "matdiff: error: " in err


# --- fuzzing ------------------------------------------------------------------------------------

FUZZ = dict(deadline=None, derandomize=True, database=None, phases=(Phase.explicit,
                                                                     Phase.generate),
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ALPHABET = ("XYAxys0123456789.,:;=+-*/@^'`ᵀ()[]{}<>|&!?$#\\_ \t\n⊗∘⊙×′"
            "\u200b\ufeff\u202eХΑＸ²⁻¹−")
TOKENS = ["(", ")", "'", "^", "^-1", "^-T", "^T", ".^", ".*", "./", "+", "-", "*", "/", "@",
          "kron(", "tr(", "det(", "logdet(", "inv(", "vec(", "diag(", "exp(", "log(", "sqrt(",
          "norm2(", "fro(", "sum(", ",", "=", ":", "\n", "#", "x", "X", "1_n", "I_", "I",
          "K_{m,n}", "K_{", "\\otimes", "^{", "}", "{", "⊗", "∘", "0", "1e999", "2.", ".5",
          "scalar", "spd", " x ", "m", "n*m", "H =", "\\top", "ᵀ", "′", "^64", "^65", "^-64",
          "unvec(", "ones", "1_{m*n}", "\u200b", "Х", ".T", "^(1/2)", ".^(-1/2)"]


def _derive_only_matdiff_errors(cell: str, wrt: str | None) -> None:
    try:
        with guard():
            d = derive(cell, wrt=wrt)
            ds = d if isinstance(d, list) else [d]
            for one in ds:
                one.text()
                str(one.result)
    except MatdiffError:
        pass


@settings(max_examples=150, **FUZZ)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
       wrt=st.sampled_from([None, "X", "x", "X,Y"]))
def test_fuzz_arbitrary_text(text, wrt):
    _derive_only_matdiff_errors(text, wrt)


@settings(max_examples=150, **FUZZ)
@given(text=st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_language_characters(text):
    _derive_only_matdiff_errors("X, Y : m x n\nx : n\nA : m x m\n" + text, "X")


@st.composite
def mutated(draw):
    case = draw(cases(max_depth=4))
    cell = case.cell
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "token", "drop-token",
                                     "dup-line", "drop-line", "swap"]))
        n = len(cell)
        i = draw(st.integers(0, max(n - 1, 0)))
        if kind == "insert":
            cell = cell[:i] + draw(st.sampled_from(ALPHABET)) + cell[i:]
        elif kind == "delete" and n:
            cell = cell[:i] + cell[i + 1:]
        elif kind == "replace" and n:
            cell = cell[:i] + draw(st.sampled_from(ALPHABET)) + cell[i + 1:]
        elif kind == "token":
            cell = cell[:i] + draw(st.sampled_from(TOKENS)) + cell[i:]
        elif kind == "drop-token":
            tok = draw(st.sampled_from(TOKENS))
            cell = cell.replace(tok, "", 1)
        elif kind in ("dup-line", "drop-line"):
            lines = cell.split("\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k + 1] = [lines[k]] * (2 if kind == "dup-line" else 0)
            cell = "\n".join(lines)
        elif kind == "swap" and n > 1:
            j = draw(st.integers(0, n - 1))
            a, b = sorted((i, j))
            cell = cell[:a] + cell[b:b + 1] + cell[a + 1:b] + cell[a:a + 1] + cell[b + 1:]
    return cell, case.wrt


@settings(max_examples=200, **FUZZ)
@given(m=mutated())
def test_fuzz_mutated_valid_cells(m):
    cell, wrt = m
    _derive_only_matdiff_errors(cell, wrt)
