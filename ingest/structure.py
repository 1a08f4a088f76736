"""The section parser's vocabulary (data/structure.yaml), read into a validated model.

Heading words per section kind, caution and dosage cues, the keys of a metadata block and the
muscles whose body region a document's metadata names: data, so a clinic can teach the parser
its own documents' headings without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import field_validator

from ingest.types import SectionKind
from techniques.data import DataModel, load_data


@dataclass(frozen=True)
class Vocabulary:
    kinds: tuple[tuple[SectionKind, re.Pattern[str]], ...]
    max_heading_words: int
    section_label: re.Pattern[str]
    procedural: re.Pattern[str]
    caution_cues: re.Pattern[str]
    caution_exceptions: re.Pattern[str]
    dosage_cues: re.Pattern[str]


def _regexes(patterns: list[str]) -> list[str]:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"{p!r} is not a valid regular expression ({exc})") from None
    return patterns


class KindRule(DataModel):
    kind: SectionKind
    patterns: list[str]
    _valid = field_validator("patterns")(_regexes)


class MetadataBlock(DataModel):
    keys: dict[str, str]  # a block's key -> the library's metadata key
    list_keys: list[str]  # metadata keys whose values are comma-separated lists


class MuscleRegion(DataModel):
    region: str
    muscles: list[str]
    source: str


class Structure(DataModel):
    """ingest/data/structure.yaml."""

    kinds: list[KindRule]
    max_heading_words: int
    section_labels: list[str]
    procedural_starts: list[str]
    caution_cues: list[str]
    caution_section_exceptions: list[str]
    dosage_cues: list[str]
    metadata_block: MetadataBlock
    muscle_regions: list[MuscleRegion]
    _valid = field_validator("section_labels", "procedural_starts", "caution_cues",
                             "caution_section_exceptions", "dosage_cues")(_regexes)


@lru_cache(maxsize=1)
def structure() -> Structure:
    return load_data("ingest", "structure.yaml", Structure)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = structure()
    any_of = lambda pats: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)  # noqa: E731
    return Vocabulary(
        kinds=tuple((k.kind, any_of(k.patterns)) for k in raw.kinds),
        max_heading_words=raw.max_heading_words,
        section_label=re.compile("|".join(f"(?:{p})" for p in raw.section_labels), re.IGNORECASE),
        procedural=any_of(raw.procedural_starts),
        caution_cues=any_of(raw.caution_cues),
        caution_exceptions=any_of(raw.caution_section_exceptions),
        dosage_cues=any_of(raw.dosage_cues),
    )
