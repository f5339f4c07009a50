"""MatdiffError: the one exception the package raises for bad input, with a source position."""

from __future__ import annotations


class MatdiffError(ValueError):
    """Bad input: what is wrong, and where, with a caret.

    The one exception the package raises for bad input (a subclass of ``ValueError``).
    ``str(err)`` gives the message, then the source line and a caret under the column.

    Parameters
    ----------
    message : str
        What is wrong.
    line, col : int, optional
        Where, 1-based, in ``source``.
    source : str, optional
        The text the position refers to (the cell or the claim).

    Attributes
    ----------
    message : str
        What is wrong, without the position.
    line, col : int or None
        The 1-based position, when there is one.
    source_line : str or None
        The line of the source the position is in.

    Examples
    --------
    >>> from matdiff_magic import derive, MatdiffError
    >>> try:
    ...     derive("X : m x n\\ntr(X", wrt="X")
    ... except MatdiffError as err:
    ...     print(err)
    expected ')', found the end of the line (line 2, column 5)
        tr(X
            ^
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
        """The message with its position: ``str(err)``.

        Returns
        -------
        str
            ``message (line L, column C)``, then the source line and a caret under the
            column (a long line is cut around the caret); the message alone without a
            position.
        """
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
