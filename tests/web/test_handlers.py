"""The web chat's handlers and rendering without a server: streaming, error messages, feedback,
exports, escaping, and the library cards over the real corpus."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from assistant.catalog import filter_cards, technique_cards
from records.feedback import FeedbackStore
from assistant.answer import Answer
from assistant.types import CautionItem, Citation, Disposition, Layout, Line, PastTurn, RedFlag, Referral
from assistant.types import Section as Section_
from ingest.types import Block, ParsedDocument, Section, SectionKind
from techniques.errors import TechniquesError
from techniques.settings import Settings
from web.errors import GENERIC
from web.health import Readiness
from web.handlers import ChatHandlers, messages
from web.document import DocRequest, document_html
from web.render import THINKING, answer_html, library_html, user_bubble
from web.transcript import ExportFolder, Turn

STEPS = Section_("steps", "Steps", (Line("Hike the hip.", (1,), number=1), Line("Release slowly.", (1,), number=2)), Layout.NUMBERED)
CAUTIONS = (
    CautionItem("Internal rotation may be contraindicated after hip replacement.", "ql-hip-hike", 2, "named in the question", True),
    CautionItem("All work needs to be pain-free.", "ql-hip-hike", 2, "from this technique's document"),
)


def answer(red_flag: RedFlag | None = None) -> Answer:
    return Answer(
        question="q",
        citations=(
            Citation(1, "ql-hip-hike", "QL Hip Hike", "Technique", "Have your client hike their hip.", 0.9),
            Citation(2, "ql-hip-hike", "QL Hip Hike", "Cautions", "All work needs to be pain-free.", 0.5),
        ),
        cautions=CAUTIONS,
        disclaimer="Not a diagnosis.",
        no_answer=False,
        red_flag=red_flag,
        title=None if red_flag else "QL Hip Hike",
        sections=() if red_flag else (STEPS,),
        referral=Referral("red_flag", "EMERGENCY", "Refer now.", red_flag.matched) if red_flag else None,
        doc_id=None if red_flag else "ql-hip-hike",
    )


class FakeAssistant:
    settings = Settings(disclaimer="Not a diagnosis.")

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, list[str]]] = []

    def ask(self, question, history=()):
        self.calls.append((question, list(history)))
        if self.error:
            raise self.error
        return answer()


class FakeLike:
    def __init__(self, index: int, liked: bool) -> None:
        self.index, self.liked, self.value = index, liked, None


@pytest.fixture
def handlers(tmp_path):
    return ChatHandlers(FakeAssistant(), FeedbackStore(tmp_path / "fb.sqlite"), ExportFolder(tmp_path / "exports"))


def test_respond_shows_the_question_at_once_with_the_disclaimer_then_the_whole_card(handlers):
    steps = list(handlers.respond("How do I stretch the QL?", []))
    first_chat, first_turns, cleared = steps[0]
    assert THINKING in first_chat[-1]["content"] and first_turns == [] and cleared == ""
    assert "Not a diagnosis." in first_chat[-1]["content"]  # the envelope is there from the first frame
    assert len(steps) == 2  # no simulated streaming: the pending frame, then the whole card
    final_chat, final_turns, _ = steps[-1]
    assert [t.question for t in final_turns] == ["How do I stretch the QL?"]
    assert final_chat == messages(final_turns)
    list(handlers.respond("How long should I hold it?", final_turns))
    # earlier turns go back with the technique each answer was about: a follow-up is not re-resolved
    assert handlers.assistant.calls[-1] == ("How long should I hold it?", [PastTurn("How do I stretch the QL?", "ql-hip-hike", True)])


def test_a_users_error_is_a_readable_message_and_nothing_half_done_stays(handlers):
    handlers.assistant.error = TechniquesError("There is no index <yet>.", hint="Run `techniques ingest`.")
    turns = [Turn("How do I stretch the QL?", answer())]
    run = handlers.respond("and the psoas?", turns)
    next(run)
    restored = next(run)
    assert restored == (messages(turns), turns, "and the psoas?")
    with pytest.raises(gr.Error) as err:
        next(run)
    assert err.value.message == "There is no index &lt;yet&gt;. Run `techniques ingest`."


def test_a_bug_is_logged_and_shown_as_a_generic_message(handlers, caplog):
    handlers.assistant.error = RuntimeError("secret internals")
    with caplog.at_level(logging.ERROR), pytest.raises(gr.Error) as err:
        handlers.ask("How do I stretch the QL?")
    assert err.value.message == GENERIC and "secret" not in err.value.message
    assert "answering failed" in caplog.text and "secret internals" in caplog.text


def test_a_thumb_is_stored_at_once_and_a_reason_is_added_to_it(handlers):
    turns = [Turn("How do I stretch the QL?", answer()), Turn("How long should I hold it?", answer())]
    target, rating, note, _ = handlers.like(turns, None, FakeLike(3, True))
    assert rating == "up" and target["turn"] == 1 and "answer 2" in note
    target, rating, _, _ = handlers.like(turns, target, FakeLike(3, False))  # changed their mind
    assert rating == "down"
    handlers.send_feedback(target, turns, "down", "wrong citation", "step 2")
    [row] = handlers.feedback.list()
    assert (row.rating, row.reason, row.comment) == ("down", "wrong citation", "step 2")
    assert row.question == "How long should I hold it?" and row.history == ["How do I stretch the QL?"]
    handlers.like(turns, target, FakeLike(3, ""))  # the thumb taken back
    assert handlers.feedback.list() == []


def test_the_side_panel_lists_citations_and_writes_the_exports(handlers):
    turns = [Turn("How do I stretch the QL? <b>", answer())]
    choices, passage, sources, answer_file, conversation_file = handlers.sources(turns)
    assert choices["choices"] == [("[1] QL Hip Hike — Technique", 1), ("[2] QL Hip Hike — Cautions", 2)]
    assert "Have your client hike their hip." in passage and "pain-free" in sources
    text = open(answer_file["value"], encoding="utf-8").read()
    assert "&lt;b&gt;" in text and "### Sources" in text and "**Disclaimer:**" in text
    assert "Have your client hike their hip." in open(conversation_file["value"], encoding="utf-8").read()
    assert handlers.passage(2, turns).endswith("> All work needs to be pain-free.")


def test_cards_are_styled_by_part_and_red_flags_look_urgent():
    page = answer_html(answer())
    assert page.startswith('<div class="tc-card">') and "<h2>QL Hip Hike</h2>" in page
    assert page.index('class="tc-check"') < page.index("tc-steps") < page.index('class="tc-cautions"') < page.index('class="tc-disclaimer"')
    assert '<li value="1">Hike the hip. <button type="button" class="tc-cite tc-n-1" data-n="1">[1]</button></li>' in page
    # each card carries its own sources (for its [n] popovers) and its Markdown (for Copy)
    assert '<div class="tc-src tc-n-1"><span class="tc-src-doc">ql-hip-hike</span>' in page
    assert '<pre class="tc-md" hidden>## QL Hip Hike' in page
    assert "\n\n" not in page  # one HTML block for the chat's markdown renderer
    flag = RedFlag("cauda_equina", Disposition.EMERGENCY, ("numbness in the groin",), "Refer now.")
    urgent = answer_html(answer(red_flag=flag))
    assert urgent.startswith('<div class="tc-card tc-redflag">') and "numbness in the groin" in urgent
    assert urgent.index("Refer now.") < urgent.index('class="tc-cautions"') < urgent.index("Not a diagnosis.")


def test_user_and_corpus_text_stays_text():
    assert user_bubble('<img src=x onerror="alert(1)"> [1]') == '&lt;img src=x onerror="alert(1)"&gt; \\[1\\]'
    doc = ParsedDocument(
        "evil", "<script>x</script>", None, "txt", "h", {}, (Section(SectionKind.STEPS, "Steps", 0, (Block("<b>hi</b>", "1."),)),), ()
    )
    shown = document_html(doc, CAUTIONS, "Not a diagnosis.")
    assert "<script>" not in shown and "&lt;b&gt;hi&lt;/b&gt;" in shown and "tc-hl" not in shown
    assert "pain-free" in shown and "Not a diagnosis." in shown  # a whole document carries the envelope too


def test_the_cited_passage_is_highlighted_in_its_document():
    blocks = (Block("Lie on the side."), Block("Hike the hip toward the shoulder.", "1."), Block("Hold 5 s.", "2."))
    other = Section(SectionKind.POSITIONING, "Positioning", 0, (Block("Hike the hip toward the shoulder."),))
    doc = ParsedDocument("ql", "QL", None, "md", "h", {}, (other, Section(SectionKind.STEPS, "Technique", 1, blocks)), ())
    shown = document_html(doc, CAUTIONS, "x", DocRequest("ql", "Technique", "1. Hike the hip toward the shoulder.\n2. Hold 5 s."))
    assert shown.count('class="tc-hl"') == 2 and shown.count('id="tc-hl"') == 1
    assert shown.index('id="tc-hl"') > shown.index("<h3>Technique</h3>")  # the cited section's, not the same words elsewhere
    assert '<p class="tc-hl" id="tc-hl">1. Hike the hip' in shown
    whole = document_html(doc, CAUTIONS, "x", DocRequest("ql", "Technique", "something reworded"))
    assert whole.count('class="tc-hl"') == 3  # no block matches word for word: the whole section


def test_a_document_request_from_the_page_is_parsed_strictly():
    assert DocRequest.parse('{"doc": "ql", "section": "Technique", "text": "Hike"}') == DocRequest("ql", "Technique", "Hike")
    for raw in (None, "", "not json", "[]", '{"doc": 3}', '{"doc": ""}', '{"section": "x"}'):
        assert DocRequest.parse(raw) is None
    assert len(DocRequest.parse('{"doc": "ql", "text": "%s"}' % ("a" * 50_000)).text) == 20_000


def test_readiness_waits_for_the_warm_up_and_retries_after_a_failure():
    class Warming:
        def __init__(self) -> None:
            self.fail = True

        def warm_up(self):
            if self.fail:
                raise TechniquesError("There is no index yet.")

        def library(self):
            return type("Lib", (), {"version": "v1"})()

    readiness, assistant = Readiness(retry_after=3600), Warming()
    assert readiness.status() == (503, {"status": "starting"})
    readiness.start(assistant).join()
    assert readiness.status()[1] == {"status": "error", "detail": "There is no index yet."}  # no retry yet
    assistant.fail, readiness.retry_after = False, 0
    readiness.status()  # a check once the retry is due tries again
    assert readiness.wait(5)
    assert readiness.status() == (200, {"status": "ready", "index_version": "v1"})


@pytest.mark.integration
def test_library_cards_cover_the_corpus_and_filter(assistant):
    cards = technique_cards(assistant.library())
    assert {c.doc_id for c in cards} == {"ql-hip-hike", "hip-back-pain-stretches", "side-lying-leg-lift", "psoas-stretch", "psoas-release"}
    ql = next(c for c in cards if c.doc_id == "ql-hip-hike")
    assert ql.regions == ("low back", "hip") and ql.kind == "stretch" and len(ql.steps) >= 3 and ql.cautions
    assert {c.doc_id for c in filter_cards(cards, "psoas")} == {"psoas-stretch", "psoas-release"}
    assert [c.doc_id for c in filter_cards(cards, "Quadratus   lumborum")] == ["ql-hip-hike"]
    page = library_html(filter_cards(cards, ""), len(cards), "Not a diagnosis.")
    assert page.count('class="tc-lib-card"') == 5 and "5 of 5 techniques" in page
    assert page.count('class="tc-cautions"') == 5  # every technique shows cautions, its own or the general ones
    assert "Not a diagnosis." in page


def test_oversize_questions_and_conversations_are_refused_with_a_message(handlers):
    from web.handlers import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS

    with pytest.raises(gr.Error, match="limited to"):
        handlers.ask("x" * (MAX_QUESTION_CHARS + 1))
    with pytest.raises(gr.Error, match="start a new one"):
        handlers.ask("How do I stretch the QL?", ["earlier"] * (MAX_HISTORY_TURNS + 1))
    assert handlers.assistant.calls == []  # neither reached the assistant
    handlers.ask("x" * MAX_QUESTION_CHARS)
    assert len(handlers.assistant.calls) == 1
