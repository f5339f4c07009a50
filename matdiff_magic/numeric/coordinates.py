"""The free coordinates of a structured matrix, as numbers: vech X, diag X, or vec X.

The check and the Hessian's check perturb a derivation's coordinates, not the matrix's
entries: X = unvec(D_n v) for a symmetric X, unvec(L_nᵀ v) for a lower-triangular one,
diag(v) for a diagonal one.
"""

from __future__ import annotations

import numpy as np


class Coordinates:
    """The free entries of a structured n x n matrix, as a vector, and back.

    kind 'vech' (symmetric: X = unvec(D_n v)), 'lower' (X = unvec(L_nᵀ v)), 'diag'
    (X = diag(v)), or 'vec' (every entry free: X = unvec(v))."""

    def __init__(self, kind: str, rows: int, cols: int | None = None) -> None:
        self.kind, self.rows = kind, rows
        self.cols = rows if cols is None else cols
        if kind in ("vech", "lower"):
            j, i = np.triu_indices(rows)
            self._i, self._j = i, j

    @property
    def size(self) -> int:
        n = self.rows
        return {"vech": n * (n + 1) // 2, "lower": n * (n + 1) // 2, "diag": n,
                "vec": n * self.cols}[self.kind]

    @property
    def gradient_shape(self) -> tuple[int, int]:
        """The shape of a gradient in these coordinates: a column, or X's shape for vec."""
        return (self.rows, self.cols) if self.kind == "vec" else (self.size, 1)

    def to_matrix(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float).reshape(-1)
        if self.kind == "vec":
            return v.reshape(self.rows, self.cols, order="F")
        if self.kind == "diag":
            return np.diag(v)
        X = np.zeros((self.rows, self.rows))
        X[self._i, self._j] = v
        if self.kind == "vech":
            X[self._j, self._i] = v
        return X

    def from_matrix(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if self.kind == "vec":
            return X.reshape(-1, order="F")
        if self.kind == "diag":
            return np.diag(X).copy()
        return X[self._i, self._j].copy()


def coordinates_of(derivation, X: np.ndarray) -> Coordinates:
    """The coordinates a derivation is taken in, at the size of X: the free entries of its
    structure (vech X, diag X), or vec X for a plain one."""
    if derivation.structure is not None:
        return Coordinates(derivation.structure.kind, X.shape[0])
    return Coordinates("vec", X.shape[0], X.shape[1])
