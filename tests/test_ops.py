"""The operation registry: every entry has every stage, and each stage agrees with the others.

One row per entry (ROWS): the cell that writes the operation. For each entry the tests check
that its stages are present (a missing NumPy value, generated code, SymPy form, LaTeX form or
differential fails here, not in a user's cell), that its differential agrees with central
finite differences of its NumPy value at a random point of unequal sizes (m, n, p = 3, 4, 5)
inside its domain, that its vec identity and adjoint hold, that its generated code and SymPy
form give its NumPy value, and that its printed forms parse back. Adding an operation is one
registry entry and one row here.
"""

from __future__ import annotations

import numpy as np
import pytest

from matdiff_magic import MatdiffError, ops
from matdiff_magic.algebra import expr as E
from matdiff_magic.calculus.differential import differential, pending
from matdiff_magic.lang.parse import parse_cell, parse_expr
from matdiff_magic.numeric import codegen
from matdiff_magic.numeric.sample import POLE_MARGIN, draw_matrix
from matdiff_magic.numeric.sympy_export import evaluate_sympy, export
from matdiff_magic.numeric.values import Env, value
from matdiff_magic.render import to_latex, to_text, to_unicode

SIZES = {"m": 3, "n": 4, "p": 5}

# name -> the cell that writes it (its argument is A); None: printed only, never written
ROWS = {
    "exp": "A : m x n\nexp(A)",
    "log": "A : m x n\nlog(A)",
    "sin": "A : m x n\nsin(A)",
    "cos": "A : m x n\ncos(A)",
    "tanh": "A : m x n\ntanh(A)",
    "sigmoid": "A : m x n\nsigmoid(A)",
    "sqrt": "A : m x n\nsqrt(A)",
    "abs": "A : m x n\nabs(A)",
    "tan": "A : m x n\ntan(A)",
    "softplus": "A : m x n\nsoftplus(A)",
    "log1p": "A : m x n\nlog1p(A)",
    "expm1": "A : m x n\nexpm1(A)",
    "relu": "A : m x n\nrelu(A)",
    "step": "A : m x n\nstep(A)",
    "tr": "A : n x n\ntr(A)",
    "det": "A : n x n\ndet(A)",
    "logdet": "A : n x n\nlogdet(A)",
    "sum": "A : m x n\nsum(A)",
    "fro": "A : m x n\nfro(A)",
    "norm2": "A : p\nnorm2(A)",
    "vec": "A : m x n\nvec(A)",
    "diag": "A : p\ndiag(A)",
    "diagof": "A : n x n\ndiag(A)",
    "vech": "A : n x n\nvech(A)",
    "inv": "A : n x n\ninv(A)",
    "unvec": "A : m*n\nunvec(A, m)",
    "kron": "A : m x n\nkron(A, A')",
    "solve": "A : n x n\nsolve(A, A)",   # a node of its own, printed A⁻¹A
    "d": None,
    # matrix equations (ops/solve.py); A ⊕ B is the Kronecker sum
    "kronsum": "A : n x n\nA ⊕ A",
    "sylvester": "A : n x n\nsylvester(A, A, A)",
    "lyap": "A : n x n\nlyap(A, A)",
    "dlyap": "A : n x n\ndlyap(A, A, A)",
    # factorizations (ops/factor.py)
    "chol": "A : n x n spd\nchol(A)",
    "cholphi": "A : n x n\ncholphi(A)",
    "eig": "A : n x n symmetric\neig(A)",
    "lambda_max": "A : n x n symmetric\nlambda_max(A)",
    "lambda_min": "A : n x n symmetric\nlambda_min(A)",
    # the unit (right) eigenvector and the left one with uᵀv = 1, of a general matrix
    "eigvec_max": "A : n x n\neigvec_max(A)",
    "eigvec_min": "A : n x n\neigvec_min(A)",
    "leigvec_max": "A : n x n\nleigvec_max(A)",
    "leigvec_min": "A : n x n\nleigvec_min(A)",
    "prod": "A : m x n\nprod(A)",
    "expm": "A : n x n\nexpm(A)",
    "logm": "A : n x n\nlogm(A)",
    "sqrtm": "A : n x n\nsqrtm(A)",
    "sinm": "A : n x n\nsinm(A)",
    "cosm": "A : n x n\ncosm(A)",
    "svd": "A : m x n\nsvd(A)",
    "opnorm": "A : m x n\nopnorm(A)",
    "nucnorm": "A : m x n\nnucnorm(A)",
    "cond": "A : m x n\ncond(A)",
    "norm1": "A : p\nnorm1(A)",
    "norminf": "A : p\nnorminf(A)",
    "max": "A : m x n\nmax(A)",
    "khatrirao": "A : m x n\nkhatrirao(A, A)",
    "pinv": "A : p x n\npinv(A)",
    "adj": "A : n x n\nadj(A)",
    "min": "A : m x n\nmin(A)",
    # machine-learning building blocks (ops/ml.py), row by row; tests/test_ml.py has columns
    "softmax": "A : m x n\nsoftmax(A)",
    "log_softmax": "A : m x n\nlog_softmax(A)",
    "logsumexp": "A : m x n\nlogsumexp(A)",
}
# internal entries (built by the engine for a derivative, never written): the node, of A
INTERNAL = {
    "eigres_max": "A : n x n symmetric", "eigres_min": "A : n x n symmetric",
    "eigvecs": "A : n x n symmetric",
    "eigbasis": "A : n x n symmetric",
    **{f"{f}_{part}": "A : n x n" for f in ("expm", "logm", "sqrtm", "sinm", "cosm")
       for part in ("frechet", "jacobian")},
    **{f"loewner_{f}": "A : n x n symmetric" for f in ("expm", "logm", "sqrtm", "sinm", "cosm")},
    **{name: "A : m x n" for name in ("svd_U", "svd_V", "svd_Us", "svd_Vs", "svd_u1", "svd_v1",
                                      "svd_ur", "svd_vr", "sigma_min")},
    "argmax_e": "A : p", "argmin_e": "A : p", "maxabs_e": "A : p",
}
# the node kind each 'node' entry spells
NODES = {"inv": E.Inverse, "unvec": E.Unvec, "kron": E.Kron}
CALLS = [n for n, op in ops.REGISTRY.items() if op.kind not in ("node", "notation")]
# entries of two symbols (X^k: the matrix and a declared integer k), tested stage by stage in
# tests/test_mpow.py
ELSEWHERE = {"mpow": "tests/test_mpow.py", "mpow_frechet": "tests/test_mpow.py",
             "mpow_jacobian": "tests/test_mpow.py"}
ONE_SYMBOL = [n for n in CALLS if n not in ELSEWHERE]
WRITTEN = [n for n in ops.REGISTRY if ROWS.get(n)]


def test_every_entry_has_a_row():
    assert set(ROWS) | set(INTERNAL) | set(ELSEWHERE) == set(ops.REGISTRY)
    assert all(ops.get(n).internal for n in INTERNAL)


def _cell(name: str):
    if name in INTERNAL:
        cell = parse_cell(INTERNAL[name] + "\nA")
        a = cell.symbols["A"]
        return cell, a, E.call(name, *[a] * ops.get(name).arity)
    cell = parse_cell(ROWS[name])
    return cell, cell.symbols["A"], cell.target


def _point(name: str, a: E.Sym, seed: int = 0) -> np.ndarray:
    """A random value of the argument inside the entry's domain, away from kinks and poles."""
    op = ops.get(name)
    rng = np.random.default_rng([seed, len(name)])
    r, c = Env({}, SIZES).shape(a)
    needs = {op.domain: name} if op.domain else {}
    for _ in range(100):
        x = draw_matrix(rng, r, c, a.props, needs, "A")
        if op.sides is not None and np.min(np.abs(x)) < 1e-2:
            continue
        if op.pole is not None and np.min(op.pole(x)) < 2 * POLE_MARGIN:
            continue
        return x
    raise AssertionError(f"no point in the domain of {name}")


@pytest.mark.parametrize("name", CALLS)
def test_every_stage_is_present(name):
    op = ops.get(name)
    assert op.kind in ops.KINDS and op.arity >= 1 and set(op.args) <= {"expr", "size"}
    assert op.domain is None or op.domain in ops.DOMAINS
    assert op.value is not None, "no NumPy value"
    assert op.code, "no generated code"
    assert op.sympy is not None, "no SymPy form"   # (one that says SymPy has none: no_sympy)
    assert op.latex or op.same_as is not None, "no LaTeX form"   # solve(A, B): A^{-1}B
    assert op.d is not None and "=" in op.d.text, "no differential with its identity"
    assert op.deriv is not None or op.d.build is not None, "the differential is not built"
    if op.kind == "elementwise":
        assert op.deriv is not None
    if op.linear:
        assert op.vec is not None and op.adjoint is not None, "a linear map needs its vec " \
            "identity and its adjoint"
    if op.cell:
        assert ops.spelled(name) is op
    assert E.CALL_RULES[name] is op.build


@pytest.mark.parametrize("name", [n for n, op in ops.REGISTRY.items() if op.kind == "node"])
def test_node_entries_build_their_node(name):
    _, _, e = _cell(name)
    assert isinstance(e, NODES[name])
    assert set(ops.get(name).args) <= {"expr", "size"}


def test_notation_is_printed_and_never_written():
    for name in ops.names("notation"):
        op = ops.get(name)
        assert not op.cell and ops.spelled(name) is None
        a = E.sym("A", "m", "n")
        e = E.call(name, a)
        assert name in to_unicode(e) and to_latex(e) and to_text(e)


def _central(f, x: np.ndarray, v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return (f(x + h * v) - f(x - h * v)) / (2 * h)


def _with_direction(e: E.Expr, a: E.Sym, da: E.Sym) -> E.Expr:
    """e with the differential dA replaced by the symbol da (a value can be given to it)."""
    if isinstance(e, E.D):
        return da
    if not e.children:
        return e
    return E.rebuild(e, tuple(_with_direction(c, a, da) for c in e.children))


@pytest.mark.parametrize("name", WRITTEN)
def test_differential_agrees_with_finite_differences(name):
    cell, a, e = _cell(name)
    x = _point(name, a)
    v = np.random.default_rng(7).standard_normal(x.shape)
    da = E.Sym(a.shape, "dA")
    df, rules = differential(e, a)
    if name in CALLS:
        assert rules == [ops.get(name).d.text_for(e.children)]

    def f(y):
        with np.errstate(all="ignore"):
            return value(e, Env({"A": y}, SIZES))
    got = value(_with_direction(df, a, da), Env({"A": x, "dA": v}, SIZES))
    want = _central(f, x, v)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    square = ops.get(name).d_square
    if square is not None:   # d(f(A)²), the rule of its own
        df2, rules2 = differential(E.power(e, 2), a)
        assert rules2 == [square.text]
        got = value(_with_direction(df2, a, da), Env({"A": x, "dA": v}, SIZES))
        np.testing.assert_allclose(got, _central(lambda y: f(y) ** 2, x, v), rtol=1e-5,
                                   atol=1e-6)


def _vec(m: np.ndarray) -> np.ndarray:
    return m.reshape(-1, 1, order="F")


@pytest.mark.parametrize("name", [n for n in ONE_SYMBOL if ops.get(n).vec is not None])
def test_vec_identity_and_adjoint(name):
    op = ops.get(name)
    _, a, e = _cell(name)
    x = _point(name, a)
    env = Env({"A": x}, SIZES)
    local = op.vec.build(e) if op.vec.build is not None else E.identity(a.shape[0] * a.shape[1])
    np.testing.assert_allclose(value(local, env) @ _vec(x), _vec(value(e, env)), atol=1e-12)
    w = E.Sym(e.shape, "W")
    wv = np.random.default_rng(3).standard_normal(env.shape(e))
    env2 = Env({"A": x, "W": wv}, SIZES)
    w2 = value(op.adjoint.build(w, *e.children), env2)   # tr(Wᵀ f(A)) = tr(W'ᵀ A)
    assert np.isclose(np.sum(wv * value(e, env2)), np.sum(w2 * x))


@pytest.mark.parametrize("name", ONE_SYMBOL)
def test_generated_code_gives_the_value(name):
    op = ops.get(name)
    _, a, e = _cell(name)
    x = _point(name, a)
    ns: dict = {"np": np}
    # the engine's own helper code, not user text
    exec(codegen._HELPERS + codegen.group_helpers(op.code_group), ns)
    got = eval(op.code.format(*["A"] * op.arity), {**ns, "A": x})
    np.testing.assert_allclose(got, value(e, Env({"A": x}, SIZES)), rtol=1e-12)
    if op.code_apply:
        V = np.random.default_rng(1).standard_normal((value(e, Env({"A": x}, SIZES)).shape[1],
                                                     2))
        got = eval(op.code_apply.format("A", V="V"), {**ns, "A": x, "V": V})
        np.testing.assert_allclose(got, op.apply(x, V), rtol=1e-12)
        np.testing.assert_allclose(got, value(e, Env({"A": x}, SIZES)) @ V, rtol=1e-12)


class _Result:
    def __init__(self, e: E.Expr) -> None:
        self.result = e


@pytest.mark.parametrize("name", [n for n in ONE_SYMBOL if ops.get(n).no_sympy])
def test_no_sympy_form_says_so(name):
    _, a, e = _cell(name)
    with pytest.raises(MatdiffError, match="SymPy has no matrix expression"):
        export(_Result(e))


@pytest.mark.parametrize("name", [n for n in ONE_SYMBOL if not ops.get(n).no_sympy])
def test_sympy_form_gives_the_value(name):
    _, a, e = _cell(name)
    x = _point(name, a)
    got = evaluate_sympy(export(_Result(e)), {"A": x}, SIZES)
    np.testing.assert_allclose(got, value(e, Env({"A": x}, SIZES)), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", WRITTEN)
def test_printed_forms_parse_back(name):
    cell, _, e = _cell(name)
    assert parse_expr(to_text(e), cell.symbols) == e
    same = ops.get(e.name).same_as if isinstance(e, E.Call) else None
    # an operation the textbook writes in other nodes reads back as those: A^{-1}B is A⁻¹B
    assert parse_expr(to_latex(e), cell.symbols) == (e if same is None else same(*e.children))
    assert to_unicode(e)
    if name in CALLS:   # the pending differential prints around the same form
        assert to_unicode(e) in to_unicode(pending(e))


@pytest.mark.parametrize("name", [n for n in CALLS if ops.get(n).undoes or ops.get(n).parity
                                  or ops.get(n).of_transpose])
def test_identities_the_simplifier_reads(name):
    """f(g(u)) = u for the g an entry undoes, f(-u) = ±f(u) by its parity, f(Aᵀ) = f(A)."""
    op = ops.get(name)
    cell, a, e = _cell(name)

    def at(expr: E.Expr, x: np.ndarray) -> np.ndarray:
        return value(expr, Env({"A": x}, SIZES))
    if op.undoes:   # inside the domain of the inner function
        x = _point(op.undoes, a)
        np.testing.assert_allclose(at(E.call(name, E.call(op.undoes, a)), x), x, rtol=1e-12)
    x = _point(name, a)
    if op.parity:
        sign = -1 if op.parity == "odd" else 1
        np.testing.assert_allclose(at(E.call(name, E.neg(a)), x), sign * at(e, x), rtol=1e-12)
    if op.of_transpose:
        np.testing.assert_allclose(at(E.call(name, E.transpose(a)), x), at(e, x), rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in INTERNAL if ops.get(n).arity == 1])
def test_internal_entries_print_in_the_cell_language(name):
    """A result holding an internal entry prints in words the parser reads back: under the
    entry's own name (the same node), or written out in the cell language (the same value:
    σᵣ = ‖X‖₂ / cond(X), (λI - S)⁺ = (λI - S + v vᵀ)⁻¹ - v vᵀ)."""
    cell, a, e = _cell(name)
    back = parse_expr(to_text(e), cell.symbols)
    if ops.get(name).readable:
        assert back == e and ops.spelled(name) is ops.get(name)
    else:
        assert name not in to_text(e)
    x = _point(name, a)
    np.testing.assert_allclose(value(back, Env({"A": x}, SIZES)),
                               value(e, Env({"A": x}, SIZES)), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", [n for n in WRITTEN if ops.get(n).aliases or
                                  ops.get(n).latex_in])
def test_other_spellings_read_as_the_entry(name):
    """Aliases (σ(A)) and LaTeX commands (\\ln, \\Tr, \\log\\det) give the same node."""
    op = ops.get(name)
    cell, _, e = _cell(name)
    for alias in op.aliases:
        assert parse_expr(f"{alias}(A)", cell.symbols) == e
    for command in op.latex_in:
        tex = "".join("\\" + word for word in command.split())
        assert parse_expr(f"{tex}\\left(A\\right)", cell.symbols) == e, tex
