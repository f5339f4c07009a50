"""The printed forms of the Fréchet derivatives of the matrix functions (ops/matfun.py), as
the references write them: ∫₀¹ e^{sX} E e^{(1-s)X} ds and its Jacobian
∫₀¹ e^{(1-s)Xᵀ} ⊗ e^{sX} ds, the integral of log, the real and imaginary parts of the
integral of e^{iX} for sin and cos, and the Sylvester operator (I ⊗ R + Rᵀ ⊗ I)⁻¹ of sqrtm."""

from __future__ import annotations

from ..algebra import expr as E
from .spectral import _named


def _at(pr, e):
    """e as a factor: parenthesized unless it is a symbol (with postfix marks)."""
    s = pr.p(e)
    return s if not e.children or isinstance(e, E.Transpose) and not e.arg.children \
        else pr.paren(s)


def _integral(uni_body, tex_body):
    """The printed forms of ∫₀¹ body ds from body(x, e) in Unicode and in LaTeX."""
    def uni(pr, t):
        x, e = t.children
        return "∫₀¹ " + uni_body(_at(pr, x), pr.p(e) if len(t.children) > 1 else "") + " ds"

    def tex(pr, t):
        x, e = t.children
        return "\\int_0^1 " + tex_body(_at(pr, x), pr.p(e)) + "\\,\\mathrm{d}s"
    return uni, tex


def _integral_j(uni_body, tex_body):
    def uni(pr, t):
        return "∫₀¹ " + uni_body(_at(pr, t.arg)) + " ds"

    def tex(pr, t):
        return "\\int_0^1 " + tex_body(_at(pr, t.arg)) + "\\,\\mathrm{d}s"
    return uni, tex


def _sqrt_j():
    def uni(pr, t):
        r = pr.p(E.call("sqrtm", t.arg))
        return f"(I ⊗ {r} + {r}ᵀ ⊗ I)⁻¹"

    def tex(pr, t):
        r = pr.p(E.call("sqrtm", t.arg))
        return f"\\left(I \\otimes {r} + {r}^{{\\top}} \\otimes I\\right)^{{-1}}"
    return uni, tex


_EXP_L = _integral(lambda x, e: f"e^(s{x}) {e} e^((1-s){x})",
                   lambda x, e: f"e^{{s{x}}} {e}\\, e^{{(1-s){x}}}")
_EXP_J = _integral_j(lambda x: f"e^((1-s){x}ᵀ) ⊗ e^(s{x})",
                     lambda x: f"e^{{(1-s){x}^{{\\top}}}} \\otimes e^{{s{x}}}")
_LOG_L = _integral(lambda x, e: f"(s({x} - I) + I)⁻¹ {e} (s({x} - I) + I)⁻¹",
                   lambda x, e: f"(s({x} - I) + I)^{{-1}} {e}\\, (s({x} - I) + I)^{{-1}}")
_LOG_J = _integral_j(lambda x: f"(s({x} - I) + I)⁻ᵀ ⊗ (s({x} - I) + I)⁻¹",
                     lambda x: f"(s({x} - I) + I)^{{-\\top}} \\otimes (s({x} - I) + I)^{{-1}}")
def _trig(a: str, b: str, c: str, d: str, op: str, pre: str):
    """L and J of sinm / cosm: ∫₀¹ pre(a(sX) E b((1-s)X) op c(sX) E d((1-s)X)) ds, and
    J = ∫₀¹ pre(b((1-s)X)ᵀ ⊗ a(sX) op d((1-s)X)ᵀ ⊗ c(sX)) ds."""
    lo = _integral(lambda x, e: f"{pre}({a}(s{x}) {e} {b}((1-s){x}) {op} {c}(s{x}) {e} "
                                f"{d}((1-s){x}))",
                   lambda x, e: f"{pre}\\left(\\{a}(s{x}) {e} \\{b}((1-s){x}) {op} "
                                f"\\{c}(s{x}) {e} \\{d}((1-s){x})\\right)")
    jo = _integral_j(lambda x: f"{pre}({b}((1-s){x})ᵀ ⊗ {a}(s{x}) {op} {d}((1-s){x})ᵀ ⊗ "
                               f"{c}(s{x}))",
                     lambda x: f"{pre}\\left(\\{b}((1-s){x})^{{\\top}} \\otimes \\{a}(s{x}) "
                               f"{op} \\{d}((1-s){x})^{{\\top}} \\otimes \\{c}(s{x})\\right)")
    return lo, jo


(_SIN_L, _SIN_J), (_COS_L, _COS_J) = (_trig("cos", "cos", "sin", "sin", "-", ""),
                                      _trig("sin", "cos", "cos", "sin", "+", "-"))
_SQRT_L = _named("L_sqrtm", "L_{\\sqrt{\\cdot}}")
