"""The web chat in headless Chromium: a cited technique card, its sources, follow-ups, feedback
read back from SQLite, inert markup in questions, and the library.

Outside CI the suite skips when Debian's Chromium is missing; with CI=true it fails instead.
Screenshots go to artifacts/screenshots/; docs/screenshot-chat.png (for the README) is written
when missing or when TECHNIQUES_UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from records.feedback import FeedbackStore
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SHOTS = ROOT / "artifacts" / "screenshots"
DISCLAIMER_START = "This is educational information from a technique library, not a diagnosis"
TITLES = {"QL Hip Hike", "Hip and back pain stretches", "Side-lying leg lift", "Psoas stretch (standing)", "Psoas release"}
ANSWER_TIMEOUT = 90_000  # ms: the first answer may wait for the model on a busy 2-core machine


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page, question: str, timeout: float = ANSWER_TIMEOUT):
    """Ask and wait until the answer is shown (the pending frame is replaced by the card)."""
    before = page.locator("#chat .bot-row").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .bot-row').length > n"
        " && document.querySelectorAll('#chat .bot-row .tc-card:not(.tc-pending)').length > n",
        arg=before,
        timeout=timeout,
    )
    return page.locator("#chat .bot-row").last


# Records the text of every assistant message the first time it is drawn: the first frame.
FIRST_FRAMES = """() => {
  window.__frames = [];
  const seen = new WeakSet();
  const look = () => document.querySelectorAll('#chat .bot-row').forEach(row => {
    if (!seen.has(row) && row.innerText.trim()) { seen.add(row); window.__frames.push(row.innerText); }
  });
  new MutationObserver(look).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.parametrize("question, expected", [
    ("How do I stretch the QL?", DISCLAIMER_START),
    ("Numb saddle area and can't control her bladder since this morning. QL stretch?", "EMERGENCY"),
])
def test_the_first_frame_of_an_answer_already_carries_the_disclaimer_or_referral(page, question, expected):
    page.evaluate(FIRST_FRAMES)
    card = ask(page, question)
    frames = page.evaluate("window.__frames")
    assert frames, "no assistant message was drawn"
    assert DISCLAIMER_START in frames[0]
    assert expected in card.inner_text()
    if expected == "EMERGENCY":  # the referral is the first thing of the answer, above every caution
        text = card.inner_text()
        assert text.index("EMERGENCY") < text.index("General cautions") < text.index(DISCLAIMER_START)


def test_the_library_and_the_document_view_carry_the_disclaimer_and_cautions(page):
    card = ask(page, "How do I stretch the QL?")
    page.locator("#view-doc").click()
    wait_text(page, "#document", "QL Hip Hike")
    document = page.locator("#document").inner_text()
    assert DISCLAIMER_START in document and "pain-free" in document
    page.get_by_role("tab", name="Library").click()
    page.locator("#library-cards .tc-lib-card").first.wait_for()
    library = page.locator("#library-cards").inner_text()
    assert DISCLAIMER_START in library
    assert page.locator("#library-cards .tc-lib-card .tc-cautions").count() == len(TITLES)


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.innerText || '').includes(text)", arg=[selector, text]
    )


def download(page, selector: str, until, tries: int = 20) -> str:
    """The file behind a download button, once it is the one for the latest answer (the side
    panel is refreshed just after the card is complete)."""
    text = ""
    for _ in range(tries):
        with page.expect_download() as info:
            page.locator(selector).click()
        text = Path(info.value.path()).read_text("utf-8")
        if until(text):
            return text
        page.wait_for_timeout(300)
    return text


def test_ql_question_shows_a_cited_card(page):
    card = ask(page, "How do I stretch the QL?")
    assert card.locator("h2").inner_text() == "QL Hip Hike"
    steps = card.locator("ol > li")
    assert steps.count() >= 3
    for text in steps.all_inner_texts():
        assert re.search(r"\[\d+\]$", text.strip()), text
    cautions = card.locator(".tc-cautions")
    assert "Cautions" in cautions.inner_text() and "All work needs to be pain-free." in cautions.inner_text()
    assert DISCLAIMER_START in card.locator(".tc-disclaimer").inner_text()
    assert card.locator(".tc-redflag").count() == 0
    shot(page, "ql-answer")
    readme_shot = ROOT / "docs" / "screenshot-chat.png"
    if not readme_shot.exists() or os.environ.get("TECHNIQUES_UPDATE_SCREENSHOT") == "1":
        page.set_viewport_size({"width": 1400, "height": 1900})  # the whole card, top to bottom
        page.locator("#chat [role=log]").evaluate("log => { log.scrollTop = 0; }")
        page.wait_for_timeout(300)
        readme_shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(readme_shot))


def test_red_flags_are_urgent_referrals(page):
    card = ask(page, "My client has new numbness in the groin and can't control her bladder. Can I do the QL stretch?")
    assert card.locator(".tc-redflag").count() == 1
    assert "refer" in card.inner_text().lower()
    assert card.locator("ol > li").count() == 0  # no technique steps
    shot(page, "red-flag")


def test_a_citation_opens_its_passage_and_the_whole_document(page):
    ask(page, "How do I stretch the QL?")
    page.wait_for_selector("#citations label")
    citations = page.locator("#citations label")
    labels = citations.all_inner_texts()
    assert labels and all(re.match(r"\[\d+\] QL Hip Hike — ", label) for label in labels)
    step_citation = next(i for i, label in enumerate(labels) if label.endswith("— Technique"))
    citations.nth(step_citation).click()
    passage = page.locator("#passage")
    wait_text(page, "#passage", "hike their hip toward their shoulder")
    assert "Technique" in passage.inner_text()
    page.locator("#view-doc").click()
    wait_text(page, "#document", "Client Positioning")
    document = page.locator("#document").inner_text()
    assert "QL Hip Hike" in document and "Internal rotation of the femur" in document
    shot(page, "citation-and-document")


def test_follow_ups_keep_the_technique(page):
    ask(page, "How do I stretch the QL?")
    hold = ask(page, "How long should I hold it?")
    assert hold.locator("h2").inner_text() == "QL Hip Hike"
    breathing = ask(page, "what about breathing?")
    assert breathing.locator("h2").inner_text() == "QL Hip Hike"
    assert "inhales" in breathing.inner_text()
    shot(page, "follow-ups")
    text = download(page, "#dl-conversation", until=lambda t: t.count("### Sources") == 3)
    assert [q for q in ("How do I stretch the QL?", "How long should I hold it?", "what about breathing?") if q in text] == [
        "How do I stretch the QL?", "How long should I hold it?", "what about breathing?"
    ]
    assert text.count("### Sources") == 3 and "**Cautions**" in text and DISCLAIMER_START in text
    assert "hike their hip toward their shoulder" in text  # cited passages in full


def test_thumbs_down_with_a_reason_is_stored(page, request):
    web_app = request.getfixturevalue("web_app")
    comment = f"needs the hip replacement caution first ({time.time_ns()})"
    ask(page, "How do I stretch the QL?")
    page.locator("#chat button[aria-label='Dislike']").last.click()
    wait_text(page, "#fb-note", "answer 1")
    page.locator("#fb-reason input").click()
    page.get_by_role("option", name="Missing caution").click()
    page.locator("#fb-comment textarea").fill(comment)
    page.locator("#fb-send").click()
    wait_text(page, "#fb-note", "saved with your reason")
    store = FeedbackStore.in_data_dir(web_app.data_dir)
    rows = [r for r in store.list(rating="down") if r.comment == comment]
    assert len(rows) == 1
    row = rows[0]
    assert (row.reason, row.question, row.doc_id, row.history) == ("missing caution", "How do I stretch the QL?", "ql-hip-hike", [])
    assert row.citations and row.answer.startswith("## QL Hip Hike")
    shot(page, "feedback")


def test_markup_in_a_question_stays_text(page):
    img = '<img src=x onerror="window.__xss=1">'
    script = "<script>window.__xss=2</script>"
    ask(page, f"How do I stretch the QL? {img} {script}")
    page.wait_for_timeout(500)  # give an injected handler time to fire
    assert page.evaluate("window.__xss") is None
    bubble = page.locator("#chat .user-row").last.inner_text()
    assert img in bubble and script in bubble
    assert page.locator("#chat img[src='x'], #chat .message script").count() == 0
    shot(page, "markup-inert")


def test_library_lists_every_technique(page):
    page.get_by_role("tab", name="Library").click()
    cards = page.locator("#library-cards .tc-lib-card")
    cards.first.wait_for(timeout=ANSWER_TIMEOUT)  # the page's load events queue behind others on a busy machine
    assert set(page.locator("#library-cards .tc-lib-card h3").all_inner_texts()) == TITLES
    assert page.locator("#library-cards .tc-lib-card .tc-cautions").count() == len(TITLES)
    shot(page, "library")
    page.locator("#library-search input, #library-search textarea").first.fill("psoas")
    page.wait_for_function("() => document.querySelectorAll('#library-cards .tc-lib-card').length === 2", timeout=ANSWER_TIMEOUT)
    assert set(page.locator("#library-cards .tc-lib-card h3").all_inner_texts()) == {"Psoas stretch (standing)", "Psoas release"}


def test_a_quiz_round_in_the_study_tab(page, web_app):
    from study.session import select_items, study_queue
    from study.review import ReviewStore
    from assistant.service import Assistant
    from techniques.settings import Settings
    from web.study_tab import per_student

    user = "browser-student"
    reviews = ReviewStore.in_data_dir(web_app.data_dir)
    library = Assistant(Settings(data_dir=web_app.data_dir)).library()
    expected = study_queue(per_student(select_items(library), user), reviews, user)[0]

    page.get_by_role("tab", name="Study").click()
    page.locator("#study-user input").fill(user)
    page.locator("#study-next").click()
    wait_text(page, "#study-question", expected.prompt[:30].replace("\\", ""))
    page.locator("#study-answer input").fill(expected.answer)
    page.locator("#study-check").click()
    wait_text(page, "#study-feedback", "Correct.")
    wait_text(page, "#study-feedback", expected.citation.title)
    wait_text(page, "#study-score", "1 of 1")

    page.locator("#study-next").click()
    page.wait_for_function("() => !(document.querySelector('#study-feedback')?.innerText || '').includes('Correct.')")
    page.locator("#study-answer input").fill("<b>zz</b>")
    page.locator("#study-check").click()
    wait_text(page, "#study-feedback", "Expected:")
    wait_text(page, "#study-score", "1 of 2")
    assert page.locator("#study-feedback b").count() == 0, "typed markup must stay text"
    assert "<b>zz</b>" in page.locator("#study-feedback").inner_text()
    shot(page, "study-round")

    stats = reviews.stats(user)
    assert (stats.answers, stats.correct) == (2, 1)
