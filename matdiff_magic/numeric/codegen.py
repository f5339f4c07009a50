"""Exports: ``numpy_source`` (a standalone NumPy function) and ``to_sympy``.

The generated code uses only NumPy. Repeated subexpressions are computed once (temporaries
t1, t2, ...). For a Jacobian, ``jacobian(...)`` builds the dense (pq) x (mn) matrix and
``jvp(..., V)`` applies it to a direction V without forming any Kronecker product: it is the
differential dF with dX = V (``V @ Y.T @ X + X @ Y.T @ V`` for F = X Yᵀ X), or, for a
structured variable (vech X, diag X) and a differential the generator cannot write, the
Jacobian's factors applied one by one.
"""

from __future__ import annotations

import builtins
import keyword
from collections import Counter

from .. import ops
from ..algebra import expr as E
from ..dims import Dim, min_parts, tri_base
from ..render import to_unicode

_HELPERS_TEMPLATE = '''

def _as2d(a):
    a = np.asarray(a, dtype=float)
    return a.reshape(-1, 1) if a.ndim == 1 else a.reshape(1, 1) if a.ndim == 0 else a

{op_helpers}

def _commutation(r, c):
    """K with K vec(A) = vec(A.T) for A of shape r x c (column-major vec)."""
    K = np.zeros((r * c, r * c))
    K[np.arange(r * c), np.arange(r * c).reshape(r, c, order="F").T.reshape(-1, order="F")] = 1
    return K


def _kron_apply(apply_a, pa, qa, apply_b, pb, qb, V):
    """(A kron B) V, column by column as vec(B X A.T), without forming A kron B."""
    k = V.shape[1]
    T = V.reshape(qa, qb, k).transpose(1, 0, 2).reshape(qb, qa * k)
    T = apply_b(T).reshape(pb, qa, k).transpose(1, 0, 2).reshape(qa, pb * k)
    return apply_a(T).reshape(pa * pb, k)


def _comm_apply(r, c, V):
    k = V.shape[1]
    return V.reshape(c, r, k).transpose(1, 0, 2).reshape(r * c, k)
'''

# the helpers every generated module holds, with those of the operations (ops)
_HELPERS = _HELPERS_TEMPLATE.replace("\n{op_helpers}", "".join(
    op.code_helper for op in ops.REGISTRY.values() if not op.code_group))

_STRUCTURED_HELPERS = '''

def _vech_index(n):
    """Rows and columns of the lower triangle, column by column (the order of vech)."""
    j, i = np.triu_indices(n)
    return i, j


def _vech(A):
    i, j = _vech_index(A.shape[0])
    return A[i, j].reshape(-1, 1)


def _dup_apply(n, V):
    """D_n V: each column v becomes vec of the symmetric matrix with vech v."""
    i, j = _vech_index(n)
    A = np.zeros((n, n, V.shape[1]))
    A[i, j] = V
    A[j, i] = V
    return A.reshape(n * n, V.shape[1], order="F")


def _dupT_apply(n, V):
    """D_n.T V: each column vec(A) becomes vech(A + A.T - A * I)."""
    i, j = _vech_index(n)
    A = V.reshape(n, n, V.shape[1], order="F")
    return np.where((i == j)[:, None], A[i, j], A[i, j] + A[j, i])


def _elim_apply(n, V):
    """L_n V: each column vec(A) becomes vech(A)."""
    i, j = _vech_index(n)
    return V.reshape(n, n, V.shape[1], order="F")[i, j]


def _elimT_apply(n, V):
    """L_n.T V: each column v becomes vec of the lower-triangular matrix with vech v."""
    i, j = _vech_index(n)
    A = np.zeros((n, n, V.shape[1]))
    A[i, j] = V
    return A.reshape(n * n, V.shape[1], order="F")
'''


def _structured(e: E.Expr) -> bool:
    """D_n, L_n or a transpose of one (applied with index tricks, never formed)."""
    base = e.arg if isinstance(e, E.Transpose) else e
    return isinstance(base, (E.Dup, E.Elim))


def _apply_fn(e: E.Expr) -> str:
    base = e.arg if isinstance(e, E.Transpose) else e
    name = "_dup" if isinstance(base, E.Dup) else "_elim"
    return name + ("T" if isinstance(e, E.Transpose) else "") + "_apply"



class _Gen:
    def __init__(self, names: dict[str, str], dim_code: dict[Dim, str],
                 reuse: Counter, direction: str | None = None) -> None:
        self.py = names            # variable name -> Python name
        self.dim_code = dim_code   # a size (a name, or a product read off an argument) -> code
        self.reuse = reuse
        self.direction = direction  # the code for dX (a differential's D node), if any
        self.lines: list[str] = []
        self.names: dict[E.Expr, str] = {}

    def dim(self, d: Dim) -> str:
        if d in self.dim_code:
            return self.dim_code[d]
        parts = [str(d.coef)] if d.coef != 1 or not d.factors else []
        for name, k in d.factors:
            pair = min_parts(name)
            if pair is not None:    # min(m,n): the number of singular values
                a, b = (x if x.isdigit() else self.dim_code[Dim.of(x)] for x in pair)
                parts += [f"min({a}, {b})"] * k
                continue
            base = tri_base(name)
            code = self.dim_code[Dim.of(base or name)]
            parts += [f"({code} * ({code} + 1) // 2)" if base else code] * k
        return " * ".join(parts)

    def v(self, e: E.Expr) -> str:
        """Code for the value of e (a 2-D array)."""
        if e in self.names:
            return self.names[e]
        code = self._v(e)
        if self.reuse[e] > 1 and e.children:
            name = f"_t{len(self.names) + 1}"
            self.lines.append(f"    {name} = {code}")
            self.names[e] = name
            return name
        return code

    def _v(self, e: E.Expr) -> str:
        if isinstance(e, E.Sym):
            return self.py[e.name]
        if isinstance(e, E.D):
            if self.direction is None:
                raise TypeError("a differential outside jvp")
            return self.direction
        if isinstance(e, E.Num):
            return f"np.array([[{float(e.value)!r}]])"
        if isinstance(e, E.Identity):
            return f"np.eye({self.dim(e.shape[0])})"
        if isinstance(e, E.Zero):
            return f"np.zeros(({self.dim(e.shape[0])}, {self.dim(e.shape[1])}))"
        if isinstance(e, E.Ones):
            return f"np.ones(({self.dim(e.shape[0])}, 1))"
        if isinstance(e, E.Comm):
            return f"_commutation({self.dim(e.r)}, {self.dim(e.c)})"
        if _structured(e):     # D_n, L_n formed only when asked for alone
            base = e.arg if isinstance(e, E.Transpose) else e
            n = self.dim(base.n)
            k = f"{n} * ({n} + 1) // 2"
            eye = f"np.eye({k})" if isinstance(base, E.Dup) else f"np.eye({n} * {n})"
            return f"{_apply_fn(base)}({n}, {eye})" + (".T" if base is not e else "")
        if isinstance(e, E.Add):
            return "(" + " + ".join(self.v(a) for a in e.args) + ")"
        if isinstance(e, E.Mul):
            scal = [repr(float(f.value)) if isinstance(f, E.Num) else self.v(f)
                    for f in e.args if f.is_scalar]
            mats = [f for f in e.args if not f.is_scalar]
            if len(mats) > 1 and any(_structured(f) for f in mats):   # D_nᵀ vec(G)
                body = self.ap(E.mul(*mats[:-1]), self.v(mats[-1]))
                return "(" + " * ".join(scal + [body]) + ")"
            chain = [self.v(f) for f in e.args if not f.is_scalar]
            parts = scal + ([" @ ".join(chain)] if chain else [])
            return "(" + " * ".join(parts) + ")"
        if isinstance(e, E.Kron):
            out = self.v(e.args[0])
            for a in e.args[1:]:
                out = f"np.kron({out}, {self.v(a)})"
            return out
        if isinstance(e, E.Hadamard):
            return "(" + " * ".join(self.v(a) for a in e.args) + ")"
        if isinstance(e, E.Transpose):
            return f"{self.v(e.arg)}.T"
        if isinstance(e, E.Inverse):
            return f"np.linalg.inv({self.v(e.arg)})"
        if isinstance(e, E.Power):
            if e.is_scalar:
                return f"({self.v(e.arg)} ** {float(e.p)!r})"
            return f"np.linalg.matrix_power({self.v(e.arg)}, {int(e.p)})"
        if isinstance(e, E.HadPow):
            return f"({self.v(e.arg)} ** {float(e.p)!r})"
        if isinstance(e, E.Unvec):
            return (f"{self.v(e.arg)}.reshape(({self.dim(e.shape[0])}, "
                    f"{self.dim(e.shape[1])}), order='F')")
        if isinstance(e, E.Call):
            return ops.get(e.name).code.format(*(self.v(a) for a in e.children))
        raise TypeError(type(e).__name__)

    def ap(self, e: E.Expr, V: str) -> str:
        """Code for e @ V without forming Kronecker products."""
        if isinstance(e, E.Identity):
            return V
        if isinstance(e, E.Mul):
            scal = [self.v(f) for f in e.args if f.is_scalar]
            out = V
            for f in reversed([f for f in e.args if not f.is_scalar]):
                out = self.ap(f, out)
            return "(" + " * ".join(scal + [out]) + ")" if scal else out
        if isinstance(e, E.Add):
            return "(" + " + ".join(self.ap(a, V) for a in e.args) + ")"
        if isinstance(e, E.Kron):
            a, b = e.args[0], E.kron(*e.args[1:])
            return (f"_kron_apply(lambda _T: {self.ap(a, '_T')}, {self.dim(a.shape[0])}, "
                    f"{self.dim(a.shape[1])}, lambda _T: {self.ap(b, '_T')}, "
                    f"{self.dim(b.shape[0])}, {self.dim(b.shape[1])}, {V})")
        if isinstance(e, E.Comm):
            return f"_comm_apply({self.dim(e.r)}, {self.dim(e.c)}, {V})"
        if _structured(e):
            base = e.arg if isinstance(e, E.Transpose) else e
            return f"{_apply_fn(e)}({self.dim(base.n)}, {V})"
        if isinstance(e, E.Call) and ops.get(e.name).code_apply:
            return ops.get(e.name).code_apply.format(*(self.v(a) for a in e.children), V=V)
        if isinstance(e, E.Inverse) and isinstance(e.arg, E.Call) and \
                ops.get(e.arg.name).code_apply_inv:
            return ops.get(e.arg.name).code_apply_inv.format(
                *(self.v(a) for a in e.arg.children), V=V)
        found = ops.inverse_form(e.arg) if isinstance(e, E.Inverse) else None
        if found is not None:   # (I - B' (x) A)^-1 V: a Stein solve
            form, args = found
            return form.code.format(*(self.v(a) for a in args), V=V)
        return f"({self.v(e)} @ {V})"


def _header(source: str, about: str, result: E.Expr) -> str:
    """The generated module's opening comment: the cell and the result, made printable (a
    comment in a cell can hold anything), then the import."""
    def printable(text: str) -> str:
        return "".join(ch if ch.isprintable() else "?" for ch in text)
    cell_lines = "".join("#     " + printable(line) + "\n"
                         for line in source.strip().split("\n"))
    return ("# Generated by matdiff-magic from the cell\n#\n" + cell_lines
            + f"#\n# {about}: {printable(to_unicode(result))}\n\nimport numpy as np\n")


def group_helpers(group: str) -> str:
    """The helpers of a group of operations ('structured', 'spectral'): in a generated
    module only when one of its operations is used."""
    if group == "structured":
        return _STRUCTURED_HELPERS
    return "".join(op.code_helper for op in ops.REGISTRY.values() if op.code_group == group)


def _groups(e: E.Expr) -> str:
    """The helpers of the groups other than 'structured' that e uses."""
    used: list[str] = []

    def walk(x: E.Expr) -> None:
        if isinstance(x, E.Call):
            g = ops.get(x.name).code_group
            if g and g != "structured" and g not in used:
                used.append(g)
        for c in x.children:
            walk(c)
    walk(e)
    return "".join(group_helpers(g) for g in used)


def _uses_structure(e: E.Expr) -> bool:
    return E.contains(e, lambda x: isinstance(x, (E.Dup, E.Elim)) or (
        isinstance(x, E.Call) and ops.get(x.name).code_group == "structured"))


def _count(e: E.Expr, c: Counter) -> None:
    c[e] += 1
    if c[e] == 1:
        for a in e.children:
            _count(a, c)


def _dims_in(e: E.Expr, out: set[str]) -> None:
    for d in e.shape:
        out.update(name for name, _ in d.factors)
    for c in e.children:
        _dims_in(c, out)


def _signature(d) -> tuple[list[str], dict[str, str], dict[Dim, str], list[str]]:
    """Arguments (Python names), the name map, how each size is read off the arguments, and
    the sizes that no argument fixes (keyword-only arguments)."""
    used: list[str] = []

    def walk(e):
        if isinstance(e, E.Sym) and e.name not in used:
            used.append(e.name)
        for a in e.children:
            walk(a)
    walk(d.target)
    order = [n for n in d.cell.symbols if n in used]
    taken = set(order)
    names = {}
    for n in order:   # a keyword or a name the generated code uses itself gets a '_'
        names[n] = n + "_" if keyword.iskeyword(n) or n == "np" or n in dir(builtins) else n
    dim_code: dict[Dim, str] = {}
    for n in order:
        for axis, dm in enumerate(d.cell.symbols[n].shape):
            if not dm.is_int:
                dim_code.setdefault(dm, f"{names[n]}.shape[{axis}]")
    needed: set[str] = set()
    _dims_in(d.numerator, needed)
    _dims_in(d.target, needed)
    needed = {tri_base(name) or name for name in needed}   # n(n+1)/2 is sized by n
    needed = {x for name in needed                         # min(m,n) by m and n
              for x in (min_parts(name) or (name,)) if not x.isdigit()}
    extra = []
    for name in sorted(needed):
        if Dim.of(name) not in dim_code:
            py = name + "_" if keyword.iskeyword(name) or name in taken or \
                name == "np" else name
            dim_code[Dim.of(name)] = py
            extra.append(py)
    # a product such as n*q read off an argument is fine; lone names inside it are not
    return [names[n] for n in order], names, dim_code, extra


def _jvp_from_differential(d, names: dict[str, str], dim_code: dict[Dim, str],
                           v: str) -> tuple[_Gen, str] | None:
    """The lines and the return value of jvp as the differential dF with dX = ``v``, or None
    where it is not written that way (a structured variable; a differential with a node the
    generator has no code for)."""
    if getattr(d, "wrt_spec", None) is not None:
        return None
    from ..calculus.differential import differential
    try:
        df, _ = differential(d.target, d.wrt)
        reuse: Counter = Counter()
        _count(df, reuse)
        for e in reuse:   # Y.T is as short as a temporary and reads better
            if isinstance(e, E.Transpose) and isinstance(e.arg, (E.Sym, E.D)):
                reuse[e] = 1
        gen = _Gen(names, dim_code, reuse, direction=v)
        body = gen.v(df)
    except (TypeError, KeyError, AttributeError, IndexError, E.ShapeError):
        return None
    return gen, body


def numpy_source(d) -> str:
    args, names, dim_code, extra = _signature(d)
    reuse: Counter = Counter()
    _count(d.numerator, reuse)
    if d.result is not d.numerator:
        _count(d.result, reuse)
    gen = _Gen(names, dim_code, reuse)
    conv = "".join(f"    {a} = _as2d({a})\n" for a in args)
    params = args + (["*"] + extra if extra else [])
    sig = ", ".join(params)
    what = (f"∂{d.name}/∂{d.wrt.name}, shaped like {d.wrt.name}" if d.kind == "gradient" else
            f"∂vec {d.name}/∂(vec {d.wrt.name})ᵀ, column-major vec")
    spec = getattr(d, "wrt_spec", None)   # a structured variable: vech(X), diag(X)
    if spec is not None:
        coord = spec.replace("(", " ").rstrip(")")
        what = (f"∂{d.name}/∂{coord}, a column (the free entries of {d.wrt.name})"
                if d.kind == "gradient" else
                f"∂vec {d.name}/∂({coord})ᵀ, column-major vec")
    elif d.kind == "gradient" and d.layout == "numerator":
        what = f"∂{d.name}/∂{d.wrt.name}ᵀ, the transposed gradient (numerator layout)"
    if extra:
        what += f"; sizes {', '.join(extra)} are given by keyword"
    header = _header(d.source, f"with respect to {spec or d.wrt.name}", d.numerator)
    out = [header + _HELPERS + (_STRUCTURED_HELPERS if _uses_structure(d.numerator) else "")
           + _groups(d.numerator)]
    if d.kind == "gradient":
        body = gen.v(d.result)
        out.append(f"\n\ndef gradient({sig}):\n    \"\"\"{what}.\"\"\"\n{conv}"
                   + "\n".join(gen.lines) + ("\n" if gen.lines else "")
                   + f"    return {body}\n")
    else:
        body = gen.v(d.result)
        out.append(f"\n\ndef jacobian({sig}):\n    \"\"\"{what}"
                   + (" (transposed: denominator layout)" if d.layout == "denominator" else "")
                   + f".\"\"\"\n{conv}" + "\n".join(gen.lines) + ("\n" if gen.lines else "")
                   + f"    return {body}\n")
        v = "V" if "V" not in args else "V_"   # the direction
        rows, cols = d.target.shape
        from_df = _jvp_from_differential(d, names, dim_code, v)
        if from_df is not None:
            gen2, ret = from_df
            how = "the differential"
        else:
            gen2 = _Gen(names, dim_code, reuse)
            body = gen2.ap(d.numerator, f"{v}.reshape(-1, 1, order='F')")
            ret = f"{body}.reshape(({gen2.dim(rows)}, {gen2.dim(cols)}), order='F')"
            how = "the Jacobian's factors applied in turn"
        jsig = ", ".join(args + [v] + (["*"] + extra if extra else []))
        dv = f"d {coord}" if spec is not None else f"d{d.wrt.name}"
        out.append(f"\n\ndef jvp({jsig}):\n    \"\"\"d{d.name} for {dv} = {v} "
                   f"(matrix-free, {how}; shaped like {d.name}).\"\"\"\n{conv}"
                   f"    {v} = _as2d({v})\n" + "\n".join(gen2.lines)
                   + ("\n" if gen2.lines else "") + f"    return {ret}\n")
    return "".join(out)


def to_sympy(d):
    from .sympy_export import export
    return export(d)
