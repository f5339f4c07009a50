"""matdiff-magic: matrix calculus by the differential method, step by step."""

from . import ops as _ops  # noqa: F401  (the operation registry: the shape rules of calls)
from . import render as _render  # noqa: F401  (the printers str(expr) uses)
from .errors import MatdiffError

__version__ = "0.1.0"
__all__ = ["MatdiffError", "derive", "Derivation", "Step", "assert_derivative", "Verdict",
           "__version__",
           "load_ipython_extension", "unload_ipython_extension"]


def __getattr__(name: str):
    if name in ("derive", "Derivation", "Step", "CheckResult", "assert_derivative"):
        from . import derivation
        return getattr(derivation, name)
    if name == "Verdict":
        from .compare import Verdict
        return Verdict
    raise AttributeError(f"module 'matdiff_magic' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """``%load_ext matdiff_magic``: register %%matdiff and %matdiff."""
    from .magic import load
    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from .magic import unload
    unload(ipython)
