"""Typed models of every safety rule file (assistant/safety/data/*.yaml).

Each file is read by `techniques.data.load_data` into one of these models, so a typo'd field, a
missing field or a wrong type is a `TechniquesError` naming the file and the field when the
assistant starts. Regexes are compiled later, by the module that uses them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from techniques.data import DataModel

Qualifier = Literal["negated", "historical", "hypothetical", "other_person", "intentional"]


class SignRule(DataModel):
    id: str
    label: str  # the sign as shown to people ("numbness in the saddle area")
    patterns: list[str] = Field(default_factory=list)
    requires_any: list[str] = Field(default_factory=list)  # context names
    past_counts: bool = False  # a past or resolved occurrence still counts (history of cancer)


class CategoryRule(DataModel):
    name: str
    label: str  # "possible cauda equina syndrome"
    disposition: Literal["emergency", "urgent"]
    advice: str
    source: str
    signs: list[SignRule]


class NegationRules(DataModel):
    window_words: int
    pre_cues: list[str]
    post_cues: list[str]
    pseudo_negations: list[str]


class RedFlagFile(DataModel):
    macros: dict[str, str] = Field(default_factory=dict)
    clause_breaks: list[str]
    negation: NegationRules
    distractors: list[str]
    contexts: dict[str, list[str]]
    categories: list[CategoryRule]


class ScopeCategory(DataModel):
    name: str
    source: str
    message: str
    patterns: list[str]


class ScopeFile(DataModel):
    macros: dict[str, str] = Field(default_factory=dict)
    categories: list[ScopeCategory]


class LexiconEntry(DataModel):
    patterns: list[str]  # regexes on the folded text, matched as whole words
    means: str  # what the rules and the model read instead
    upper: bool = False  # only when written in capitals ("CA", not "ca")
    kind: Literal["shorthand", "lay"] = "shorthand"
    source: str


class LexiconFile(DataModel):
    entries: list[LexiconEntry]


class Modifier(DataModel):
    qualifier: Qualifier
    direction: Literal["forward", "backward", "both", "pseudo"]
    patterns: list[str]
    max_words: int | None = None


class ContextFile(DataModel):
    window_words: int  # how far a modifier reaches when it does not say
    terminations: list[str]  # end a modifier's scope, besides the red-flag clause breaks
    modifiers: list[Modifier]


class ParaphraseFamily(DataModel):
    sign: str  # a sign id of red_flags.yaml, or a context name
    source: str  # the line of clinical-safety.md the family paraphrases
    paraphrases: list[str] = Field(min_length=3)
    # a regex the clause must hold: MiniLM reads "one leg" close to "both legs" and "thigh"
    # close to "groin", so a family whose sign lives in one word says which
    must_match: str = ""


class ParaphraseFile(DataModel):
    thresholds: dict[str, float]  # per category, "default" for the rest; fitted by evals/calibrate_triage.py
    margin: float  # a clause must be this much closer to the sign than to any decoy
    affirming: list[str]  # phrasings with a negation cue that report a sign ("cant pee")
    decoys: list[str]  # harmless sentences close to red-flag words ("saddle stretch")
    families: list[ParaphraseFamily]


class ConditionRule(DataModel):
    id: str
    label: str
    patterns: list[str]
    past_counts: bool = True  # a hip replacement years ago still counts; an infection "resolved" does not
    source: str


class ConditionFile(DataModel):
    macros: dict[str, str] = Field(default_factory=dict)
    conditions: list[ConditionRule]


class Source(DataModel):
    title: str
    url: str = ""


class ContraRow(DataModel):
    condition: str
    risks: list[str]
    verdict: Literal["do_not_use", "modify", "check_first"]
    reason: str
    modify: str = ""  # how to adapt, when a source or the document says
    when: str = ""  # a regex on the condition's detail ("trimester [23]"); empty: always
    source: Source


class InstructionCaution(DataModel):
    patterns: list[str]  # regexes on the caution's folded text
    warning: str
    reason: str
    source: Source


class ContraFile(DataModel):
    rows: list[ContraRow]
    instruction_cautions: list[InstructionCaution]


class GeneralCaution(DataModel):
    id: str
    text: str
    source: str
    risks: list[str] = Field(default_factory=list)  # shown when the technique carries one of these
    conditions: list[str] = Field(default_factory=list)  # or when the client has one of these
    always: bool = False  # the one caution every answer keeps


class CautionFile(DataModel):
    general: list[GeneralCaution]
