"""NumPy evaluation of expressions.

``value`` computes an expression densely; ``apply`` computes ``e @ V`` for a block of
columns V without forming Kronecker products: (B ⊗ A) vec(X) = vec(A X Bᵀ), K vec(X) =
vec(Xᵀ), diag(vec A) vec(X) = vec(A ∘ X). A Jacobian is ``apply(J, I)``, so no Kronecker
product larger than the Jacobian itself is ever built.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .. import ops
from ..algebra import expr as E
from ..dims import Dim
from ..errors import MatdiffError


class Env:
    """Concrete values for the symbols and sizes for the named dimensions."""

    def __init__(self, values: dict[str, np.ndarray], sizes: dict[str, int]) -> None:
        self.values = values
        self.sizes = sizes
        self.memo: dict[E.Expr, np.ndarray] = {}

    def dim(self, d: Dim) -> int:
        try:
            return d.value(self.sizes)
        except KeyError as exc:
            raise MatdiffError(f"no size for the dimension '{exc.args[0]}': give it in "
                               "dims=... or through the values") from None

    def shape(self, e: E.Expr) -> tuple[int, int]:
        return self.dim(e.shape[0]), self.dim(e.shape[1])


def as_matrix(name: str, v) -> np.ndarray:
    try:
        a = np.asarray(v)
        if np.iscomplexobj(a):
            raise MatdiffError(f"the value of '{name}' is complex; only real matrices are "
                               "supported")
        a = a.astype(float)
    except (TypeError, ValueError):
        raise MatdiffError(f"the value of '{name}' is not a numeric array") from None
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        a = a.reshape(-1, 1)
    elif a.ndim != 2:
        raise MatdiffError(f"the value of '{name}' has {a.ndim} dimensions; a matrix has 2")
    if not np.all(np.isfinite(a)):
        raise MatdiffError(f"the value of '{name}' has non-finite entries (inf or nan)")
    return a


def bind_sizes(symbols: dict[str, E.Sym], values: dict[str, np.ndarray],
               dims: dict[str, int] | None = None) -> dict[str, int]:
    """Sizes of the named dimensions from the given dims and the shapes of the values."""
    sizes: dict[str, int] = {}
    if dims is not None and not isinstance(dims, dict):
        raise MatdiffError(f"dims must be a dict of sizes such as {{'m': 3}}, got {dims!r}")
    for k, v in (dims or {}).items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise MatdiffError(f"dims['{k}'] must be a positive integer, got {v!r}")
        sizes[k] = int(v)
    pending = []
    for name, a in values.items():
        if name not in symbols:
            continue
        for d, actual, axis in zip(symbols[name].shape, a.shape, ("rows", "columns")):
            if len(d.factors) == 1 and d.coef == 1 and d.factors[0][1] == 1:
                key = d.factors[0][0]
                if key in sizes and sizes[key] != actual:
                    raise MatdiffError(
                        f"'{name}' has {actual} {axis}, but '{key}' is {sizes[key]} "
                        f"(from {'dims' if dims and key in dims else 'another value'})")
                sizes[key] = actual
            else:
                pending.append((name, d, actual, axis))
    for name, d, actual, axis in pending:
        try:
            want = d.value(sizes)
        except KeyError:
            continue
        if want != actual:
            raise MatdiffError(f"'{name}' should have {want} {axis} ({d}), but has {actual}")
    return sizes


def commutation(r: int, c: int) -> np.ndarray:
    """K with K vec(A) = vec(Aᵀ) for A of shape r x c (column-major vec)."""
    idx = np.arange(r * c).reshape(r, c, order="F").T.reshape(-1, order="F")
    K = np.zeros((r * c, r * c))
    K[np.arange(r * c), idx] = 1.0
    return K


def vech_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the lower triangle, column by column: the order of vech."""
    j, i = np.triu_indices(n)
    return i, j


def vech(A: np.ndarray) -> np.ndarray:
    """The lower triangle of a square matrix stacked column by column, as a column."""
    return ops.get("vech").value(A)


def duplication(n: int) -> np.ndarray:
    """D_n with D_n vech(A) = vec(A) for symmetric A (n² x n(n+1)/2)."""
    return dup_apply(n, np.eye(n * (n + 1) // 2))


def elimination(n: int) -> np.ndarray:
    """L_n with L_n vec(A) = vech(A) (n(n+1)/2 x n²)."""
    return elim_apply(n, np.eye(n * n))


def dup_apply(n: int, V: np.ndarray) -> np.ndarray:
    """D_n V: each column v of V becomes vec of the symmetric matrix with vech v."""
    i, j = vech_index(n)
    k = V.shape[1]
    A = np.zeros((n, n, k))
    A[i, j] = V
    A[j, i] = V
    return A.reshape(n * n, k, order="F")


def dupT_apply(n: int, V: np.ndarray) -> np.ndarray:
    """D_nᵀ V: each column vec(A) of V becomes vech(A + Aᵀ - A ∘ I)."""
    i, j = vech_index(n)
    A = V.reshape(n, n, V.shape[1], order="F")
    return np.where((i == j)[:, None], A[i, j], A[i, j] + A[j, i])


def elim_apply(n: int, V: np.ndarray) -> np.ndarray:
    """L_n V: each column vec(A) of V becomes vech(A)."""
    i, j = vech_index(n)
    return V.reshape(n, n, V.shape[1], order="F")[i, j]


def elimT_apply(n: int, V: np.ndarray) -> np.ndarray:
    """L_nᵀ V: each column v of V becomes vec of the lower-triangular matrix with vech v."""
    i, j = vech_index(n)
    k = V.shape[1]
    A = np.zeros((n, n, k))
    A[i, j] = V
    return A.reshape(n * n, k, order="F")


_STRUCTURED = (E.Dup, E.Elim)


def _structured(e: E.Expr) -> bool:
    """D_n, L_n or a transpose of one: applied to vectors, never formed."""
    return isinstance(e, _STRUCTURED) or (isinstance(e, E.Transpose)
                                          and isinstance(e.arg, _STRUCTURED))


def _scalar(a: np.ndarray) -> float:
    return float(a.reshape(-1)[0])


def _pow(a: np.ndarray, p: Fraction) -> np.ndarray:
    if p.denominator == 1:
        return np.power(a, int(p)) if p >= 0 else 1.0 / np.power(a, -int(p))
    return np.power(a, float(p))


def value(e: E.Expr, env: Env) -> np.ndarray:
    """The value of e as a 2-D float array."""
    hit = env.memo.get(e)
    if hit is not None:
        return hit
    out = _value(e, env)
    env.memo[e] = out
    return out


def _value(e: E.Expr, env: Env) -> np.ndarray:
    if isinstance(e, E.Sym):
        if e.name not in env.values:
            raise MatdiffError(f"no value for '{e.name}'")
        return env.values[e.name]
    if isinstance(e, E.Num):
        return np.array([[float(e.value)]])
    if isinstance(e, E.Identity):
        return np.eye(env.dim(e.shape[0]))
    if isinstance(e, E.Zero):
        return np.zeros(env.shape(e))
    if isinstance(e, E.Ones):
        return np.ones(env.shape(e))
    if isinstance(e, E.Comm):
        return commutation(env.dim(e.r), env.dim(e.c))
    if isinstance(e, E.Dup):
        return duplication(env.dim(e.n))
    if isinstance(e, E.Elim):
        return elimination(env.dim(e.n))
    if isinstance(e, E.Add):
        out = value(e.args[0], env).copy()
        for a in e.args[1:]:
            out = out + value(a, env)
        return out
    if isinstance(e, E.Mul):
        s = 1.0
        chain = []
        mats = [f for f in e.args if not f.is_scalar]
        lazy = len(mats) > 1 and any(_structured(f) for f in mats)
        for f in e.args:
            if f.is_scalar:
                s *= _scalar(value(f, env))
            elif not lazy:
                chain.append(value(f, env))
        if lazy:   # D_nᵀ vec G and the like: applied right to left, D_n is never formed
            m = value(mats[-1], env)
            for f in reversed(mats[:-1]):
                m = apply(f, m, env)
            return s * m
        if not chain:
            return np.array([[s]])
        m = chain[0] if len(chain) == 1 else np.linalg.multi_dot(chain)
        return s * m
    if isinstance(e, E.Kron):
        out = value(e.args[0], env)
        for a in e.args[1:]:
            out = np.kron(out, value(a, env))
        return out
    if isinstance(e, E.Hadamard):
        out = value(e.args[0], env)
        for a in e.args[1:]:
            out = out * value(a, env)
        return out
    if isinstance(e, E.Transpose):
        return value(e.arg, env).T
    if isinstance(e, E.Inverse):
        a = value(e.arg, env)
        if not np.all(np.isfinite(a)):   # inf or nan inside: no SVD, no inverse
            raise MatdiffError(f"{e.arg} has non-finite entries at these values: its inverse "
                               "is not defined")
        try:
            inv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise MatdiffError(f"{e.arg} is singular at these values: its inverse does not "
                               "exist") from None
        if np.linalg.cond(a) > 1e14:
            raise MatdiffError(f"{e.arg} is numerically singular at these values "
                               f"(condition number {np.linalg.cond(a):.1e})")
        return inv
    if isinstance(e, E.Power):
        a = value(e.arg, env)
        if e.is_scalar:
            return _pow(a, e.p)
        return np.linalg.matrix_power(a, int(e.p))
    if isinstance(e, E.HadPow):
        return _pow(value(e.arg, env), e.p)
    if isinstance(e, E.Call):
        fn = ops.get(e.name).value
        if fn is None:
            raise MatdiffError(f"cannot evaluate {e}")
        try:
            return fn(*(value(a, env) for a in e.children))
        except ops.OutsideDomain as exc:
            raise MatdiffError(f"{e} {exc}") from None
    if isinstance(e, E.Unvec):
        return value(e.arg, env).reshape(env.shape(e), order="F")
    if isinstance(e, E.D):
        raise MatdiffError("a differential has no value")
    raise MatdiffError(f"cannot evaluate {type(e).__name__}")


def apply(e: E.Expr, V: np.ndarray, env: Env) -> np.ndarray:
    """e @ V for V with e.shape[1] rows, using the vec trick for Kronecker factors."""
    if isinstance(e, E.Identity):
        return V
    if isinstance(e, E.Zero):
        return np.zeros((env.dim(e.shape[0]), V.shape[1]))
    if isinstance(e, E.Mul):
        s = 1.0
        out = V
        for f in reversed(e.args):
            if f.is_scalar:
                s *= _scalar(value(f, env))
            else:
                out = apply(f, out, env)
        return s * out
    if isinstance(e, E.Add):
        return sum((apply(a, V, env) for a in e.args[1:]), apply(e.args[0], V, env))
    if isinstance(e, E.Kron):
        left = e.args[0]
        right = E.kron(*e.args[1:])
        return _apply_kron(left, right, V, env)
    if isinstance(e, E.Comm):
        r, c = env.dim(e.r), env.dim(e.c)
        k = V.shape[1]
        # column t of V is vec(A) for A (r x c); return vec(Aᵀ)
        return V.reshape(c, r, k).transpose(1, 0, 2).reshape(r * c, k)
    if isinstance(e, E.Call) and ops.get(e.name).apply is not None:
        args = [value(a, env) for a in e.children]
        try:
            return ops.get(e.name).apply(*args, V)
        except ops.OutsideDomain as exc:
            raise MatdiffError(f"{e} {exc}") from None
    if isinstance(e, E.Inverse) and isinstance(e.arg, E.Call) and \
            ops.get(e.arg.name).apply_inv is not None:   # (B ⊕ A)⁻¹ V: a Sylvester solve
        try:
            return ops.get(e.arg.name).apply_inv(*(value(a, env) for a in e.arg.children), V)
        except ops.OutsideDomain as exc:
            raise MatdiffError(f"{e.arg} {exc}") from None
    found = ops.inverse_form(e.arg) if isinstance(e, E.Inverse) else None
    if found is not None:   # (I − Bᵀ ⊗ A)⁻¹ V: a Stein solve
        form, args = found
        try:
            return form.apply(*(value(a, env) for a in args), V)
        except ops.OutsideDomain as exc:
            raise MatdiffError(f"{e.arg} {exc}") from None
    if _structured(e):
        base = e.arg if isinstance(e, E.Transpose) else e
        fn = {(E.Dup, False): dup_apply, (E.Dup, True): dupT_apply,
              (E.Elim, False): elim_apply, (E.Elim, True): elimT_apply}[
            (type(base), isinstance(e, E.Transpose))]
        return fn(env.dim(base.n), V)
    return value(e, env) @ V


def _apply_kron(a: E.Expr, b: E.Expr, V: np.ndarray, env: Env) -> np.ndarray:
    """(A ⊗ B) V: each column is vec(X) with X (qb x qa); (A ⊗ B) vec X = vec(B X Aᵀ)."""
    pa, qa = env.shape(a)
    pb, qb = env.shape(b)
    k = V.shape[1]
    T = V.reshape(qa, qb, k)                       # T[j, i, t] = X_t[i, j]
    T = T.transpose(1, 0, 2).reshape(qb, qa * k)   # rows i; columns (j, t)
    T = apply(b, T, env).reshape(pb, qa, k)        # B X_t
    T = T.transpose(1, 0, 2).reshape(qa, pb * k)   # rows j; columns (i', t)
    T = apply(a, T, env).reshape(pa, pb, k)        # (A (B X)ᵀ) = (B X Aᵀ)ᵀ
    return T.reshape(pa * pb, k)


def make_env(symbols: dict[str, E.Sym], values: dict, dims: dict | None = None) -> Env:
    if not isinstance(values, dict):
        raise MatdiffError("values must be a dict mapping names to arrays")
    arrays = {}
    for name, v in values.items():
        if name in symbols:
            a = as_matrix(name, v)
            s = symbols[name]
            if s.shape[1].is_one and a.shape[0] == 1 and a.shape[1] != 1 and \
                    not s.shape[0].is_one:
                a = a.T                  # a row given for a declared column vector
            arrays[name] = a
    sizes = bind_sizes(symbols, arrays, dims)
    env = Env(arrays, sizes)
    for name, s in symbols.items():
        if name in arrays:
            want = env.shape(s)
            if arrays[name].shape != want:
                if want[1] == 1 and arrays[name].shape == (1, want[0]):
                    arrays[name] = arrays[name].T
                else:
                    raise MatdiffError(f"'{name}' should be {want[0]} x {want[1]}, got "
                                       f"{arrays[name].shape[0]} x {arrays[name].shape[1]}")
        if name in arrays and s.props:
            _check_props(name, arrays[name], s.props)
    return env


def _check_props(name: str, a: np.ndarray, props: frozenset) -> None:
    """Values must honour the declared properties: the result was simplified with them."""
    tol = 1e-8 * max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
    sym = a.shape[0] == a.shape[1] and np.allclose(a, a.T, atol=tol, rtol=0)
    if props & {"symmetric", "spd"} and not sym:
        raise MatdiffError(f"'{name}' is declared {'spd' if 'spd' in props else 'symmetric'}"
                           " but its value is not symmetric")
    if "spd" in props and np.min(np.linalg.eigvalsh(a)) <= 0:
        raise MatdiffError(f"'{name}' is declared spd but its value is not positive "
                           "definite (it has a non-positive eigenvalue)")
    if "lower" in props and np.any(np.abs(np.triu(a, 1)) > tol):
        raise MatdiffError(f"'{name}' is declared lower (triangular) but its value has "
                           "nonzero entries above the diagonal")
    if "diagonal" in props and np.any(np.abs(a - np.diag(np.diag(a))) > tol):
        raise MatdiffError(f"'{name}' is declared diagonal but its value is not")
    if "orthogonal" in props and not np.allclose(a.T @ a, np.eye(a.shape[1]), atol=1e-8):
        raise MatdiffError(f"'{name}' is declared orthogonal but its value is not")
    if "positive" in props and np.any((np.diag(a) if "diagonal" in props else a) <= 0):
        raise MatdiffError(f"'{name}' is declared positive but has entries <= 0")
    if "onehot" in props and (np.any((a != 0) & (a != 1)) or np.any(
            a.sum(axis=0 if a.shape[1] == 1 else 1) != 1)):
        raise MatdiffError(f"'{name}' is declared onehot but its value is not a single 1 "
                           + ("among zeros" if a.shape[1] == 1 else "in each row"))
    if "integer" in props and np.any(a != np.round(a)):
        raise MatdiffError(f"'{name}' is declared integer but its value is not")
    if "invertible" in props and np.linalg.cond(a) > 1e14:
        raise MatdiffError(f"'{name}' is declared invertible but its value is singular")


def evaluate_result(d, values: dict, dims: dict | None = None) -> np.ndarray:
    """The value of a Derivation's result: the Jacobian or the gradient."""
    if not isinstance(values, dict):
        raise MatdiffError(f"values must be a dict mapping names to arrays, got "
                           f"{type(values).__name__}")
    used = {n for n in d.cell.symbols
            if E.contains(d.target, lambda e, n=n: isinstance(e, E.Sym) and e.name == n)}
    missing = sorted(used - set(values))
    if missing:
        raise MatdiffError(f"no value for {', '.join(repr(m) for m in missing)}")
    env = make_env(d.cell.symbols, values, dims)
    with np.errstate(all="ignore"):
        if d.kind == "gradient":
            out = value(d.result, env)
        else:
            ncols = env.dim(d.result.shape[1])
            out = apply(d.result, np.eye(ncols), env)
    return finite(out, "the derivative", d.result, env)


def finite(out: np.ndarray, what: str, e: E.Expr | None = None,
           env: Env | None = None) -> np.ndarray:
    """``out``, or a MatdiffError saying that ``what`` is not finite at these values (and,
    given the expression and its Env, which divisor of it is zero there)."""
    if not np.all(np.isfinite(out)):
        zero = _zero_divisor(e, env) if e is not None and env is not None else None
        if zero is not None:
            base, k = zero
            kink = " (|·| and norm1 have a kink at 0)" if isinstance(base, E.Call) and \
                base.name == "abs" else ""
            raise MatdiffError(f"{what} is not defined at these values: it divides by {base}, "
                               f"which is 0 in entry {k}{kink}")
        raise MatdiffError(f"{what} is not finite at these values (overflow, a log or sqrt "
                           "of a non-positive entry, or a division by zero)")
    return out


def _zero_divisor(e: E.Expr, env: Env) -> tuple[E.Expr, int] | None:
    """The first base of a negative power in e (A^∘-1, a⁻¹) with a zero entry at env, and
    the entry (1-based, column-major)."""
    if isinstance(e, (E.HadPow, E.Power)) and e.p < 0:
        with np.errstate(all="ignore"):
            b = value(e.arg, env)
        flat = b.reshape(-1, order="F")
        zeros = np.flatnonzero(flat == 0)
        if zeros.size:
            return e.arg, int(zeros[0]) + 1
    for c in e.children:
        hit = _zero_divisor(c, env)
        if hit is not None:
            return hit
    return None


def jvp(d, values: dict, V, dims: dict | None = None) -> np.ndarray:
    """The numerator-layout derivative applied to V (shaped like the variable)."""
    env = make_env(d.cell.symbols, values, dims)
    x = d.wrt
    Vm = as_matrix("V", V)
    spec = getattr(d, "wrt_spec", None)     # vech(X), diag(X): V holds the free coordinates
    want = env.shape(d.numerator) if spec and d.kind == "gradient" else (
        (env.dim(d.numerator.shape[1]), 1) if spec else env.shape(x))
    if Vm.shape != want:
        shaped = f"like {spec}" if spec else f"like {x.name}"
        raise MatdiffError(f"V should be shaped {shaped}: {want}, got {Vm.shape}")
    with np.errstate(all="ignore"):
        if d.kind == "gradient":
            return np.array([[np.sum(value(d.numerator, env) * Vm)]])
        out = apply(d.numerator, Vm.reshape(-1, 1, order="F"), env)
    return out.reshape(env.shape(d.target), order="F")
