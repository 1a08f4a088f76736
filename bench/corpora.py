"""The benchmark's corpora ("tiers") and the questions asked of them.

`corpus` is the real corpus/ with the core eval set. `1k` and `10k` are that same corpus plus
1,000 or 10,000 documents from bench/generate_corpus.py (seed 7), written once into the work
folder, never checked in. Keeping the five real documents in the big tiers means the core set's
labels still apply there: the figures say whether retrieval holds up among thousands of
look-alike documents, not only how fast it is.

Questions: every core case (with its conversation history), plus, for the generated tiers,
template questions about generated techniques (timed, but unlabelled: many generated documents
answer each one equally well).
"""

from __future__ import annotations

import random
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.generate_corpus import MUSCLES, POSITIONS, TYPES, VARIANTS, generate

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "evals" / "datasets" / "core.yaml"
SIZES = {"corpus": 0, "1k": 1000, "10k": 10_000}
SEED = 7


@dataclass(frozen=True)
class Question:
    question: str
    history: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()  # doc ids that rightly answer; empty = unlabelled
    label: str = ""  # the eval case id, or "generated"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        return cls(data["question"], tuple(data["history"]), tuple(data["expected"]), data["label"])


@dataclass
class Tier:
    name: str
    folders: list[Path]  # what both systems ingest
    documents: int
    questions: list[Question] = field(default_factory=list)


def tiers(names: list[str], work: Path) -> list[Tier]:
    unknown = [n for n in names if n not in SIZES]
    if unknown:
        raise SystemExit(f"unknown tier(s) {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    return [materialise(n, work) for n in names]


def materialise(name: str, work: Path) -> Tier:
    core = core_questions()
    n = SIZES[name]
    if n == 0:
        return Tier(name, [ROOT / "corpus"], _count(ROOT / "corpus"), core)
    folder = work / "corpora" / name
    real, generated = folder / "corpus", folder / "generated"
    stamp = folder / f".complete-{n}-{SEED}"
    if not stamp.is_file():  # written once; later runs reuse the same bytes
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(ROOT / "corpus", real)
        generate(generated, n, seed=SEED)
        stamp.touch()
    return Tier(name, [real, generated], _count(real) + n, core + template_questions(40))


def core_questions() -> list[Question]:
    from evals.dataset import load_cases

    return [
        Question(c.question, tuple(c.history), () if c.expect_no_answer else tuple(c.expected_sources), c.id)
        for c in load_cases([CORE])
    ]


def template_questions(n: int, seed: int = 11) -> list[Question]:
    rnd = random.Random(seed)
    forms = (
        "How do I do a {variant} {muscle} {kind}?",
        "What are the cautions for the {muscle} {kind}?",
        "How should the client be positioned for a {position} {muscle} {kind}?",
        "How long should I hold the {muscle} {kind}?",
        "Is there a {kind} for a tight {region}?",
    )
    out = []
    for _ in range(n):
        m = rnd.choice(MUSCLES)
        text = rnd.choice(forms).format(
            variant=rnd.choice(VARIANTS), muscle=m.name, kind=rnd.choice(TYPES), position=rnd.choice(POSITIONS)[0], region=m.region
        )
        out.append(Question(text, label="generated"))
    return out


def _count(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.suffix in {".txt", ".md", ".html", ".pdf"})
