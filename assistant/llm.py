"""The optional LLM: rephrase a composed card from the same evidence, then verify it.

The card's facts, citations, cautions and disclaimer are owned by code. A reply that cites a
number it was not given, drops a citation, a caution or the disclaimer is rejected and the
composed card is shown instead. LangChain's chat-model types stay inside this module.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from string import Template

import yaml

from assistant.compose import Card
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _prompts() -> dict[str, Template]:
    raw = yaml.safe_load(resources.files("assistant").joinpath("data/rephrase.yaml").read_text("utf-8"))
    return {k: Template(v) for k, v in raw.items()}


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\", "")).strip().lower()


def problems(reply: str, card: Card, disclaimer: str) -> list[str]:
    """Why a reply cannot replace the card (empty when it can)."""
    found: list[str] = []
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", reply)}
    given = {c.n for c in card.citations}
    if extra := sorted(cited - given):
        found.append(f"cites {extra} it was not given")
    if dropped := sorted(given - cited):
        found.append(f"drops citations {dropped}")
    text = _plain(reply)
    for caution in card.cautions:
        if _plain(caution.text) not in text:
            found.append(f"drops the caution {caution.text[:60]!r}")
    if _plain(disclaimer) not in text:
        found.append("drops the disclaimer")
    return found


class Rephraser:
    def __init__(self, chat_model, disclaimer: str) -> None:
        self.model = chat_model
        self.disclaimer = disclaimer

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
        from langchain_core.messages import HumanMessage, SystemMessage

        prompts = _prompts()
        messages = [
            SystemMessage(prompts["system"].substitute()),
            HumanMessage(prompts["user"].substitute(card=card.markdown)),
        ]
        reply = self.model.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        if issues := problems(text, card, self.disclaimer):
            log.warning("LLM reply rejected, showing the composed card: %s", "; ".join(issues))
            return None
        return text
