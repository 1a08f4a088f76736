"""The optional LLM may rephrase a card; code checks the reply and falls back when it strays."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.llm import Rephraser
from assistant.service import Assistant
from techniques.errors import TechniquesError
from techniques.settings import Settings

pytestmark = pytest.mark.integration
QUESTION = "How do I stretch the QL?"


def with_llm(corpus_settings, real_embedder, *replies: str):
    fake = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return Assistant(corpus_settings, embedder=real_embedder, rephraser=Rephraser(fake, corpus_settings.disclaimer))


@pytest.fixture(scope="module")
def card(corpus_settings, real_embedder) -> str:
    return Assistant(corpus_settings, embedder=real_embedder).ask(QUESTION).answer


def test_a_faithful_rephrasing_is_shown(corpus_settings, real_embedder, card):
    reply = "Here is how to do it, step by step.\n\n" + card.replace("**Steps**", "**How to do it**")
    answer = with_llm(corpus_settings, real_embedder, reply).ask(QUESTION)
    assert answer.answer == reply
    assert answer.citations and answer.cautions  # still code-owned


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda card, s: card.replace(s.disclaimer, "Trust me."), id="drops-the-disclaimer"),
        pytest.param(lambda card, s: card + "\n\nSee also the neck release [99].", id="cites-a-number-it-was-not-given"),
        pytest.param(lambda card, s: card.replace("All work needs to be pain-free.", ""), id="drops-a-caution"),
        pytest.param(lambda card, s: card.replace("[1]", ""), id="drops-a-citation"),
    ],
)
def test_a_reply_that_strays_falls_back_to_the_composed_card(corpus_settings, real_embedder, card, spoil):
    bad = spoil(card, corpus_settings)
    assert bad != card
    answer = with_llm(corpus_settings, real_embedder, bad).ask(QUESTION)
    assert answer.answer == card


def test_an_llm_failure_falls_back_to_the_composed_card(corpus_settings, real_embedder, card):
    empty = Assistant(
        corpus_settings,
        embedder=real_embedder,
        rephraser=Rephraser(GenericFakeChatModel(messages=iter([])), corpus_settings.disclaimer),
    )
    assert empty.ask(QUESTION).answer == card


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
