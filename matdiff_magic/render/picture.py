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
import weakref

import numpy as np

from ..algebra import expr as E
from ..errors import MatdiffError

CELL = 14            # pixels per entry, at least (small matrices get larger cells)
MIN_SIDE = 320       # pixels the grid's longer side spans at least, up to 28 px an entry
MAX_SIDE = 80        # entries per side at most: a picture, not a table
LEGEND = 34          # pixels under the grid for the colour legend
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
    from ..numeric.sample import draw_values
    from ..numeric.values import evaluate_result, make_env
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
    cell = max(CELL, min(28, MIN_SIDE // max(rows, cols, 1)))
    width = max(cols * cell + 2 * pad, 6 * len(caption) + 2 * pad, 200)
    height = rows * cell + top + pad + LEGEND
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
            out.append(f'<rect class="cell" x="{pad + j * cell}" y="{top + i * cell}" '
                       f'width="{cell}" height="{cell}" fill="{fill}" '
                       f'data-row="{i}" data-col="{j}" '
                       f'data-value="{0.0 if blank else v:.6g}"/>')
    block = kron_block(d.mixed, env) if d.kind == "jacobian" else None
    if block is not None and d.layout == "denominator":
        block = (block[1], block[0])
    x0, y0, x1, y1 = pad, top, pad + cols * cell, top + rows * cell
    if block is not None:
        br, bc = block
        for k in range(bc, cols, bc):
            x = pad + k * cell
            out.append(f'<line class="block" x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" '
                       'stroke="#555" stroke-width="1"/>')
        for k in range(br, rows, br):
            y = top + k * cell
            out.append(f'<line class="block" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" '
                       'stroke="#555" stroke-width="1"/>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" '
               'stroke="#999" stroke-width="1"/>')
    out += legend_svg(pad, y1 + 8, scale)
    out.append("</svg>")
    return "\n".join(out)


def legend_svg(x: int, y: int, scale: float) -> list[str]:
    """The colour scale under a picture: blue for the most negative entry, white for zero
    (drawn blank), red for the most positive, with the values at the ends."""
    steps, w, h = 21, 8, 10
    out = ['<g class="legend" font-size="10" font-family="sans-serif">']
    for k in range(steps):
        v = (2 * k / (steps - 1) - 1) * (scale or 1.0)
        fill = "#ffffff" if k == steps // 2 else _colour(v, scale or 1.0)
        out.append(f'<rect x="{x + k * w}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>')
    out.append(f'<rect x="{x}" y="{y}" width="{steps * w}" height="{h}" fill="none" '
               'stroke="#999" stroke-width="1"/>')
    end = f"{scale:.3g}"
    for at, text, anchor in ((x, f"−{end}", "start"), (x + steps * w // 2, "0", "middle"),
                             (x + steps * w, f"+{end}", "end")):
        out.append(f'<text x="{at}" y="{y + h + 11}" text-anchor="{anchor}">{text}</text>')
    out.append("</g>")
    return out


# --- the special matrices of a step: commutation matrices and diagonals ----------------------

STEP_CELL = 10       # pixels per entry in a step's small pictures


def special_matrices(e: E.Expr | None) -> list[E.Expr]:
    """The commutation matrices K_rc and the diagonal matrices diag(v) (diag(vec A) and the
    like) in ``e``, each once, in reading order (left to right); none in a differential."""
    out: list[E.Expr] = []
    seen: set[E.Expr] = set()

    def walk(x: E.Expr) -> None:
        if _is_special(x):
            if x not in seen:
                seen.add(x)
                out.append(x)
            return
        for c in x.children:
            if _holds_special(c):
                walk(c)

    if e is not None and _holds_special(e):
        walk(e)
    return out


def _is_special(x: E.Expr) -> bool:
    return isinstance(x, E.Comm) or (isinstance(x, E.Call) and x.name == "diag"
                                     and not E.has_d(x))


def _holds_special(x: E.Expr) -> bool:
    """Whether x holds a special matrix (cached on the node: the steps share subtrees)."""
    return E.holds(x, "_holds_special", _is_special)


def _dim_names(e: E.Expr) -> list[str]:
    """The size names in the shape of ``e`` (n for the triangular n(n+1)/2), sorted."""
    from ..dims import tri_base
    names = set()
    for d in e.shape:
        for name, _ in d.factors:
            names.add(tri_base(name) or name)
    return sorted(names)


def _explain(e: E.Expr, env) -> str:
    """What the matrix does, in one line, at the sizes of ``env``."""
    from .text import to_unicode
    if isinstance(e, E.Comm):
        return (f"a permutation: {to_unicode(e)} vec P = vec Pᵀ for P "
                f"{env.dim(e.r)}×{env.dim(e.c)}")
    return f"the entries of {to_unicode(e.arg)}, in order, on the diagonal"


def special_matrix_svg(e: E.Expr, env) -> str:
    """A small SVG of one commutation matrix or diag(v) at the sizes and values of ``env``
    (an Env of :func:`derivative_values`): nonzero entries coloured as in
    :func:`picture_svg`, zeros blank (not drawn), a light grid of the entries, and for
    K_rc the lines between its c×r blocks (one 1 in each). Each nonzero cell keeps its
    row, column and value in ``data-*`` attributes; ``data-rows`` / ``data-cols`` give the
    size."""
    from ..numeric.values import value
    from .text import to_unicode
    rows, cols = env.shape(e)
    names = _dim_names(e)
    at = ", ".join(f"{k} = {env.sizes[k]}" for k in names if k in env.sizes)
    head = f"{to_unicode(e)} ({e.shape[0].pretty()}×{e.shape[1].pretty()})"
    caption = f"{head} at {at}: {rows}×{cols}" if at else f"{head}: {rows}×{cols}"
    if rows > MAX_SIDE or cols > MAX_SIDE:
        raise MatdiffError(f"{head} is {rows}×{cols} at {at or 'these sizes'}: a picture shows "
                           f"at most {MAX_SIDE}×{MAX_SIDE}")
    line2 = _explain(e, env)
    with np.errstate(all="ignore"):
        values = np.atleast_2d(value(e, env))
    if not np.all(np.isfinite(values)):
        raise MatdiffError(f"{to_unicode(e)} is not finite at the values drawn")
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    c, pad, top = STEP_CELL, 4, 30
    width = max(cols * c + 2 * pad, 6 * max(len(caption), len(line2)) + 2 * pad)
    height = rows * c + top + pad
    kind = "commutation" if isinstance(e, E.Comm) else "diagonal"
    x0, y0, x1, y1 = pad, top, pad + cols * c, top + rows * c
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="matdiff-special-svg" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'data-matrix="{html.escape(to_unicode(e))}" data-kind="{kind}" '
           f'data-rows="{rows}" data-cols="{cols}" role="img">',
           f"<title>{html.escape(caption)}; {html.escape(line2)}</title>",
           f'<text x="{pad}" y="12" font-size="11" font-family="sans-serif">'
           f"{html.escape(caption)}</text>",
           f'<text x="{pad}" y="25" font-size="10" font-family="sans-serif" fill="#555">'
           f"{html.escape(line2)}</text>"]
    grid = [f"M{x0 + k * c} {y0}V{y1}" for k in range(1, cols)]
    grid += [f"M{x0} {y0 + k * c}H{x1}" for k in range(1, rows)]
    if grid:
        out.append(f'<path class="grid" d="{"".join(grid)}" stroke="#eee" stroke-width="1" '
                   'fill="none"/>')
    for i, j in zip(*np.nonzero(np.abs(values) > ZERO * scale)):
        v = float(values[i, j])
        out.append(f'<rect class="cell" x="{x0 + j * c}" y="{y0 + i * c}" width="{c}" '
                   f'height="{c}" fill="{_colour(v, scale)}" data-row="{i}" data-col="{j}" '
                   f'data-value="{v:.6g}"/>')
    if isinstance(e, E.Comm):   # K_rc: rc blocks of c×r, one 1 in each
        br, bc = env.dim(e.c), env.dim(e.r)
        lines = [f"M{x0 + k * c} {y0}V{y1}" for k in range(bc, cols, bc)]
        lines += [f"M{x0} {y0 + k * c}H{x1}" for k in range(br, rows, br)]
        if lines:
            out.append(f'<path class="block" d="{"".join(lines)}" stroke="#555" '
                       'stroke-width="1" fill="none"/>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" '
               'stroke="#999" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)


_STEP_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _env(d, seed: int, dims: dict | None):
    """The Env of the values :func:`picture_svg` draws (cached per derivation)."""
    from ..numeric.sample import draw_values
    from ..numeric.values import make_env
    cache = _STEP_CACHE.setdefault(d, {})
    key = ("env", seed, tuple(sorted((dims or {}).items())))
    if key not in cache:
        try:
            values, sizes = draw_values(d, dims, seed)
            cache[key] = make_env(d.cell.symbols, values, sizes)
        except Exception as exc:   # reported where the pictures would be
            cache[key] = exc
    return cache[key]


def step_pictures(d, step, seed: int = 0, dims: dict | None = None) -> list[str]:
    """The small pictures of the commutation matrices and diag(v) factors that ``step``
    shows (its ``expr``), one SVG each (or a note saying why there is none), at the values
    and sizes of the derivation's picture (``seed``, ``dims``); cached per derivation, so a
    matrix seen in several steps is drawn once."""
    if getattr(step, "form", None) is not None and "K_" not in step.latex and \
            "diag" not in step.latex:
        # a step as data prints its expression in its LaTeX, where a commutation matrix is
        # K_{…} and a diagonal matrix diag(…): none here
        return []
    found = special_matrices(getattr(step, "expr", None))
    if not found:
        return []
    cache = _STEP_CACHE.setdefault(d, {})
    env = _env(d, seed, dims)
    out = []
    for e in found:
        key = ("svg", e, seed, tuple(sorted((dims or {}).items())))
        if key not in cache:
            try:
                if isinstance(env, Exception):
                    raise env
                cache[key] = special_matrix_svg(e, env)
            except Exception as exc:   # the step stands; say why there is no picture
                from .text import to_unicode
                cache[key] = (f'<div class="matdiff-special-error">no picture of '
                              f"{html.escape(to_unicode(e))}: {html.escape(str(exc))}</div>")
        out.append(cache[key])
    return out


def step_pictures_html(d, step, seed: int = 0, dims: dict | None = None) -> str:
    """:func:`step_pictures` in one row under the step's equation, or '' when it shows none."""
    pictures = step_pictures(d, step, seed, dims)
    if not pictures:
        return ""
    return f'<div class="matdiff-rule-pictures">{"".join(pictures)}</div>'
