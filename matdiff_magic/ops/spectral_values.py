"""The values of the eigenvalue entries (ops/spectral.py): NumPy's eigh (ascending) and eig,
the unit eigenvectors with a fixed sign (the largest entry positive), the left eigenvector
scaled to uᵀv = 1, the group inverse (λI - X)^#, and the checks that name a repeated or
complex eigenvalue."""

from __future__ import annotations

from .op import OutsideDomain


def _np():
    import numpy
    return numpy


def _sub(i: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _gap_tol(w) -> float:
    np = _np()
    return 1e-8 * max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)


def _simple(w, k: int, what: str) -> None:
    """The eigenvalue w[k] (ascending order) is simple, or OutsideDomain naming the tie."""
    tol = _gap_tol(w)
    for j in (k - 1, k + 1):
        if 0 <= j < len(w) and abs(w[j] - w[k]) <= tol:
            a, b = sorted((j, k))
            raise OutsideDomain(f"is not defined: {what} is not simple at these values: "
                                f"λ{_sub(a + 1)} = λ{_sub(b + 1)} = {_fmt(w[k])} (the "
                                "derivative needs a simple eigenvalue)")


def _all_simple(w) -> None:
    for k in range(len(w) - 1):
        _simple(w, k, "an eigenvalue")


def _finite(a) -> None:
    if not _np().all(_np().isfinite(a)):
        raise OutsideDomain("is not defined: the matrix has non-finite entries")


def _sign(v):
    """Each column with its largest entry (in absolute value) positive: a fixed choice."""
    np = _np()
    idx = np.argmax(np.abs(v), axis=0)
    s = np.sign(v[idx, np.arange(v.shape[1])])
    s[s == 0] = 1.0
    return v * s


def _eigh(a):
    np = _np()
    _finite(a)
    w, v = np.linalg.eigh((a + a.T) / 2)
    return w, _sign(v)


def _is_symmetric(a) -> bool:
    np = _np()
    return bool(np.allclose(a, a.T, rtol=0, atol=1e-12 * max(1.0, float(np.max(np.abs(a))))))


def _eig_value(a):
    np = _np()
    _finite(a)
    if not _is_symmetric(a):
        w = np.linalg.eigvals(a)
        if np.max(np.abs(w.imag)) > 1e-10 * max(1.0, float(np.max(np.abs(w)))):
            raise OutsideDomain("is not real at these values: the matrix is not symmetric "
                                "and has complex eigenvalues")
        return np.sort(w.real).reshape(-1, 1)
    return np.linalg.eigvalsh((a + a.T) / 2).reshape(-1, 1)


def _extreme(a, top: bool):
    """(index, eigenvalues) of the eigenvalue of largest (top) or smallest real part."""
    np = _np()
    _finite(a)
    w = np.linalg.eigvals(a)
    order = np.argsort(w.real, kind="stable")
    w = w[order]
    k = len(w) - 1 if top else 0
    return k, w


def _lambda_value(top: bool):
    what = "λ_max" if top else "λ_min"

    def value(a):
        np = _np()
        if _is_symmetric(a):
            w = np.linalg.eigvalsh((a + a.T) / 2)
            return np.array([[w[-1] if top else w[0]]])
        k, w = _extreme(a, top)
        if abs(w[k].imag) > 1e-10 * max(1.0, abs(w[k])):
            raise OutsideDomain(f"is not real at these values: {what} is one of the complex "
                                f"pair {_fmt(w[k].real)} ± {_fmt(abs(w[k].imag))}i")
        return np.array([[w[k].real]])
    return value


def _eigvec(top: bool):
    """The unit eigenvector of λ_max (λ_min): of a symmetric matrix by eigh, otherwise the
    right eigenvector (v of unit length, its largest entry positive, as for eigh)."""
    what = "λ_max" if top else "λ_min"

    def value(a):
        if not _is_symmetric(a):
            return _lam_uv(a, top)[2]
        w, v = _eigh(a)
        k = len(w) - 1 if top else 0
        _simple(w, k, what)
        return v[:, [k]].copy()
    return value


def _eigvecs(a):
    w, v = _eigh(a)
    _all_simple(w)
    return v


def _resolvent(top: bool):
    """(λI - X)^#, the group inverse of λI - X for the simple real extreme eigenvalue λ:
    (λI - X + P)⁻¹ - P with P = v uᵀ (uᵀv = 1) its spectral projector; for a symmetric X the
    pseudo-inverse V diag(1/(λ - λⱼ), 0 at λ) Vᵀ."""
    def value(a):
        np = _np()
        lam, u, v = _lam_uv(a, top)
        p = v @ u.T
        return np.linalg.inv(lam * np.eye(len(a)) - a + p) - p
    return value


def _lam_uv(a, top: bool):
    """The real simple eigenvalue of largest (smallest) real part of a square matrix and its
    left (u) and right (v) eigenvectors, v of unit length and uᵀv = 1."""
    what = "λ_max" if top else "λ_min"
    np = _np()
    k, w = _extreme(a, top)
    lam = w[k]
    tol = _gap_tol(w)
    if abs(lam.imag) > 1e-10 * max(1.0, abs(lam)):
        raise OutsideDomain(f"is not defined: {what} is not real at these values: "
                            f"{_fmt(lam.real)} ± {_fmt(abs(lam.imag))}i")
    for j in range(len(w)):
        if j != k and abs(w[j] - lam) <= tol:
            raise OutsideDomain(f"is not defined: {what} is not simple at these values:"
                                f" λ{_sub(min(j, k) + 1)} = λ{_sub(max(j, k) + 1)} = "
                                f"{_fmt(lam.real)} (the derivative needs a simple "
                                "eigenvalue)")
    vals, vecs = np.linalg.eig(a)
    v = vecs[:, np.argmin(np.abs(vals - lam))].real
    valsl, vecsl = np.linalg.eig(a.T)
    u = vecsl[:, np.argmin(np.abs(valsl - lam))].real
    v = _sign((v / np.linalg.norm(v)).reshape(-1, 1))
    u = (u / np.linalg.norm(u)).reshape(-1, 1)
    if abs((u.T @ v).item()) < 1e-12:
        raise OutsideDomain(f"is not defined: {what} is defective at these values (uᵀv = 0)")
    return lam.real, u / (u.T @ v).item(), v     # v unit, uᵀv = 1


def _left(top: bool):
    def value(a):
        return _lam_uv(a, top)[1]
    return value


def _khatrirao(a, b):
    np = _np()
    p, n = a.shape
    q = b.shape[0]
    return np.einsum("ij,kj->ikj", a, b).reshape(p * q, n)
