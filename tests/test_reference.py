"""SPEC §2 reference cases: textbook forms, the order of the steps, and the values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd_jacobian, make_values, rand_spd, vec

from matdiff_magic import derive
from matdiff_magic.numeric.values import commutation

# id, cell, wrt, Unicode, str(), LaTeX, kind
REFERENCE = [
    ("AXB", "A : p x m\nX : m x n\nB : n x q\nA X B", "X",
     "Bᵀ ⊗ A", "B' ⊗ A", r"B^{\top} \otimes A", "jacobian"),
    ("transpose", "X : m x n\nX'", "X", "K_mn", "K_{m,n}", "K_{mn}", "jacobian"),
    ("XYtX", "X, Y : m x n\nX Y' X", "X",
     "XᵀY ⊗ I_m + I_n ⊗ XYᵀ", "X' Y ⊗ I_m + I_n ⊗ X Y'",
     r"X^{\top} Y \otimes I_{m} + I_{n} \otimes X Y^{\top}", "jacobian"),
    ("inverse", "X : n x n\ninv(X)", "X", "-(X⁻ᵀ ⊗ X⁻¹)", "-(X^-T ⊗ X^-1)",
     r"-\left(X^{-\top} \otimes X^{-1}\right)", "jacobian"),
    ("hadamard-square", "X : m x n\nX .* X", "X", "2 diag(vec X)", "2 diag(vec(X))",
     r"2 \operatorname{diag}\left(\operatorname{vec} X\right)", "jacobian"),
    ("exp-sandwich", "A : p x m\nB : m x n\nX : n x q\nC : q x m\nD : m x p\nA exp(B X C) D",
     "X", "(Dᵀ ⊗ A) diag(vec exp(BXC)) (Cᵀ ⊗ B)",
     "(D' ⊗ A) diag(vec(exp(B X C))) (C' ⊗ B)",
     r"\left(D^{\top} \otimes A\right) \operatorname{diag}\left(\operatorname{vec} "
     r"\exp\left(B X C\right)\right) \left(C^{\top} \otimes B\right)", "jacobian"),
    ("trace", "A : p x m\nX : m x n\nB : n x p\ntr(A X B)", "X", "AᵀBᵀ", "A' B'",
     r"A^{\top} B^{\top}", "gradient"),
    ("logdet-spd", "X : n x n spd\nlogdet(X)", "X", "X⁻¹", "X^-1", "X^{-1}", "gradient"),
    ("logdet", "X : n x n\nlogdet(X)", "X", "X⁻ᵀ", "X^-T", r"X^{-\top}", "gradient"),
    ("det", "X : n x n\ndet(X)", "X", "det(X) X⁻ᵀ", "det(X) X^-T",
     r"\det\left(X\right) X^{-\top}", "gradient"),
    ("quadratic", "x : n\nA : n x n\nx' A x", "x", "(A + Aᵀ) x", "(A + A') x",
     r"\left(A + A^{\top}\right) x", "gradient"),
    ("quadratic-symmetric", "x : n\nA : n x n symmetric\nx' A x", "x", "2 Ax", "2 A x",
     "2 A x", "gradient"),
]
IDS = [r[0] for r in REFERENCE]


@pytest.mark.parametrize("rid, cell, wrt, uni, text, latex, kind", REFERENCE, ids=IDS)
def test_textbook_form(rid, cell, wrt, uni, text, latex, kind):
    d = derive(cell, wrt=wrt)
    assert d.kind == kind
    assert d.result_unicode() == uni
    assert str(d.result) == text
    assert d.latex() == latex


@pytest.mark.parametrize("rid, cell, wrt, uni, text, latex, kind", REFERENCE, ids=IDS)
def test_steps_follow_the_method(rid, cell, wrt, uni, text, latex, kind):
    d = derive(cell, wrt=wrt)
    rules = [s.rule for s in d.steps]
    assert len(d.steps) >= 4
    assert rules[0] == "the problem"
    assert rules[1].startswith("take the differential")
    if kind == "jacobian":
        rules = rules[:-1] if d.index_step else rules
        assert rules[-1].startswith("identify the Jacobian")
        middle = rules[2:-1]
        assert middle and all("vec" in r or "simplify" in r or "expand" in r or
                              r.startswith("the differential: ") for r in middle)
        assert any(r.startswith("vec(") for r in middle)
    else:
        rules = rules[:-1] if d.index_step else rules
        assert rules[-1].startswith("identify the gradient")
        i_trace = next(i for i, r in enumerate(rules) if r.startswith("trace method"))
        i_vec = next(i for i, r in enumerate(rules) if r.startswith("tr(") and "= vec(" in r)
        assert 1 < i_trace < i_vec < len(rules) - 1
    for s in d.steps:
        assert s.rule.strip() and s.text.strip() and s.latex.strip()
    # the last step states the result; the first one the problem
    assert d.result_step.text.endswith(uni)
    assert d.result_step.latex.endswith(latex)
    if d.index_step:   # then the result entry by entry, as index_form() gives it
        assert d.steps[-1].text == d.index_form().text
        assert d.steps[-1].rule.startswith("entry by entry")
    assert wrt in d.steps[0].text
    # d.text() renders every step
    full = d.text()
    for s in d.steps:
        assert s.rule in full and s.text in full


@pytest.mark.parametrize("rid, cell, wrt, uni, text, latex, kind", REFERENCE, ids=IDS)
def test_differential_step_names_its_rule(rid, cell, wrt, uni, text, latex, kind):
    """The step 'take the differential: ...' says which rule was applied (SPEC §4: 'the rule
    applied at each step in words')."""
    steps = derive(cell, wrt=wrt).steps
    head, _, named = steps[1].rule.partition(":")
    assert head in ("take the differential", "take the differential, one rule at a time")
    assert named.strip(), f"no rule named in {steps[1].rule!r}"
    # one rule a step: each further step of the differential names one identity
    for s in steps[2:]:
        if s.rule.startswith("the differential: "):
            assert ";" not in s.rule and "=" in s.rule


def _values(rid, rng):
    specs = {
        "AXB": {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "B": ("gen", "n", "q")},
        "transpose": {"X": ("gen", "m", "n")},
        "XYtX": {"X": ("gen", "m", "n"), "Y": ("gen", "m", "n")},
        "inverse": {"X": ("inv", "n")},
        "hadamard-square": {"X": ("gen", "m", "n")},
        "exp-sandwich": {"A": ("gen", "p", "m"), "B": ("gen", "m", "n"), "X": ("gen", "n", "q"),
                         "C": ("gen", "q", "m"), "D": ("gen", "m", "p")},
        "trace": {"A": ("gen", "p", "m"), "X": ("gen", "m", "n"), "B": ("gen", "n", "p")},
        "logdet-spd": {"X": ("spd", "n")},
        "logdet": {"X": ("inv", "n")},
        "det": {"X": ("inv", "n")},
        "quadratic": {"x": ("gen", "n"), "A": ("gen", "n", "n")},
        "quadratic-symmetric": {"x": ("gen", "n"), "A": ("sym", "n")},
    }
    return make_values(rng, specs[rid])


def _closed_form(rid, v):
    """The textbook formula, written directly in NumPy."""
    inv = np.linalg.inv
    if rid == "AXB":
        return np.kron(v["B"].T, v["A"])
    if rid == "transpose":
        return commutation(*v["X"].shape)
    if rid == "XYtX":
        X, Y = v["X"], v["Y"]
        m, n = X.shape
        return np.kron(X.T @ Y, np.eye(m)) + np.kron(np.eye(n), X @ Y.T)
    if rid == "inverse":
        return -np.kron(inv(v["X"]).T, inv(v["X"]))
    if rid == "hadamard-square":
        return 2 * np.diag(vec(v["X"]))
    if rid == "exp-sandwich":
        A, B, X, C, D = (v[k] for k in "ABXCD")
        return np.kron(D.T, A) @ np.diag(vec(np.exp(B @ X @ C))) @ np.kron(C.T, B)
    if rid == "trace":
        return v["A"].T @ v["B"].T
    if rid in ("logdet-spd", "logdet"):
        return inv(v["X"]).T
    if rid == "det":
        return np.linalg.det(v["X"]) * inv(v["X"]).T
    if rid == "quadratic":
        return (v["A"] + v["A"].T) @ v["x"]
    if rid == "quadratic-symmetric":
        return 2 * v["A"] @ v["x"]
    raise KeyError(rid)


def _numpy_target(rid):
    return {
        "AXB": lambda v: v["A"] @ v["X"] @ v["B"],
        "transpose": lambda v: v["X"].T,
        "XYtX": lambda v: v["X"] @ v["Y"].T @ v["X"],
        "inverse": lambda v: np.linalg.inv(v["X"]),
        "hadamard-square": lambda v: v["X"] * v["X"],
        "exp-sandwich": lambda v: v["A"] @ np.exp(v["B"] @ v["X"] @ v["C"]) @ v["D"],
        "trace": lambda v: np.trace(v["A"] @ v["X"] @ v["B"]),
        "logdet-spd": lambda v: np.linalg.slogdet(v["X"])[1],
        "logdet": lambda v: np.linalg.slogdet(v["X"])[1],
        "det": lambda v: np.linalg.det(v["X"]),
        "quadratic": lambda v: (v["x"].T @ v["A"] @ v["x"]).item(),
        "quadratic-symmetric": lambda v: (v["x"].T @ v["A"] @ v["x"]).item(),
    }[rid]


@pytest.mark.parametrize("rid, cell, wrt, uni, text, latex, kind", REFERENCE, ids=IDS)
def test_values_match_numpy(rid, cell, wrt, uni, text, latex, kind, rng):
    v = _values(rid, rng)
    got = derive(cell, wrt=wrt).evaluate(v)
    np.testing.assert_allclose(got, _closed_form(rid, v), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got, fd_jacobian(_numpy_target(rid), v, wrt),
                               rtol=1e-6, atol=1e-7)


def test_symmetric_property_simplifies_only_at_the_point(rng):
    """With A declared symmetric the printed form uses Aᵀ = A, and the values agree with the
    general formula at a symmetric point."""
    A = rand_spd(rng, 4)
    x = rng.standard_normal((4, 1))
    plain = derive("x : n\nA : n x n\nx' A x", wrt="x").evaluate({"x": x, "A": A})
    sym = derive("x : n\nA : n x n symmetric\nx' A x", wrt="x").evaluate({"x": x, "A": A})
    np.testing.assert_allclose(plain, sym, rtol=1e-12)


# --- further textbook forms (SPEC §2: like terms combined, identities and ones removed,
# scalar factors in front) --------------------------------------------------------------------

def test_like_terms_are_combined_for_trace_of_cube():
    # d tr(X³) = 3 tr(X² dX): the three terms are the same matrix (Xᵀ)².
    d = derive("X : n x n\ntr(X^3)", wrt="X")
    assert d.result_unicode() in ("3 (Xᵀ)²", "3 (X²)ᵀ", "3 XᵀXᵀ")


def test_softmax_gradient_has_scalar_factor_in_front():
    # ∂/∂x log(sum(exp(x))) = exp(x) / sum(exp(x)): no Hadamard product with a ones vector.
    d = derive("x : n\nlog(sum(exp(x)))", wrt="x")
    u = d.result_unicode()
    assert "∘" not in u and "𝟏_n" not in u, u


def test_gradient_of_trace_of_diag_is_ones():
    # tr(diag(x)) = 1ᵀx, so the gradient is 1_n, not diag(I_n).
    d = derive("x : n\ntr(diag(x))", wrt="x")
    assert d.result_unicode() == "𝟏_n"


def test_rules_are_written_in_letters_the_cell_does_not_use():
    """vec(AXB) = (Bᵀ ⊗ A) vec X, applied in a cell with its own A, B and X, would give one
    letter two meanings in a step: the identity's letters are renamed."""
    d = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nA exp(B X C) D", wrt="X")
    rules = " ".join(s.rule for s in d.steps[1:-1])
    assert "vec(AXB)" not in rules and "(Bᵀ ⊗ A)" not in rules
    assert "vec(PQR) = (Rᵀ ⊗ P) vec Q" in rules
    plain = derive("Y : m x n\nZ : n x q\nY Z", wrt="Y")
    assert any("vec(XB) = (Bᵀ ⊗ I) vec X" in s.rule for s in plain.steps)  # no clash: kept


def test_expansion_step_names_the_variable():
    d = derive("W : m x n\nX : n x q\ntr((W X)' (W X))", wrt="W")
    assert any("one dW each" in s.rule for s in d.steps)
    assert not any("one dX each" in s.rule for s in d.steps)


def test_steps_give_the_sizes_a_student_needs():
    d = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nF = A exp(B X C) D",
               wrt="X")
    assert d.steps[0].text.endswith("sizes: A p×r, B r×m, C n×s, D s×q")
    vec_rules = " ".join(s.rule for s in d.steps if s.rule.startswith("vec"))
    assert "Dᵀ ⊗ A is pq×rs" in vec_rules and "Cᵀ ⊗ B is rs×mn" in vec_rules


def test_one_identity_a_step():
    """A exp(B X C) D: vec(AMD) = (Dᵀ ⊗ A) vec M, vec(E ∘ N) = diag(vec E) vec N,
    vec(B dX C) = (Cᵀ ⊗ B) vec dX, each a step, then their product."""
    d = derive("A : p x r\nB : r x m\nX : m x n\nC : n x s\nD : s x q\nF = A exp(B X C) D",
               wrt="X")
    texts = [s.text for s in d.steps]
    assert "vec(A(exp(BXC) ∘ (B dX C)) D) = (Dᵀ ⊗ A) vec(exp(BXC) ∘ (B dX C))" in texts
    assert "vec(exp(BXC) ∘ (B dX C)) = diag(vec exp(BXC)) vec(B dX C)" in texts
    assert "vec(B dX C) = (Cᵀ ⊗ B) vec dX" in texts
    for s in d.steps[2:5]:
        assert ";" not in s.rule.split("; D")[0].split("; C")[0]   # one identity each
