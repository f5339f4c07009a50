"""Printers, one per target: text (the cell language, re-parseable), Unicode, LaTeX."""

from .latex import to_latex
from .text import to_text, to_unicode

__all__ = ["to_latex", "to_text", "to_unicode"]
