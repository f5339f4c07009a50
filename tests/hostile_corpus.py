"""Hostile inputs: every one must be rejected with a MatdiffError that has a position.

``CORPUS`` is a list of ``(category, cell)``; the cell is given to ``derive(cell, wrt="X")``
(the error must come from the cell itself, so the variable does not matter). Categories:
syntax, shape, names, lookalike, invisible, long, deep, number, empty, injection, latex,
declaration, definition, equation.
"""

from __future__ import annotations

DECL = "X : m x n\nA : m x m\nx : n\n"


def _syntax() -> list[str]:
    bodies = [
        "(X", "X)", "((X)", "(X))", "tr(X", "tr X)", "tr(A))", "tr((A)", ")(", "()", "( )",
        "X +", "+", "X + * X", "X * * X", "X @ @ X", "X .*", ".* X", "X ./", "./ X",
        "X ⊗", "⊗ X", "X ∘", "∘ X", "X +\nX", "X -", "X , X", "X,", ",X", "X :", "X =",
        "tr()", "tr(,)", "tr(A, A)", "kron(X)", "kron(X,)", "kron(,X)", "kron(X X)",
        "kron(X, X, X)", "exp()", "inv()", "unvec(x)", "unvec(x, )", "vec(X,)",
        "X^", "X^^2", "X.^", "X.^.^2", "X^a", "X^(", "X^()", "X^(1/0)", "X^{-}", "X^(-)",
        "X^{2", "X^(2", "X.^(1/)", "X.^(/2)", "X^-", "X ^ +", "X''(", "X'(",
        "X ? X", "X ; X", "X | X", "X & X", "X ! X", "X[0]", "X < X", "X > X",
        "X % X", "X ~ X", "X $ X", "X \" X", "X [", "X ]", "X \\ X", "X & & X",
        "1.2.3 X", "..5 X", "X.", ".X", "X..T", "X.Tx", "_X", "X_", "X__", "X._T",
        "X Y Z =", "= X", "2 = X", "(X) = X", "H(X) = X", "f(x) = x", "tr(A) = 1",
        "X\nX", "x' x\nx", "I_", "1_", "I_{}", "1_{}", "I_{n", "K_{m}", "K_{m,n,p}",
        "K_{,}", "I_{m x n}", "1_{-1}", "I_{0}",
        # backslashes: a solve needs a square left side and a declared right side; '\\' and
        # a LaTeX line's '\ ' are no operators (A \ b itself is a solve: test_backslash.py)
        "X \\\\ X", "A\\\\x", "A^\\top \\ X", "\\ X", "X\\q", "A \\ X'", "A \\ x", "A \\",
        "\\mathbf{A} \\ X", "A\\exp(X)", "X'\\sin(X)",   # a solve or LaTeX's A exp(X)?
    ]
    return [DECL + b for b in bodies]


def _shapes() -> list[str]:
    return [
        "X : m x n\nY : n x p\nX + Y",
        "X : m x n\nY : n x p\nY X",
        "X : m x n\nX X",
        "X : m x n\nY : n x p\nX .* Y",
        "X : m x n\nY : n x p\nX ./ Y",
        "X : m x n\ntr(X)",
        "X : m x n\ndet(X)",
        "X : m x n\nlogdet(X)",
        "X : m x n\ninv(X)",
        "X : m x n\nX^-1",
        "X : m x n\nX^2",
        "X : m x n\nX^-T",
        "X : m x n\nnorm2(X)",
        "X : m x n\ndiag(X)",
        "X : m x n\nA : m x n\nX / A",
        "X : m x n\nx : n\nX / x",
        "X : m x n\nX + 1_n",
        "X : m x n\nX + I",
        "X : m x n\nX + I_n",
        "X : 2 x 3\nX + I_3",
        "X : m x n\nX + kron(X, X)",
        "X : m x n\nx : m\nx' + x",
        "X : m x n\nx : m\nX x",
        "X : m x n\nx : p\nunvec(x, m) + X",
        "X : m x n\nunvec(vec(X), p)",
        "x : n\nunvec(x, 2*n)",
        "X : m x n\nX.^2 + X'",
        "X : m x n\nexp(X) X",
        "X : m x n\nx : n\nsum(X) + X' + x",   # a number broadcasts; n x m + n x 1 does not
        "X : m x n\nX^(1/2)",
        "X : n x n\nX^0.5",
        "X : n x n\nX^1.5",
        "X : n x n\nX^-0.5",
        "X : m x n\nH = X'\nH + X",
        "X : m x n\nH = X X'\nH X'",
        "X : 3 x 4\nY : 4 x 3\nX + Y",
        "X : 3 x 4\nX X",
        "X : n x n\nY : m x m\nX + Y",
        "X : n x n\n1_m' X",
        "X : m x n\ninv(X X) ",
        "X : m x n\nK_{m,n} X",
        "X : m x n\nX ⊗ X + X",
        "X : m x n\nX (X + X)",
        "X : m x n\n(X + X) X",
        "X : m x n\nX .* X X",
        "X : m x n\nx : n\nx .* X",
        "X : m x n\nx : n\nnorm2(x) x + X",
        "X : m x n\nI_3 X",
        "X : m x n\nX 1_m",
        "X : m x n\n0 + X + X'",
    ]


def _names() -> list[str]:
    return [
        "foo(X)", "X : m x n\nfoo(X)", "X : m x n\nTr(X)", "X : m x n\ntrace(X)",
        "X : m x n\nexpm(X)", "X : m x n\nsum2(X)", "X : m x n\nprint(X)",
        "Q", "tr(Q)", "Q + Q", "Q'", "X : m x n\nX + Q Q", "X : m x n\nQ X",
        "X : m x n\nX Q", "X : m x n\nX - Q R", "X : m x n\nX (Y)",
        "X : m x n\ntr", "X : m x n\nX + tr", "X : m x n\nkron", "X : m x n\nX exp",
        "X : m x n\nX + I + ones", "I", "ones", "I + I", "X : m x n\nX + scalar",
        "X : m x n\ndiagof(X)", "X : m x n\nX + K_m", "X : m x n\nsqrt",
    ]


def _lookalikes() -> list[str]:
    return [
        "Х : m x n\nХ",                       # Cyrillic Ha
        "X : m x n\nХ + X",                   # Cyrillic Ha used, Latin X declared
        "X : m x n\nX + Х",
        "А : n x n\ntr(А)",                   # Cyrillic A
        "X : m x n\ntr(А X)",
        "X : m x n\nΧ'",                      # Greek Chi, undeclared
        "X : m x n\nΑ X",                     # Greek Alpha, undeclared
        "Ｘ : m x n\nＸ",                      # fullwidth X
        "X : m x n\nＸ + X",
        "X : m x n\nX ＋ X",                  # fullwidth plus
        "X : m x n\ntr（X' X）",               # fullwidth parentheses
        "X : m x n\nX +２",                    # fullwidth digit
        "X : m х n\nX",                       # Cyrillic ha as 'x'
        "X : m × n\nX − X",                   # Unicode minus
        "X : m x n\nX – X",                   # en dash
        "X : m x n\nX — X",                   # em dash
        "X : m x n\n𝑋 + X",                   # mathematical italic X
        "X : m x n\nX²",                      # superscript two
        "X : m x n\nX⁻¹",                     # superscript minus one
        "X : m x n\nX‘",                      # left single quotation mark
        "X : m x n\nX’",                      # right single quotation mark
        "X : m x n\nX ∗ X'",                  # asterisk operator U+2217
        "X : m x n\nX · X'",                  # middle dot
        "X : m x n\nX ⋅ X'",                  # dot operator
        "X : m x n\nᎪ + X",                   # Cherokee A
        "X : m x n\nX + ⅹ",                   # small roman numeral ten
        "X : m x n\nX ⨂ X",                   # n-ary circled times
        "X : m x n\nX ○ X",                   # white circle
        "X : m x n\nX ⊕ X",                   # circled plus
        "X : m x n\nX＇",                     # fullwidth apostrophe
    ]


INVISIBLE = {
    "ZERO WIDTH SPACE": "\u200b", "ZERO WIDTH NON-JOINER": "\u200c",
    "ZERO WIDTH JOINER": "\u200d", "LEFT-TO-RIGHT MARK": "\u200e",
    "RIGHT-TO-LEFT MARK": "\u200f", "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "LEFT-TO-RIGHT OVERRIDE": "\u202d", "RIGHT-TO-LEFT EMBEDDING": "\u202b",
    "POP DIRECTIONAL FORMATTING": "\u202c", "RIGHT-TO-LEFT ISOLATE": "\u2067",
    "WORD JOINER": "\u2060", "BYTE ORDER MARK": "\ufeff", "SOFT HYPHEN": "\u00ad",
    "NUL": "\x00", "ESCAPE": "\x1b", "BELL": "\x07", "BACKSPACE": "\x08",
    "VERTICAL TAB": "\x0b", "FORM FEED": "\x0c", "DELETE": "\x7f",
    "LINE SEPARATOR": "\u2028", "PARAGRAPH SEPARATOR": "\u2029",
    "NEXT LINE": "\x85", "PRIVATE USE": "\ue000", "UNASSIGNED": "\u0378",
    "NO-BREAK SPACE": "\u00a0", "IDEOGRAPHIC SPACE": "\u3000", "OGHAM SPACE MARK": "\u1680",
    "COMBINING ACUTE": "\u0301", "VARIATION SELECTOR-16": "\ufe0f",
    "INVISIBLE TIMES": "\u2062", "FUNCTION APPLICATION": "\u2061",
    "HANGUL FILLER": "\u3164", "MONGOLIAN VOWEL SEPARATOR": "\u180e",
}


def _invisible() -> list[str]:
    import unicodedata
    out = []
    for i, ch in enumerate(INVISIBLE.values()):
        where = i % 4
        if unicodedata.category(ch) in ("Zs", "Mn"):   # visible-ish: put it in the target
            where = 0 if where % 2 == 0 else 2
        if where == 0:     # inside a name in the target
            out.append(f"X : m x n\nX{ch}X")
        elif where == 1:   # at the start of the cell
            out.append(f"{ch}X : m x n\nX")
        elif where == 2:   # between tokens of the target
            out.append(f"X : m x n\nX +{ch} X")
        else:              # inside a declaration
            out.append(f"X : m{ch} x n\nX")
    # the classic ones once more, at other places
    out += ["\ufeffX : m x n\nX", "X : m x n\ntr(X\u200b' X)", "X : m x n\n\u202etr(X' X)",
            "X : m x n\nX' X\u200f", "X\u200b : m x n\nX"]
    return out


def _long() -> list[str]:
    return [
        "X : m x n\n" + "X + " * 5000 + "X",
        "X" * 20_001,
        "X : m x n\n" + "# " + "c" * 20_000 + "\nX",
        "X : m x n\n" + " " * 20_000 + "X",
        "X : m x n\n" + "\n" * 20_001 + "X",
        "X : m x n\nX" + "'" * 20_000,
        "X : m x n\n" + "tr(" * 4000 + "X" + ")" * 4000,
        "X : m x n\n" + ("X + " * 2000 + "X\n") * 3,
        "X" * 20_000 + " : m x n\nX",
        "X : m x n\n" + "-" * 30_000 + "X",
    ]


def _deep() -> list[str]:
    return [
        "X : m x n\n" + "(" * 100 + "X" + ")" * 100,
        "X : m x n\n" + "(" * 1000 + "X" + ")" * 1000,
        "X : m x n\n" + "(" * 5000 + "X" + ")" * 5000,
        "A : n x n\n" + "tr(" * 100 + "A" + ")" * 100,
        "A : n x n\n" + "exp(" * 200 + "A" + ")" * 200,
        "X : m x n\n" + "- " * 200 + "X",
        "X : m x n\n" + "-(" * 100 + "X" + ")" * 100,
        "X : m x n\n" + "kron(" * 80 + "X" + ", X)" * 80,
        "A : n x n\n" + "inv(" * 300 + "A" + ")" * 300,
        "X : m x n\n" + "(" * 65 + "X" + ")" * 65,
        "X : m x n\n" + "(" * 100 + "X",
        "X : m x n\n" + "X" + ")" * 100,
        "X : m x n\n" + "vec(" * 70 + "X" + ")" * 70,
        "X : m x n\n" + "((X)" * 100,
    ]


def _numbers() -> list[str]:
    return [
        "X : m x n\n1e999 X", "X : m x n\n1e-999 X", "X : m x n\n1E400 X",
        "X : m x n\n" + "1" + "0" * 400 + " X", "X : m x n\n" + "1" + "0" * 350 + " X",
        "X : m x n\n0." + "0" * 400 + "1 X", "X : m x n\n" + "9" * 1000 + " X",
        "X : m x n\nX.^1e999", "X : m x n\nX.^1e10", "A : n x n\nA^99999999999",
        "A : n x n\nA^65", "A : n x n\nA^1000", "X : n x n\nX^-65",
        "X : m x n\nX.^" + "9" * 500, "X : m x n\nX / 0", "X : m x n\nX ./ 0",
        "X : m x n\n(0)^(-1) X", "X : m x n\n1/0 X", "X : m x n\nX^(1/0)",
        "X : 99999999999 x 2\nX", "X : 0 x 2\nX", "X : 1000000001 x 3\nX",
        "X : m x n\nI_{99999999999} X'", "X : m x n\nX 1_0", "X : 1e3 x 2\nX",
        "X : m x n\nX.^(1e999/2)", "X : m x n\nX.^(1/1e999)", "X : m x n\n2^1e999 X",
        "X : 2^99 x 3\nX", "X : m x n\n" + "0." + "5" * 600 + " X",
    ]


def _empty() -> list[str]:
    return ["", " ", "   ", "\n", "\n\n\n", "\t", " \t \n \t", "# just a comment",
            "   # a comment\n  \n# another", "\r\n", "\r\n\r\n", "#", "##\n#"]


def _injection() -> list[str]:
    return [
        "__import__('os').system('x')", "X : m x n\n__import__('os').system('x')",
        "X : m x n\nX.__class__", "X : m x n\nX.__class__.__bases__[0].__subclasses__()",
        "X : m x n\n__builtins__", "X : m x n\n`ls`", "X : m x n\n$(rm -rf /)",
        "X : m x n\nX; rm -rf /", "X : m x n\n; rm -rf /", "X : m x n\n{X.__class__}",
        "X : m x n\n{0}", "X : m x n\n{}", "X : m x n\n'{}'.format(X)", "X : m x n\n!ls",
        "!ls", "X : m x n\nlambda: 0", "lambda x: x", "X : m x n\neval('1')",
        "X : m x n\neval(X)", "X : m x n\nexec('import os')", "X : m x n\nexec(X)",
        "X : m x n\nopen('/etc/passwd')", "X : m x n\nos.system('x')", "import os",
        "X : m x n\nimport os\nX", "X : m x n\n%run evil.py", "%%bash\nrm -rf /",
        "X : m x n\n{{7*7}}", "X : m x n\n${7*7}", "X : m x n\n<script>alert(1)</script>",
        "X : m x n\n'; DROP TABLE x; --", "X : m x n\nX # \nimport os; os.system('x')",
        "X : m x n\ncompile('1', 'f', 'eval')", "X : m x n\ngetattr(X, 'T')",
        "X : m x n\nX if X else", "X : m x n\n[x for x in X]", "X : m x n\nX[::-1]",
        "X : m x n\nglobals()", "X : m x n\nsympify('x')", "X : m x n\nnp.linalg.inv(X)",
        "X : m x n\nX @ __import__", "X : m x n\n\"\"\"X\"\"\"", "X : m x n\nb'X'",
        "X : m x n\nf'{X}'", "X : m x n\nX && rm", "X : m x n\nX || true",
        "X : m x n\n$HOME", "X : m x n\n~/.ssh/id_rsa", "X : m x n\n..//..//etc/passwd",
        "X : m x n\n%(X)s", "X : m x n\n\\input{/etc/passwd}", "X : m x n\n\\write18{ls}",
        "X : m x n\n\\operatorname{__import__}(X)", "X : m x n\n\\mathrm{os}(X)",
        "X : m x n\n\\def\\x{1}", "X : m x n\n\\catcode",
    ]


def _latex() -> list[str]:
    return [
        "X : m x n\n\\foo X", "X : m x n\n\\", "X : m x n\nX \\", "X : m x n\n\\operatorname{",
        "X : m x n\n\\operatorname{tr", "X : m x n\n\\operatorname", "X : m x n\n\\frac{X}",
        "X : m x n\n\\sqrt[3]{X}", "X : m x n\n\\|X\\|_3", "X : m x n\n\\lVert X",
        "X : m x n\n\\rVert X", "X : m x n\nX}", "X : m x n\n\\frac{}{2} X",
        "X : m x n\n\\mathbf{\\foo}", "X : m x n\n\\|X\\|_\\infty",
        "X : m x n\nX^\\foo", "X : m x n\n\\otimes X",
        "X : m x n\nX \\otimes", "X : m x n\n\\left( X", "X : m x n\nX^{\\top",
        "X : m x n\n\\mathbf{}X", "X : m x n\n\\text{hello world}", "X : m x n\n\\\\X",
        "X : m x n\n\\begin{pmatrix} X \\end{pmatrix}", "X : m x n\n\\mathrm{unknownfn}(X)",
        "X : m x n\n\\operatorname{tr}", "X : m x n\nX^{\\top}^{-1}^{",
    ]


def _declarations() -> list[str]:
    return [
        "X :", ": m x n", "X : m x", "X : x n", "X : m x n x p\nX", "X : m x n fancy\nX",
        "X, , Y : m x n\nX", "X, : m x n\nX", ", X : m x n\nX", "X : m x n spd\nX",
        "X : m x n symmetric\nX", "X : m x n orthogonal\nX", "X : m x n diagonal\nX",
        "X : m x n invertible\nX", "X : scalar x n\nX", "X : m x scalar\nX",
        "X : m x n\nX : m x n\nX", "tr : m x m\ntr", "I : n x n\nI", "exp : n\nexp",
        "1X : n\n1X", "X-Y : n\nX", "X : m x n\nX Y\nY : n x p", "X : m n\nX",
        "X : m x n x\nX", "X : m x -n\nX", "X : m x n*\nX", "X : *m x n\nX",
        "X : m x n^\nX", "X : m^ x n\nX", "X : m x (n)\nX", "X : m x n, spd\nX",
        "X : m x n spd spd\nX", "X : m : n\nX", "X :: m x n\nX", "X : m x n\nH = 1\nH : n",
        "X.T : m x n\nX", "X' : m x n\nX", "x : n positive positive negative\nx",
        "I : n x n\nI", "ones : n\nones", "scalar : n\nscalar",
    ]


def _definitions() -> list[str]:
    return [
        "X : m x n\nH =", "X : m x n\n= X", "X : m x n\nH == X", "X : m x n\nX = X'",
        "X : m x n\ntr = X", "X : m x n\nH = X\nH = X", "X : m x n\nI = X",
        "X : m x n\nI_n = X", "X : m x n\nH = X = X", "X : m x n\nH = Q",
        "X : m x n\nH = X'\nH + X", "X : m x n\nH = X\nX : m x n\nH", "X : m x n\nones = X",
        "X : m x n\nH = H + X", "X : m x n\nH = X\nG = H H",
    ]


def _equations() -> list[str]:
    """Equation lines that are ill-posed: nonlinear in the unknown, no unknown, two unknowns,
    an unknown nothing uses, sides or sizes that do not match, an operator singular for
    every value, an equation as the target."""
    decl = "A : n x n\nC : n x p\n"
    return [
        decl + "X : n x n\nX A X = A\ntr(X)", decl + "X : n x n\nX .* X = A\ntr(X)",
        decl + "X : n x n\nexp(X) = A\ntr(X)", decl + "X : n x n\ninv(X) = A\ntr(X)",
        decl + "X : n x n\ntr(X) X = A\ntr(X)", decl + "X : n x n\nX' X = A\ntr(X)",
        decl + "X, Y : n x n\nA X + Y = A\ntr(X)", decl + "X : n x p\nA X = C\ntr(A)",
        decl + "X : n x n\ntr(I_n) = 3\ntr(X)", decl + "X : n x n\n2 = 3\ntr(X)",
        decl + "X : n x n\nA + X - X = A\ntr(X)", decl + "X : n x n\nA X - X A = A\ntr(X)",
        decl + "X : n x n\nA X = X A\ntr(X)", decl + "X : p x n\nC X = A\nsum(X)",
        decl + "X : n x n\nA X = C\ntr(X)", decl + "X : n x n\nH = X\nA X = A\ntr(H)",
        decl + "X : n x n\nA X = A", decl + "X : n x n\nA X = A = X\ntr(X)",
        decl + "X : n x n\nA X =\ntr(X)", decl + "X : n x n\n= A X\ntr(X)",
        decl + "X : n x p\nA X = C\nX : n x n\ntr(X)", decl + "X : n x p\nA X == C\nsum(X)",
        decl + "X : n x n\nX \\ A = A\ntr(X)", decl + "X : n x n\nX A = X A\ntr(X)",
        decl + "X : n x n\nA X + X A' = A\nX : n x n\ntr(X)",
    ]


CORPUS: list[tuple[str, str]] = (
    [("syntax", c) for c in _syntax()] + [("shape", c) for c in _shapes()]
    + [("names", c) for c in _names()] + [("lookalike", c) for c in _lookalikes()]
    + [("invisible", c) for c in _invisible()] + [("long", c) for c in _long()]
    + [("deep", c) for c in _deep()] + [("number", c) for c in _numbers()]
    + [("empty", c) for c in _empty()] + [("injection", c) for c in _injection()]
    + [("latex", c) for c in _latex()] + [("declaration", c) for c in _declarations()]
    + [("definition", c) for c in _definitions()] + [("equation", c) for c in _equations()]
)


def sample(k: int, seed: int = 0) -> list[tuple[str, str]]:
    """A deterministic spread of k entries over every category."""
    import random
    rng = random.Random(seed)
    by_cat: dict[str, list[tuple[str, str]]] = {}
    for cat, cell in CORPUS:
        by_cat.setdefault(cat, []).append((cat, cell))
    out: list[tuple[str, str]] = []
    cats = sorted(by_cat)
    while len(out) < k:
        for cat in cats:
            pool = [e for e in by_cat[cat] if e not in out]
            if pool and len(out) < k:
                out.append(rng.choice(pool))
    return out
