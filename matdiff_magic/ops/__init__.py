"""The operation registry: one entry per operation of the cell language.

Each entry (:class:`Op`) holds an operation's spellings (cell language and LaTeX), its shape
rule, its differential with the identity written beside it, its vec identity and adjoint
where it has them, its NumPy value, generated code and SymPy form, its printed forms, and
the domain the sampler must respect. Adding an operation is one entry in one of the family
modules (elementwise, scalar, linear) and one row in tests/test_ops.py.

The registry imports only the algebra layer (``expr``, ``dims``); NumPy and SymPy are
imported inside the functions that need them.
"""

from . import elementwise, linear, scalar, spectral  # noqa: F401  (each registers its entries)
from .op import KINDS, REGISTRY, Op, OutsideDomain, Rule, get, names, register, spelled

ELEMENTWISE = names("elementwise")
# the names a cell writes as name(...)
CELL_NAMES = names(cell=True)
# calls whose derivative jumps (a kink) or that have poles: the check watches their sides
KINKED = tuple(n for n, op in REGISTRY.items() if op.sides is not None)

__all__ = ["CELL_NAMES", "ELEMENTWISE", "KINDS", "KINKED", "REGISTRY", "Op", "OutsideDomain",
           "Rule", "get", "names", "register", "spelled"]
