"""The client handout: made from a technique answer's parts (steps without citation marks, the
cautions, when to stop, the referral line, the source), never for a red flag, a declined question
or an answer without a technique; the PDF carries that text."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from assistant.types import Disposition, Line, RedFlag, Referral
from tests.web.test_handlers import FakeAssistant, answer
from web.handlers import ChatHandlers
from web.handout import STOP_IF, handout_html
from web.handout_pdf import handout_pdf
from web.transcript import ExportFolder, Turn


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1  # one page
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_technique_answer_makes_a_one_page_handout():
    page = handout_html(answer())
    assert page is not None and "<h1>QL Hip Hike</h1>" in page
    assert "<ol><li>Hike the hip.</li><li>Release slowly.</li></ol>" in page  # plain words: no [n]
    assert "[1]" not in page and "tc-cite" not in page
    assert "All work needs to be pain-free." in page and "Stop and tell your therapist if" in page
    assert "Not a diagnosis." in page and "Source:</strong> QL Hip Hike" in page
    text = pdf_text(handout_pdf(page))
    for expected in ("QL Hip Hike", "Hike the hip.", "All work needs to be pain-free.", "Stop and tell your therapist if",
                     STOP_IF[0], "Not a diagnosis."):
        assert " ".join(expected.split()) in text, expected


def test_corpus_text_is_escaped_in_the_handout():
    evil = answer()
    evil = replace(evil, title="<script>x</script>", sections=(replace(evil.sections[0], lines=(Line("<b>hi</b>", (1,), number=1),)),))
    page = handout_html(evil)
    assert "<script>x" not in page and "&lt;b&gt;hi&lt;/b&gt;" in page


@pytest.mark.parametrize("kind", ["red_flag", "declined", "not_covered"])
def test_no_handout_for_referrals_declines_and_no_answers(kind):
    flag = RedFlag("cauda_equina", Disposition.EMERGENCY, ("numb",), "Refer now.") if kind == "red_flag" else None
    a = replace(answer(), referral=Referral(kind, "Heading", "Message."), red_flag=flag, no_answer=kind == "not_covered")
    assert handout_html(a) is None
    assert handout_html(answer(red_flag=RedFlag("x", Disposition.URGENT, ("y",), "Refer."))) is None
    handlers = ChatHandlers(FakeAssistant(), None, ExportFolder())
    assert handlers.handout([Turn("q", a)]) == {"__type__": "update", "value": None, "interactive": False}


def test_the_chat_offers_the_handout_of_the_last_answer(tmp_path):
    handlers = ChatHandlers(FakeAssistant(), None, ExportFolder(tmp_path))
    update = handlers.handout([Turn("How do I stretch the QL?", answer())])
    assert update["interactive"] is True and str(update["value"]).endswith("handout-ql-hip-hike.pdf")
    assert "Hike the hip." in pdf_text(open(update["value"], "rb").read())
