"""Accessibility helpers for the e2e suite (issue 11): axe-core runs, overflow checks.

axe-core comes from npm (node_modules/axe-core/axe.min.js, a devDependency).
The app's CSP is script-src 'self', so a <script> with inline content would be
refused: the contexts these helpers open use Playwright's bypass_csp=True, and
only these contexts (every other e2e test keeps the real CSP).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from . import kit

AXE_PATH = kit.ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_AXE_RUN = """async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                         resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                           summary: (n.failureSummary || '').replace(/\\s+/g, ' ')}))
  }));
}"""


def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.skip("axe-core is missing: run `npm ci` (make install-test does)")
    return AXE_PATH.read_text(encoding="utf-8")


class Axe:
    """Collects axe-core violations screen by screen; `assert_clean()` fails with all of them."""

    def __init__(self, page: Page, label: str = ""):
        self.page = page
        self.label = label
        self.source = axe_source()
        self.found: list[str] = []
        self.screens: list[str] = []

    def check(self, screen: str) -> list[dict]:
        page = self.page
        expect(page.locator("h1").first).to_be_visible()
        page.wait_for_load_state("load")
        page.wait_for_timeout(80)  # let a swap's transitions settle before colours are sampled
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=self.source)
        violations = page.evaluate(_AXE_RUN, WCAG_22_AA)
        name = f"{screen}{' (' + self.label + ')' if self.label else ''}"
        self.screens.append(name)
        path = kit_path(page.url)
        for v in violations:
            lines = [f"{name} {path}: {v['id']} [{v['impact']}] {v['help']}"]
            for node in v["nodes"]:
                lines.append(f"      at {node['target']}  {node['html']}")
                lines.append(f"         {node['summary'][:300]}")
            self.found.append("\n".join(lines))
        for small in small_targets(page):
            self.found.append(f"{name} {path}: touch target under 44 px: {small}")
        return violations

    def assert_clean(self) -> None:
        assert not self.found, (f"axe-core found WCAG 2.2 AA violations on {len(self.found)} "
                                f"rule×screen(s):\n" + "\n".join(self.found))


def kit_path(url: str) -> str:
    import re

    return re.sub(r"^https?://[^/]+", "", url)


OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // visually hidden helpers (clip: 1px boxes) and anything inside a scroll box are fine
    if (r.width <= 1 && r.height <= 1) continue;
    let scroller = el.parentElement, inside = false;
    while (scroller && scroller !== document.body) {
      const o = getComputedStyle(scroller).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { inside = true; break; }
      scroller = scroller.parentElement;
    }
    if (inside) continue;
    if (r.right > width + 1 && r.left < width) {  // off-screen-left helpers (skip link) are fine
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
               `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
               ` left=${Math.round(r.left)} right=${Math.round(r.right)} (viewport ${width})`);
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: width, out: out.slice(0, 12)};
}"""


def overflow(page: Page) -> list[str]:
    """What sticks out of the viewport sideways ([] when nothing does)."""
    found = page.evaluate(OVERFLOW_JS)
    problems = list(found["out"])
    if found["scrollWidth"] > found["clientWidth"] + 1:
        problems.insert(0, f"the page scrolls sideways: scrollWidth {found['scrollWidth']} > "
                           f"clientWidth {found['clientWidth']}")
    return problems


TARGETS_JS = """min => {
  const out = [];
  const seen = new Set();
  const visible = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 1 && r.height > 1; };
  const name = el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
    `${typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
    ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 24)}"`;
  for (const el of document.querySelectorAll(
      'button, input:not([type=hidden]), select, textarea, a.button, summary, [role=button]')) {
    if (!visible(el) || el.closest('.skip-link')) continue;
    // a checkbox or radio counts with its label row (the whole row is clickable)
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio') box = el.closest('.checkbox, .radio, .radios__item, label') || el;
    if (seen.has(box)) continue;
    seen.add(box);
    const r = box.getBoundingClientRect();
    if (r.height < min - 0.5 || r.width < min - 0.5)
      out.push(`${name(el)} is ${Math.round(r.width)}×${Math.round(r.height)} px`);
  }
  return out;
}"""


def small_targets(page: Page, minimum: int = 44) -> list[str]:
    """Controls smaller than minimum×minimum CSS px (a checkbox counts with its label row)."""
    return page.evaluate(TARGETS_JS, minimum)


def context_options(pw, device: str, **extra) -> dict:
    options = kit.context_options(pw, device, True)
    options.update(bypass_csp=True, **extra)
    return options


__all__ = ["small_targets", "Axe", "AXE_PATH", "WCAG_22_AA", "overflow", "context_options", "axe_source"]
