"""Citations in headless Chromium: `[n]` is a button that opens its passage, the whole document
opens scrolled to that passage and highlighted, an older answer's `[n]` still opens its own
passage, a new answer is shown from its top, a flagged conversation says so, Copy gives Markdown.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT
from tests.web.test_browser import ask, shot, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def page(chromium, request):
    web_app = request.getfixturevalue("web_app")  # after `chromium`: no server when the browser is skipped
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_app.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(web_app.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def in_view(page, selector: str, within: str | None = None) -> bool:
    """True when the last match's top is inside the viewport (and inside `within`'s visible box)."""
    return page.evaluate(
        """([sel, within]) => {
          const all = document.querySelectorAll(sel); const el = all[all.length - 1]; if (!el) return false;
          const r = el.getBoundingClientRect();
          if (r.top < 0 || r.top > window.innerHeight) return false;
          if (!within) return true;
          const box = document.querySelector(within).getBoundingClientRect();
          return r.top >= box.top - 1 && r.top < box.bottom;
        }""",
        [selector, within],
    )


def hidden_source(card, n: str) -> str:
    return card.locator(f".tc-sources .tc-n-{n} .tc-src-text").text_content()


def test_a_citation_opens_its_passage_and_the_document_at_it_highlighted(page):
    card = ask(page, "How do I stretch the QL?")
    cite = card.locator(".tc-steps .tc-cite").first
    n = cite.inner_text().strip("[]")
    cite.click()
    pop = page.locator("#tc-pop")
    pop.wait_for()
    assert pop.get_attribute("role") == "dialog"
    assert pop.locator(".tc-pop-title").inner_text().startswith(f"[{n}] QL Hip Hike")
    passage = pop.locator(".tc-pop-text").inner_text()
    assert passage.strip() and passage.strip() == hidden_source(card, n).strip()
    shot(page, "citation-popover")
    pop.locator(".tc-pop-open").click()
    page.wait_for_selector("#document #tc-hl")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'tc-hl'")
    highlighted = " ".join(page.locator("#document .tc-hl").all_inner_texts())
    assert highlighted and highlighted.split()[-1].strip(".") in passage
    assert in_view(page, "#document #tc-hl")
    assert page.locator("#tc-pop").count() == 0
    shot(page, "document-highlighted")


def test_an_older_answer_keeps_its_own_citations(page):
    ask(page, "How do I stretch the QL?")
    ask(page, "How do I release the psoas?")
    old = page.locator("#chat .bot-row").first
    cite = old.locator(".tc-cite").first
    n = cite.inner_text().strip("[]")
    cite.scroll_into_view_if_needed()
    cite.click()
    pop = page.locator("#tc-pop")
    pop.wait_for()
    assert pop.locator(".tc-pop-title").inner_text().startswith(f"[{n}] QL Hip Hike")
    assert pop.locator(".tc-pop-text").inner_text().strip() == hidden_source(old, n).strip()
    page.keyboard.press("Escape")
    assert page.locator("#tc-pop").count() == 0
    newest = page.locator("#chat .bot-row").last.locator(".tc-cite").first
    newest.scroll_into_view_if_needed()
    newest.click()
    assert "Psoas" in page.locator("#tc-pop .tc-pop-title").inner_text()


def test_new_answers_open_at_their_top_and_a_flagged_conversation_says_so(page):
    ask(page, "How do I stretch the QL?")
    page.wait_for_timeout(300)
    assert in_view(page, "#chat .bot-row .tc-card > h2", "#chat [role=log]")
    assert not page.locator("#flag-text").is_visible()
    ask(page, "Numb saddle area and can't control her bladder since this morning. QL stretch?")
    page.wait_for_timeout(300)
    heading = "#chat .bot-row .tc-redflag h2"
    assert "EMERGENCY" in page.locator(heading).last.inner_text()
    assert in_view(page, heading, "#chat [role=log]")
    notice = page.locator("#flag-text")
    notice.wait_for(state="visible")
    assert "red flag" in notice.inner_text()
    shot(page, "flag-notice")
    page.locator("#flag-new").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .bot-row').length === 0")
    notice.wait_for(state="hidden")


def test_copy_gives_the_answer_as_markdown(page):
    card = ask(page, "How do I stretch the QL?")
    card.hover()
    page.locator("#chat button[aria-label='Copy message']").last.click()
    page.wait_for_timeout(200)
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("## QL Hip Hike") and "**Cautions**" in text and "**Disclaimer:**" in text
    assert "<div" not in text and "tc-cite" not in text
    wait_text(page, "#chat", "QL Hip Hike")


def test_on_a_phone_a_citation_opens_as_a_sheet(chromium, web_app):
    """Also writes the README's 390 px screenshots (docs/screenshot-phone-*.png) when missing or
    when TECHNIQUES_UPDATE_SCREENSHOT=1."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(web_app.url)
        page.wait_for_selector("#question textarea")
        card = ask(page, "How do I stretch the QL?")
        page.wait_for_timeout(400)
        page.locator("#chat").scroll_into_view_if_needed()
        assert in_view(page, "#chat .bot-row .tc-card > h2", "#chat [role=log]")
        update = os.environ.get("TECHNIQUES_UPDATE_SCREENSHOT") == "1"
        answer_shot, sources_shot = ROOT / "docs" / "screenshot-phone-answer.png", ROOT / "docs" / "screenshot-phone-sources.png"
        if update or not answer_shot.exists():
            page.screenshot(path=str(answer_shot))
        card.locator(".tc-steps .tc-cite").first.tap()
        sheet = page.locator("#tc-pop.tc-sheet")
        sheet.wait_for()
        box = sheet.bounding_box()
        assert box["x"] == 0 and box["width"] == 390 and abs(box["y"] + box["height"] - 844) <= 1  # a sheet at the bottom
        assert sheet.locator(".tc-pop-open").bounding_box()["height"] >= 44
        if update or not sources_shot.exists():
            page.screenshot(path=str(sources_shot))
    finally:
        context.close()
