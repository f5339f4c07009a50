"""The ``%%matdiff`` / ``%matdiff`` magics (SPEC §4): parse the options, call ``derive``, display.

The magic is thin on purpose: everything it shows comes from the engine and from
:mod:`matdiff_magic.notebook.widget`, so it is testable without a kernel. It never evaluates user
text (variable expansion of the magic line is switched off: ``X^{-1}`` stays as written),
and it imports the engine and ipywidgets only when a cell runs, so ``%load_ext`` is light.
"""

from __future__ import annotations

import argparse
import keyword
import re
import shlex
import sys

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import MatdiffError

# An option starts where one of *our* option names does, so an expression such as
# "X - -Y" is never mistaken for options.
_OPTION = re.compile(
    r"(?:^|(?<=\s))(?:--(?:wrt|wrt2|order|check|seed|dims|layout|steps|no-steps|out|values|"
    r"shape|claim|picture|help)"
    r"(?=[\s=]|$)|-h(?=\s|$))")


@magics_class
class MatdiffMagics(Magics):
    """Holds the ``matdiff`` line and cell magic."""

    @no_var_expand
    @line_cell_magic
    @magic_arguments()
    @argument("--wrt", metavar="X[,Y]", default=None,
              help="the variable to differentiate with respect to; several, comma-separated, "
                   "give one derivation each. Optional when the target has one variable. "
                   "vech(S) for a symmetric or lower-triangular S, diag(X) for a diagonal X: "
                   "with respect to the free entries only (quote it: --wrt \"vech(S)\").")
    @argument("--check", action="store_true",
              help="check the result numerically against finite differences at random "
                   "matrices (a pass/fail badge with the largest relative error)")
    @argument("--seed", type=int, default=None, metavar="N",
              help="random seed for the check (default 0); implies --check")
    @argument("--dims", default=None, metavar="m=3,n=4",
              help="sizes of the named dimensions for the check; implies --check")
    @argument("--values", action="store_true",
              help="check at the NumPy arrays of the same names in the user namespace "
                   "(their shapes are checked against the declarations); variables with no "
                   "array are drawn at random. Implies --check")
    @argument("--layout", choices=("mixed", "numerator", "denominator"), default="mixed",
              help="mixed (default): a gradient G shaped like X and the Jacobian "
                   "J = d vec(F)/d vec(X)'; numerator: G' and J (Minka); denominator: G and "
                   "J' (many statistics texts)")
    @argument("--steps", action=argparse.BooleanOptionalAction, default=True,
              help="show every step (default) or, with --no-steps, only the result")
    @argument("--out", default=None, metavar="NAME",
              help="store the Derivation (a list of them for several --wrt) in the user "
                   "namespace under NAME")
    @argument("--shape", action="append", default=[], metavar="DECL",
              help="a declaration such as \"X: m x n\" or \"A: n x n spd\", added before the "
                   "cell; repeatable. The way to declare shapes in the one-line form.")
    @argument("--claim", default=None, metavar="ANSWER",
              help="a claimed derivative, in quotes (cell language or LaTeX, the cell's "
                   "symbols, the chosen layout): a badge says whether it is right and, if not, "
                   "names the slip (transposed, scaled, missing or extra term, needs "
                   "symmetry, shape)")
    @argument("--order", type=int, default=1,
              help="2: the Hessian ∂²f/∂(vec X)∂(vec X)ᵀ of a scalar target, by the second "
                   "differential")
    @argument("--wrt2", default=None, metavar="Y",
              help="with --order 2: the mixed block ∂²f/∂(vec X)∂(vec Y)ᵀ")
    @argument("--picture", action="store_true",
              help="add a picture of the derivative's entries at random small matrices "
                   "(SVG; in the widget, the picture button shows it)")
    @argument("-h", "--help", action="store_true", help="show this help")
    def matdiff(self, line: str, cell: str | None = None):
        """Differentiate a matrix expression by the differential method, step by step.

        Cell form: the first line holds options, the cell holds declarations,
        definitions and the target (the last line)::

            %%matdiff --wrt X --check
            X, Y : m x n
            Z = X Y' X

        Line form: the expression, then options. Sizes the expression leaves open get
        fresh names (m, n, p, ...); --shape declares them (repeatable)::

            %matdiff tr(A X B) --wrt X
            %matdiff x' A x --wrt x --shape "A: n x n symmetric" --shape "x: n"

        Checking a claimed answer: --claim "2 A x" adds a badge with the verdict
        (correct, or the slip: transposed, scaled, sign, swapped-kronecker,
        missing-factor, missing-term, extra-term, needs-symmetry, shape, wrong) and a
        sentence about it; a claim that is not well-formed shows the derivation and a red
        "not well-formed" badge with the caret under the claim.

        Shows an interactive stepper (previous / next, a slider over the steps, show all
        steps, the rule applied at each step, the numerical check) and, in the same output,
        a static text / LaTeX / HTML rendering of all the steps for nbconvert, GitHub and
        nbval. Bad input prints the error with a caret under the culprit, no traceback.
        """
        try:
            self._run(line, cell)
        except MatdiffError as exc:
            _error(str(exc))
        except UsageError as exc:
            _error(f"{exc}\n(see %matdiff? for the options)")
        return None

    def _run(self, line: str, cell: str | None) -> None:
        expr, args = parse_line(line)
        if args.help:
            print(self.matdiff.__doc__)
            return
        if cell is None:
            if not expr:
                raise MatdiffError("give an expression, e.g. %matdiff tr(A X) --wrt X, or use "
                                   "%%matdiff with declarations in the cell")
            body = expr
        else:
            if expr:
                hint = f" (did you mean --wrt {expr}?)" if expr.isidentifier() else ""
                raise MatdiffError(f"unexpected '{expr}' on the %%matdiff line: it takes "
                                   f"options only; the expression goes in the cell{hint}")
            body = cell
        if args.out is not None and (not args.out.isidentifier() or keyword.iskeyword(args.out)):
            raise MatdiffError(f"--out needs a Python name, got '{args.out}'")
        from ..cli import parse_dims
        dims = parse_dims(args.dims)
        check = args.check or args.values or args.seed is not None or dims is not None
        from ..api import derive
        # the one-line form has no declarations: undetermined sizes get fresh names
        try:
            result = derive(body, wrt=args.wrt, layout=args.layout, shapes=args.shape,
                            free_dims=cell is None, order=args.order, wrt2=args.wrt2)
        except MatdiffError as exc:   # positions in the cell, as the editor numbers lines
            raise _in_cell(exc, cell) from None
        derivations = result if isinstance(result, list) else [result]

        check_kwargs: dict | None = None
        if check:
            check_kwargs = {"seed": 0 if args.seed is None else args.seed, "dims": dims}
            if args.values:
                check_kwargs["values"] = self._namespace_values(derivations, dims)
        verdict = None
        if args.claim is not None:
            if len(derivations) != 1:
                raise MatdiffError("--claim needs one variable in --wrt")
            from ..numeric.compare import judge  # a malformed claim is a red verdict
            verdict = judge(derivations[0], args.claim)
        from .widget import MatdiffDisplay
        displays = []
        for d in derivations:
            res = None
            if check_kwargs is not None:
                try:
                    res = d.check(**check_kwargs)
                except MatdiffError as exc:  # the derivation stands; say why it is unchecked
                    _error(f"numerical check: {exc}")
            displays.append(MatdiffDisplay(d, check=res, show_steps=args.steps,
                                           check_kwargs=check_kwargs, verdict=verdict,
                                           claim=args.claim, picture=args.picture))
        if args.out is not None:
            self.shell.user_ns[args.out] = result
        for disp in displays:
            disp.show()

    def _namespace_values(self, derivations, dims) -> dict:
        """NumPy arrays (and numbers, for scalars) named like the cell's variables."""
        import numpy as np
        ns = self.shell.user_ns
        symbols: dict = {}
        for d in derivations:
            symbols.update(d.cell.symbols)
        values = {}
        for name in symbols:
            v = ns.get(name)
            if isinstance(v, np.ndarray) or (isinstance(v, (int, float, np.number))
                                             and not isinstance(v, bool)):
                values[name] = v
        if not values:
            raise MatdiffError("--values: none of " + ", ".join(symbols) +
                               " is a NumPy array in the namespace")
        try:  # the same shape rules as d.evaluate, so the message names the culprit
            from ..numeric.values import make_env
        except ImportError:  # pragma: no cover - the check validates on its own
            return values
        try:
            make_env(symbols, values, dims)
        except MatdiffError as exc:
            raise MatdiffError(f"--values: {exc.message}") from None
        return values


def parse_line(line: str) -> tuple[str, argparse.Namespace]:
    """Split a magic line into the expression (before the first option) and the options."""
    m = _OPTION.search(line)
    expr, opts = (line[:m.start()], line[m.start():]) if m else (line, "")
    try:
        argv = shlex.split(opts)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"cannot split the options: {exc}") from None
    args = MatdiffMagics.matdiff.parser.parse_args(argv)
    return expr.strip(), args


def _in_cell(exc: MatdiffError, cell: str | None) -> MatdiffError:
    """The error with its line counted from the %%matdiff line, as the editor numbers it
    (the magic's body starts on the cell's second line); the line form is left alone."""
    if cell is None or exc.line is None:
        return exc
    lines = cell.split("\n")
    if exc.source_line is not None and (exc.line > len(lines)
                                        or lines[exc.line - 1] != exc.source_line):
        return exc   # not a line of the cell (a --shape declaration): left as it is
    moved = MatdiffError(exc.message, exc.line + 1, exc.col)
    moved.source_line = exc.source_line   # the same text, now on the editor's line
    moved.args = (moved.render(),)
    return moved


def _error(message: str, prefix: str = "matdiff: error: ") -> None:
    """Print an error the way IPython prints a UsageError: on stderr, no traceback."""
    print(prefix + message, file=sys.stderr)


def load(ipython) -> None:
    """Register the magics; loading twice just registers them again."""
    ipython.register_magics(MatdiffMagics)


def unload(ipython) -> None:
    """Remove %matdiff and %%matdiff."""
    magics = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        magics[kind].pop("matdiff", None)
    ipython.magics_manager.registry.pop("MatdiffMagics", None)
