"""The Library tab in headless Chromium: a technique opens on its own page (card, cautions,
disclaimer, source passages) and "Ask about this technique" answers it in the Chat tab; a
Study question's choices can be clicked."""

from __future__ import annotations

import pytest

from tests.web.test_browser import ANSWER_TIMEOUT, DISCLAIMER_START, shot, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_technique_opens_on_its_page_and_can_be_asked_about(page):
    page.get_by_role("tab", name="Library").click()
    page.locator("#library-open input").click()
    page.get_by_role("option", name="Psoas release").click()
    wait_text(page, "#technique-page", "Source passages")
    shown = page.locator("#technique-page")
    assert shown.locator("h2").inner_text() == "Psoas release"
    assert shown.locator(".tc-cautions li").count() >= 1 and DISCLAIMER_START in shown.inner_text()
    assert shown.locator(".tc-passage-block").count() >= 1
    shot(page, "technique-page")
    page.locator("#library-ask").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#chat .bot-row .tc-card:not(.tc-pending) > h2')].some(h => h.innerText === 'Psoas release')",
        timeout=ANSWER_TIMEOUT,
    )
    assert page.locator("#chat").is_visible()
    assert "Psoas release" in page.locator("#chat .user-row").last.inner_text()


def test_a_study_choice_is_clicked(page, web_app):
    from assistant.service import Assistant
    from study.review import ReviewStore
    from study.session import select_items, study_queue
    from techniques.settings import Settings
    from web.study_tab import per_student

    library = Assistant(Settings(data_dir=web_app.data_dir)).library()
    reviews = ReviewStore.in_data_dir(web_app.data_dir)
    # a student whose first question has choices to click (each student has an order of their own)
    user, item = next(
        (name, first) for name in (f"chooser-{n}" for n in range(200))
        if (first := study_queue(per_student(select_items(library), name), reviews, name)[0]).choices
        and first.kind != "step_order"
    )
    page.get_by_role("tab", name="Study").click()
    page.locator("#study-user input").fill(user)
    page.locator("#study-next").click()
    page.locator("#study-choice label").first.wait_for()
    page.locator("#study-choice label").filter(has_text=item.answer).first.click()
    page.locator("#study-check").click()
    wait_text(page, "#study-feedback", "Right:")
    assert page.locator("#study-feedback.study-right, #study-feedback .study-right, .study-right#study-feedback").count() >= 1
    assert reviews.stats(user).correct == 1
