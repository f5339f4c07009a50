"""The layout check of the browser tests: is any equation of a matdiff output cut off?"""

# every visible equation (MathJax's mjx-math, or MathML, not MathJax's own hidden copy for
# screen readers) and every row of a matdiff output: walking up to its output area, its box
# inside every ancestor that clips; where it is wider than an ancestor that scrolls
# sideways, that ancestor does scroll, and from there on the ancestor's box must be seen
CUT_JS = """() => {
  const out = [], areas = new Set();
  const shown = el => el.getClientRects().length > 0 && !el.closest('mjx-assistive-mml')
                      && getComputedStyle(el).visibility !== 'hidden';
  const box = el => {
    if (el.tagName.toLowerCase() !== 'math') return el.getBoundingClientRect();
    let l = Infinity, r = -Infinity;    // a block <math> is as wide as its line: its content
    for (const k of el.children) { const b = k.getBoundingClientRect(); l = Math.min(l, b.left);
                                   r = Math.max(r, b.right); }
    return {left: l, right: r};
  };
  const name = el => {
    const where = el.closest('.matdiff-eq, .matdiff-rule-text, .matdiff-view') || el;
    return el.tagName.toLowerCase() + ' in ' + where.className + ' «'
           + where.textContent.replace(/\\s+/g, ' ').slice(0, 50) + '»'; };
  const parts = document.querySelectorAll(
    '.matdiff-view mjx-math, .matdiff-view math, .matdiff-view .matdiff-badge-box,'
    + ' .matdiff-view .matdiff-controls, .matdiff-view .matdiff-layout-row,'
    + ' .matdiff-view .matdiff-title, .matdiff-view .matdiff-result-box,'
    + ' .matdiff-view .matdiff-picture svg');
  for (const el of parts) {
    if (!shown(el)) continue;
    const area = el.closest('.jp-OutputArea-output');
    if (!area) continue;
    areas.add(area);
    // what must be seen: the element's box; past an ancestor that scrolls, that ancestor's
    let r = box(el), cut = null;
    for (let p = el.parentElement; p && !cut; p = p.parentElement) {
      const ox = p === area ? 'hidden' : getComputedStyle(p).overflowX;
      const pr = p.getBoundingClientRect();
      const inside = r.right <= pr.right + 1 && r.left >= pr.left - 1;
      if (ox === 'auto' || ox === 'scroll') {
        if (r.left < pr.left - 1) cut = 'sticks out on the left of its scroller';
        else if (!inside) {
          p.scrollLeft = 1e6;
          if (p.scrollLeft === 0) cut = 'does not scroll';
          p.scrollLeft = 0;
        }
        r = pr;
      } else if (ox !== 'visible' && !inside) {
        cut = p === area ? 'outside its output' : 'clipped by ' + p.className;
      }
      if (p === area) break;
    }
    if (cut) out.push(cut + ': ' + name(el));
  }
  for (const area of areas) {   // and the output area inside the notebook's view
    const nb = area.closest('.jp-WindowedPanel-outer, .jp-Notebook');
    const right = Math.min(nb ? nb.getBoundingClientRect().right : Infinity, window.innerWidth);
    if (area.getBoundingClientRect().right > right + 1) out.push('output area cut');
  }
  return out;
}"""
