"""numpy_source() for second derivatives: ``hessian(...)`` (dense H) and ``hvp(..., V)``
(H applied to V without forming H, by the vec trick). Uses the first-order code generator."""

from __future__ import annotations

from collections import Counter

from .. import ops
from ..algebra import expr as E
from .codegen import (
    _HELPERS,
    _STRUCTURED_HELPERS,
    _count,
    _Gen,
    _groups,
    _header,
    _signature,
    _uses_structure,
)


def _applied(f: E.Expr) -> bool:
    """A call with a matrix-free product of its own (diag(d) V), in the registry."""
    return isinstance(f, E.Call) and bool(ops.get(f.name).code_apply)


class _HGen(_Gen):
    """Dense values of product chains without dense permutations or diagonals: the chain is
    multiplied right to left, K V and diag(d) V as row permutations and scalings, and a
    trailing K as a column permutation (L K_{r,c} = (K_{c,r} Lᵀ)ᵀ)."""

    def _v(self, e: E.Expr) -> str:
        if isinstance(e, E.Inverse) and isinstance(e.arg, E.Transpose):
            return f"{self.v(E.inverse(e.arg.arg))}.T"      # (Aᵀ)⁻¹ = (A⁻¹)ᵀ: one inverse
        if not isinstance(e, E.Mul):
            return super()._v(e)
        chain = [f for f in e.args if not f.is_scalar]
        if not any(isinstance(f, E.Comm) or _applied(f) for f in chain) or len(chain) < 2:
            return super()._v(e)
        scal = [repr(float(f.value)) if isinstance(f, E.Num) else self.v(f)
                for f in e.args if f.is_scalar]
        trailing = []
        while len(chain) > 1 and isinstance(chain[-1], E.Comm):
            trailing.insert(0, chain.pop())
        last = chain[-1]
        if len(chain) >= 2 and isinstance(chain[-2], E.Comm) and isinstance(last, E.Kron) \
                and len(last.args) == 2 and chain[-2].c == last.args[0].shape[0] \
                and chain[-2].r == last.args[1].shape[0]:
            # K (A ⊗ B) in one pass: entry ((b, a), (c, d)) is A[a, c] B[b, d]
            a, b = last.args
            a_code = self.v(a) if not scal else "(" + " * ".join(scal + [self.v(a)]) + ")"
            scal = []
            acc = (f"np.einsum('ac,bd->bacd', np.ascontiguousarray({a_code}), "
                   f"np.ascontiguousarray({self.v(b)})).reshape("
                   f"{self.dim(last.shape[0])}, {self.dim(last.shape[1])})")
            chain = chain[:-2] + [None]
        else:
            acc = self.v(last)
        for f in reversed(chain[:-1]):
            if isinstance(f, E.Comm):
                acc = f"_comm_apply({self.dim(f.r)}, {self.dim(f.c)}, {acc})"
            elif _applied(f):    # diag(d) V: a scaling of the rows
                acc = ops.get(f.name).code_apply.format(*(self.v(a) for a in f.children),
                                                        V=acc)
            else:
                acc = f"({self.v(f)} @ {acc})"
        for k in reversed(trailing):
            acc = f"_comm_apply({self.dim(k.c)}, {self.dim(k.r)}, {acc}.T).T"
        return "(" + " * ".join(scal + [acc]) + ")" if scal else acc


def numpy_source_hessian(h) -> str:
    args, names, dim_code, extra = _signature(h)
    reuse: Counter = Counter()
    _count(h.result, reuse)
    for e in list(reuse):     # A⁻¹ and (Aᵀ)⁻¹ share one temporary
        if isinstance(e, E.Inverse) and isinstance(e.arg, E.Transpose):
            reuse[E.inverse(e.arg.arg)] += 2
    conv = "".join(f"    {a} = _as2d({a})\n" for a in args)
    sig = ", ".join(args + (["*"] + extra if extra else []))
    x, y = h.wrt.name, h.wrt2.name
    what = (f"∂²{h.name}/∂(vec {x})∂(vec {y})ᵀ, column-major vec" if h.mixed else
            f"the Hessian ∂²{h.name}/∂(vec {x})∂(vec {x})ᵀ, column-major vec")
    if getattr(h, "wrt_spec", None) is not None:
        what = f"the Hessian ∂²{h.name}/∂({h.wrt_spec})∂({h.wrt_spec})ᵀ, in the free coordinates"
    if extra:
        what += f"; sizes {', '.join(extra)} are given by keyword"
    header = _header(h.source, f"second derivative with respect to {x}"
                     + (f" and {y}" if h.mixed else ""), h.result)
    out = [header + _HELPERS + (_STRUCTURED_HELPERS if _uses_structure(h.result) else "")
           + _groups(h.result)]
    gen = _HGen(names, dim_code, reuse)
    body = gen.v(h.result)
    out.append(f"\n\ndef hessian({sig}):\n    \"\"\"{what}.\"\"\"\n{conv}"
               + "\n".join(gen.lines) + ("\n" if gen.lines else "")
               + f"    return {body}\n")
    gen2 = _HGen(names, dim_code, reuse)
    v = "V" if "V" not in args else "V_"
    body = gen2.ap(h.result, f"{v}.reshape(-1, 1, order='F')")
    rows, cols = h.x.shape
    spec = getattr(h, "wrt_spec", None)   # structured: V and the result are columns
    if spec is not None:
        rows, cols = h.result.shape[0], E.ONE
        what_v = f"H {v} for {v} a column of the free coordinates {spec}; a column"
    else:
        what_v = f"H vec({v}) for {v} shaped like {y}, without forming H; shaped like {x}"
    hsig = ", ".join(args + [v] + (["*"] + extra if extra else []))
    out.append(f"\n\ndef hvp({hsig}):\n    \"\"\"{what_v}.\"\"\"\n{conv}"
               f"    {v} = _as2d({v})\n" + "\n".join(gen2.lines)
               + ("\n" if gen2.lines else "")
               + f"    return {body}.reshape(({gen2.dim(rows)}, {gen2.dim(cols)}), "
               "order='F')\n")
    return "".join(out)
