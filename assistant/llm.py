"""The optional LLM: rewrite a composed card's body from the same evidence, checked as data.

The LLM sees the card's body (its sections, with their `[n]` markers) and never the envelope:
the cautions, the referral and the disclaimer are appended by code after the check, so a reply
cannot drop or water them down. `problems()` rejects a reply that cites a number it was not
given or drops one, states a number (a dose, a time, a count) the evidence does not contain,
carries a link, an image or HTML, restates a caution in other words, or says something the
evidence does not (content words the card does not use, or words that tell the reader to
disregard advice). An accepted reply is kept as plain text and escaped by every renderer.
LangChain's chat-model types stay inside this module.
"""

from __future__ import annotations

import html
import logging
import re
from difflib import SequenceMatcher
from functools import lru_cache
from string import Template

from pydantic import Field

from assistant.compose import Card
from assistant.render import MarkdownWriter
from techniques.data import DataModel, load_data
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

_CITATION = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MARKUP = re.compile(r"https?://|www\.|!\[|\]\(|<\s*[a-zA-Z/!?]|\bjavascript:|\bdata:", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z'-]{3,}")


class RephraseFile(DataModel):
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)
    connective_words: list[str]  # words a faithful rewrite may add that carry no claim
    override_cues: list[str]  # words that tell a reader to disregard advice
    max_new_words: int = Field(ge=0)  # content words absent from the evidence a reply may use
    caution_similarity: float = Field(gt=0, le=1)  # a sentence this close to a caution restates it


@lru_cache(maxsize=1)
def _config() -> RephraseFile:
    return load_data("assistant", "rephrase.yaml", RephraseFile)


def plain(text: str) -> str:
    """Text without Markdown escapes and HTML entities, for comparison and storage."""
    return html.unescape(re.sub(r"\\([\\\[\]`*_#|>])", r"\1", text))


def _stem(word: str) -> str:
    return re.sub(r"(ing|ed|es|s|ly)$", "", word)


def body_markdown(card: Card) -> str:
    writer = MarkdownWriter()
    return "\n\n".join(writer.section(s) for s in card.sections)


def evidence_text(card: Card) -> str:
    """Everything the card says, with its step numbers (a rewrite keeps "1.", "2.")."""
    lines = [card.title, card.tagline] + [
        f"{ln.number or ''} {ln.sub} {ln.label} {ln.text}" for s in card.sections for ln in s.lines
    ]
    return "\n".join(lines + [c.text for c in card.cautions])


def problems(reply: str, card: Card) -> list[str]:
    """Why a reply cannot replace the card's body (empty when it can)."""
    cfg = _config()
    found: list[str] = []
    text = plain(reply)
    given = {n for s in card.sections for ln in s.lines for n in ln.cites}
    cited = {int(n) for n in _CITATION.findall(text)}
    if extra := sorted(cited - given):
        found.append(f"cites {extra}, which it was not given")
    if dropped := sorted(given - cited):
        found.append(f"drops citations {dropped}")
    if _MARKUP.search(text):
        found.append("contains a link, an image or HTML")
    evidence = plain(evidence_text(card))
    known_numbers = set(_NUMBER.findall(evidence))
    if new := sorted(set(_NUMBER.findall(_CITATION.sub(" ", text))) - known_numbers):
        found.append(f"states numbers the evidence does not: {new}")
    lowered = text.lower()
    evidence_words = {_stem(w) for w in _WORD.findall(evidence.lower())}
    allowed = evidence_words | {_stem(w) for w in cfg.connective_words}
    novel = sorted({w for w in _WORD.findall(lowered) if _stem(w) not in allowed})
    if len(novel) > cfg.max_new_words:
        found.append(f"says things the evidence does not ({', '.join(novel[:8])})")
    if cues := [c for c in cfg.override_cues if re.search(rf"\b{re.escape(c)}\b", lowered) and c not in evidence.lower()]:
        found.append(f"tells the reader to disregard advice ({', '.join(cues)})")
    for caution in card.cautions:
        c = caution.text.lower()
        if c in lowered:
            continue
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", lowered):
            if len(sentence) > 20 and SequenceMatcher(None, sentence, c).ratio() >= cfg.caution_similarity:
                found.append(f"restates the caution {caution.text[:60]!r} in other words")
                break
    return found


class Rephraser:
    def __init__(self, chat_model, disclaimer: str = "") -> None:
        self.model = chat_model
        self.disclaimer = disclaimer  # kept for callers; the disclaimer is never the LLM's to write

    @classmethod
    def from_settings(cls, settings: Settings) -> Rephraser | None:
        if not settings.llm_model and not settings.llm_base_url:
            return None
        try:
            from langchain.chat_models import init_chat_model

            if settings.llm_base_url:
                model = init_chat_model(
                    settings.llm_model or "default", model_provider="openai", base_url=settings.llm_base_url, temperature=0
                )
            else:
                model = init_chat_model(settings.llm_model, temperature=0)
        except ImportError as exc:
            raise TechniquesError(
                f"The LLM integration for {settings.llm_model or settings.llm_base_url} is not installed ({exc.name}).",
                hint="Install its LangChain package (e.g. `pip install langchain-openai`) or unset TECHNIQUES_LLM.",
            ) from exc
        except ValueError as exc:
            raise TechniquesError(f"TECHNIQUES_LLM is not a model LangChain knows: {exc}") from exc
        return cls(model, settings.disclaimer)

    def rephrase(self, card: Card) -> str | None:
        """The checked rewrite of the card's body as plain text, or None (show the card's own)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        cfg = _config()
        messages = [
            SystemMessage(Template(cfg.system).substitute()),
            HumanMessage(Template(cfg.user).substitute(title=card.title, body=body_markdown(card))),
        ]
        reply = self.model.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        if issues := problems(text, card):
            log.warning("LLM reply rejected, showing the composed card: %s", "; ".join(issues))
            return None
        return plain(text).strip()
