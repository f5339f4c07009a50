"""Nothing the user types is ever evaluated as code.

* a grep of the package source (text and AST) for ``eval(``, ``exec(``, ``compile(``,
  ``sympify(``, SymPy's ``parse_expr`` / ``parse_latex``, ``__import__(`` and IPython's
  ``ev``/``ex``/``run_cell``: none may exist except in the allow-list of clearly non-user
  paths (``re.compile`` of constant patterns). ``codegen`` produces source text and never
  executes it;
* the magic switches IPython's variable expansion off: ``{...}`` and ``$name`` in a magic
  line are not evaluated.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

import matdiff_magic

PKG = Path(matdiff_magic.__file__).parent
SOURCES = sorted(PKG.rglob("*.py"))

BANNED_TEXT = [r"\beval\s*\(", r"\bexec\s*\(", r"(?<![\w.])compile\s*\(", r"\bsympify\s*\(",
               r"\bparse_latex\b", r"\b__import__\s*\(", r"\.ev\s*\(", r"\.ex\s*\(",
               r"\brun_cell\s*\(", r"\bexecfile\b", r"\bos\.system\b", r"\bsubprocess\b",
               r"\bpickle\b", r"\bmarshal\b", r"\bsympy\.parsing\b",
               r"from\s+sympy\S*\s+import\s+.*\b(parse_expr|sympify|S)\b"]
BANNED_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr_sympy",
                "parse_latex", "execfile"}
BANNED_METHODS = {"sympify", "parse_latex", "ev", "ex", "run_cell", "system", "popen"}
# (file, call) pairs that are fine: constant regular expressions
ALLOWED_METHOD_OWNERS = {"compile": {"re"}}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_package_sources_are_found():
    names = {p.name for p in SOURCES}
    assert {"parse.py", "codegen.py", "magic.py", "sympy_export.py", "cli.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PKG)) for p in SOURCES])
def test_no_evaluating_call_in_the_source_text(path):
    hits = []
    for lineno, line in enumerate(_text(path).splitlines(), 1):
        code = line.split("#", 1)[0]
        for pat in BANNED_TEXT:
            if re.search(pat, code):
                hits.append(f"{path.name}:{lineno}: {line.strip()}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PKG)) for p in SOURCES])
def test_no_evaluating_call_in_the_syntax_tree(path):
    tree = ast.parse(_text(path), filename=str(path))
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in BANNED_CALLS:
                hits.append(f"{path.name}:{node.lineno}: {f.id}(...)")
            elif isinstance(f, ast.Attribute):
                owner = f.value.id if isinstance(f.value, ast.Name) else None
                if f.attr in BANNED_METHODS:
                    hits.append(f"{path.name}:{node.lineno}: .{f.attr}(...)")
                elif f.attr in ("compile", "eval", "exec") and \
                        owner not in ALLOWED_METHOD_OWNERS.get(f.attr, set()):
                    hits.append(f"{path.name}:{node.lineno}: {owner}.{f.attr}(...)")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sympy"):
            for alias in node.names:
                if alias.name in ("sympify", "parse_expr", "parse_latex", "S"):
                    hits.append(f"{path.name}:{node.lineno}: from {node.module} import "
                                f"{alias.name}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            for m in mods:
                if m.startswith(("sympy.parsing", "pickle", "marshal", "subprocess")):
                    hits.append(f"{path.name}:{node.lineno}: import {m}")
        if isinstance(node, ast.Attribute) and node.attr in ("parsing", "sympify"):
            hits.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert not hits, "\n".join(hits)


def test_codegen_returns_text_and_runs_nothing():
    src = _text(PKG / "numeric" / "codegen.py")
    tree = ast.parse(src)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
              and isinstance(n.func, ast.Name)}
    assert not called & {"exec", "eval", "compile"}
    from matdiff_magic import derive
    marker = "/tmp/matdiff-codegen-must-not-run"
    if os.path.exists(marker):
        os.remove(marker)
    d = derive("X : m x n\nA : m x m\ntr(X' A X)", wrt="X")
    out = d.numpy_source()
    assert isinstance(out, str) and "def gradient" in out
    assert not os.path.exists(marker)


# --- the magic does not expand variables ------------------------------------------------------

@pytest.mark.parametrize("template", [
    "%matdiff tr({{__import__('pathlib').Path('{m}').touch()}} X) --wrt X",
    "%matdiff tr(X) --wrt {{__import__('pathlib').Path('{m}').touch()}}",
    "%%matdiff --wrt {{__import__('pathlib').Path('{m}').touch()}}\nX : n x n\ntr(X)",
    "%%matdiff --out {{__import__('pathlib').Path('{m}').touch()}}\nX : n x n\ntr(X)",
    "%%matdiff --wrt X\nX : n x n\ntr({{__import__('pathlib').Path('{m}').touch()}} X)",
    "%matdiff tr($EVIL X) --wrt X",
])
def test_magic_does_not_expand_python_in_its_line(ip, template, tmp_path):
    marker = tmp_path / "pwned"
    ip.user_ns["EVIL"] = f"__import__('pathlib').Path('{marker}').touch()"
    from IPython.utils.capture import capture_output
    with capture_output() as cap:
        res = ip.run_cell(template.format(m=marker))
    assert not marker.exists(), cap.stdout + cap.stderr
    assert res.error_in_exec is None
    assert "Traceback" not in cap.stdout + cap.stderr
