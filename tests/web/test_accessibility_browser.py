"""Accessibility in headless Chromium: axe-core (its npm package, installed into tests/web/axe
when missing) on the Chat, Library and Study tabs at 1366 px and 390 px finds no serious or
critical WCAG 2.1 A/AA violation; at 390 px the page opens at its top, with one h1, a labelled
question box, visible focus and touch targets of at least 44 px."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.web.test_browser import ask

pytestmark = [pytest.mark.browser, pytest.mark.integration]

AXE_DIR = Path(__file__).with_name("axe")
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
TABS = ("Chat", "Library", "Study")
RUN_AXE = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's browser build, installed with npm (the pinned version in tests/web/axe) when missing."""
    if not AXE.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=AXE_DIR, check=True, timeout=300)
    return str(AXE)


def open_page(chromium, url: str, width: int):
    context = chromium.new_context(viewport={"width": width, "height": 900 if width > 600 else 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return context, page


@pytest.mark.parametrize("width", [1366, 390])
def test_no_serious_or_critical_axe_violations(chromium, web_app, axe_script, width):
    context, page = open_page(chromium, web_app.url, width)
    try:
        ask(page, "How do I stretch the QL?")
        found = {}
        for tab in TABS:
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(600)
            page.add_script_tag(path=axe_script)
            violations = page.evaluate(RUN_AXE)
            if violations:
                found[tab] = violations
        assert not found, found
    finally:
        context.close()


def test_a_phone_opens_at_the_top_with_a_labelled_question_box_and_large_targets(chromium, web_app):
    context, page = open_page(chromium, web_app.url, 390)
    try:
        page.wait_for_timeout(800)
        assert page.evaluate("window.scrollY") == 0
        assert page.locator("h1").count() == 1 and "technique assistant" in page.locator("h1").inner_text().lower()
        assert page.get_by_label("Your question").count() >= 1
        small = page.evaluate("""() => [...document.querySelectorAll('button, [role=tab], label:has(input[type=radio]), a[href]')]
          .filter(el => el.offsetParent !== null && !el.closest('.tc-offscreen'))
          .map(el => { const r = el.getBoundingClientRect(); return {t: (el.innerText || el.getAttribute('aria-label') || el.id || el.tagName).slice(0, 40), w: r.width, h: r.height}; })
          .filter(x => x.h < 44 && x.w > 0)""")
        assert not small, small
        page.locator("#question textarea").focus()
        page.keyboard.press("Tab")
        outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
        assert outline[0] != "none" or outline[2] != "none", outline
    finally:
        context.close()
