"""Structured variables: derivatives with respect to vech(X), vech(L) and diag(X).

Structure is a substitution at the door. ``wrt="vech(X)"`` for a symmetric X means that the
free coordinates are v = vech X (the lower triangle, column by column, n(n+1)/2 entries) and
X = unvec(D_n v), so dX = unvec(D_n dv) with D_n the duplication matrix. The pipeline runs
unchanged with every entry of X independent, at a point that honours the declaration (the
property may simplify G, since Xᵀ = X holds there, but never dX: dX is symmetric, not
special); then the linear map dv -> vec dX is composed on the right:

    scalar f:   df = vec(G)ᵀ D_n dv,      so ∂f/∂vech X = D_nᵀ vec G   (a column)
    matrix F:   vec dF = J D_n dv,        so ∂vec F/∂(vech X)ᵀ = J D_n

A lower-triangular L uses vec L = L_nᵀ vech L (L_n the elimination matrix), a diagonal X
uses vec X = diag(vec I_n)(1_n ⊗ I_n) diag(X). For a scalar f of a symmetric X the steps
also give the two matrix forms people meet, each with when to use it: G + Gᵀ - G ∘ I (the
Matrix Cookbook §2.8.2) and sym(G) = (G + Gᵀ)/2 (Srinivasan & Panda 2020).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..algebra import expr as E
from ..algebra.duplication import tidy
from ..algebra.simplify import simplify, tpush
from ..derivation import Derivation
from ..dims import triangular
from ..errors import MatdiffError
from ..lang.parse import Cell
from ..numeric.coordinates import Coordinates  # noqa: F401  (the free coordinates: here too)
from .hessian import Hessian

SYMMETRIC = {"symmetric", "spd"}
_WRT = re.compile(r"\s*(vech|diag|vec)\s*\((.*)\)\s*")


# --- which coordinates ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Structure:
    """How a variable is asked for: kind 'vech' (symmetric: D_n), 'lower' (vech of a
    lower-triangular matrix: L_nᵀ) or 'diag' (a diagonal matrix: its diagonal)."""
    kind: str
    var: E.Sym

    @property
    def spec(self) -> str:
        """The wrt text that asks for it: 'vech(X)' or 'diag(X)'."""
        return f"{'diag' if self.kind == 'diag' else 'vech'}({self.var.name})"

    @property
    def coord(self) -> str:
        """How the coordinates are written in the steps: 'vech X', 'diag X'."""
        return f"{'diag' if self.kind == 'diag' else 'vech'} {self.var.name}"

    @property
    def size(self) -> E.Dim:
        n = self.var.shape[0]
        return n if self.kind == "diag" else triangular(n)

    def embedding(self) -> E.Expr:
        """M with vec X = M v for the coordinates v: D_n, L_nᵀ or diag(vec I)(1 ⊗ I)."""
        n = self.var.shape[0]
        if self.kind == "vech":
            return E.dup(n)
        if self.kind == "lower":
            return E.transpose(E.elim(n))
        return E.mul(E.call("diag", E.call("vec", E.identity(n))),
                     E.kron(E.ones(n), E.identity(n)))


def _declaration_at(cell: Cell, name: str) -> tuple[int | None, int | None]:
    """(line, column) of the declaration of ``name`` in the cell, if it has one."""
    for k, line in enumerate(cell.source.split("\n"), 1):
        code = line.split("#", 1)[0]
        head, colon, _ = code.partition(":")
        if colon and "=" not in head:
            m = re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", head)
            if m:
                return k, m.start() + 1
    return None, None


def parse_wrt(cell: Cell, item: str) -> Structure | None:
    """The structure asked for by one wrt item ('vech(X)', 'diag(X)'); None for a plain name.

    Raises MatdiffError naming the declaration to add or fix when the variable does not have
    the structure asked for."""
    m = _WRT.fullmatch(item)
    if m is None:
        if "(" in item or ")" in item:
            raise MatdiffError(f"bad wrt {item!r}: give a variable's name (X), or vech(X) for "
                               "a symmetric or lower-triangular X, or diag(X) for a diagonal "
                               "X")
        return None
    fn, name = m.group(1), m.group(2).strip()
    if not name:
        raise MatdiffError(f"wrt={item!r}: {fn}(...) needs a variable's name, e.g. {fn}(X)")
    if not re.fullmatch(r"[^\W\d]\w*", name):
        raise MatdiffError(f"wrt={item!r}: {fn}(...) takes the name of a declared variable, "
                           f"not the expression '{name}'; define the matrix as a variable "
                           "and declare its structure (e.g. 'S : n x n symmetric')")
    if name not in cell.symbols:
        defined = [d for d, _ in cell.definitions]
        why = (f"'{name}' is a definition, not a variable" if name in defined else
               f"'{name}' does not appear in the cell")
        raise MatdiffError(f"cannot differentiate with respect to {fn}({name}): {why} "
                           f"(variables: {', '.join(cell.symbols) or 'none'})")
    x = cell.symbols[name]
    line, col = _declaration_at(cell, name)

    def err(msg: str) -> MatdiffError:
        return MatdiffError(msg, line, col, cell.source if line else None)

    if fn == "vec":
        return None      # vec(X): the plain derivative, every entry free
    r, c = x.shape
    shape = "scalar" if x.is_scalar else f"{r} x {c}"
    if r != c:
        raise err(f"{fn}({name}) needs a square {name}, but {name} is {shape}: declare it "
                  f"square with its structure, e.g. '{name} : {r} x {r} "
                  f"{'symmetric' if fn == 'vech' else 'diagonal'}'")
    n = r
    if fn == "diag":
        if "diagonal" not in x.props:
            raise err(f"diag({name}) asks for the diagonal entries of a diagonal {name}, but "
                      f"{name} is not declared diagonal: add the property, e.g. "
                      f"'{name} : {n} x {n} diagonal' (or use wrt='{name}')")
        return Structure("diag", x)
    if "diagonal" in x.props:
        raise err(f"{name} is declared diagonal: its free entries are its diagonal, so ask "
                  f"for wrt='diag({name})', not vech({name})")
    if not (x.props & SYMMETRIC or "lower" in x.props):
        raise err(f"vech({name}) needs {name} declared symmetric (or spd, or lower for a "
                  f"lower-triangular matrix): add the property, e.g. '{name} : {n} x {n} "
                  "symmetric'")
    try:
        triangular(n)
    except ValueError:
        raise err(f"vech({name}) needs the size of {name} to be one name or a number, not "
                  f"{n}: declare it as e.g. '{name} : k x k symmetric'") from None
    return Structure("lower" if "lower" in x.props else "vech", x)


# --- the derivation ---------------------------------------------------------------------------

class StructuredDerivation(Derivation):
    """A derivative with respect to the free entries of a structured variable: vech(X) for a
    symmetric X, vech(L) for a lower-triangular L, diag(X) for a diagonal X."""

    def __init__(self, cell: Cell, structure: Structure, layout: str = "mixed") -> None:
        self.structure = structure
        self.wrt_spec = structure.spec
        self.free_matrix: E.Expr | None = None      # G (gradient) or J (Jacobian) w.r.t. X
        self.other_forms: dict[str, E.Expr] = {}    # 'cookbook', 'sym' for a symmetric X
        super().__init__(cell, structure.var, layout)

    def _layout_step(self, rule: str) -> None:
        if self.kind == "jacobian":
            self._step("denominator layout: the transpose of the numerator-layout Jacobian",
                       ("eq", ("jacTc", self.name, self.structure), self.result))
        else:
            super()._layout_step(rule)

    def _derive(self) -> E.Expr:
        free = super()._derive()
        self.free_matrix = free
        s = self.structure
        if E.is_zero(free):
            return E.zero((s.size, E.ONE) if self.kind == "gradient" else
                          (free.shape[0], s.size))
        if self.kind == "gradient":
            return self._compose_gradient(free)
        raw = self._plan["chained"] = E.mul(free, s.embedding())
        return tidy(raw)

    def _identified(self) -> None:
        """The derivative with every entry free, then in the free coordinates."""
        free = self.free_matrix
        self._identify(free)
        if not E.is_zero(free):
            self._compose_steps()
        self._identify_structured(self.mixed)

    def _identify(self, result: E.Expr) -> None:
        """The derivative with every entry of X independent (the pipeline's result)."""
        x, n = self.wrt, self.name
        point = {"vech": "symmetric", "lower": "lower-triangular",
                 "diag": "diagonal"}[self.structure.kind]
        if self.kind == "gradient":
            nn = (x.shape[0] * x.shape[1]).pretty()
            self._eq(f"identify the gradient G as if the {nn} entries of {x.name} were "
                     f"independent: d{n} = tr(Gᵀ d{x.name}), evaluated at a {point} "
                     f"{x.name} (no property of d{x.name} is used)", ("name", "G"), result)
        else:
            self._eq(f"identify the Jacobian J as if the entries of {x.name} were "
                     f"independent: vec d{n} = J vec d{x.name}, evaluated at a {point} "
                     f"{x.name}", ("name", "J"), result)

    def _compose_steps(self) -> None:
        """vec dX = M d v, then chained with the free derivative."""
        s, x, n = self.structure, self.wrt, self.name
        nn = x.shape[0]
        dv = ("dcoord", s)
        k = s.size.pretty()
        m = s.embedding()
        if s.kind == "vech":
            rule = ("holes", f"substitute the structure: {x.name} is symmetric, so its free "
                    f"coordinates are vech {x.name}, the lower triangle stacked column by "
                    f"column ({k} entries); the duplication matrix {{0}} "
                    f"({(nn * nn).pretty()}×{k}) has {{0}} vech {x.name} = vec {x.name}, so "
                    f"d{x.name} = unvec({{0}} d vech {x.name}): symmetric, otherwise "
                    "arbitrary", m)
        elif s.kind == "lower":
            rule = ("holes", f"substitute the structure: {x.name} is lower triangular, so its "
                    f"free coordinates are vech {x.name} ({k} entries); the elimination matrix "
                    f"{{0}} has vech A = {{0}} vec A for any A, and vec {x.name} = {{0}}ᵀ vech "
                    f"{x.name} for a lower-triangular {x.name}, so d{x.name} = unvec({{0}}ᵀ "
                    f"d vech {x.name})", E.elim(nn))
        else:
            rule = (f"substitute the structure: {x.name} is diagonal, so its free "
                    f"coordinates are its diagonal diag {x.name} ({k} entries) and "
                    f"d{x.name} = diag(d diag {x.name}); vec(diag x) = diag(vec I)(1 ⊗ I) x")
        self._step(rule, ("vecmap", ("vecdx", x), m, dv), m)
        if self.kind == "gradient":
            self._step(self._plan["chain_rule"], ("covec", n, self.mixed, dv), self.mixed)
            if s.kind == "vech":
                self._matrix_forms_steps()
            return
        raw, j = self._plan["chained"], self.mixed
        self._step(("holes", f"chain the two: vec d{n} = J vec d{x.name} = J {{0}} d "
                    f"{s.coord}", m), ("vecmap", ("vecd", n), raw, dv), raw)
        if j != raw:
            self._step("simplify: K_{n,n} D_n = D_n (vec of a symmetric matrix is unchanged by "
                       "transposition), L_n D_n = I, L_n L_nᵀ = I, mixed-product rule",
                       ("vecmap", ("vecd", n), j, dv), j)

    def _compose_gradient(self, g: E.Expr) -> E.Expr:
        s, x, n = self.structure, self.wrt, self.name
        nn = x.shape[0]
        vg = E.call("vec", g)
        if s.kind == "vech":
            result = E.mul(E.transpose(E.dup(nn)), vg)
            rule = ("holes", f"chain the two: d{n} = vec(G)ᵀ vec d{x.name} = vec(G)ᵀ {{0}} d "
                    f"vech {x.name} = ({{0}}ᵀ vec G)ᵀ d vech {x.name}", E.dup(nn))
        elif s.kind == "lower":
            result = E.call("vech", g)
            rule = ("holes", f"chain the two: d{n} = vec(G)ᵀ {{0}}ᵀ d vech {x.name} = ({{0}} "
                    f"vec G)ᵀ d vech {x.name}, and {{0}} vec G = vech G (the lower triangle of "
                    "G)", E.elim(nn))
        else:
            result = E.call("diagof", g)
            rule = (f"chain the two: d{n} = tr(Gᵀ diag(d diag {x.name})) = diag(G)ᵀ d diag "
                    f"{x.name}")
        self._plan["chain_rule"] = rule
        if s.kind == "vech":
            self._matrix_forms(g)
        return simplify(result)

    def _matrix_forms(self, g: E.Expr) -> None:
        """The two matrix-shaped answers met in the literature (steps: _matrix_forms_steps)."""
        nn = self.wrt.shape[0]
        gt = tpush(g)
        cook = simplify(E.add(g, gt, E.neg(E.hadamard(g, E.identity(nn)))))
        symg = simplify(E.scale(Fraction(1, 2), E.add(g, gt)))
        self.other_forms = {"cookbook": cook, "sym": symg}

    def _matrix_forms_steps(self) -> None:
        """Each of the two matrix forms, with when to use it."""
        x = self.wrt
        self._step("the Matrix Cookbook's form (§2.8.2), G + Gᵀ - G ∘ I: the partial "
                   f"derivatives with respect to the free entries {x.name}_ij (i ≥ j) arranged "
                   "as a symmetric matrix (its vech is the column D_nᵀ vec G); use it to read "
                   f"off ∂{self.name}/∂{x.name}_ij, not as a descent direction (it weighs the "
                   "off-diagonal entries twice)",
                   ("eq", ("lit", "G + Gᵀ - G ∘ I", "G + G^\\top - G \\circ I"),
                    self.other_forms["cookbook"]))
        self._step("the gradient on the space of symmetric matrices with the trace inner "
                   "product, sym(G) = (G + Gᵀ)/2 (Srinivasan & Panda 2020): "
                   f"d{self.name} = tr(sym(G)ᵀ d{x.name}) for every symmetric d{x.name}; "
                   f"the direction a gradient step {x.name} ← {x.name} - t sym(G) should use",
                   ("eq", ("lit", "sym(G)", "\\operatorname{sym}(G)"), self.other_forms["sym"]))

    def _identify_structured(self, result: E.Expr) -> None:
        s, n = self.structure, self.name
        coord = s.coord
        k = s.size.pretty()
        if self.kind == "gradient":
            conv = {"vech": "Magnus & Neudecker's convention: D_nᵀ vec G, the partials "
                            "with respect to the free entries",
                    "lower": "the partials with respect to the free (lower-triangle) entries",
                    "diag": "the partials with respect to the diagonal entries"}[s.kind]
            self._eq(f"identify: d{n} = aᵀ d {coord} gives ∂{n}/∂{coord} = a, a column of "
                     f"{k} entries ({conv})", ("gradc", n, s), result)
        else:
            rows = self.target.shape[0] * self.target.shape[1]
            self._eq(f"identify the Jacobian: vec d{n} = J d {coord} gives ∂vec {n}/∂("
                     f"{coord})ᵀ = J, of size {rows.pretty()}×{k} (numerator layout)",
                     ("jacc", n, s), result)

    def __repr__(self) -> str:
        return f"<Derivation of {self.name} w.r.t. {self.wrt_spec}: {self.result}>"



# --- second derivatives in structured coordinates ---------------------------------------------
# X = unvec(M v) is linear in its free coordinates v (M = D_n for vech of a symmetric X, L_nᵀ
# for vech of a lower-triangular X, diag(vec I)(1 ⊗ I) for the diagonal of a diagonal X), so
# d²X = 0 and d²f = (vec dX)ᵀ H (vec dX) = (dv)ᵀ Mᵀ H M (dv): the Hessian in v is Mᵀ H M, with
# H the Hessian of the function of independent entries (Magnus & Neudecker: D_nᵀ H D_n). The
# check (hessian_numeric.check_structured) compares it with central differences of the
# structured gradient Mᵀ vec G in v.

class StructuredHessian(Hessian):
    """The Hessian of a scalar target with respect to the free coordinates of a structured
    variable (vech(X) for X symmetric or lower triangular, diag(X) for X diagonal)."""

    def __init__(self, cell: Cell, structure: Structure, layout: str = "mixed") -> None:
        self.structure = structure
        self.wrt_spec = structure.spec
        super().__init__(cell, structure.var, None, layout)
        self.free_hessian = self.result
        m = structure.embedding()
        raw = E.mul(E.transpose(m), self.free_hessian, m)
        h = tidy(raw)
        x, n, v = self.wrt, self.name, structure.coord
        self._step(("holes", f"substitute the structure: vec d{x.name} = {{0}} d {v}, linear "
                    f"in {v} (so d²{x.name} = 0), gives d²{n} = (d {v})ᵀ {{0}}ᵀ H {{0}} (d {v}): "
                    f"the Hessian with respect to the {structure.size.pretty()} free entries "
                    "is {0}ᵀ H {0}", m), ("eq", ("hessc", n, structure), h))
        self.numerator = self.result = self.at_point = h

    def __repr__(self) -> str:
        return f"<Hessian of {self.name} w.r.t. {self.structure.spec}: {self.result}>"

    def hvp(self, values: dict, V, dims: dict | None = None):
        """H applied to a direction V in the free coordinates (a vector), without forming H."""
        from ..numeric.hessian_numeric import hvp_structured
        return hvp_structured(self, values, V, dims)

    def check(self, seed: int = 0, dims: dict | None = None, method: str = "auto",
              values: dict | None = None):
        """H_v against central differences of the gradient in the free coordinates, its
        symmetry, and the gradient itself against differences of f."""
        from ..numeric.hessian_numeric import check_structured
        return check_structured(self, seed, dims, method, values)


def split_wrt(cell: Cell, wrt):
    """wrt with structured items ('vech(X)', 'diag(X)') replaced by the variable's name, and
    the structures asked for, by name. A plain wrt passes through unchanged."""
    if isinstance(wrt, str):
        items, rebuild = [w.strip() for w in wrt.split(",")], ",".join
    elif isinstance(wrt, (list, tuple)) and all(isinstance(w, str) for w in wrt):
        items, rebuild = [w.strip() for w in wrt], list
    else:
        return wrt, {}
    structures: dict[str, Structure] = {}
    names = []
    for item in items:
        s = parse_wrt(cell, item) if item else None
        if s is None:
            m = _WRT.fullmatch(item) if item else None
            names.append(m.group(2).strip() if m else item)   # vec(X) is X
            continue
        structures[s.var.name] = s
        names.append(s.var.name)
    if not structures and all(a == b for a, b in zip(items, names)):
        return wrt, {}
    return rebuild(names), structures
