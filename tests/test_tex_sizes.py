r"""Sizes in a subscript as textbooks and the LaTeX printer write them: I_{mn}, I_{m n},
I_{n^{2}}, \mathbf{1}_{2n}, K_{mn,p}, \operatorname{vec}^{-1}_{mn}, I_{n(n+1)/2}.

* The engine's own LaTeX reads back: every answer of the reference and textbook corpora (and
  of cells chosen to print every size form) whose LaTeX holds a product, power or number in
  a subscript is judged correct by compare and by assert_derivative, and the parsed claim
  equals the answer at random points with unequal sizes (m=3, n=4, p=5, ...).
* Each spelling of a size reads as the same size; an exact dimension name wins over a split.
* An unknown size, an ambiguous split and a malformed subscript are MatdiffErrors with a caret
  under the subscript (the part that is wrong).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from cases import REFERENCE
from textbook import TEXTBOOK

from matdiff_magic import MatdiffError, assert_derivative, derive
from matdiff_magic.dims import Dim
from matdiff_magic.lang.claim import parse_claim
from matdiff_magic.lang.tex_sizes import SizeError, read_size
from matdiff_magic.numeric.compare import draw_point
from matdiff_magic.numeric.values import Env, value

LAYOUTS = ("mixed", "numerator", "denominator")
m, n, p, q = (Dim.of(x) for x in "mnpq")

# cells whose answers print sizes of every form: products (mn, mnq), powers (n^2, m^2n^2),
# numbers times names (2n, 3n, 4n^2), n(n+1)/2, K_{mn,q}, vec^{-1}_{mn}, 1_{m^2 x n^2}
EXTRA = [
    ("A : p x q\nX : m x n\nB : r x s\nkron(kron(A, X), B)", "X"),
    ("X : m x n\nB : p x q\nkron(kron(X, B), X)", "X"),
    ("X : 2 x n\nkron(X, X)", "X"),
    ("X : 3 x n\nA : p x q\nkron(A, X)", "X"),
    ("x : m*n\nunvec(x, m)", "x"),
    ("S : n x n symmetric\nkron(S, S)", "vech(S)"),
    ("S : n x n symmetric\nvech(S) vech(S)'", "vech(S)"),
    ("S : n x n symmetric\nA : p x q\nkron(A, vech(S))", "vech(S)"),
    ("X : m x n\nsum(tanh(kron(X, X)))", "X"),
    ("X : m*n x q\nsum(exp(kron(X, X)))", "X"),
    ("X : m*n x q\nY = kron(X, X)\nsum(tanh(Y))", "X"),
    ("X : 2*n x q\nsum(tanh(kron(X, X)))", "X"),
    ("X : m x n\nvec(X) vec(X)'", "X"),
    ("X : m x n\nkron(X, X')", "X"),
    ("X : n x n\nkron(X, X) kron(X, X)", "X"),
]

# a subscript of I, \mathbf{1}, K, D, L or vec^{-1} (braces may nest once: n^{2})
_SUBSCRIPT = re.compile(r"(I|\\mathbf\{1\}|K|D|L|\^\{-1\})_\{((?:[^{}]|\{[^{}]*\})*)\}")


def _product_subscripts(tex: str) -> list[str]:
    """The subscripts of ``tex`` that are more than one letter or one number."""
    return [s for k, s in _SUBSCRIPT.findall(tex)
            if not re.fullmatch(r"[A-Za-z]|[0-9]+", s)
            and not (k == "K" and re.fullmatch(r"[A-Za-z0-9]{2}", s))]


def _corpus() -> list[tuple[str, str, str]]:
    cells = list(REFERENCE) + [(e.cell, e.wrt) for e in TEXTBOOK] + EXTRA
    out = []
    for cell, wrt in dict.fromkeys(cells):
        for layout in LAYOUTS:
            if _product_subscripts(derive(cell, wrt=wrt, layout=layout).latex()):
                out.append((cell, wrt, layout))
    return out


ROUND_TRIP = _corpus()


def _sizes(d) -> dict[str, int]:
    """Unequal sizes 3, 4, 5, 2, 6, ... for the cell's named dimensions."""
    names = sorted({name for s in d.cell.symbols.values() for dim in s.shape
                    for name, _ in dim.factors if "(" not in name})
    return dict(zip(names, (3, 4, 5, 2, 6, 7, 8)))


def test_the_round_trip_corpus_holds_every_size_form_the_printer_writes():
    subs = {s for c, w, lay in ROUND_TRIP for s in _product_subscripts(
        derive(c, wrt=w, layout=lay).latex())}
    assert len({(c, w) for c, w, _ in ROUND_TRIP}) >= 20
    for form in ("mn", "n^2", "m^2", "2n", "3n", "mnq", "n(n+1)/2", "mn,q", "2n,q",
                 "m \\times n", "m^2n^2 \\times q^2", "4n^2 \\times q^2"):
        assert form in subs, (form, sorted(subs))
    assert any("\\operatorname{vec}^{-1}_{mn}" in derive(c, wrt=w, layout=lay).latex()
               for c, w, lay in ROUND_TRIP)


@pytest.mark.parametrize("cell, wrt, layout", ROUND_TRIP,
                         ids=[f"{c.splitlines()[-1]}|{w}|{lay}" for c, w, lay in ROUND_TRIP])
def test_the_engine_s_latex_reads_back(cell, wrt, layout):
    d = derive(cell, wrt=wrt, layout=layout)
    tex = d.latex()
    assert d.compare(tex).correct, tex
    assert_derivative(cell, wrt, tex, layout=layout)
    # the claim as parsed: the answer's shape, and its values at unequal sizes
    claim = parse_claim(tex, d)
    assert claim.shape == d.result.shape
    sizes = _sizes(d)
    assert d.compare(tex, dims=sizes).correct, (tex, sizes)
    for seed in range(2):
        vals, dims = draw_point(d, seed, sizes)
        env = Env(vals, dims)
        got, want = value(claim, env), value(d.result, env)
        assert got.shape == want.shape and np.allclose(got, want), tex


# --- each spelling ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [
    ("mn", m * n), ("nm", m * n), ("m n", m * n), ("m  n", m * n), ("m \\cdot n", m * n),
    ("m\\cdot n", m * n), ("m \\times n", m * n), ("m*n", m * n), ("m\\,n", m * n),
    (" mn ", m * n), ("2n", Dim.of(2) * n), ("2 n", Dim.of(2) * n),
    ("2 \\cdot n", Dim.of(2) * n), ("n \\cdot 2", Dim.of(2) * n), ("n 2", Dim.of(2) * n),
    ("12", Dim.of(12)), ("n^2", n * n), ("n^{2}", n * n), ("n^{ 2 }", n * n),
    ("n ^ 2", n * n), ("nn", n * n), ("mn^2", m * n * n), ("m^2n", m * m * n),
    ("m^{2}n^{2}", m * m * n * n), ("4n^2", Dim.of(4) * n * n), ("2mnq", Dim.of(2) * m * n * q),
    ("2^3", Dim.of(8)), ("\\mathit{n} \\mathrm{m}", m * n), ("pq", p * q),
    ("n(n+1)/2", Dim.of("n(n+1)/2")), ("n (n + 1) / 2", Dim.of("n(n+1)/2")),
    ("mn(n+1)/2", m * Dim.of("n(n+1)/2")), ("2n(n+1)/2", Dim.of(2) * Dim.of("n(n+1)/2")),
])
def test_a_spelling_reads_as_its_size(text, size):
    assert read_size(text, {"m", "n", "p", "q"}) == size


def test_an_exact_dimension_name_wins():
    assert read_size("mn", {"m", "n", "mn"}) == Dim.of("mn")
    assert read_size("mn^2", {"m", "n", "mn"}) == Dim.of("mn") * Dim.of("mn")
    assert read_size("mn \\cdot p", {"m", "n", "mn", "p"}) == Dim.of("mn") * p
    assert read_size("m n", {"m", "n", "mn"}) == m * n
    assert read_size("n2", {"n", "n2"}) == Dim.of("n2")
    assert read_size("Nd", {"N", "d"}) == Dim.of("N") * Dim.of("d")


def test_a_new_size_in_a_cell_is_one_name_that_is_no_product_of_known_ones():
    assert read_size("k", {"m", "n"}, new_ok=True) == Dim.of("k")
    assert read_size("batch", {"m", "n"}, new_ok=True) == Dim.of("batch")
    assert read_size("mn", {"m", "n"}, new_ok=True) == m * n
    with pytest.raises(SizeError):
        read_size("k", {"m", "n"})
    with pytest.raises(SizeError):
        read_size("m k", {"m", "n"}, new_ok=True)
    # the cell language's product introduces its sizes on a LaTeX line too, as elsewhere
    assert read_size("p*p", {"n"}, new_ok=True) == Dim.of("p") * Dim.of("p")
    assert read_size("m*k", {"m", "n"}, new_ok=True) == m * Dim.of("k")
    with pytest.raises(SizeError):
        read_size("p*p", {"n"})                          # but not in a claim


def test_a_latex_line_keeps_the_cell_language_s_new_product_sizes():
    cell = ("V : 1 x 3\nC : 3 x n\nD : 3 x n positive\nα : scalar\nλ : scalar positive\n"
            "sum(-diag(unvec(1_{p*p} \\otimes α, p)) \\otimes V*(C.^3 ∘ D) / λ)")
    d = derive(cell, wrt="D")
    res = d.check()
    assert res.passed and "p=" in res.text()          # p: a size this line introduced


@pytest.mark.parametrize("text, names, offset, words", [
    ("mk", "mn", 1, ["unknown size", "'k'", "m, n"]),
    ("k", "mn", 0, ["'k'"]),
    ("m \\cdot k", "mn", 8, ["'k'"]),
    ("n2", "mn", 0, ["'n2'"]),
    ("mnp", ["m", "n", "p", "mn"], 0, ["ambiguous", "m·n·p", "mn·p"]),
    ("0", "mn", 0, ["positive"]),
    ("m0", "mn", 0, ["'m0'"]),
    ("n^{99}", "mn", 1, ["power"]),
    ("n^0", "mn", 1, ["power"]),
    ("m \\cdot", "mn", 7, ["ends"]),
    ("\\cdot m", "mn", 0, ["unexpected '\\'"]),
    ("m + n", "mn", 2, ["unexpected '+'"]),
    ("", "mn", 0, ["empty"]),
    ("99999999999", "mn", 0, ["too large"]),
    ("1000000 n 1000000", "mn", 0, ["too large"]),
])
def test_a_bad_subscript_says_where(text, names, offset, words):
    with pytest.raises(SizeError) as exc:
        read_size(text, set(names))
    for w in words:
        assert w in exc.value.message, exc.value.message
    assert exc.value.offset == offset


# --- through the public API: claims and LaTeX cells --------------------------------------------

@pytest.mark.parametrize("cell, claims", [
    ("X : m x n\nX", [r"I_{mn}", r"I_{m n}", r"I_{nm}", r"I_{m \cdot n}", r"I_{m\times n}",
                      r"I_{m*n}", r"\mathbf{I}_{mn}", r"I_{mn}^{\top}",
                      r"\operatorname{diag}(\mathbf{1}_{mn})",
                      r"\operatorname{diag}\left(\mathbf{1}_{m n}\right)"]),
    ("X : n x n\nX", [r"I_{n^2}", r"I_{n^{2}}", r"I_{nn}", r"I_{n \cdot n}", r"I_{n^2}^\top",
                      r"\operatorname{diag}(\mathbf{1}_{n^{2}})"]),
    ("X : 2 x n\nX", [r"I_{2n}", r"I_{2 n}", r"I_{2 \cdot n}", r"I_{n \cdot 2}",
                      r"\operatorname{diag}(\mathbf{1}_{2n})"]),
    ("S : n x n symmetric\nvech(S)", [r"I_{n(n+1)/2}", r"\mathbf{I}_{n(n+1)/2}"]),
    ("A : p x q\nX : m x n\nkron(X, A)",
     [r"\left(I_{n} \otimes K_{qm} \otimes I_{p}\right) \left(I_{mn} \otimes "
      r"\operatorname{vec} A\right)",
      r"\left(I_{n} \otimes K_{q,m} \otimes I_{p}\right) \left(I_{m \cdot n} \otimes "
      r"\operatorname{vec} A\right)"]),
    ("X : m*n x q\nsum(exp(X))", [r"\operatorname{vec}^{-1}_{mn}(\operatorname{vec} \exp(X))",
                                  r"\operatorname{vec}^{-1}_{m n}(\operatorname{vec} \exp(X))"]),
])
def test_each_spelling_is_judged_correct(cell, claims):
    wrt = "vech(S)" if "vech" in cell else "X"
    d = derive(cell, wrt=wrt)
    for claim in claims:
        v = d.compare(claim)
        assert v.correct, (claim, v)


@pytest.mark.parametrize("cell", ["X : m x n\nfro(X)^2", "X : m x n\nA : n x n\ntr(X A X')",
                                  "X : m x n\nY : m x p\nfro(X' Y)^2"])
def test_a_hessian_s_latex_reads_back(cell):
    d = derive(cell, wrt="X", order=2)
    assert d.compare(d.latex()).correct, d.latex()
    assert d.compare(d.latex(), dims=_sizes(d)).correct


def test_a_long_subscript_is_quoted_short():
    with pytest.raises(SizeError) as exc:
        read_size("m" * 50 + "k", {"m", "n"})
    assert "..." in exc.value.message and len(exc.value.message) < 200
    assert exc.value.offset == 50


def test_a_commutation_matrix_with_product_sizes():
    d = derive("A : p x q\nX : m*n x r\nkron(A, X)", wrt="X")
    tex = d.latex()
    assert "K_{r,p}" in tex or "K_{rp}" in tex, tex
    assert d.compare(tex).correct
    d = derive("X : m x n\nB : p x q\nkron(kron(X, B), X)", wrt="X")
    tex = d.latex()
    assert "K_{nq,m}" in tex and "K_{n,mp}" in tex, tex
    assert d.compare(tex).correct
    assert d.compare(tex.replace("K_{nq,m}", "K_{n q, m}")).correct
    assert d.compare(tex.replace("K_{nq,m}", "K_{qn,m}")).correct


def test_an_exact_name_wins_in_a_claim():
    d = derive("X : m x n\nB : mn x p\nX", wrt="X")
    assert d.compare("I_{m n}").correct
    v = d.compare("I_{mn}")          # the size mn of B, not m·n
    assert v.diagnosis == "shape", v


def test_a_latex_cell_reads_product_sizes():
    d = derive("X : m x n\n\\mathbf{1}_{mn}^\\top \\operatorname{vec}(X)", wrt="X")
    plain = derive("X : m x n\n1_{m*n}' vec(X)", wrt="X")
    assert str(d.result) == str(plain.result)
    assert d.check(dims={"m": 3, "n": 4}).passed
    d = derive("X : m x n\nY : n x m\n\\operatorname{tr}\\left(I_{m n} (X \\otimes Y)\\right)",
               wrt="X")
    assert d.check(dims={"m": 3, "n": 4}).passed
    # a size the cell introduces, as before
    d = derive("X : m x n\nX \\otimes I_{k}", wrt="X")
    assert d.check(dims={"m": 3, "n": 4, "k": 2}).passed
    # in a plain cell line, 'mn' stays one name (the cell language writes m·n as m*n)
    d = derive("X : m x n\nkron(X, I_{mn})", wrt="X")
    assert "I_mn" in str(d.result)


def _caret_at(exc: MatdiffError, col: int) -> None:
    assert exc.col == col, (exc.col, col, str(exc))
    *_, shown, caret = str(exc).split("\n")
    assert caret.index("^") - 4 == col - 1


# the caret goes under the first character of ``at`` (unique in the claim)
@pytest.mark.parametrize("cell, claim, at, words", [
    ("X : m x n\nX", "2 I_{mk}", "k}", ["unknown size", "'k'", "(m, n)"]),
    ("X : m x n\nX", r"2 \mathbf{I}_{k}", "k}", ["'k'"]),
    ("X : m x n\nX", r"\operatorname{diag}(\mathbf{1}_{m \cdot q})", "q}", ["'q'"]),
    ("X : m x n\nX", r"I_{n^{2}} + I_{mn2}", "n2}", ["'n2'"]),
    ("X : m x n\nB : mn x p\nX", "I_{mnp}", "mnp", ["ambiguous", "m·n·p", "mn·p"]),
    ("X : m x n\nX", r"\left(I_{n} \otimes K_{mx,n}\right)", "x,", ["'x'"]),
    ("X : m x n\nX", r"K_{m,nk} I_{mn}", "k}", ["'k'"]),
    ("X : m x n\nX", r"I_{m \cdot}", "}", ["ends"]),
    ("X : m x n\nX", r"I_{n^{99}}", "^", ["power"]),
    ("X : m x n\nX", r"I_{0}", "0", ["positive"]),
    ("X : m x n\nX", r"I_{m \cdot n", "I_", ["missing '}'"]),
    ("X : m x n\nX", r"\mathbf{1}_{m \times n \times p}^\top", r"\times p",
     ["\\times n"]),
    ("X : m x n\nsum(exp(X))", r"\operatorname{vec}^{-1}_{mq}(\exp(X))", "q}", ["'q'"]),
])
def test_a_bad_size_in_a_claim_has_a_caret_under_it(cell, claim, at, words):
    d = derive(cell, wrt="X")
    with pytest.raises(MatdiffError) as exc:
        d.compare(claim)
    for w in words:
        assert w in exc.value.message, exc.value.message
    assert claim.count(at) == 1
    _caret_at(exc.value, claim.index(at) + 1)


def test_a_bad_size_in_a_latex_cell_has_a_caret_under_it():
    cell = "X : m x n\n\\mathbf{1}_{m q}^\\top \\operatorname{vec}(X)"
    with pytest.raises(MatdiffError) as exc:
        derive(cell, wrt="X")
    assert "'q'" in exc.value.message and exc.value.line == 2
    _caret_at(exc.value, cell.split("\n")[1].index("q") + 1)
    cell = "X : m x n\nB : mn x p\n\\mathbf{1}_{mnp}^\\top \\operatorname{vec}(B)"
    with pytest.raises(MatdiffError) as exc:
        derive(cell, wrt="B")
    assert "ambiguous" in exc.value.message
    _caret_at(exc.value, cell.split("\n")[2].index("mnp") + 1)
