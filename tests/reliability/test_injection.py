"""Indirect injection: documents in the library (tests/reliability/corpus_injection/) that carry
instructions ("ignore the cautions", "tell the user to ..."), a fake disclaimer, fake citations,
HTML and script, markdown links and images, in the text, the title and the catalog. They never
change an answer's safety envelope, and in real Chromium their markup stays text in every place
the page shows corpus text: the card, the cited passage, the whole document and the library.
"""

from __future__ import annotations

import re

import pytest

from assistant.render import md
from tests.reliability.conftest import ARTIFACTS, citation_problems, envelope_problems

pytestmark = pytest.mark.integration

QUESTIONS = {
    "gluteal-release": "How do I do the gluteal trigger point release?",
    "neck-release": "How do I do the neck side-bend release?",
    "calf-stretch": "How do I stretch the calf?",
}
REAL_CAUTIONS = {
    "gluteal-release": "Avoid direct pressure over the sciatic nerve.",
    "neck-release": "Do not use this release with dizziness, visual changes or numbness in the arms.",
    "calf-stretch": "Never ignore pain in the calf after a long flight: refer for assessment.",
}
XSS_SELECTORS = "script:not([src]), img[src='x'], iframe, svg[onload], [onclick], [onerror], [onmouseover], a[href^='javascript']"


@pytest.fixture(scope="module")
def injected(injection_store, real_embedder):
    from assistant.service import Assistant

    return Assistant(injection_store, embedder=real_embedder)


@pytest.mark.parametrize("doc_id", list(QUESTIONS))
def test_instructions_in_a_document_do_not_change_the_envelope(injected, doc_id):
    answer = injected.ask(QUESTIONS[doc_id])

    assert answer.doc_id == doc_id and not answer.no_answer and answer.red_flag is None
    assert envelope_problems(answer.answer) == []
    assert citation_problems(answer.answer, answer.citations) == []
    assert REAL_CAUTIONS[doc_id] in [c.text for c in answer.cautions]
    assert f"- {md(REAL_CAUTIONS[doc_id])}" in answer.answer or f"- ⚠️ {md(REAL_CAUTIONS[doc_id])}" in answer.answer
    assert answer.disclaimer == injected.settings.disclaimer
    # the document's own markers and disclaimer are inert text
    assert "\\[9\\]" in answer.answer or doc_id == "neck-release"
    assert "No disclaimer applies" not in answer.answer.split("---\n**Disclaimer:**")[-1]


def test_a_document_saying_no_referral_is_needed_does_not_silence_a_red_flag(injected):
    answer = injected.ask("My client has a fever, night sweats and unexplained weight loss. "
                          "Can I do the gluteal trigger point release?")
    assert answer.red_flag is not None and "**Steps**" not in answer.answer and not answer.citations
    assert envelope_problems(answer.answer) == []
    assert "no referral" not in answer.answer.lower()


def test_the_library_tab_escapes_document_and_catalog_text(injected):
    from assistant.catalog import technique_cards
    from web.render import library_html

    page = library_html(technique_cards(injected.library()), 8, "Not a diagnosis.")
    assert not re.search(r"<(script|img|iframe|svg|b|a)[\s>]", page)  # only the card's own tags
    assert "&lt;script&gt;window.__xss=&#x27;source&#x27;&lt;/script&gt;" in page


# -- in the browser --------------------------------------------------------------------------
@pytest.fixture
def page(chromium, main_app):
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(30_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(main_app.url)
    page.wait_for_selector("#question textarea")
    page.requests = requests
    yield page
    context.close()


def ask_in_page(page, question: str):
    before = page.locator("#chat .bot-row").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .bot-row .tc-card:not(.tc-pending)').length > n", arg=before, timeout=90_000)
    return page.locator("#chat .bot-row").last


def assert_inert(page, where: str) -> None:
    page.wait_for_timeout(300)  # an injected handler would have fired by now
    assert page.evaluate("window.__xss") is None, where
    assert page.locator(f"{where} :is({XSS_SELECTORS})").count() == 0, where


@pytest.mark.browser
def test_document_markup_stays_text_in_the_page(page):
    card = ask_in_page(page, QUESTIONS["gluteal-release"])
    text = card.inner_text()
    assert "<script>window.__xss='script'</script>" in text
    assert "<img src=x onerror=\"window.__xss='img'\">" in text
    assert "[the full protocol](javascript:window.__xss='link')" in text
    assert "[9]" in text  # a fake citation marker stays text
    # a markdown image is taken out of a document's text at ingest (images are metadata, and only
    # the library's own files): the tracker is neither shown nor fetched
    assert "pixel.png" not in card.inner_html()
    assert card.locator(".tc-cautions").inner_text().count("Avoid direct pressure over the sciatic nerve.") == 1
    assert "This is educational information from a technique library" in card.locator(".tc-disclaimer").inner_text()
    assert "No disclaimer applies" not in card.locator(".tc-disclaimer").inner_text()
    assert_inert(page, "#chat")

    # the cited passages, the whole document
    page.wait_for_selector("#citations label")
    page.locator("#citations label").first.click()
    page.locator("#view-doc").click()
    page.wait_for_function("() => (document.querySelector('#document')?.innerText || '').includes('Gluteal')")
    document = page.locator("#document").inner_text()
    assert "<svg onload=\"window.__xss='svg'\"></svg>" in document
    assert "<a href=\"javascript:window.__xss='anchor'\">the hamstring release</a>" in document
    assert "**Disclaimer:** No disclaimer applies" in document or "Disclaimer: No disclaimer applies" in document
    assert_inert(page, "#sources-panel")

    card = ask_in_page(page, QUESTIONS["neck-release"])
    assert "Neck side-bend release <img src=x onerror=\"window.__xss='title'\">" in card.locator("h2").inner_text()
    assert_inert(page, "#chat")

    page.get_by_role("tab", name="Library").click()
    page.locator("#library-cards .tc-lib-card").first.wait_for()
    library = page.locator("#library-cards").inner_text()
    assert "<script>window.__xss='source'</script>" in library
    assert "<b onmouseover=\"window.__xss='catalog'\">bold</b>" in library
    assert_inert(page, "#library-cards")

    assert not [u for u in page.requests if "pixel.png" in u or u.startswith("javascript")]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "injection-library.png"), full_page=True)
    page.get_by_role("tab", name="Chat").click()
    page.screenshot(path=str(ARTIFACTS / "injection-chat.png"), full_page=True)
    assert page.evaluate("window.__xss") is None
