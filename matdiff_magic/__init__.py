"""matdiff-magic: matrix calculus by the differential method, step by step."""

from . import ops as _ops  # noqa: F401  (the operation registry: the shape rules of calls)
from . import render as _render  # noqa: F401  (the printers str(expr) uses)
from .errors import MatdiffError

__version__ = "0.1.0"
__all__ = ["MatdiffError", "derive", "Derivation", "Step", "assert_derivative", "Verdict",
           "__version__",
           "load_ipython_extension", "unload_ipython_extension"]


def __getattr__(name: str):
    if name in ("derive", "assert_derivative"):
        from . import api
        return getattr(api, name)
    if name in ("Derivation", "Step"):
        from . import derivation
        return getattr(derivation, name)
    if name == "CheckResult":
        from .numeric.check import CheckResult
        return CheckResult
    if name == "Verdict":
        from .numeric.compare import Verdict
        return Verdict
    raise AttributeError(f"module 'matdiff_magic' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """Register the ``%%matdiff`` cell magic and the ``%matdiff`` line magic.

    IPython calls this on ``%load_ext matdiff_magic``; ``%%matdiff?`` then shows the magic's
    full help.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
        The shell to register the magics with.
    """
    from .notebook.magic import load
    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """Remove the magics again: IPython calls this on ``%unload_ext matdiff_magic``.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
        The shell the magics were registered with.
    """
    from .notebook.magic import unload
    unload(ipython)
