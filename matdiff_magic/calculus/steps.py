"""Steps as data: a step holds its rule and the expressions it relates, not their strings.

A derivation records what each transformation did: the rule (words, or the general
identities used, in their own letters, with the cell's one-letter names they must avoid) and
the equation as data: a form such as ``("eq", ("d", "f"), dF)`` (df = dF) or
``("vecmap", ("vecof", t), J, ("vecdx", X))`` (vec(t) = J vec dX). ``render/steps.py`` writes
the Unicode ``text`` and the ``latex`` when they are first asked for, and keeps them: derive
called from code prints nothing nobody reads.
"""

from __future__ import annotations

from .. import memo as M
from ..algebra import expr as E
from ..render import steps as P


class Step:
    """One step of a derivation: one rule applied, and the equation it produces.

    Steps are made by :func:`derive`; ``Derivation.steps`` lists them from the problem to
    the result. ``str(step)`` is the equation followed by the rule in brackets.

    Attributes
    ----------
    rule : str
        The rule applied, in words, with the general identity it uses
        (``"product rule: d(AB) = dA B + A dB"``).
    text : str
        The equation the step produces, in plain Unicode (``"dZ = dX YᵀX + XYᵀ dX"``).
    latex : str
        The same equation in LaTeX.
    expr : Expr or None
        The expression on the right-hand side of the equation, or None where a step shows
        several equations.
    """

    __slots__ = ("_rule", "_form", "_text", "_latex", "expr", "_memo")

    def __init__(self, rule, text: str | None = None, latex: str | None = None,
                 expr: E.Expr | None = None, form: tuple | None = None,
                 memo: dict | None = None) -> None:
        self._rule = rule
        self._text = text
        self._latex = latex
        self._form = form
        self.expr = expr
        self._memo = memo   # memo tables shared by the steps of one derivation (memo.py)

    @classmethod
    def of(cls, rule, form: tuple, expr: E.Expr | None = None,
           memo: dict | None = None) -> Step:
        """A step whose rule and equation are data (see the module docstring); the steps
        given the same ``memo`` dict print each shared subexpression once."""
        return cls(rule, None, None, expr, form, memo)

    def _print(self, what, *args) -> str:
        memo = self._memo
        if memo is None or M.current() is memo:
            return what(*args)
        token = M.enter(memo)
        try:
            return what(*args)
        finally:
            M.leave(token)

    @property
    def rule(self) -> str:
        rule = self._rule
        if rule.__class__ is not str:
            rule = self._rule = self._print(P.rule_text, rule)
        return rule

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            text = self._text = self._print(P.equation, self._form, False)
        return text

    @property
    def latex(self) -> str:
        latex = self._latex
        if latex is None:
            latex = self._latex = self._print(P.equation, self._form, True)
        return latex

    @property
    def form(self) -> tuple | None:
        """The equation as data, ``(form name, *args)``, or None for a step given as strings."""
        return self._form

    def prefixed(self, words: str) -> Step:
        """The same step with ``words`` before its rule."""
        rule = words + self._rule if isinstance(self._rule, str) else \
            ("prefix", words, self._rule)
        return Step(rule, self._text, self._latex, self.expr, self._form, self._memo)

    def with_rule(self, rule) -> Step:
        """The same equation under another rule."""
        return Step(rule, self._text, self._latex, self.expr, self._form, self._memo)

    def _key(self) -> tuple:
        return (self.rule, self.text, self.latex, self.expr)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Step) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Step(rule={self.rule!r}, text={self.text!r}, latex={self.latex!r}, "
                f"expr={self.expr!r})")

    def __str__(self) -> str:
        return f"{self.text}    [{self.rule}]"
