"""Matrix equations solved as operations: the Kronecker sum, sylvester and lyap (SPEC §11).

* ``kronsum(A, B)``, printed A ⊕ B := A ⊗ I + I ⊗ B (A m x m, B n x n): the matrix of the
  Sylvester operator, vec(A X + X B) = (Bᵀ ⊕ A) vec X;
* ``sylvester(A, B, C)``: the X with A X + X B = C (MATLAB's ``sylvester``, SciPy's
  ``solve_sylvester``), unique when A and −B share no eigenvalue;
* ``lyap(A, Q)``: the X with A X + X Aᵀ + Q = 0 (MATLAB's ``lyap``), unique when no two
  eigenvalues of A add up to zero;
* ``dlyap(A, B, C)``: the X with A X B − X + C = 0 (MATLAB's ``dlyap``, the Stein equation
  X − A X B = C), unique when no eigenvalue of A times one of B is 1.

Both solves are linear in their last argument: differentiating the equation gives an equation
of the same kind for dX, so d sylvester(A, B, C) = sylvester(A, B, dC − dA X − X dB), its vec
form is (Bᵀ ⊕ A)⁻¹ and its adjoint the solve with the transposed operator (the adjoint
method): tr(Wᵀ sylvester(A, B, R)) = tr(Λᵀ R) with Aᵀ Λ + Λ Bᵀ = W. SciPy is imported inside
the functions that evaluate.
"""

from __future__ import annotations

from ..algebra import expr as E
from .op import INVERSE_FORMS, InverseForm, Op, OutsideDomain, Rule, register


def _np():
    import numpy
    return numpy


# --- the Kronecker sum -------------------------------------------------------------------------

def _kronsum(a: E.Expr, b: E.Expr) -> E.Expr:
    E.require_square(a, "A ⊕ B")
    E.require_square(b, "A ⊕ B")
    n = a.shape[0] * b.shape[0]
    if a.is_scalar and b.is_scalar:
        return E.add(a, b)
    return E.Call((n, n), a, "kronsum", (b,))


def kronsum_value(a, b):
    np = _np()
    return np.kron(a, np.eye(b.shape[0])) + np.kron(np.eye(a.shape[0]), b)


def kronsum_solve(a, b, V):
    """(A ⊕ B)⁻¹ V without forming A ⊕ B: (A ⊗ I + I ⊗ A) vec Y = vec(B Y + Y Aᵀ), so each
    column is a Sylvester solve."""
    np = _np()
    from scipy.linalg import solve_sylvester
    if separation(a, b) < 1e-10:
        raise OutsideDomain("is singular at these values: an eigenvalue of its left side and "
                            "one of its right side add up to zero")
    p, q = a.shape[0], b.shape[0]
    cols = [solve_sylvester(b, a.T, V[:, k].reshape(q, p, order="F")).reshape(-1, order="F")
            for k in range(V.shape[1])]
    return np.column_stack(cols) if cols else np.zeros((p * q, 0))


def _kronsum_form(op: str):
    def form(pr, e: E.Call) -> str:
        a, b = e.children
        return pr.paren(pr.at(a, _KRON_ARG) + op + pr.at(b, _KRON_ARG))
    return form


_KRON_ARG = 3   # render.base.HAD: an argument tighter than ⊗ prints without parentheses


def _kronsum_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    a, b = args
    da, db = dargs
    return E.add(E.kron(da, E.identity(b.shape[0])), E.kron(E.identity(a.shape[0]), db))


def _kronsum_sympy(ctx, e, a, b):
    sp = ctx.sp
    return sp.kronecker_product(a, sp.Identity(b.shape[0])) + \
        sp.kronecker_product(sp.Identity(a.shape[0]), b)


# --- sylvester and lyap -----------------------------------------------------------------------

def _coefficients(name: str, equation: str, a: E.Expr, b: E.Expr, c: E.Expr) -> None:
    """name(A, B, C) with A m x m, B n x n and C m x n, or a ShapeError that says so."""
    E.require_square(a, f"{name}(A, B, C): A")
    E.require_square(b, f"{name}(A, B, C): B")
    if not (E.same(c.shape[0], a.shape[0]) and E.same(c.shape[1], b.shape[0])):
        raise E.ShapeError(f"{name}(A, B, C) solves {equation}: C must be "
                           f"{E.shape_str((a.shape[0], b.shape[0]))} for A "
                           f"{E.shape_str(a.shape)} and B {E.shape_str(b.shape)}, got "
                           f"{E.shape_str(c.shape)}")


def _sylvester(a: E.Expr, b: E.Expr, c: E.Expr) -> E.Expr:
    """sylvester(A, B, C): A m x m, B n x n, C m x n."""
    _coefficients("sylvester", "A X + X B = C", a, b, c)
    if E.is_zero(c):
        return E.zero(c.shape)
    if a.is_scalar and b.is_scalar:
        return E.mul(c, E.power(E.add(a, b), -1))
    return E.Call(c.shape, a, "sylvester", (b, c))


def _lyap(a: E.Expr, q: E.Expr) -> E.Expr:
    """lyap(A, Q): A n x n, Q n x n."""
    E.require_square(a, "lyap(A, Q): A")
    if not (E.same(q.shape[0], a.shape[0]) and E.same(q.shape[1], a.shape[0])):
        raise E.ShapeError(f"lyap(A, Q) solves A X + X Aᵀ + Q = 0: Q must be "
                           f"{E.shape_str(a.shape)} like A, got {E.shape_str(q.shape)}")
    if E.is_zero(q):
        return E.zero(q.shape)
    if a.is_scalar:
        return E.mul(E.num(-1), q, E.power(E.scale(2, a), -1))
    return E.Call(q.shape, a, "lyap", (q,))


def separation(a, b) -> float:
    """min |λᵢ(A) + μⱼ(B)|, relative to the sizes of A and B: zero when the Sylvester
    operator X ↦ A X + X B is singular (A and −B share an eigenvalue)."""
    np = _np()
    la, lb = np.linalg.eigvals(a), np.linalg.eigvals(b)
    scale = max(1.0, float(np.max(np.abs(la))), float(np.max(np.abs(lb))))
    return float(np.min(np.abs(la[:, None] + lb[None, :]))) / scale


def sylvester_value(a, b, c):
    if not (_np().all(_np().isfinite(a)) and _np().all(_np().isfinite(b))):
        raise OutsideDomain("has non-finite coefficients at these values")
    if separation(a, b) < 1e-10:
        raise OutsideDomain("has no unique solution at these values: A and −B share an "
                            "eigenvalue (λ(A) + λ(B) = 0), so the operator X ↦ A X + X B is "
                            "singular")
    from scipy.linalg import solve_sylvester
    return solve_sylvester(a, b, c)


def lyap_value(a, q):
    if not _np().all(_np().isfinite(a)):
        raise OutsideDomain("has non-finite coefficients at these values")
    if separation(a, a.T) < 1e-10:
        raise OutsideDomain("has no unique solution at these values: two eigenvalues of A "
                            "add up to zero (λᵢ + λⱼ = 0), so the operator X ↦ A X + X Aᵀ "
                            "is singular")
    from scipy.linalg import solve_sylvester
    return solve_sylvester(a, a.T, -q)


def _dlyap(a: E.Expr, b: E.Expr, c: E.Expr) -> E.Expr:
    """dlyap(A, B, C): A m x m, B n x n, C m x n."""
    _coefficients("dlyap", "A X B - X + C = 0", a, b, c)
    if E.is_zero(c):
        return E.zero(c.shape)
    return E.Call(c.shape, a, "dlyap", (b, c))


def dlyap_value(a, b, c):
    m, n = c.shape
    return stein_solve(a, b, c.reshape(-1, 1, order="F")).reshape(m, n, order="F")


def stein_solve(a, b, V):
    """(I − Bᵀ ⊗ A)⁻¹ V without forming the mn x mn matrix: each column of V is vec C, and
    its image vec X solves the Stein equation X − A X B = C (Bartels–Stewart: complex Schur
    forms A = U T Uᴴ, B = W S Wᴴ; then Y − T Y S = Uᴴ C W, column j of Y a triangular solve
    with I − S_jj T, since S is upper triangular; X = U Y Wᴴ). O(m³ + n³ + mn(m + n)) a
    column, where the dense inverse is O(m³n³)."""
    np = _np()
    from scipy.linalg import schur, solve_triangular
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise OutsideDomain("has non-finite coefficients at these values")
    t, u = schur(a, output="complex", check_finite=False)
    s, w = schur(b, output="complex", check_finite=False)
    gap = np.abs(1 - np.diag(t)[:, None] * np.diag(s)[None, :])
    if gap.size and gap.min() < 1e-10:
        raise OutsideDomain("has no unique solution at these values: an eigenvalue of A "
                            "times one of B is 1 (λ(A) λ(B) = 1), so the operator "
                            "X ↦ X − A X B is singular")
    m, n, k = a.shape[0], b.shape[0], V.shape[1]
    # f[:, j] is column j of Uᴴ C W, for each of the k columns of V
    f = (u.conj().T @ V.reshape(m, n, k, order="F").transpose(2, 0, 1) @ w).transpose(0, 2, 1)
    y = np.zeros_like(f)
    tt = t.T.copy()
    for j in range(n):
        rhs = f[:, j, :]
        if j:   # + T Σ_{i<j} Y_i S_ij
            rhs = rhs + np.tensordot(s[:j, j], y[:, :j, :], axes=([0], [1])) @ tt
        lhs = -s[j, j] * t
        lhs[np.diag_indices(m)] += 1
        y[:, j, :] = solve_triangular(lhs, rhs.T, check_finite=False).T
    x = (u @ y.transpose(0, 2, 1) @ w.conj().T).real                  # k x m x n
    return x.transpose(1, 2, 0).reshape(m * n, k, order="F")


def _stein_form(mat: E.Expr) -> tuple | None:
    """(A, B) when mat = I + c P ⊗ Q (c a number): the Stein operator I − Bᵀ ⊗ A with
    A = −c Q, B = Pᵀ, the vec form of X ↦ X − A X B."""
    if not isinstance(mat, E.Add) or len(mat.args) != 2:
        return None
    ones = [t for t in mat.args if isinstance(t, E.Identity)]
    if len(ones) != 1:
        return None
    c, kron = E.split_coef(mat.args[1] if mat.args[0] is ones[0] else mat.args[0])
    if not isinstance(kron, E.Kron) or len(kron.args) != 2 or \
            not all(E.same(*f.shape) for f in kron.args):
        return None
    p, q = kron.args
    return E.scale(-c, q), E.transpose(p)


def _dlyap_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    # A X B - X + C = 0 gives A dX B - dX + (dA X B + A X dB + dC) = 0
    a, b, _ = args
    da, db, dc = dargs
    return E.call("dlyap", a, b, E.add(E.mul(da, e, b), E.mul(a, e, db), dc))


def _dlyap_vec(t: E.Call) -> E.Expr:
    a, b, _ = t.children
    n = a.shape[0] * b.shape[0]
    return E.inverse(E.add(E.identity(n), E.neg(E.kron(E.transpose(b), a))))


def _dlyap_sympy(ctx, e, a, b, c):
    sp = ctx.sp
    op = sp.Identity(a.shape[0] * b.shape[0]) - sp.kronecker_product(sp.Transpose(b), a)
    v = sp.Inverse(op) * ctx.call("vec", c)
    r = c.shape[0]
    return sp.FunctionMatrix(r, c.shape[1], sp.Lambda((ctx.i, ctx.j), v[ctx.i + r * ctx.j, 0]))


_SOLVE_CODE = '''

def _sylvester(A, B, C):
    """X with A X + X B = C (SciPy's solve_sylvester)."""
    from scipy.linalg import solve_sylvester
    return solve_sylvester(A, B, C)


def _kronsum_solve(A, B, V):
    """(A (+) B)^-1 V, column by column: (A (+) B) vec(Y) = vec(B Y + Y A.T)."""
    from scipy.linalg import solve_sylvester
    p, q = A.shape[0], B.shape[0]
    cols = [solve_sylvester(B, A.T, V[:, k].reshape(q, p, order="F")).reshape(-1, order="F")
            for k in range(V.shape[1])]
    return np.column_stack(cols) if cols else np.zeros((p * q, 0))


def _stein_solve(A, B, V):
    """(I - B.T (x) A)^-1 V: each column vec(X) with X - A X B = vec^-1 of the column
    (Bartels-Stewart on the complex Schur forms; the mn x mn matrix is never formed)."""
    from scipy.linalg import schur, solve_triangular
    T, U = schur(A, output="complex")
    S, W = schur(B, output="complex")
    m, n, k = A.shape[0], B.shape[0], V.shape[1]
    F = (U.conj().T @ V.reshape(m, n, k, order="F").transpose(2, 0, 1) @ W).transpose(0, 2, 1)
    Y = np.zeros_like(F)
    for j in range(n):
        rhs = F[:, j, :]
        if j:
            rhs = rhs + np.tensordot(S[:j, j], Y[:, :j, :], axes=([0], [1])) @ T.T
        Y[:, j, :] = solve_triangular(np.eye(m) - S[j, j] * T, rhs.T).T
    X = (U @ Y.transpose(0, 2, 1) @ W.conj().T).real
    return X.transpose(1, 2, 0).reshape(m * n, k, order="F")


def _dlyap(A, B, C):
    """X with A X B - X + C = 0 (the Stein equation X - A X B = C)."""
    m, n = C.shape
    return _stein_solve(A, B, C.reshape(-1, 1, order="F")).reshape(m, n, order="F")


def _kronsum(A, B):
    """The Kronecker sum A (+) B = kron(A, I) + kron(I, B)."""
    return np.kron(A, np.eye(B.shape[0])) + np.kron(np.eye(A.shape[0]), B)
'''


def _sylvester_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    # A X + X B = C gives A dX + dX B = dC - dA X - X dB
    a, b, _ = args
    da, db, dc = dargs
    return E.call("sylvester", a, b, E.add(dc, E.neg(E.mul(da, e)), E.neg(E.mul(e, db))))


def _lyap_d(e: E.Call, args: tuple, dargs: tuple) -> E.Expr:
    # A X + X Aᵀ + Q = 0 gives A dX + dX Aᵀ + (dA X + X dAᵀ + dQ) = 0
    a, _ = args
    da, dq = dargs
    return E.call("lyap", a, E.add(E.mul(da, e), E.mul(e, E.transpose(da)), dq))


def _sylvester_vec(t: E.Call) -> E.Expr:
    a, b, _ = t.children
    return E.inverse(E.call("kronsum", E.transpose(b), a))


def _lyap_vec(t: E.Call) -> E.Expr:
    a, _ = t.children
    return E.neg(E.inverse(E.call("kronsum", a, a)))


def _sylvester_sympy(ctx, e, a, b, c):
    sp = ctx.sp
    op = ctx.call("kronsum", sp.Transpose(b), a)
    v = sp.Inverse(op) * ctx.call("vec", c)
    r = c.shape[0]
    return sp.FunctionMatrix(r, c.shape[1], sp.Lambda((ctx.i, ctx.j), v[ctx.i + r * ctx.j, 0]))


register(
    # A ⊕ B = A ⊗ I + I ⊗ B: vec(A X + X B) = (Bᵀ ⊕ A) vec X
    Op("kronsum", "linear", _kronsum, args=("expr", "expr"),
       unicode=_kronsum_form(" ⊕ "), text=_kronsum_form(" ⊕ "),
       latex=_kronsum_form(" \\oplus "),
       d=Rule("d(A ⊕ B) = dA ⊗ I + I ⊗ dB (A ⊕ B := A ⊗ I + I ⊗ B)", _kronsum_d),
       value=kronsum_value, code="_kronsum({0}, {1})", code_helper=_SOLVE_CODE,
       apply_inv=kronsum_solve, code_apply_inv="_kronsum_solve({0}, {1}, {V})",
       transposed=lambda at, bt: E.call("kronsum", at, bt),   # (A ⊕ B)ᵀ = Aᵀ ⊕ Bᵀ
       sympy=_kronsum_sympy),
    # X = sylvester(A, B, C): A X + X B = C
    Op("sylvester", "linear", _sylvester, args=("expr", "expr", "expr"),
       latex="\\operatorname{sylvester}", domain="separated",
       d=Rule("X = sylvester(A, B, C) solves A X + X B = C; differentiate both sides: "
              "A dX + dX B = dC − dA X − X dB, so dX = sylvester(A, B, dC − dA X − X dB)",
              _sylvester_d),
       vec=Rule("vec sylvester(A, B, M) = (Bᵀ ⊕ A)⁻¹ vec M: vec(A U + U B) = (I ⊗ A + Bᵀ ⊗ I) "
                "vec U, the Kronecker sum Bᵀ ⊕ A := Bᵀ ⊗ I + I ⊗ A", _sylvester_vec),
       # tr(Wᵀ sylvester(A, B, R)) = tr(Λᵀ R), Aᵀ Λ + Λ Bᵀ = W
       adjoint=Rule("the adjoint method: tr(Wᵀ U) = tr(Λᵀ M) for A U + U B = M, with the "
                    "adjoint Λ = sylvester(Aᵀ, Bᵀ, W), the solve with the transposed "
                    "operator: Aᵀ Λ + Λ Bᵀ = W",
                    lambda w, a, b, c: E.call("sylvester", E.transpose(a), E.transpose(b), w)),
       value=sylvester_value, code="_sylvester({0}, {1}, {2})", sympy=_sylvester_sympy),
    # X = lyap(A, Q): A X + X Aᵀ + Q = 0
    Op("lyap", "linear", _lyap, args=("expr", "expr"), latex="\\operatorname{lyap}",
       domain="separated",
       d=Rule("X = lyap(A, C) solves A X + X Aᵀ + C = 0; differentiate both sides: "
              "A dX + dX Aᵀ + (dA X + X dAᵀ + dC) = 0, so dX = lyap(A, dA X + X dAᵀ + dC)",
              _lyap_d),
       vec=Rule("vec lyap(A, M) = −(A ⊕ A)⁻¹ vec M: vec(A U + U Aᵀ) = (I ⊗ A + A ⊗ I) vec U, "
                "the Kronecker sum A ⊕ A := A ⊗ I + I ⊗ A", _lyap_vec),
       # tr(Wᵀ lyap(A, R)) = tr(Λᵀ R), Aᵀ Λ + Λ A + W = 0
       adjoint=Rule("the adjoint method: tr(Wᵀ U) = tr(Λᵀ M) for A U + U Aᵀ + M = 0, with "
                    "the adjoint Λ = lyap(Aᵀ, W), the solve with the transposed operator: "
                    "Aᵀ Λ + Λ A + W = 0",
                    lambda w, a, q: E.call("lyap", E.transpose(a), w)),
       value=lyap_value, code="_sylvester({0}, {0}.T, -({1}))",
       sympy=lambda ctx, e, a, q: _sylvester_sympy(ctx, e, a, ctx.sp.Transpose(a), -q)),
    # X = dlyap(A, B, C): A X B - X + C = 0, the Stein equation X - A X B = C
    Op("dlyap", "linear", _dlyap, args=("expr", "expr", "expr"),
       latex="\\operatorname{dlyap}", domain="separated",
       d=Rule("X = dlyap(A, B, C) solves A X B − X + C = 0; differentiate both sides: "
              "A dX B − dX + (dA X B + A X dB + dC) = 0, so "
              "dX = dlyap(A, B, dA X B + A X dB + dC)", _dlyap_d),
       vec=Rule("vec dlyap(A, B, M) = (I − Bᵀ ⊗ A)⁻¹ vec M: vec(U − A U B) = (I − Bᵀ ⊗ A) "
                "vec U", _dlyap_vec),
       # tr(Wᵀ dlyap(A, B, R)) = tr(Λᵀ R), Λ − Aᵀ Λ Bᵀ = W
       adjoint=Rule("the adjoint method: tr(Wᵀ U) = tr(Λᵀ M) for U − A U B = M, with the "
                    "adjoint Λ = dlyap(Aᵀ, Bᵀ, W), the solve with the transposed operator: "
                    "Λ − Aᵀ Λ Bᵀ = W",
                    lambda w, a, b, c: E.call("dlyap", E.transpose(a), E.transpose(b), w)),
       value=dlyap_value, code="_dlyap({0}, {1}, {2})", sympy=_dlyap_sympy),
)

# (I − Bᵀ ⊗ A)⁻¹ V, the vec form of dlyap's solve, applied by a Stein solve (jvp, codegen)
INVERSE_FORMS.append(InverseForm(_stein_form, stein_solve, "_stein_solve({0}, {1}, {V})"))
