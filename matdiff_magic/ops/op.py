"""The record of one operation and the table that holds them.

An :class:`Op` is data: the stages (parser, differential, values, generated code, SymPy
export, printers, sampler) look an operation up by its name and read what they need from
it, so that none of them names an operation. Functions in a record take the arguments of
a call in order (``args``); an operation of several arguments is one record like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..algebra import expr as E

# kinds: 'elementwise' (f applied to every entry), 'scalar' (a matrix to a number),
# 'linear' (a linear map: vec, diag, ...), 'node' (a spelling of a node kind of its own:
# inv(A) is A⁻¹) and 'notation' (printed, never written: d(·) not yet taken)
# 'spectral' (eigenvalues, singular values), 'matfun' (a primary matrix function: expm),
# 'internal' (a node the engine builds for a derivative, never written: the eigenvectors that
# dλ holds, a Fréchet derivative)
# 'product' (a product of its arguments of its own: khatrirao(A, B))
KINDS = ("elementwise", "scalar", "linear", "node", "notation", "spectral", "matfun",
         "internal", "product")
# what the sampler must respect (sample.domain_needs): entries > 0, entries > -1, det > 0, a
# well-conditioned matrix; entries away from 0; the eigenvalue of largest (smallest) real part
# real and simple; no eigenvalue on the closed negative real axis (logm, sqrtm); coefficients
# whose spectra keep a solve unique (sylvester: A and -B share no eigenvalue)
DOMAINS = ("positive", "above-1", "detpos", "invertible", "nonzero", "real-max", "real-min",
           "spectrum-right", "separated")


class OutsideDomain(ValueError):
    """A value outside an operation's domain; ``numeric`` names the call in front of it."""


@dataclass(frozen=True)
class Rule:
    """A differential, vec identity or adjoint: ``build`` makes it, ``text`` is the identity
    as a step shows it (None: applied without a step of its own)."""
    text: str | None
    build: Callable[..., E.Expr] | None = None
    # the identity a step shows, when it depends on the arguments (args -> text; None: text)
    cases: Callable[..., str | None] | None = None

    def text_for(self, args: tuple) -> str | None:
        if self.cases is not None:
            return self.cases(*args) or self.text
        return self.text


@dataclass(frozen=True)
class Op:
    name: str                     # the name of the Call node, and its spelling in a cell
    kind: str
    build: Callable[..., E.Expr]  # the shape rule: the node for the arguments (and its folds)
    args: tuple[str, ...] = ("expr",)   # what each argument is: an expression or a 'size'
    internal: bool = False        # built by the engine only (diagof), never written
    aliases: tuple[str, ...] = ()     # other spellings in a cell: σ(x)
    latex_in: tuple[str, ...] = ()    # LaTeX commands that read as it (\ln); \log\det: two
    # printed forms: a prefix (\exp: \exp\left(A\right)) or a template holding {a}
    # (\left\|{a}\right\|_F), or a function (printer, e) -> str
    text: str = ""                # the cell language (default: the name)
    unicode: str | Callable = ""  # textbook Unicode (default: the name)
    latex: str | Callable = ""
    bare: bool = False            # a prefix taking a simple argument without parentheses
    loose: bool = False           # the textbook forms bind like a product (∫₀¹ ... ds)
    # d(call) from (e, args, dargs): elementwise entries give f'(A) instead (``deriv``)
    d: Rule | None = None
    deriv: Callable[[E.Expr], E.Expr] | None = None
    d_square: Rule | None = None      # d(f(A)²), where it has a rule of its own
    linear: bool = False          # f(s A) = s f(A), f(A + B) = f(A) + f(B)
    reorders: bool = False        # the value holds the argument's entries, rearranged (vec)
    vec: Rule | None = None       # vec f(M) = L vec M: build(t) = L; build None: L = I
    adjoint: Rule | None = None   # tr(Wᵀ f(M)) = tr(W'ᵀ M): build(w, m) = W'
    value: Callable | None = None     # NumPy: the value from the arguments' values
    apply: Callable | None = None     # NumPy: the value times a block V, matrix-free
    code: str = ""                # generated NumPy, {0} the first argument's code
    code_apply: str = ""          # generated code of value @ {V}, matrix-free
    apply_inv: Callable | None = None     # NumPy: the inverse of the value times V, by a solve
    code_apply_inv: str = ""      # generated code of inv(value) @ {V}, by a solve
    code_helper: str = ""         # source of a helper function the code calls
    code_group: str = ""          # a group of helpers the code needs ('structured')
    sympy: Callable | None = None     # (ctx, e, *args) -> the SymPy form
    no_sympy: bool = False        # SymPy has no form: ``sympy`` raises a MatdiffError saying so
    # identities the simplifier applies (canonical.py)
    undoes: str = ""              # f(g(u)) = u for the g named: log(exp(u)) = u
    parity: str = ""              # 'odd': f(-u) = -f(u); 'even': f(-u) = f(u)
    of_transpose: bool = False    # f(Aᵀ) = f(A): tr, det, diag
    transposed: Callable | None = None    # (args) -> f(args)ᵀ: (A ⊕ B)ᵀ = Aᵀ ⊕ Bᵀ
    # (args) -> the same value in other nodes, which the simplifier compares and the textbook
    # printers show: solve(A, B) is A⁻¹B (the cell language keeps the operation's name)
    same_as: Callable | None = None
    at0: int | None = None        # exact value at 0 (elementwise): f(0) = 0 or 1
    at1: int | None = None        # exact value at 1: f(1) = 0 or 1
    domain: str | None = None     # what the sampler must respect: one of DOMAINS
    sides: Callable | None = None     # NumPy: the side of a kink or pole each entry is on
    pole: Callable | None = None      # NumPy: the distance of each entry to a pole
    # answers in named parts: the letter a part gets (v for an eigenvector) and what it is,
    # in words, (e) -> (words, expr or None): ("the unit eigenvector of", λ_max(S))
    letter: str = ""
    says: Callable | None = None
    # the Jacobian J of a primary matrix function: J(X)ᵀ = J(Xᵀ) = K J(X) K, so K J is
    # symmetric and Jᵀ K = K J (the simplifier moves K to the left)
    k_symmetric: bool = False
    # why its entries have no entry-wise form (an integral over s), for the index form
    no_entries: str = ""
    # what a Hessian's last step says when the properties of the point fold it away
    at_point: str = ""

    def differential(self, e: E.Expr, args: tuple, dargs: tuple) -> E.Expr:
        """d e from the arguments and their differentials: f'(A) ∘ dA for an element-wise
        f, otherwise the entry's rule."""
        if self.deriv is not None:    # one argument: d f(A) = f'(A) ∘ dA
            return E.hadamard(self.deriv(*args), dargs[0])
        return self.d.build(e, args, dargs)

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def cell(self) -> bool:
        """Whether a cell can write it as name(...)."""
        return not self.internal and self.kind != "notation"

    @property
    def readable(self) -> bool:
        """An internal entry printed under its own name in the cell language (a Fréchet
        derivative, a Jacobian, singular vectors): the parser reads that name back, so a
        printed result parses; its own differential may be refused."""
        return self.internal and not self.text


@dataclass(frozen=True)
class InverseForm:
    """A matrix built of nodes, not a call, whose inverse times a block V is a solve (the
    Stein operator I − Bᵀ ⊗ A): ``match(M)`` gives the expressions the solve takes, or None;
    ``apply(*values, V)`` is M⁻¹ V in NumPy, ``code`` the generated code of it ({V})."""
    match: Callable[[E.Expr], tuple | None]
    apply: Callable
    code: str


INVERSE_FORMS: list[InverseForm] = []


def inverse_form(m: E.Expr) -> tuple[InverseForm, tuple] | None:
    """The form whose solve applies m⁻¹ and the expressions it takes, or None (dense)."""
    for form in INVERSE_FORMS:
        args = form.match(m)
        if args is not None:
            return form, args
    return None


REGISTRY: dict[str, Op] = {}
_SPELLINGS: dict[str, str] = {}


def register(*ops: Op) -> None:
    for op in ops:
        if op.kind not in KINDS:
            raise ValueError(f"{op.name}: unknown kind {op.kind!r}")
        if op.domain is not None and op.domain not in DOMAINS:
            raise ValueError(f"{op.name}: unknown domain {op.domain!r}")
        if op.name in REGISTRY:
            raise ValueError(f"{op.name} is registered twice")
        REGISTRY[op.name] = op
        if op.cell or op.readable:
            for s in (op.name, *op.aliases):
                _SPELLINGS[s] = op.name
        E.CALL_RULES[op.name] = op.build


def get(name: str) -> Op:
    """The entry of a Call node's name."""
    return REGISTRY[name]


def spelled(word: str) -> Op | None:
    """The operation a cell writes as ``word(...)`` (a name or an alias), or None."""
    name = _SPELLINGS.get(word)
    return REGISTRY[name] if name is not None else None


def names(kind: str | None = None, *, cell: bool | None = None) -> tuple[str, ...]:
    """The registered names (of one kind; only those a cell writes, or only the others)."""
    return tuple(n for n, op in REGISTRY.items()
                 if (kind is None or op.kind == kind) and (cell is None or op.cell == cell))
