"""The entry-wise form of a derivative: every ∂F_ij/∂X_kl written with Kronecker deltas,
printed in Unicode and LaTeX and evaluated entry by entry (to check it).

The terms come from render/index_terms.py, which reads each factor of the result as a
four-index array: (A ⊗ B)[(i, j), (k, l)] = A_jl B_ik, K[(i, j), (k, l)] = δ_il δ_jk, and so
on. A form that cannot be written entry-wise (a Kronecker product whose factors do not
follow the sizes of F and X, structured coordinates, ...) raises MatdiffError saying so:
never a wrong formula.
"""

from __future__ import annotations

from ..algebra import expr as E
from ..lang.tex_sizes import size_names
from .index_terms import (
    Delta,
    Entry,
    Names,
    Scalar,
    Term,
    fail,
    four_index_terms,
    gradient_terms,
    index_name,
)
from .latex import to_latex
from .text import to_unicode


class IndexForm:
    """The entry-wise form: ``lhs = Σ terms``, as ``text`` (Unicode) and ``latex``;
    ``evaluate(values, dims)`` computes it entry by entry (the Jacobian J or the gradient G,
    as ``Derivation.evaluate`` gives them in the mixed layout)."""

    def __init__(self, d, terms: list[Term], free: dict[str, object], lhs: tuple[str, str],
                 kind: str) -> None:
        self.derivation = d
        self.terms = terms
        self.free = free          # free index name -> its Dim
        self.kind = kind
        self.lhs_text, self.lhs_latex = lhs
        self.text = f"{self.lhs_text} = {self._body(False)}"
        self.latex = f"{self.lhs_latex} = {self._body(True)}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"IndexForm({self.text!r})"

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"

    # --- printing --------------------------------------------------------------------------------
    def _body(self, tex: bool) -> str:
        if not self.terms:
            return "0"
        out = ""
        for n, t in enumerate(self.terms):
            s = _term(t, tex)
            if n == 0:
                out = s
            elif s.startswith("-"):
                out += " - " + s[1:].lstrip()
            else:
                out += " + " + s
        return out

    # --- numbers ---------------------------------------------------------------------------------
    def evaluate(self, values: dict, dims: dict | None = None):
        """The derivative computed from the entry-wise form (for checking it)."""
        import numpy as np

        from ..numeric.values import make_env, value
        env = make_env(self.derivation.cell.symbols, values, dims)
        size: dict[str, int] = {n: env.dim(dm) for n, dm in self.free.items()}
        order = [n for n in self._free_order() if n is not None]
        total = None
        for t in self.terms:
            letters: dict[str, str] = {}

            def letter(n: str, letters: dict = letters) -> str:
                if n not in letters:
                    letters[n] = "abcdefghijklmnopqrstuvwxyz"[len(letters)]
                return letters[n]
            operands, subs = [], []
            for f in t.factors:
                if isinstance(f, Entry):
                    a = np.atleast_2d(np.asarray(value(f.expr, env), dtype=float))
                    if f.a is None and f.b is None:
                        operands.append(np.asarray(a[0, 0]))
                        subs.append("")
                        continue
                    if f.a is None:
                        a, idx = a[0, :], [f.b]
                    elif f.b is None:
                        a, idx = a[:, 0], [f.a]
                    else:
                        idx = [f.a, f.b]
                    for n, dm in zip(idx, a.shape):
                        size.setdefault(n, dm)
                    operands.append(a)
                    subs.append("".join(letter(n) for n in idx))
                elif isinstance(f, Scalar):
                    operands.append(np.asarray(float(np.asarray(value(f.expr, env)).ravel()[0])))
                    subs.append("")
            for f in t.factors:
                if isinstance(f, Delta):
                    m = size[f.a] if f.a in size else size[f.b]
                    operands.append(np.eye(m))
                    subs.append(letter(f.a) + letter(f.b))
            # free indices that no factor mentions: a ones vector keeps them
            for n in order:
                if n not in letters:
                    operands.append(np.ones(size[n]))
                    subs.append(letter(n))
            spec = ",".join(subs) + "->" + "".join(letter(n) for n in order)
            val = float(t.coef) * np.einsum(spec, *operands)
            total = val if total is None else total + val
        shape = tuple(size[n] for n in order)
        if total is None:
            total = np.zeros(shape)
        return self._assemble(total, order)

    def _free_order(self) -> list:
        return list(self.free_names)

    def _assemble(self, arr, order):
        import numpy as np
        if self.kind == "gradient":
            k, l = self.free_names
            rows = arr.shape[0] if k is not None else 1
            return np.asarray(arr).reshape((rows, -1), order="C")
        i, j, k, l = self.free_names
        dims = {n: s for n, s in zip(order, np.shape(arr))}
        p, q = dims.get(i, 1), dims.get(j, 1)
        m, n = dims.get(k, 1), dims.get(l, 1)
        full = np.asarray(arr).reshape(p, q, m, n)
        # vec order: row i + p j, column k + m l
        return full.transpose(1, 0, 3, 2).reshape(q * p, n * m)


def _sub(a, b, tex: bool) -> str:
    idx = "".join(x for x in (a, b) if x is not None)
    if not idx:
        return ""
    return f"_{{{idx}}}" if tex else f"_{idx}"


def _entry_str(f: Entry, tex: bool) -> str:
    body = to_latex(f.expr) if tex else to_unicode(f.expr)
    if not isinstance(f.expr, E.Sym):
        body = f"\\left({body}\\right)" if tex else f"({body})"
    return body + _sub(f.a, f.b, tex)


def _term(t: Term, tex: bool) -> str:
    parts = []
    for f in t.factors:
        if isinstance(f, Delta):
            parts.append(("\\delta" if tex else "δ") + _sub(f.a, f.b, tex))
        elif isinstance(f, Entry):
            parts.append(_entry_str(f, tex))
        else:
            s = to_latex(f.expr) if tex else to_unicode(f.expr)
            parts.append(s if isinstance(f.expr, (E.Sym, E.Call)) else
                         (f"\\left({s}\\right)" if tex else f"({s})"))
    body = " ".join(parts) if parts else "1"
    if t.sums:
        body = (f"\\sum_{{{''.join(t.sums)}}} " if tex else f"Σ_{''.join(t.sums)} ") + body
    c = t.coef
    if c == 1:
        return body
    if c == -1:
        return "-" + body
    num = str(c) if c.denominator == 1 else (f"\\frac{{{c.numerator}}}{{{c.denominator}}}"
                                             if tex else f"({c})")
    return f"{num} {body}"


def _cell_letters(d) -> frozenset[str]:
    """The names and sizes of ``d``'s cell: letters an index must not take."""
    cell = d.cell
    shapes = [dm for s in cell.symbols.values() for dm in s.shape]
    shapes += [dm for _, e in cell.definitions for dm in e.shape]
    shapes += list(d.target.shape) + list(d.wrt.shape)
    return frozenset(cell.symbols) | {n for n, _ in cell.definitions} | {d.name} \
        | size_names(shapes)


def _indices(names: Names, preferred: tuple[str, str], dims: tuple) -> tuple:
    """A row or column index pair over ``dims``, in letters the cell does not use."""
    a, b = names.pair(preferred)
    return index_name(a, dims[0]), index_name(b, dims[1])


def _second(d, names: Names) -> IndexForm:
    """A Hessian H = ∂²f/∂(vec X)∂(vec Y)ᵀ: H[(i, j), (k, l)] = ∂²f/∂X_ij∂Y_kl."""
    x, y, fn = d.wrt, d.wrt2, d.name
    (m, n), (r, c) = x.shape, y.shape
    i, j = _indices(names, ("i", "j"), (m, n))
    k, l = _indices(names, ("k", "l"), (r, c))
    lhs = (f"∂²{fn}/∂{x.name}{_sub(i, j, False)}∂{y.name}{_sub(k, l, False)}",
           f"\\frac{{\\partial^2 {fn}}}{{\\partial {to_latex(x)}{_sub(i, j, True)}\\,"
           f"\\partial {to_latex(y)}{_sub(k, l, True)}}}")
    return _four_index(d, d.result, (m, n, r, c), (i, j, k, l), lhs, names)


def _four_index(d, M: E.Expr, sizes: tuple, idx: tuple, lhs: tuple, names: Names
                ) -> IndexForm:
    """The entries M[(i, j), (k, l)] of a Jacobian or a Hessian M, its rows split (p, q)
    and its columns (m, n) as ``sizes`` gives them, term by term."""
    form = IndexForm(d, four_index_terms(M, sizes, idx, names), {}, lhs, "jacobian")
    form.free_names = idx
    form.free = {n_: dm for n_, dm in zip(idx, sizes) if n_ is not None}
    return form


def index_form(d) -> IndexForm:
    """The entry-wise form of ``d``'s result (see the module docstring)."""
    if getattr(d, "wrt_spec", None) is not None:
        raise fail("structured coordinates (vech, diag): write the free entries instead")
    x, f = d.wrt, d.target
    xn, fn = x.name, d.name
    m, n = x.shape
    names = Names(_cell_letters(d))
    if d.kind == "gradient":
        k, l = _indices(names, ("k", "l"), (m, n))
        terms = gradient_terms(d.mixed, m, n, k, l, names)
        lhs = (f"∂{fn}/∂{xn}{_sub(k, l, False)}",
               f"\\frac{{\\partial {fn}}}{{\\partial {to_latex(x)}{_sub(k, l, True)}}}")
        form = IndexForm(d, terms, {}, lhs, "gradient")
        form.free_names = (k, l)
        form.free = {n_: dm for n_, dm in ((k, m), (l, n)) if n_ is not None}
        return form
    if d.kind in ("hessian", "mixed"):
        return _second(d, names)
    p, q = f.shape
    i, j = _indices(names, ("i", "j"), (p, q))
    k, l = _indices(names, ("k", "l"), (m, n))
    lhs = (f"∂{fn}{_sub(i, j, False)}/∂{xn}{_sub(k, l, False)}",
           f"\\frac{{\\partial {fn}{_sub(i, j, True)}}}{{\\partial "
           f"{to_latex(x)}{_sub(k, l, True)}}}")
    return _four_index(d, d.mixed, (p, q, m, n), (i, j, k, l), lhs, names)
