"""LaTeX as papers write it (SPEC §9), turned into the tokens of the cell language.

Two stages, both keeping the columns of the original text so that carets point into it:

* :func:`command` reads one backslash command where the tokenizer meets it: ``\\top``,
  ``\\otimes``, ``\\mathbf{x}``, ``\\boldsymbol{\\Sigma}`` (the name Σ), ``\\mathbf{1}_n``,
  ``\\operatorname{Tr}``, Greek letters, spacing (``\\,`` ``\\;`` ``\\quad`` ``\\!``), and
  marks the structural ones (``\\frac``, ``\\sqrt``, the norm bars ``\\|`` / ``\\lVert``
  ``\\rVert`` with their ``_F`` / ``_2``) for the second stage.
* :func:`rewrite` turns the marked structure into plain tokens of the same line:
  ``\\frac{a}{b}`` -> ``((a) / (b))``, ``\\sqrt{a}`` -> ``sqrt(a)``, ``\\|a\\|_F`` ->
  ``fro(a)``, ``\\|a\\|_2`` -> ``norm2(a)``, ``\\log\\det`` -> the log-determinant,
  ``X^{\\circ 2}`` -> ``X .^ 2``, and braces that group (not those of an exponent) ->
  parentheses. The engine's own LaTeX output reads back this way.

A size in a subscript (``I_{mn}``, ``\\mathbf{1}_{2n}``, ``I_{n^{2}}``,
``\\operatorname{vec}^{-1}_{mn}``) stays text in its token; the parser reads it against the
cell's dimension names (tex_sizes.py), where an unknown or ambiguous size gets a caret.

An unknown command is a MatdiffError with a caret under its backslash.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import MatdiffError
from ..ops import CELL_NAMES as FUNCTIONS
from ..ops import REGISTRY, spelled
from .tokens import Tok, braced_end

Err = Callable[[str, int], MatdiffError]

# commands that are one token (or nothing): name -> (kind, text)
_SIMPLE = {
    "otimes": ("op", "⊗"), "circ": ("op", "∘"), "odot": ("op", "∘"), "cdot": ("op", "*"),
    "oslash": ("op", "./"), "oplus": ("op", "⊕"),
    "times": ("op", "*"), "top": ("name", "T"), "intercal": ("name", "T"),
    # spacing and sizing: nothing
    "quad": ("skip", ""), "qquad": ("skip", ""), "left": ("skip", ""), "right": ("skip", ""),
    "big": ("skip", ""), "Big": ("skip", ""), "bigg": ("skip", ""), "Bigg": ("skip", ""),
    "bigl": ("skip", ""), "bigr": ("skip", ""), "Bigl": ("skip", ""), "Bigr": ("skip", ""),
    "biggl": ("skip", ""), "biggr": ("skip", ""), "Biggl": ("skip", ""), "Biggr": ("skip", ""),
}
# \exp, \ln, \Tr, ...: the LaTeX commands of the operations (ops); \log\det: two of them
_SIMPLE.update({c: ("name", op.name) for op in REGISTRY.values() for c in op.latex_in
                if " " not in c})
_SEQUENCES = {tuple(c.split()): op.name for op in REGISTRY.values() for c in op.latex_in
              if " " in c}
_SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "biggl", "biggr", "Biggl", "Biggr"}
# \mathbf{x}, \boldsymbol{\Sigma}, \operatorname{Tr}, ...: a name in a font
_FONTS = {"operatorname", "mathrm", "text", "textrm", "mathbf", "mathsf", "mathit", "boldsymbol",
          "bm", "mathbb", "rm", "bf"}
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "varrho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_STRUCTURE = {"frac": "frac", "dfrac": "frac", "tfrac": "frac", "sqrt": "sqrt",
              "lVert": "lbar", "rVert": "rbar", "Vert": "bar", "lvert": "labs",
              "rvert": "rabs"}
_WORD = re.compile(r"\\([A-Za-z]+|[,;!> |])")
# (a name in braces may hold escaped underscores: \operatorname{log\_softmax})
_FONT_ARG = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+|[^\W_]+(?:\\_[^\W_]+)*)\s*\}|"
                       r"(\\[A-Za-z]+|[A-Za-z0-9]))")
# \operatorname{vec}^{-1}_{m}: unvec with m rows, as the LaTeX printer writes it
_UNVEC = re.compile(r"\s*\^\s*\{\s*-\s*1\s*\}\s*(?=_)")
_EXTREME = re.compile(r"_\s*(?:\{\s*\\(max|min)\s*\}|\\(max|min)(?![A-Za-z]))")
_TIMES = re.compile(r"\\times(?![A-Za-z])")
_SUB = re.compile(r"_(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]))")
# the subscript of a norm: _F, _2, _{F}, _{\mathrm{F}}, _\text{F}, _{\rm F}
# ... and _1, _*, _\infty (the 1-norm, the nuclear norm, the max norm)
_NORM_SUB = re.compile(r"_\s*(?:\{\s*(?:\\(?:mathrm|text|mathsf|rm)\s*\{?\s*)?([F21*])\s*\}?\s*\}"
                       r"|\\(?:mathrm|text|mathsf)\s*\{\s*([F2])\s*\}|([F21*])"
                       r"|\{\s*\\(infty)\s*\}|\\(infty)(?![A-Za-z]))")


def is_latex_line(line: str) -> bool:
    """Whether the backslashes of ``line`` start LaTeX commands: the line has one this module
    knows (``\\top``, ``\\frac``, ``\\,``, ``\\|``, a Greek letter, ...). In any other line a
    backslash is the solve operator ``A \\ B``, never spacing."""
    for m in _WORD.finditer(line):
        word = m.group(1)
        if word != " " and (word in (",", ";", "!", ">", "|") or word in _SIMPLE
                            or word in _SIZING or word in _FONTS or word in _STRUCTURE
                            or greek(word)):
            return True
    return False


_FUNCTION_WORDS = {c for op in REGISTRY.values() for c in op.latex_in if " " not in c}


def ambiguous_solve(line: str) -> int | None:
    """The column of a backslash that reads two ways, MATLAB's solve or a LaTeX function:
    ``A\\sin(B)``, an operand, then at once the command of a function, on a line whose
    LaTeX commands are all functions (any other one makes it a LaTeX line); else None."""
    words = list(_WORD.finditer(line))
    if any(m.group(1) not in _FUNCTION_WORDS for m in words):
        return None
    for m in words:
        before = line[m.start() - 1] if m.start() else " "
        if before.isalnum() or before in ")}'ᵀ":
            return m.start() + 1
    return None


def greek(word: str) -> str | None:
    """The Greek letter a command such as ``Sigma`` names, if it names one."""
    return _GREEK.get(word)


def declared_name(text: str) -> str:
    """A declared name written in LaTeX (``\\Sigma``, ``\\mathbf{x}``) as the cell's name."""
    m = re.fullmatch(r"\\([A-Za-z]+)", text)
    if m and greek(m.group(1)):
        return greek(m.group(1))
    m = re.fullmatch(r"\\([A-Za-z]+)\{\\?([A-Za-z0-9]+)\}", text)
    if m and m.group(1) in _FONTS:
        return greek(m.group(2)) or m.group(2)
    return text


def command(line: str, i: int, err: Err) -> tuple[list[Tok], int]:
    """The tokens of the backslash command at ``line[i]`` and where the text goes on."""
    col = i + 1
    m = _WORD.match(line, i)
    if not m:
        if line.startswith("\\|", i):
            sub, end = _norm_subscript(line, i + 2, err)
            return [Tok("tex", "bar", col, sub)], end
        raise err("unexpected '\\'", col)
    word, end = m.group(1), m.end()
    if word == " ":   # '\\ ' between two factors: a LaTeX space or MATLAB's solve?
        raise err("'\\ ' is ambiguous here: write '\\,' for a space, or solve(A, B) for "
                  "A⁻¹B (A \\ B in a line without LaTeX)", col)
    if word in (",", ";", "!", ">"):
        return [], end
    if word == "|":
        sub, end = _norm_subscript(line, end, err)
        return [Tok("tex", "bar", col, sub)], end
    if word in _STRUCTURE:
        kind = _STRUCTURE[word]
        sub = ""
        if kind in ("bar", "rbar"):
            sub, end = _norm_subscript(line, end, err)
        if word == "sqrt" and line[end:end + 1] == "[":
            raise err("only square roots: write \\sqrt{...} (or ^{1/p} for other roots)", col)
        return [Tok("tex", kind, col, sub)], end
    if word in _SIZING:
        # \left[ ... \right] group like parentheses; \left. is no delimiter
        j = end
        while j < len(line) and line[j] == " ":
            j += 1
        if j < len(line) and line[j] in "[]":
            return [Tok("op", "(" if line[j] == "[" else ")", j + 1)], j + 1
        if j < len(line) and line[j] == "|" and word in ("left", "right"):
            return [Tok("tex", "labs" if word == "left" else "rabs", col)], j + 1
        bar = re.compile(r"\\(?:\||Vert(?![A-Za-z]))").match(line, j)
        if bar and word in ("left", "right"):   # \left\| opens a norm, \right\| closes it
            if word == "left":
                return [Tok("tex", "lbar", col)], bar.end()
            sub, end = _norm_subscript(line, bar.end(), err)
            return [Tok("tex", "rbar", col, sub)], end
        if j < len(line) and line[j] == ".":
            return [], j + 1
        return [], end
    if word in _FONTS:
        return _font(line, word, end, col, err)
    g = greek(word)
    if g == "λ":   # \lambda_{\max}(S), \lambda_{\min}(S): the extreme eigenvalues
        m = _EXTREME.match(line, end)
        if m:
            return [Tok("name", "lambda_" + (m.group(1) or m.group(2)), col, "tex")], m.end()
    if g:
        name, end = _subscripted(line, g, end)
        return [Tok("name", name, col, "tex")], end
    if word in _SIMPLE:
        kind, text = _SIMPLE[word]
        return ([] if kind == "skip" else [Tok(kind, text, col, "tex")]), end
    raise err(f"unknown LaTeX command '\\{word}' (known: \\frac, \\sqrt, \\|...\\|_F, "
              "\\lVert...\\rVert_2, \\top, \\mathsf{T}, \\operatorname{tr}, \\det, \\log\\det, "
              "\\exp, \\mathbf{x}, \\boldsymbol{\\Sigma}, \\mathbf{1}_n, \\otimes, \\odot, "
              "\\circ, \\cdot, \\left( \\right), Greek letters, spacing)", col)


def _size_subscript(line: str, i: int, err: Err) -> tuple[str, int, int] | None:
    """The size after I, \\mathbf{1} or vec^{-1} at line[i]: ``_n`` or ``_{...}`` (braces
    may nest: n^{2}). Returns its text, the column where the text starts and where the
    line goes on; tex_sizes.py reads the text against the cell's sizes."""
    m = re.compile(r"_\s*\{").match(line, i)
    if m:
        j = braced_end(line, m.end() - 1)
        if j < 0:
            raise err("missing '}'", m.end())
        return line[m.end():j - 1], m.end() + 1, j
    m = re.compile(r"_([A-Za-z0-9])").match(line, i)
    if m:
        return m.group(1), i + 2, m.end()
    return None


def _norm_subscript(line: str, i: int, err: Err | None = None) -> tuple[str, int]:
    m = _NORM_SUB.match(line, i)
    if not m:
        if err is not None and re.match(r"\s*_", line[i:]):   # \|X\|_3
            raise err("a norm's subscript is F, 2, 1, * or \\infty (\\|X\\|_F, \\|X\\|_2, "
                      "\\|x\\|_1, \\|X\\|_*, \\|x\\|_\\infty)", i + 1)
        return "", i
    return next(g for g in m.groups() if g), m.end()


def _subscripted(line: str, name: str, i: int) -> tuple[str, int]:
    """``name`` with a following ``_1`` / ``_{12}`` as part of it (x_1 is a name)."""
    m = _SUB.match(line, i)
    if m:
        return f"{name}_{m.group(1) or m.group(2)}", m.end()
    return name, i


_DIVIDES = re.compile(r"\s*(\\oslash(?![A-Za-z])|\./)")


def _font(line: str, word: str, i: int, col: int, err: Err) -> tuple[list[Tok], int]:
    m = _FONT_ARG.match(line, i)
    if not m:
        raise err(f"expected '{{name}}' after \\{word}", i + 1)
    arg, end = m.group(1) or m.group(2), m.end()
    arg = arg if arg.startswith("\\") else arg.replace("\\_", "_")
    if arg.startswith("\\"):
        g = greek(arg[1:])
        if arg[1:] in ("top", "intercal"):
            return [Tok("name", "T", col)], end
        if not g:
            raise err(f"\\{word}{{{arg}}}: expected a name or a Greek letter", col)
        arg = g
    if arg in ("1", "I"):
        sub = _size_subscript(line, end, err)
        if sub is None and arg == "1" and _DIVIDES.match(line, end):
            # \mathbf{1} \oslash X, the entry-wise reciprocal: 1 ./ X, sized like X
            return [Tok("num", "1", col)], end
        if sub is None:
            return [Tok("name", "ones" if arg == "1" else "I", col)], end
        text, at, end = sub
        times = [m.start() for m in _TIMES.finditer(text)] if arg == "1" else []
        if len(times) > 1:
            raise err("the all-ones matrix is written \\mathbf{1}_{m \\times n}", at + times[1])
        if times:   # \mathbf{1}_{m \times n}, the all-ones matrix: 1_m 1_nᵀ
            k = times[0]
            r, c = text[:k], text[k + len("\\times"):]
            return [Tok("op", "(", col), Tok("sub", "1", col, r, at),
                    Tok("sub", "1", col, c, at + k + len("\\times")),
                    Tok("op", "'", col), Tok("op", ")", col)], end
        return [Tok("sub", arg, col, text, at)], end
    if arg.isdigit():
        return [Tok("num", arg, col)], end
    m2 = _UNVEC.match(line, end) if arg == "vec" else None
    sub = _size_subscript(line, m2.end(), err) if m2 else None
    if sub:
        text, at, end = sub
        return [Tok("name", "unvec", col, "unvec:" + text, at)], end
    if arg.lower() in FUNCTIONS:
        return [Tok("name", arg.lower(), col, "tex")], end
    name, end = _subscripted(line, arg, end)
    return [Tok("name", name, col, "tex")], end


# --- the second stage: structure -> plain tokens ---------------------------------------------

def rewrite(toks: list[Tok], err: Err) -> list[Tok]:
    """Plain tokens for a line that held LaTeX structure (the 'end' token stays last)."""
    out, i = _seq(toks, 0, None, err)
    if toks[i].kind != "end":
        t = toks[i]
        raise err(f"unexpected '{'}' if t.text == '}' else t.text}'", t.col)
    return _bare(out + [toks[i]], err)


def _is_tex_function(t: Tok) -> bool:
    return t.kind == "name" and t.extra == "tex" and t.text in FUNCTIONS


def _close(toks: list[Tok], i: int) -> int:
    """The index after the bracket that closes the '(' or '{' at i."""
    depth = 0
    for k in range(i, len(toks)):
        if toks[k].kind == "op" and toks[k].text in ("(", "{"):
            depth += 1
        elif toks[k].kind == "op" and toks[k].text in (")", "}"):
            depth -= 1
            if depth == 0:
                return k + 1
    return len(toks) - 1   # unbalanced: the parser says where


def _is_call_name(name: str) -> bool:
    """A name that applies to a parenthesised argument (a symbol followed by '(' is a
    product)."""
    return spelled(name) is not None or name == "‖"


def _starts_operand(t: Tok) -> bool:
    return t.kind in ("name", "num", "sub") or (t.kind == "op" and t.text == "(")


def _span(toks: list[Tok], j: int) -> int:
    """The end of the operand that starts at j (an atom with its postfix operators)."""
    if j >= len(toks) - 1:
        return j
    t = toks[j]
    if t.kind == "op" and t.text == "(":
        k = _close(toks, j)
    elif _is_tex_function(t) and not (toks[j + 1].kind == "op" and toks[j + 1].text == "("):
        return _span(toks, j + 1)     # \log\det X, \log \sigma(x)
    elif t.kind == "name" and _is_call_name(t.text) and toks[j + 1].kind == "op" and \
            toks[j + 1].text == "(":
        k = _close(toks, j + 1)
    elif t.kind in ("name", "num", "sub"):
        k = j + 1
    else:
        return j
    last = len(toks) - 1   # the 'end' token: never step past it
    while k < last and toks[k].kind == "op" and toks[k].text in ("'", "ᵀ", ".T", "^", ".^"):
        k += 1
        if toks[k - 1].text in ("^", ".^"):
            if toks[k].kind == "op" and toks[k].text in ("{", "("):
                k = _close(toks, k)
            else:
                if toks[k].kind == "op" and toks[k].text == "-":
                    k = min(k + 1, last)
                k = min(k + 1, last)
    return min(k, last)


def _bare(toks: list[Tok], err: Err) -> list[Tok]:
    """Functions written without parentheses, as papers do: \\det X, \\log\\det\\Sigma,
    \\log \\sigma(Xw) take the one operand that follows them."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else t
        if t.kind == "name" and t.extra.startswith("unvec:"):
            if not (nxt.kind == "op" and nxt.text == "("):
                raise err("\\operatorname{vec}^{-1}_{m} needs its argument in parentheses",
                          t.col)
            k = _close(toks, i + 1)
            inner = _bare(toks[i + 2:k - 1] + [Tok("end", "", toks[k - 1].col)], err)[:-1]
            rows = t.extra[len("unvec:"):]   # the parser reads this size (tex_sizes.py)
            out += [Tok("name", "unvec", t.col), nxt, *inner, Tok("op", ",", toks[k - 1].col),
                    Tok("sub", "rows", toks[k - 1].col, rows, t.at), toks[k - 1]]
            i = k
            continue
        if _is_tex_function(t) and not (nxt.kind == "op" and nxt.text == "(") and \
                _starts_operand(nxt):
            k = _span(toks, i + 1)
            # vec binds to the one operand after it, as the printer writes vec A B; for the
            # others a product after the operand is ambiguous (tr A X B means tr(A X B))
            if _starts_operand(toks[k]) and t.text != "vec":
                raise err(f"put the argument of {t.text} in parentheses: what it applies to "
                          "is ambiguous here", t.col)
            inner = _bare(toks[i + 1:k] + [Tok("end", "", toks[k].col)], err)[:-1]
            out += [t, Tok("op", "(", nxt.col), *inner, Tok("op", ")", toks[k - 1].col)]
            i = k
            continue
        out.append(t)
        i += 1
    return out


def _is_bar(t: Tok, kinds: tuple[str, ...]) -> bool:
    return t.kind == "tex" and t.text in kinds


def _seq(toks: list[Tok], i: int, stop, err: Err) -> tuple[list[Tok], int]:
    """Tokens from i up to (not including) the closer ``stop`` ('}' or a bar kind)."""
    out: list[Tok] = []
    while True:
        t = toks[i]
        if t.kind == "end":
            return out, i
        if stop == "}" and t.kind == "op" and t.text == "}":
            return out, i
        if stop is not None and stop != "}" and _is_bar(t, stop):
            return out, i
        if t.kind == "tex" and t.text == "frac":
            a, i = _arg(toks, i + 1, t, err)
            b, i = _arg(toks, i, t, err)
            if len(a) == 1 and len(b) == 1 and a[0].kind == b[0].kind == "num":
                out += [Tok("op", "(", t.col), a[0], Tok("op", "/", t.col), b[0],
                        Tok("op", ")", t.col)]
            else:
                out += [Tok("op", "(", t.col), Tok("op", "(", t.col), *a,
                        Tok("op", ")", t.col), Tok("op", "/", t.col), Tok("op", "(", t.col),
                        *b, Tok("op", ")", t.col), Tok("op", ")", t.col)]
            continue
        if t.kind == "tex" and t.text == "sqrt":
            a, i = _arg(toks, i + 1, t, err)
            out += [Tok("name", "sqrt", t.col), Tok("op", "(", t.col), *a,
                    Tok("op", ")", t.col)]
            continue
        if t.kind == "tex" and t.text in ("bar", "lbar"):
            if t.extra:
                raise err("a norm's subscript goes after its closing bar: \\|x\\|_2", t.col)
            closer = ("bar",) if t.text == "bar" else ("rbar",)
            inner, j = _seq(toks, i + 1, closer, err)
            if not _is_bar(toks[j], closer):
                raise err("this norm is not closed (\\| ... \\|_F or \\lVert ... \\rVert_2)",
                          t.col)
            if not inner:
                raise err("an empty norm", t.col)
            close = toks[j]
            name = {"F": "fro", "2": "‖2", "": "‖", "1": "norm1", "*": "nucnorm",
                    "infty": "norminf"}[close.extra]
            out += [Tok("name", name, t.col), Tok("op", "(", t.col), *inner,
                    Tok("op", ")", close.col)]
            i = j + 1
            continue
        if t.kind == "tex" and t.text == "rbar":
            raise err("\\rVert without \\lVert before it", t.col)
        if t.kind == "tex" and t.text == "labs":   # \left| x \right|, \lvert x \rvert
            inner, j = _seq(toks, i + 1, ("rabs",), err)
            if not _is_bar(toks[j], ("rabs",)):
                raise err("this absolute value is not closed (\\left| ... \\right|)", t.col)
            out += [Tok("name", "abs", t.col), Tok("op", "(", t.col), *inner,
                    Tok("op", ")", toks[j].col)]
            i = j + 1
            continue
        if t.kind == "tex" and t.text == "rabs":
            raise err("a closing '|' without an opening one", t.col)
        if t.kind == "op" and t.text == "{":
            inner, j = _seq(toks, i + 1, "}", err)
            if toks[j].kind == "end":
                raise err("missing '}'", t.col)
            keep = bool(out) and out[-1].kind == "op" and out[-1].text in ("^", ".^")
            if _unvec_rows(out):   # unvec(v, {m*n}): the rows, as in a plain cell
                out += [t, *inner, toks[j]]
                i = j + 1
                continue
            if keep and inner and inner[0].kind == "op" and inner[0].text == "∘":
                # X^{\circ 2}: the Hadamard power X .^ 2
                out[-1] = Tok("op", ".^", out[-1].col)
                inner = inner[1:]
            if keep:   # an exponent: X^{-1}, X^{\top}
                out += [t, *inner, toks[j]]
            else:      # a group: like parentheses
                out += [Tok("op", "(", t.col), *inner, Tok("op", ")", toks[j].col)]
            i = j + 1
            continue
        if t.kind == "op" and t.text == "}":
            raise err("unbalanced '}'", t.col)
        if t.kind == "name" and t.extra == "tex" and toks[i + 1].kind == "name" and \
                (t.text, toks[i + 1].text) in _SEQUENCES:   # \log\det X
            out.append(Tok("name", _SEQUENCES[t.text, toks[i + 1].text], t.col, "tex"))
            i += 2
            continue
        out.append(t)
        i += 1


def _unvec_rows(out: list[Tok]) -> bool:
    """True when the next token is the rows argument of unvec: out ends with 'unvec(v,'."""
    if not out or out[-1].kind != "op" or out[-1].text != ",":
        return False
    depth = 0
    for k in range(len(out) - 2, -1, -1):
        t = out[k]
        if t.kind == "op" and t.text == ")":
            depth += 1
        elif t.kind == "op" and t.text == "(":
            if depth == 0:
                return k > 0 and out[k - 1].kind == "name" and out[k - 1].text == "unvec"
            depth -= 1
    return False


def _arg(toks: list[Tok], i: int, cmd: Tok, err: Err) -> tuple[list[Tok], int]:
    """One argument of \\frac or \\sqrt: a braced group or a single token (\\frac12)."""
    t = toks[i]
    if t.kind == "op" and t.text == "{":
        inner, j = _seq(toks, i + 1, "}", err)
        if toks[j].kind == "end":
            raise err("missing '}'", t.col)
        if not inner:
            raise err(f"an empty argument of \\{cmd.text}", t.col)
        return inner, j + 1
    if t.kind == "num" and cmd.text == "frac" and len(t.text) > 1 and t.text.isdigit():
        # \frac12: the first digit is the numerator, the rest starts the denominator
        toks[i] = Tok("num", t.text[1:], t.col + 1)
        return [Tok("num", t.text[0], t.col)], i
    if t.kind in ("name", "num", "sub"):
        return [t], i + 1
    raise err(f"\\{cmd.text} needs an argument in braces", cmd.col)
