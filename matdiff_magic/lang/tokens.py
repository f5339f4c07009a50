"""The tokens of the cell language, shared by the tokenizer (parse.py) and the LaTeX input
(latex_input.py), which turns LaTeX commands into these same tokens.

Both read a line left to right and keep columns, so that an error's caret points into the
text the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tok:
    kind: str      # 'name', 'num', 'op', 'sub' (I_{..}, 1_n, K_{..}), 'tex', 'end'
    text: str
    col: int       # 1-based column
    extra: str = ""
    at: int = 0    # a subscript's tokens: the column where its text (extra) starts


def braced_end(line: str, i: int) -> int:
    """The index after the '}' that closes the '{' at ``line[i]``, or -1."""
    depth = 0
    for k in range(i, len(line)):
        if line[k] == "{":
            depth += 1
        elif line[k] == "}":
            depth -= 1
            if depth == 0:
                return k + 1
    return -1
