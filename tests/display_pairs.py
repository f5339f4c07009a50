"""The magic shows each derivation as two outputs: the widget, then the static face."""

from __future__ import annotations

from matdiff_magic.notebook.widget import WIDGET_MIME, WIDGET_PLAIN


def paired(outputs: list[dict]) -> list[dict]:
    """One dict per derivation: a widget output (widget view + a fixed text/plain) followed
    by its static output (text/plain, text/latex, text/html, no widget) merged into one;
    fails if the outputs do not come in that order."""
    merged: list[dict] = []
    pending: dict | None = None
    for data in outputs:
        if WIDGET_MIME in data:
            assert pending is None, "two widget outputs in a row"
            assert set(data) == {WIDGET_MIME, "text/plain"}, set(data)
            assert data["text/plain"] == WIDGET_PLAIN
            pending = data
            continue
        assert pending is not None, "a static output without its widget"
        assert {"text/plain", "text/latex", "text/html"} <= set(data), set(data)
        merged.append({**data, WIDGET_MIME: pending[WIDGET_MIME]})
        pending = None
    assert pending is None, "a widget output without its static output"
    return merged
