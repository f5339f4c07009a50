"""The tokenizer of the cell language: one line of text -> tokens, with their columns kept so
that carets point into the user's text. Backslash commands are read by latex_input.py; a
backslash on a line without LaTeX is the solve operator ``A \\ B``."""

from __future__ import annotations

import re
import unicodedata

from ..errors import MatdiffError
from .latex_input import ambiguous_solve, command, is_latex_line, rewrite
from .tokens import Tok, braced_end

_GREEK = "".join(chr(c) for c in range(0x391, 0x3CA) if chr(c).isalpha())
NAME = re.compile(r"[A-Za-z" + _GREEK + r"][A-Za-z0-9" + _GREEK + r"]*(?:_[A-Za-z0-9]+)?")
# '2.' is not a number here: in 'X^2.*Y' the dot belongs to the operator '.*'
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_TEX_SUB = re.compile(r"_\{\s*([A-Za-z0-9]+)\s*\}")
_WORD = re.compile(r"[A-Za-z]+")
_ONES_SUB = re.compile(r"1_([A-Za-z0-9]+)")
_DOT_DIGIT = re.compile(r"\.\d")
_OPS = [".*", "./", ".^", ".T", "+", "-", "*", "/", "@", "^", "'", "ᵀ", "(", ")", ",",
        ":", "=", "{", "}", "⊗", "⊕", "∘", "⊙", "×", "′"]


# Greek letters that look exactly like Latin ones: 'Α' (alpha) next to 'A' would silently be a
# second variable
HOMOGLYPHS = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEZHIKMNOPTYXo"))


def describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"'{ch}' ({code} {name})" if name and ch.isprintable() else f"{code} {name}".strip()


def tokenize(line: str, lineno: int, source: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(line)
    tex_line = None   # whether a backslash starts LaTeX commands here (see is_latex_line)

    def err(msg: str, col: int) -> MatdiffError:
        return MatdiffError(msg, lineno, col, source)

    while i < n:
        ch = line[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#":
            break
        if ch == "\\":
            if tex_line is None:
                tex_line = is_latex_line(line)
                at = ambiguous_solve(line) if tex_line else None
                if at is not None:
                    raise err("a backslash right after an operand, before a function, reads "
                              "two ways: MATLAB's solve A \\ f(B) or LaTeX's product A f(B); "
                              "write A \\ f(B) (spaces around the backslash) for the solve, or "
                              "a space before the backslash for the product", at)
            after_operand = bool(toks) and (toks[-1].kind in ("name", "num", "sub") or (
                toks[-1].kind == "op" and toks[-1].text in (")", "}", "'", ".T", "ᵀ")))
            word = _WORD.match(line, i + 1)
            if not tex_line and after_operand and not (word and line[word.end():word.end() + 1]
                                                       == "{"):
                # a plain line: A \ B is a solve (MATLAB, Julia), never spacing; '\b' right
                # after the backslash is read as a name only if the cell has it (see prod)
                if line.startswith("\\\\", i):
                    raise err("'\\\\' is not an operator: a solve is written A \\ B or "
                              "solve(A, B)", i + 1)
                toks.append(Tok("op", "\\", i + 1, word.group(0) if word else ""))
                i += 1
                continue
            # LaTeX as papers write it (SPEC §9): see latex_input.py
            more, i = command(line, i, err)
            toks.extend(more)
            continue
        if line.startswith(("I_{", "K_{", "1_{", "D_{", "L_{"), i):
            j = braced_end(line, i + 2)
            if j < 0:
                raise err("missing '}'", i + 1)
            toks.append(Tok("sub", line[i], i + 1, line[i + 3:j - 1], i + 4))
            i = j
            continue
        m = _ONES_SUB.match(line, i)
        if m:
            toks.append(Tok("sub", "1", i + 1, m.group(1), i + 3))
            i = m.end()
            continue
        m = _NUMBER.match(line, i)
        if m and not (line[i] == "." and i + 1 < n and not line[i + 1].isdigit()):
            text = m.group(0)
            if len(text) > 400:
                raise err("number too long", i + 1)
            if _DOT_DIGIT.match(line, m.end()):
                raise err(f"malformed number '{text}{line[m.end():m.end() + 2]}...'", i + 1)
            toks.append(Tok("num", text, i + 1))
            i = m.end()
            continue
        m = NAME.match(line, i)
        if m:
            for j, c in enumerate(m.group(0)):
                if c in HOMOGLYPHS:
                    raise err(f"{describe(c)} looks like the Latin '{HOMOGLYPHS[c]}': write the "
                              "Latin letter (or another Greek one)", i + j + 1)
            sub = _TEX_SUB.match(line, m.end()) if "\\" in line else None
            if sub:   # LaTeX: s_{2}, x_{ij}
                toks.append(Tok("name", f"{m.group(0)}_{sub.group(1)}", i + 1, "tex"))
                i = sub.end()
                continue
            toks.append(Tok("name", m.group(0), i + 1))
            i = m.end()
            continue
        for op in _OPS:
            if line.startswith(op, i):
                if op == ".T" and i + 2 < n and (line[i + 2].isalnum() or line[i + 2] == "_"):
                    continue
                toks.append(Tok("op", {"⊙": "∘", "′": "'", "×": "*"}.get(op, op), i + 1))
                i += len(op)
                break
        else:
            if ch == "_":
                raise err("names must start with a letter", i + 1)
            if ch in "`$;|&![]<>\"":
                raise err(f"unexpected character {describe(ch)}: this is not part of the "
                          "cell language", i + 1)
            raise err(f"unexpected character {describe(ch)}", i + 1)
    toks.append(Tok("end", "", len(line) + 1))
    if "\\" in line:   # \frac, \sqrt, norms and braces that group become plain tokens
        toks = rewrite(toks, err)
    return toks
