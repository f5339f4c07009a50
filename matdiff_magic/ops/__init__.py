"""The operation registry: one entry per operation of the cell language.

Each entry (:class:`Op`) holds an operation's spellings (cell language and LaTeX), its shape
rule, its differential with the identity written beside it, its vec identity and adjoint
where it has them, its NumPy value, generated code and SymPy form, its printed forms, and
the domain the sampler must respect. Adding an operation is one entry in one of the family
modules (elementwise, scalar, linear; spectral for eigenvalues, norms for singular values
and norms, matfun for matrix functions, adjugate for pinv and adj, mpow for X^k, ml for
softmax and log-sum-exp) and one row in tests/test_ops.py:

* an element-wise f: ``elementwise(name, f', "d f(A) = f'(A) ∘ dA", value, code, sympy,
  latex)`` in elementwise.py, with ``domain=`` ('positive', 'above-1') where f needs one,
  ``sides=`` / ``pole=`` where its derivative jumps or it has poles, ``at0`` / ``at1`` for
  its exact values at 0 and 1;
* any other f: an :class:`Op` with its shape rule (``build``: the node for the arguments,
  with its folds and its shape errors), its differential ``d=Rule(identity, build)`` where
  ``build(e, args, dargs)`` writes d f from the algebra constructors, and, for a linear
  map, its vec identity and adjoint.

tests/test_ops.py then fails until every stage is there and agrees with the others
(finite differences of the NumPy value, the generated code, the SymPy form, the printed
forms parsing back).

The registry imports only the algebra layer (``expr``, ``dims``); NumPy and SymPy are
imported inside the functions that need them.
"""

from . import (  # noqa: F401  (each registers its entries)
    adjugate,
    elementwise,
    factor,
    linear,
    matfun,
    ml,
    mpow,
    norms,
    scalar,
    solve,
    spectral,
)
from .ml import recognise
from .op import (
    DOMAINS,
    KINDS,
    REGISTRY,
    Op,
    OutsideDomain,
    Rule,
    get,
    inverse_form,
    names,
    register,
    spelled,
)

ELEMENTWISE = names("elementwise")
# the names a cell writes as name(...)
CELL_NAMES = names(cell=True)
# calls whose derivative jumps (a kink) or that have poles: the check watches their sides
KINKED = tuple(n for n, op in REGISTRY.items() if op.sides is not None)

__all__ = ["CELL_NAMES", "DOMAINS", "ELEMENTWISE", "KINDS", "KINKED", "REGISTRY", "Op",
           "OutsideDomain", "Rule", "get", "inverse_form", "names", "recognise", "register",
           "spelled"]
