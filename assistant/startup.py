"""Every rule file of the answering path read and validated at start: `Assistant.warm_up`,
`techniques ask` and `techniques serve` call `load_rules()`, so a broken file fails at once with a
`TechniquesError` naming the file and the field, not on the first question that reaches it."""

from __future__ import annotations

from assistant import safety
from assistant.glossary import glossary
from assistant.intent import intents
from assistant.lexicon import lexicon
from assistant.retrieve import thresholds
from assistant.rules import answer_text


def load_rules() -> None:
    """Each loader caches its result, so answering never reads the files again."""
    answer_text()
    glossary()
    lexicon()
    intents()
    thresholds()
    safety.load_rules()
