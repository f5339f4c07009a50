"""The printer of steps: a step's equation and rule, from the data the step holds.

A step (``steps.Step``) holds the name of its form (``"eq"``: a left side, "=", an
expression; ``"vecmap"``: vec(term) = J vec dX; ...) and the expressions and names it relates.
Each form below is one function that writes it in Unicode (``tex=False``) or LaTeX
(``tex=True``); a left side such as ∂f/∂X is a small tuple (notation, arguments) written by
``side``. Rules are plain words, or ``(kind, ...)`` data written by ``rule_text``: the general
identities in their own letters, renamed where the cell uses the same letter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from ..algebra import expr as E
from ..dims import ONE, shape_pretty, shape_tex
from .base import negative
from .latex import to_latex
from .text import to_unicode


def show(tex: bool, e: E.Expr) -> str:
    return to_latex(e) if tex else to_unicode(e)


def paren(tex: bool, e: E.Expr, sup: bool = False) -> str:
    """e in parentheses where a product on its right would bind wrongly: a sum, a Kronecker
    product, a negated product (LaTeX: a Hadamard product too, and any product as a base)."""
    s = show(tex, e)
    if not tex:
        return f"({s})" if isinstance(e, (E.Add, E.Kron)) or (
            isinstance(e, E.Mul) and negative(e)) else s
    if isinstance(e, (E.Add, E.Kron, E.Hadamard)) or (isinstance(e, E.Mul) and (
            sup or negative(e))):
        return f"\\left({s}\\right)"
    return s


def _name(tex: bool, x: E.Sym) -> str:
    return to_latex(x) if tex else x.name


def _coord(tex: bool, s) -> str:
    """The free coordinates of a structure: vech X, diag X."""
    if not tex:
        return s.coord
    op = "\\operatorname{diag}" if s.kind == "diag" else "\\operatorname{vech}"
    return f"{op} {to_latex(s.var)}"


# --- left sides: (notation, arguments) ----------------------------------------------------------

def _partial(tex: bool, top: str, bottom: str) -> str:
    return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}" if tex else f"∂{top}/∂{bottom}"


NOTATIONS = {
    "name": lambda tex, n: n,                                            # f
    "lit": lambda tex, u, lt: lt if tex else u,                          # fixed words
    "d": lambda tex, n: f"\\mathrm{{d}}{n}" if tex else f"d{n}",         # df
    "dx": lambda tex, x: f"\\mathrm{{d}}{to_latex(x)}" if tex else f"d{x.name}",
    "vecd": lambda tex, n: f"\\operatorname{{vec}} \\mathrm{{d}}{n}" if tex else f"vec d{n}",
    "vecdx": lambda tex, x: (f"\\operatorname{{vec}} \\mathrm{{d}}{to_latex(x)}" if tex
                             else f"vec d{x.name}"),
    "vecof": lambda tex, e: (f"\\operatorname{{vec}}\\left({to_latex(e)}\\right)" if tex
                             else f"vec({to_unicode(e)})"),
    "dcoord": lambda tex, s: "\\mathrm{d}" + _coord(True, s) if tex else f"d {s.coord}",
    # d f = tr(Gᵀ dX),  G
    "trform": lambda tex, n, x: (
        f"\\mathrm{{d}}{n} = \\operatorname{{tr}}\\left(G^\\top \\mathrm{{d}}{to_latex(x)}"
        "\\right),\\quad G" if tex else f"d{n} = tr(Gᵀ d{x.name}),  G"),
    "grad": lambda tex, n, x: _partial(tex, n, _name(tex, x)),           # ∂f/∂X
    "gradT": lambda tex, n, x: (_partial(tex, n, to_latex(x) + "^\\top") if tex
                                else f"∂{n}/∂{x.name}ᵀ"),                # ∂f/∂Xᵀ
    "jac": lambda tex, n, x: (                                           # ∂vec F/∂(vec X)ᵀ
        _partial(tex, f"\\operatorname{{vec}} {n}",
                 f"(\\operatorname{{vec}} {to_latex(x)})^\\top") if tex
        else f"∂vec {n}/∂(vec {x.name})ᵀ"),
    "jacT": lambda tex, n, x: (                                          # ∂(vec F)ᵀ/∂vec X
        _partial(tex, f"(\\operatorname{{vec}} {n})^\\top", f"\\operatorname{{vec}} {x.name}")
        if tex else f"∂(vec {n})ᵀ/∂vec {x.name}"),
    "gradc": lambda tex, n, s: _partial(tex, n, _coord(tex, s)),         # ∂f/∂vech X
    "jacc": lambda tex, n, s: (
        _partial(tex, f"\\operatorname{{vec}} {n}", f"({_coord(True, s)})^\\top") if tex
        else f"∂vec {n}/∂({s.coord})ᵀ"),
    "jacTc": lambda tex, n, s: (
        _partial(tex, f"(\\operatorname{{vec}} {n})^\\top", _coord(True, s)) if tex
        else f"∂(vec {n})ᵀ/∂{s.coord}"),
    "d2": lambda tex, n: f"\\mathrm{{d}}^2 {n}" if tex else f"d²{n}",    # d²f
    "dd": lambda tex, n, x, y: (                                         # d_Y d_X f
        f"\\mathrm{{d}}_{{{to_latex(y)}}} \\mathrm{{d}}_{{{to_latex(x)}}} {n}" if tex
        else f"d_{y.name} d_{x.name} {n}"),
    "hess": lambda tex, n, x, y: (                                       # ∂²f/∂(vec X)∂(vec Y)ᵀ
        f"\\frac{{\\partial^2 {n}}}{{\\partial \\operatorname{{vec}} {to_latex(x)}\\,"
        f"\\partial (\\operatorname{{vec}} {to_latex(y)})^\\top}}" if tex
        else f"∂²{n}/∂(vec {x.name})∂(vec {y.name})ᵀ"),
    "hessc": lambda tex, n, s: (
        f"\\frac{{\\partial^2 {n}}}{{\\partial\\,{_coord(True, s)}\\,\\partial"
        f"\\,({_coord(True, s)})^\\top}}" if tex else f"∂²{n}/∂({s.coord})∂({s.coord})ᵀ"),
}


def side(tex: bool, s) -> str:
    """A left side (or any part of an equation): an expression, or (notation, *args)."""
    if isinstance(s, E.Expr):
        return show(tex, s)
    return NOTATIONS[s[0]](tex, *s[1:])


# --- the forms of the equations -------------------------------------------------------------------

def _eq(tex: bool, lhs, e: E.Expr) -> str:
    """lhs = e"""
    return f"{side(tex, lhs)} = {show(tex, e)}"


def _vecmap(tex: bool, lhs, j: E.Expr, inner) -> str:
    """lhs = J vec(inner): vec(A dX B) = (Bᵀ ⊗ A) vec dX"""
    return f"{side(tex, lhs)} = {paren(tex, j)} {side(tex, inner)}"


def _covec(tex: bool, n: str, a: E.Expr, inner) -> str:
    """df = aᵀ inner: df = (vec G)ᵀ vec dX"""
    if tex:
        return f"\\mathrm{{d}}{n} = \\left({to_latex(a)}\\right)^\\top {side(tex, inner)}"
    return f"d{n} = ({to_unicode(a)})ᵀ {side(tex, inner)}"


def _problem(tex: bool, defs, n: str, shown: E.Expr, f: E.Expr, x: E.Sym, others,
             structure=None) -> str:
    """the problem: the definitions, the target, the variable and the sizes"""
    if not tex:
        pre = "".join(f"{d} = {to_unicode(e)};  " for d, e in defs)
        wrt = f"{x.name} ({shape_pretty(x.shape)})"
        if structure is not None:
            what = {"vech": "symmetric", "lower": "lower triangular",
                    "diag": "diagonal"}[structure.kind]
            wrt = (f"{structure.coord}, the {structure.size.pretty()} free entries of the "
                   f"{what} {wrt}")
        sizes = "".join(f", {s.name} {shape_pretty(s.shape)}" for s in others)
        return (f"{pre}{n} = {to_unicode(shown)}  ({shape_pretty(f.shape)}), differentiated "
                f"with respect to {wrt}" + (f"; sizes: {sizes[2:]}" if others else ""))
    pre = "".join(f"{d} = {to_latex(e)},\\quad " for d, e in defs)
    wrt = to_latex(x) if structure is None else _coord(True, structure)
    # a structured variable's free entries are a column: vech S is n(n+1)/2 x 1
    size = x.shape if structure is None else (structure.size, ONE)
    head = (f"{pre}{n} = {to_latex(shown)} \\quad ({shape_tex(f.shape)}),\\ \\text{{with "
            f"respect to }} {wrt} \\ ({shape_tex(size)})")
    if not others:
        return head
    # the sizes of the other symbols on a short line of their own (one long line would
    # widen a narrow notebook)
    sizes = ",\\ ".join(f"{to_latex(s)}\\ ({shape_tex(s.shape)})" for s in others)
    return f"\\begin{{gathered}}{head} \\\\ \\text{{sizes: }} {sizes}\\end{{gathered}}"


def _chain(tex: bool, pairs) -> str:
    """dH = ...; df = ...: the differential of each definition"""
    if tex:
        return ",\\quad ".join(f"\\mathrm{{d}}{h} = {to_latex(e)}" for h, e in pairs)
    return ";  ".join(f"d{h} = {to_unicode(e)}" for h, e in pairs)


def _adjoints(tex: bool, n: str, pairs) -> str:
    """∂f/∂H = ...; ∂f/∂X = ...: the gradient with respect to each definition"""
    if tex:
        return ",\\quad ".join(f"\\frac{{\\partial {n}}}{{\\partial {v}}} = {to_latex(g)}"
                               for v, g in pairs)
    return ";  ".join(f"∂{n}/∂{v} = {to_unicode(g)}" for v, g in pairs)


def _index(tex: bool, form) -> str:
    """the result entry by entry (render.index.IndexForm)"""
    return form.latex if tex else form.text


def _problem2(tex: bool, n: str, f: E.Expr, x: E.Sym, y: E.Sym | None) -> str:
    """the problem of a second derivative: twice with respect to X (and Y)"""
    if tex:
        wrt = f"{to_latex(x)} \\ ({shape_tex(x.shape)})"
        if y is not None:
            wrt += f" \\text{{ and }} {to_latex(y)} \\ ({shape_tex(y.shape)})"
        what = NOTATIONS["hess"](True, n, x, y if y is not None else x)
        return (f"{n} = {to_latex(f)} \\quad (1 \\times 1),\\ \\text{{twice with respect to }}"
                f" {wrt}:\\ {'H = ' if y is None else ''}{what}")
    wrt = f"{x.name} ({shape_pretty(x.shape)})"
    if y is not None:
        wrt += f" and {y.name} ({shape_pretty(y.shape)})"
    return f"{n} = {to_unicode(f)}  (scalar), twice differentiated with respect to {wrt}"


def _free(tex: bool, v: E.Sym) -> str:
    """X : m×n, every entry free"""
    if tex:
        return f"{to_latex(v)} : {shape_tex(v.shape)},\\ \\text{{every entry free}}"
    return f"{v.name} : {shape_pretty(v.shape)}, every entry free"


def _second(tex: bool, d2, x: E.Sym, e: E.Expr) -> str:
    """d²f = tr((dG)ᵀ dX),  dG = e"""
    if tex:
        return (f"{side(tex, d2)} = \\operatorname{{tr}}\\left((\\mathrm{{d}}G)^\\top "
                f"\\mathrm{{d}}{to_latex(x)}\\right),\\quad \\mathrm{{d}}G = {to_latex(e)}")
    return f"{side(tex, d2)} = tr((dG)ᵀ d{x.name}),  dG = {to_unicode(e)}"


def _bilinear(tex: bool, lhs, x: E.Sym, m: E.Expr, y: E.Sym, named: bool = False) -> str:
    """lhs = (vec dX)ᵀ M (vec dY), and ",  B = M" when ``named`` (Unicode only)"""
    if tex:
        return (f"{side(tex, lhs)} = ({side(tex, ('vecdx', x))})^\\top {paren(tex, m)} \\, "
                f"{side(tex, ('vecdx', y))}")
    return (f"{side(tex, lhs)} = ({side(tex, ('vecdx', x))})ᵀ {paren(tex, m)} "
            f"({side(tex, ('vecdx', y))})" + (f",  B = {to_unicode(m)}" if named else ""))


def _tr_of(tex: bool, t: E.Expr, x: E.Sym) -> str:
    """tr(tᵀ dX)"""
    if tex:
        return f"\\operatorname{{tr}}\\left(\\left({to_latex(t)}\\right)^\\top " \
               f"\\mathrm{{d}}{to_latex(x)}\\right)"
    return f"tr(({to_unicode(t)})ᵀ d{x.name})"


def _trterm(tex: bool, t: E.Expr, x: E.Sym, m: E.Expr, y: E.Sym) -> str:
    """tr(tᵀ dX) = (vec dX)ᵀ M (vec dY)"""
    lhs = _tr_of(tex, t, x)
    return _bilinear(tex, ("lit", lhs, lhs), x, m, y)


def _covec_of(tex: bool, t: E.Expr, x: E.Sym, a: E.Expr, inner: E.Expr) -> str:
    """tr(tᵀ dX) = (a)ᵀ inner: (vec t)ᵀ vec dX, then ((Bᵀ ⊗ A) vec P)ᵀ vec dX, ..."""
    if tex:
        return f"{_tr_of(tex, t, x)} = \\left({to_latex(a)}\\right)^\\top {to_latex(inner)}"
    return f"{_tr_of(tex, t, x)} = ({to_unicode(a)})ᵀ {to_unicode(inner)}"


def _at_point(tex: bool, h: E.Expr) -> str:
    """H = h at the point"""
    return (f"H = {to_latex(h)} \\quad \\text{{at the point}}" if tex
            else f"H = {to_unicode(h)}  at the point")


FORMS = {
    "eq": _eq, "vecmap": _vecmap, "covec": _covec, "problem": _problem, "chain": _chain,
    "adjoints": _adjoints, "index": _index, "problem2": _problem2, "free": _free,
    "second": _second, "bilinear": _bilinear, "trterm": _trterm, "at_point": _at_point,
    "covec_of": _covec_of,
    "lit": lambda tex, u, lt: lt if tex else u,
}


def equation(form: tuple, tex: bool) -> str:
    """A step's equation, (form name, *args), in Unicode or LaTeX."""
    return FORMS[form[0]](tex, *form[1:])


# --- rules ---------------------------------------------------------------------------------

_GENERIC = "ABCDMUVWX"          # the letters the rule tables write their identities in
_SPARE = "PQRSTNHJYZFUVWMABC"   # replacements, in order of preference


def binding(identity: str, used: frozenset[str] | set[str]) -> dict[str, str]:
    """How the letters of an identity bind in a cell that uses the one-letter names ``used``:
    each letter of the identity that is also a name of the cell gets a spare letter, so that
    vec(AXB) = (Bᵀ ⊗ A) vec X, applied in a cell that has its own A, B and X, reads
    vec(PQR) = (Rᵀ ⊗ P) vec Q and no letter means two things in one step."""
    clash = [c for c in dict.fromkeys(identity) if c in _GENERIC and c in used]
    if not clash:
        return {}
    taken = used | set(identity)
    spare = [c for c in _SPARE if c not in taken]
    return {c: spare[i] for i, c in enumerate(clash) if i < len(spare)}


def fresh_letters(identity: str, used: set[str] | frozenset[str]) -> str:
    """The identity written in the letters ``binding`` gives it. Only the identity's
    letters are rebound: a run of capitals that are all identity letters (AXB, dX), never a
    word that holds others (MATLAB, Murray)."""
    return _fresh_letters(identity, frozenset(used))


@functools.lru_cache(maxsize=4096)
def _fresh_letters(identity: str, used: frozenset[str]) -> str:
    # cached: a cell's letters and the rule tables' identities are few
    mapping = binding(identity, used)
    if not mapping:
        return identity
    return _RUN.sub(lambda m: m.group(0) if _WORD.search(m.group(0)) else
                    "".join(mapping.get(c, c) for c in m.group(0)), identity)


_RUN = re.compile(r"[A-Za-z]+")
# a word, not letters of an identity: it holds a capital that is no identity letter (MATLAB,
# NumPy) or is a capitalised word (Murray); dX, sX and AXB are rebound
_WORD = re.compile(f"[A-Z]*[^{_GENERIC}a-z][A-Za-z]*|[A-Z][a-z][a-z]+")


def kron_sizes(e: E.Expr) -> str:
    """The sizes of the Kronecker products in e, for the rule text: '; Cᵀ ⊗ B is sr×nm'."""
    seen: dict = {}

    def walk(a: E.Expr) -> None:
        if isinstance(a, E.Kron):
            seen.setdefault(a)
        for c in a.children:
            walk(c)
    walk(e)
    return "".join(f"; {to_unicode(k)} is {shape_pretty(k.shape)}" for k in seen)


def _identities(head: str, identities, used, sizes: E.Expr | None = None,
                tail: str = "") -> str:
    """head, then the identities in fresh letters, then the Kronecker sizes of ``sizes``"""
    out = head + "; ".join(fresh_letters(r, used) for r in identities)
    return out + (kron_sizes(sizes) if sizes is not None else "") + tail


def _entrywise(head: str, form) -> str:
    """the rule of the entry-wise step: what δ and a repeated index mean, where they occur"""
    if "δ" in form.text:
        head += "; δ is the Kronecker delta (1 when its indices are equal, else 0)"
    if any(t.sums for t in form.terms):
        head += "; a repeated index is summed over"
    return head


def _holes(template: str, *exprs: E.Expr) -> str:
    """words with expressions printed into their holes {0}, {1}, ..."""
    return template.format(*(to_unicode(e) for e in exprs))


RULES = {"identities": _identities, "entrywise": _entrywise, "holes": _holes}


def rule_text(rule) -> str:
    """A step's rule: words as they are, or (kind, *args) written by ``RULES[kind]``; a
    prefix (words, rule) puts the words before the rule."""
    if isinstance(rule, str):
        return rule
    if rule[0] == "prefix":
        return rule[1] + rule_text(rule[2])
    return RULES[rule[0]](*rule[1:])


# --- all the steps of a derivation ------------------------------------------------------------

def _latex_text(text: str) -> str:
    """Plain text made safe for ``\\text{...}``: braces, dollars and backslashes escaped."""
    out = text.replace("\\", "$\\backslash$").replace("{", "\\{").replace("}", "\\}")
    return out.replace("$\\backslash$", "\0").replace("$", "\\$").replace("\0", "$\\backslash$")


def steps_latex_rows(steps: Sequence) -> list[str]:
    """The rows of ``steps_latex``: each step's number and rule in words, then its formula."""
    rows = []
    for i, s in enumerate(steps, 1):
        rows.append(f"&\\text{{{i}. {_latex_text(s.rule)}}}")
        rows.append(f"&\\quad {s.latex}")
    return rows


def steps_latex(steps: Sequence) -> str:
    """All the steps as one LaTeX ``aligned`` block: each step's number and rule in words
    (``\\text{...}``), then its formula on the next line, as ``text()`` lays them out."""
    return "$$\\begin{aligned}\n" + " \\\\\n".join(steps_latex_rows(steps)) + \
        "\n\\end{aligned}$$"
