"""The optional LLM rewrites a card's body only; code checks the reply as data and falls back
when it strays, and the envelope (cautions, disclaimer) is appended by code either way."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.compose import Card
from assistant.llm import Rephraser, body_markdown, plain, problems
from assistant.service import Assistant
from assistant.types import CautionItem, Citation, Layout, Line, Section
from techniques.errors import TechniquesError
from techniques.settings import Settings

QUESTION = "How do I stretch the QL?"
CAUTION = "Pressure must stay < 5/10 & stop if pain > mild."
CARD = Card(
    title="QL Hip Hike",
    tagline="Low back · stretch",
    sections=(
        Section("positioning", "Positioning", (Line("Client side-lying with the hip in the closed-pack position.", (1,)),)),
        Section("steps", "Steps", (
            Line("Ask the client to hike the hip toward the shoulder & hold 10 seconds.", (2,), number=1),
            Line("Repeat 3 times, increasing the resistance each time.", (2,), number=2),
        ), Layout.NUMBERED),
    ),
    citations=(
        Citation(1, "ql", "QL Hip Hike", "Positioning", "Client side-lying…", 0.9),
        Citation(2, "ql", "QL Hip Hike", "Technique", "Ask the client…", 0.8),
    ),
    cautions=(CautionItem(CAUTION, "ql", 2), CautionItem("All work needs to be pain-free.", "ql", 2)),
)
FAITHFUL = (
    "Client side-lying with the hip in the closed-pack position. [1]\n"
    "1. Ask the client to hike the hip toward the shoulder & hold 10 seconds. [2]\n"
    "2. Then repeat 3 times, increasing the resistance each time. [2]"
)


def test_a_faithful_rephrase_is_accepted_including_text_with_markup_characters():
    assert problems(FAITHFUL, CARD) == []
    # a word-for-word copy of the body as the LLM was shown it (escaped markdown) is faithful too
    assert problems(body_markdown(CARD), CARD) == []
    assert problems(FAITHFUL.replace("& hold", "&amp; hold"), CARD) == []


@pytest.mark.parametrize(
    "reply, why",
    [
        pytest.param(FAITHFUL + "\nGive 800 mg ibuprofen first. [2]", "numbers", id="adds-a-dose"),
        pytest.param(FAITHFUL.replace("10 seconds", "45 seconds"), "numbers", id="alters-a-time"),
        pytest.param(FAITHFUL + "\nSee https://example.com/ql [2]", "link", id="adds-a-link"),
        pytest.param(FAITHFUL + "\n![diagram](https://example.com/x.png)", "link", id="adds-an-image"),
        pytest.param(FAITHFUL + "\n<b onclick=alert(1)>hi</b>", "HTML", id="adds-html"),
        pytest.param(FAITHFUL + "\nAlso crack the spine sharply toward the table.", "evidence does not", id="adds-an-instruction"),
        pytest.param(FAITHFUL + "\n(Old advice, safe to ignore: all work needs to be pain-free.)", "disregard", id="tells-to-ignore-a-caution"),
        pytest.param(FAITHFUL + "\nPressure should stay below 5/10 and stop if the pain is mild.", "caution", id="alters-a-caution"),
        pytest.param(FAITHFUL + "\nCompare the neck release. [7]", "not given", id="cites-an-unknown-number"),
        pytest.param(FAITHFUL.replace(" [1]", ""), "drops citations", id="drops-a-citation"),
    ],
)
def test_a_reply_that_strays_is_rejected(reply, why):
    found = problems(reply, CARD)
    assert found and any(why in f for f in found), found


def test_plain_undoes_markdown_escapes_and_entities():
    assert plain(r"hold \[2\] &amp; breathe \*slowly\*") == "hold [2] & breathe *slowly*"


# -- end to end on the real corpus -------------------------------------------------------------
def with_llm(corpus_settings, real_embedder, *replies: str):
    fake = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return Assistant(corpus_settings, embedder=real_embedder, rephraser=Rephraser(fake, corpus_settings.disclaimer))


@pytest.fixture(scope="module")
def card(corpus_settings, real_embedder):
    return Assistant(corpus_settings, embedder=real_embedder).ask(QUESTION)


@pytest.mark.integration
def test_an_accepted_rewrite_replaces_the_body_and_the_envelope_is_added_by_code(corpus_settings, real_embedder, card):
    reply = "Here is how to do it.\n\n" + body_markdown(Card(card.title, card.tagline, card.sections, card.citations, card.cautions))
    answer = with_llm(corpus_settings, real_embedder, reply).ask(QUESTION)
    assert answer.rephrased is not None and answer.rephrased.startswith("Here is how to do it.")
    # the rewrite left out every caution and the disclaimer: the answer still has them all
    for caution in card.cautions:
        assert plain(caution.text) in plain(answer.answer)
    assert corpus_settings.disclaimer in plain(answer.answer)
    assert answer.citations == card.citations


@pytest.mark.integration
def test_a_reply_that_strays_falls_back_to_the_composed_card(corpus_settings, real_embedder, card):
    answer = with_llm(corpus_settings, real_embedder, card.answer + "\n\nTake 800 mg ibuprofen.").ask(QUESTION)
    assert answer.rephrased is None and answer.answer == card.answer


@pytest.mark.integration
def test_an_llm_failure_falls_back_to_the_composed_card(corpus_settings, real_embedder, card):
    empty = Assistant(
        corpus_settings,
        embedder=real_embedder,
        rephraser=Rephraser(GenericFakeChatModel(messages=iter([])), corpus_settings.disclaimer),
    )
    assert empty.ask(QUESTION).answer == card.answer


@pytest.mark.integration
def test_red_flags_never_reach_the_llm(corpus_settings, real_embedder):
    llm = with_llm(corpus_settings, real_embedder, "Just stretch it, no need to refer.")
    answer = llm.ask("Numb groin and can't control her bladder. QL stretch?")
    assert answer.red_flag is not None
    assert "no need to refer" not in answer.answer


def test_an_unknown_llm_configuration_is_a_clear_error():
    with pytest.raises(TechniquesError) as err:
        Rephraser.from_settings(Settings(llm_model="no-such-provider:some-model"))
    assert "TECHNIQUES_LLM" in str(err.value) or "not installed" in str(err.value)


def test_no_llm_is_configured_by_default():
    assert Rephraser.from_settings(Settings()) is None
