"""The green or red badges under a result: the numerical check's and a claim's verdict.

The same HTML is shown by the live stepper, the static output of a cell and a claim's own
``_repr_html_``, so that every view says pass or fail in the same words and colours.
"""

from __future__ import annotations

import html
from typing import Any

_PASS_STYLE = "background:#e6f4ea;color:#1e6b34;border:1px solid #34a853"
_FAIL_STYLE = "background:#fce8e6;color:#a50e0e;border:1px solid #d93025"
_BADGE_STYLE = "display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;"
# inline, as the badges': the row wraps inside its box even without the stylesheet
_BOX_STYLE = ("display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline;max-width:100%;"
              "line-height:1.4")


def _dims_text(dims: Any) -> str:
    if isinstance(dims, dict):
        return ", ".join(f"{k}={v}" for k, v in dims.items())
    return "" if dims is None else str(dims)


def check_summary(check: Any, layout: str | None = None) -> str:
    """One line about a CheckResult: pass/fail, its errors against the tolerance
    (check.error_phrase), the layout checked, where (sizes, seed)."""
    verdict = "passed" if check.passed else "FAILED"
    from ..numeric.check import error_phrase
    parts = [error_phrase(check, tolerance=getattr(check, "tol", None) is not None)]
    method = getattr(check, "method", None)
    details = [str(x) for x in (f"{layout} layout" if layout else None,
                                f"method {method}" if method else None,
                                _dims_text(getattr(check, "dims", None)),
                                f"seed {check.seed}" if getattr(check, "seed", None)
                                is not None else None) if x]
    if details:
        parts.append(", ".join(details))
    return f"numerical check {verdict}: " + "; ".join(parts)


def badge_html(check: Any, layout: str | None = None) -> str:
    """The pass/fail badge (green or red) for a CheckResult, or an error message; it wraps
    inside its box when the notebook is narrow."""
    if isinstance(check, BaseException):
        return (f'<span class="matdiff-badge matdiff-fail" style="{_BADGE_STYLE}{_FAIL_STYLE}">'
                f"numerical check could not run: {html.escape(str(check))}</span>")
    ok = bool(check.passed)
    cls = "matdiff-pass" if ok else "matdiff-fail"
    mark = "✔" if ok else "✘"
    verdict = "checked" if ok else "check FAILED"
    summary = check_summary(check, layout)
    return (f'<div class="matdiff-badge-box" style="{_BOX_STYLE}">'
            f'<span class="matdiff-badge {cls}" '
            f'style="{_BADGE_STYLE}{_PASS_STYLE if ok else _FAIL_STYLE}">{mark} {verdict}'
            f'</span><span class="matdiff-badge-text">{html.escape(summary)}</span></div>')


def verdict_badge_html(v: Any) -> str:
    """The badge for a claimed answer: green when correct, red with the slip otherwise."""
    if isinstance(v, BaseException):
        return (f'<span class="matdiff-claim matdiff-fail" style="{_BADGE_STYLE}{_FAIL_STYLE}">'
                f"the claim could not be judged: {html.escape(str(v))}</span>")
    ok = bool(v.correct)
    words = "not well-formed" if v.diagnosis == "not-well-formed" else v.diagnosis
    label = "✔ claim correct" if ok else f"✘ claim {words}"
    message, caret = v.message, ""
    if v.diagnosis == "not-well-formed" and "\n" in message:
        # the claim and the caret under the column, in monospace so that they line up
        message, caret = message.split("\n", 1)
        caret = (f'<pre class="matdiff-claim-caret" style="margin:4px 0 0;'
                 f'color:#a50e0e">{html.escape(caret)}</pre>')
    return (f'<span class="matdiff-claim {"matdiff-pass" if ok else "matdiff-fail"}" '
            f'style="{_BADGE_STYLE}{_PASS_STYLE if ok else _FAIL_STYLE}">'
            f"{html.escape(label)}</span> <span class=\"matdiff-claim-text\">"
            f"<code>{html.escape(v.claim)}</code>: {html.escape(message)}</span>{caret}")
