"""A picture of a derivative: its entries at random small matrices, as SVG.

Each entry is a square cell coloured on a diverging scale (blue negative, red positive,
white for zero, which is left blank), so the structure of a Jacobian shows at a glance:
the blocks of a Kronecker product, the permutation of a commutation matrix, the diagonal
of diag(vec A). Grid lines mark the block boundaries when the result is a Kronecker
product, or a sum of them whose right factors have one size (blocks of m x m for ``⊗ I_m``).
Deterministic: fixed seed, fixed number formatting; each cell keeps its value in
``data-value`` so tests (and curious readers) can compare it with ``evaluate``.
"""

from __future__ import annotations

import html

import numpy as np

from .. import expr as E
from ..errors import MatdiffError

CELL = 14            # pixels per entry
MAX_SIDE = 80        # entries per side at most: a picture, not a table
ZERO = 1e-12         # relative to the largest entry: drawn blank


def _colour(v: float, scale: float) -> str:
    """A diverging colour: white at 0, red for positive, blue for negative values."""
    t = min(abs(v) / scale, 1.0) if scale > 0 else 0.0
    fade = 255 - max(1, round(255 * 0.85 * t))   # a nonzero entry is never white
    return f"rgb(255,{fade},{fade})" if v > 0 else f"rgb({fade},{fade},255)"


def kron_block(result: E.Expr, env) -> tuple[int, int] | None:
    """The block size (rows, cols) of a Kronecker product, or of a sum of Kronecker
    products whose right factors have one shape, at the sizes of ``env``; else None."""
    terms = result.args if isinstance(result, E.Add) else (result,)
    blocks = set()
    for t in terms:
        _, t = E.split_coef(t)
        if not isinstance(t, E.Kron):
            return None
        right = t.args[1:]   # A ⊗ (B ⊗ C): blocks the size of B ⊗ C
        blocks.add((int(np.prod([env.dim(a.shape[0]) for a in right])),
                    int(np.prod([env.dim(a.shape[1]) for a in right]))))
    if len(blocks) != 1:
        return None
    block = blocks.pop()
    return None if block == (1, 1) else block


def derivative_values(d, seed: int = 0, dims: dict | None = None):
    """(the derivative as an array, the sizes, the Env) at values drawn with ``seed``."""
    from ..numeric import evaluate_result, make_env
    from ..sample import draw_values
    values, sizes = draw_values(d, dims, seed)
    out = np.atleast_2d(evaluate_result(d, values, sizes))
    return out, sizes, make_env(d.cell.symbols, values, sizes)


def picture_svg(d, seed: int = 0, dims: dict | None = None) -> str:
    """SVG of the derivative's entries at random values (``seed``) and small sizes."""
    values, sizes, env = derivative_values(d, seed, dims)
    rows, cols = values.shape
    if rows > MAX_SIDE or cols > MAX_SIDE:
        raise MatdiffError(f"the derivative is {rows}×{cols} at these sizes: a picture "
                           f"shows at most {MAX_SIDE}×{MAX_SIDE}; give smaller dims")
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    pad, top = 4, 18
    where = ", ".join(f"{k}={v}" for k, v in sizes.items()) or "no symbolic sizes"
    what = {"jacobian": "Jacobian", "gradient": "gradient", "hessian": "Hessian",
            "mixed": "mixed second derivative"}.get(d.kind, d.kind)
    wrt = getattr(d, "wrt_spec", None) or d.wrt.name   # vech(S) for structured coordinates
    caption = f"{what} of {d.name} w.r.t. {wrt}, {d.layout} layout, {rows}×{cols} " \
              f"({where}; seed {seed})"
    width = max(cols * CELL + 2 * pad, 6 * len(caption) + 2 * pad)
    height = rows * CELL + top + pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="matdiff-picture-svg" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'data-rows="{rows}" data-cols="{cols}" role="img">',
           f"<title>{html.escape(caption)}</title>",
           f'<text x="{pad}" y="12" font-size="11" font-family="sans-serif">'
           f"{html.escape(caption)}</text>"]
    for i in range(rows):
        for j in range(cols):
            v = float(values[i, j])
            blank = scale == 0 or abs(v) <= ZERO * scale
            fill = "#ffffff" if blank else _colour(v, scale)
            out.append(f'<rect class="cell" x="{pad + j * CELL}" y="{top + i * CELL}" '
                       f'width="{CELL}" height="{CELL}" fill="{fill}" '
                       f'data-row="{i}" data-col="{j}" '
                       f'data-value="{0.0 if blank else v:.6g}"/>')
    block = kron_block(d.mixed, env) if d.kind == "jacobian" else None
    if block is not None and d.layout == "denominator":
        block = (block[1], block[0])
    x0, y0, x1, y1 = pad, top, pad + cols * CELL, top + rows * CELL
    if block is not None:
        br, bc = block
        for k in range(bc, cols, bc):
            x = pad + k * CELL
            out.append(f'<line class="block" x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" '
                       'stroke="#555" stroke-width="1"/>')
        for k in range(br, rows, br):
            y = top + k * CELL
            out.append(f'<line class="block" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" '
                       'stroke="#555" stroke-width="1"/>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" '
               'stroke="#999" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)


def _pattern_svg(cells: list[tuple[int, int, str]], size: int, caption: str) -> str:
    """A small size×size 0/1 pattern: the listed cells filled and labelled, others blank."""
    c, pad, top = 16, 3, 16
    width = max(size * c + 2 * pad, 6 * len(caption) + 2 * pad)
    height = size * c + top + pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="matdiff-pattern-svg" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{html.escape(caption)}</title>",
           f'<text x="{pad}" y="11" font-size="10" font-family="sans-serif">'
           f"{html.escape(caption)}</text>"]
    filled = {(i, j): label for i, j, label in cells}
    for i in range(size):
        for j in range(size):
            label = filled.get((i, j))
            out.append(f'<rect class="cell" x="{pad + j * c}" y="{top + i * c}" width="{c}" '
                       f'height="{c}" fill="{"#c6dafc" if label else "#ffffff"}" '
                       f'stroke="#ddd" data-row="{i}" data-col="{j}" '
                       f'data-value="{1 if label else 0}"/>')
            if label:
                out.append(f'<text x="{pad + j * c + 2}" y="{top + i * c + 11}" '
                           f'font-size="8" font-family="sans-serif">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def commutation_svg(r: int = 2, c: int = 3) -> str:
    """K_{r,c} at small sizes: K vec A = vec Aᵀ for A of shape r×c (a permutation)."""
    cells = []
    for i in range(r):
        for j in range(c):
            cells.append((j + c * i, i + r * j, "1"))   # vec(Aᵀ)[j + c i] = vec(A)[i + r j]
    return _pattern_svg(cells, r * c, f"K_{r},{c}: vec A ↦ vec Aᵀ for A {r}×{c}")


def diag_vec_svg(r: int = 2, c: int = 3) -> str:
    """diag(vec A) at small sizes: the entries of A, column by column, on the diagonal."""
    cells = [(i + r * j, i + r * j, f"a{i + 1}{j + 1}") for j in range(c) for i in range(r)]
    return _pattern_svg(cells, r * c, f"diag(vec A) for A {r}×{c}")


def rule_pictures(rule: str) -> str:
    """Small pictures of the special matrices a rule introduces (K, diag(vec A))."""
    out = []
    if "= K vec" in rule:
        out.append(commutation_svg())
    if "diag(vec A)" in rule:
        out.append(diag_vec_svg())
    if not out:
        return ""
    return f'<div class="matdiff-rule-pictures">{"".join(out)}</div>'
