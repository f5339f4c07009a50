"""MatdiffError: the one exception the package raises for bad input, with a source position."""

from __future__ import annotations


class MatdiffError(ValueError):
    """Bad input: what is wrong, and where (1-based line and column) with a caret.

    ``str(err)`` gives the message, then the source line and a caret under the column.
    """

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 source: str | None = None) -> None:
        self.message = message
        self.line = line
        self.col = col
        self.source_line = None
        if source is not None and line is not None:
            lines = source.split("\n")
            if 1 <= line <= len(lines):
                self.source_line = lines[line - 1]
        super().__init__(self.render())

    def render(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}, column {self.col}"
        if self.source_line is None:
            return f"{self.message} ({where})"
        shown = self.source_line
        col = self.col or 1
        if len(shown) > 100:  # keep the caret visible on long lines
            start = max(0, col - 60)
            shown = ("…" if start else "") + shown[start:start + 100]
            col = col - start + (1 if start else 0)
        shown = shown.replace("\t", " ")
        return f"{self.message} ({where})\n    {shown}\n    {' ' * (col - 1)}^"


class Position:
    """Where a piece of the cell came from; used to raise errors that point at it."""

    __slots__ = ("line", "col", "source")

    def __init__(self, line: int, col: int, source: str) -> None:
        self.line, self.col, self.source = line, col, source

    def error(self, message: str) -> MatdiffError:
        return MatdiffError(message, self.line, self.col, self.source)
