"""`techniques eval generate`: starter eval cases written from a library's own structure, for a
clinic that ingests its documents and has no regression set yet.

Per document, parsed exactly as the ingest parses it: a how-to question expecting the document
and a phrase of its first step; a cautions question expecting a phrase of its first caution; a
dosage question expecting the figure of its first dosage sentence. Then a few questions no such
library answers, expecting a no-answer. Nothing is random and nothing is learned: the same
documents always give the same file, and every case is tagged `generated` for a person to review
(the header of the file says so). Wording lives in data/generate.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ingest.clean import clean
from ingest.files import SkipFile, discover
from ingest.load import load, load_catalog
from ingest.sections import parse
from ingest.types import ParsedDocument, SectionKind
from techniques.data import DataModel, load_data
from techniques.errors import TechniquesError

GENERATED_TAG = "generated"
_PLAIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


class Questions(DataModel):
    how_to: str
    cautions: str
    dosage: str


class GenerateRules(DataModel):
    header: str
    questions: Questions
    phrase_words: int
    min_phrase_words: int
    dosage_patterns: tuple[str, ...]
    out_of_library: tuple[str, ...]


@lru_cache(maxsize=1)
def rules() -> GenerateRules:
    return load_data("evals", "generate.yaml", GenerateRules)


def read_library(paths: Sequence[Path]) -> list[ParsedDocument]:
    """The documents an ingest of `paths` would index, parsed the same way, by doc id."""
    files, _ = discover([Path(p) for p in paths])
    catalogs: dict[Path, dict] = {}
    docs = []
    for path in files:
        if path.parent not in catalogs:
            catalogs[path.parent] = load_catalog(path.parent)
        try:
            doc = parse(clean(load(path, catalogs[path.parent])))
        except SkipFile:
            continue
        if doc.sections:
            docs.append(doc)
    if not docs:
        raise TechniquesError(f"No technique documents found in {', '.join(map(str, paths))}.",
                              hint="Give the folders or files you ingest.", exit_code=2)
    return sorted(docs, key=lambda d: d.doc_id)


def generate_cases(docs: Sequence[ParsedDocument]) -> list[dict[str, Any]]:
    r = rules()
    cases: list[dict[str, Any]] = []
    for doc in docs:
        title = _title(doc.title)
        first_step = next((b.text for s in doc.sections if s.kind is SectionKind.STEPS for b in s.blocks if _phrase(b.text)), None)
        how_to = _case(f"{doc.doc_id}-how-to", r.questions.how_to.format(title=title), "how_to", [doc.doc_id])
        if first_step:
            how_to["must_include"] = [_phrase(first_step)]
        cases.append(how_to)
        caution = next((c.text for c in doc.cautions if _phrase(c.text)), None)
        if caution:
            case = _case(f"{doc.doc_id}-cautions", r.questions.cautions.format(title=title), "cautions", [doc.doc_id])
            case["must_include_cautions"] = [_phrase(caution)]
            cases.append(case)
        if figure := _dosage_figure(doc):
            case = _case(f"{doc.doc_id}-dosage", r.questions.dosage.format(title=title), "dosage", [doc.doc_id])
            case["must_include"] = [figure]
            cases.append(case)
    for n, question in enumerate(r.out_of_library, start=1):
        case = _case(f"out-of-library-{n}", question, "out_of_library", [])
        case["expect_no_answer"] = True
        cases.append(case)
    return [{**{k: v for k, v in c.items() if k != "tags"}, "tags": c["tags"]} for c in cases]  # tags last, to read


def write_cases(cases: Sequence[dict[str, Any]], out: Path, paths: Sequence[Path]) -> None:
    header = rules().header.format(paths=", ".join(str(p) for p in paths))
    body = yaml.safe_dump(list(cases), sort_keys=False, allow_unicode=True, width=100)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(header + "\n" + body, encoding="utf-8")
    except OSError as exc:
        raise TechniquesError(f"{out}: cannot write the cases ({exc.strerror or exc}).", exit_code=2) from None


def _case(case_id: str, question: str, intent: str, sources: list[str]) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "question": question, "intent": intent}
    if sources:
        case["expected_sources"] = sources
    case["tags"] = [GENERATED_TAG, intent]
    return case


def _title(title: str) -> str:
    # "How do I do the The ..." reads badly; a title's own article is dropped
    return re.sub(r"^(the)\s+", "", " ".join(title.split()), flags=re.IGNORECASE)


def _phrase(text: str) -> str:
    """The first run of plain words of a line (no markup, numbering or punctuation inside, as
    the card may escape or reflow those), at most `phrase_words` long; "" when too short."""
    r = rules()
    for clause in re.split(r"[.,;:!?()\[\]*_`#|<>&\"“”/\\]+", text):
        words = clause.split()
        while words and not _PLAIN_WORD.fullmatch(words[0]):
            words.pop(0)
        run: list[str] = []
        for word in words:
            if not _PLAIN_WORD.fullmatch(word):
                break
            run.append(word)
        if len(run) >= r.min_phrase_words:
            return " ".join(run[: r.phrase_words])
    return ""


def _dosage_figure(doc: ParsedDocument) -> str | None:
    patterns = [re.compile(p, re.IGNORECASE) for p in rules().dosage_patterns]
    kinds = (SectionKind.DOSAGE, SectionKind.BREATHING, SectionKind.STEPS)
    for kind in kinds:
        for section in (s for s in doc.sections if s.kind is kind):
            for block in section.blocks:
                for pattern in patterns:
                    if m := pattern.search(block.text):
                        return m.group(0)
    return None
