"""The client handout in headless Chromium: a QL answer's handout PDF downloads with its steps,
cautions and referral line; a red-flag answer offers none."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.web.test_browser import DISCLAIMER_START, ask

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_handout_of_a_ql_answer_has_its_steps_cautions_and_referral(page):
    card = ask(page, "How do I stretch the QL?")
    steps = [flat(t) for t in card.locator(".tc-steps ol > li").all_inner_texts()]
    page.wait_for_function("() => !document.querySelector('#dl-handout')?.disabled")
    with page.expect_download() as info:
        page.locator("#dl-handout").click()
    assert info.value.suggested_filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) == 1 and "QL Hip Hike" in text
    first_step = steps[0].rsplit("[", 1)[0].strip()  # the card's step without its [n]
    assert flat(first_step)[:40] in text
    assert "All work needs to be pain-free." in text and "Stop and tell your therapist if" in text
    assert flat(DISCLAIMER_START) in text

    ask(page, "Numb saddle area and can't control her bladder since this morning. QL stretch?")
    page.wait_for_function("() => document.querySelector('#dl-handout')?.disabled === true")
