"""Direct-answer figures per intent and corpus, on the development fact set only.

Asks every case of evals/datasets/dev/facts.yaml of the corpus it was written over (the seed
documents in corpus/, and the everkinetic and wger libraries when ../shared/dev-corpora is
present) and prints, per corpus and intent:

- lead: of the cases whose document states the fact, the share whose direct answer holds every
  `must_lead` phrase (the asked-for fact is in the direct answer);
- not stated: of the cases whose document does not state it, the share answered "not stated";
- source: the share answered from an expected document;
- over all corpora, whether every duration and count answer cites only sentences that carry a
  figure (a number, a number word, a unit of time);
- the median length of fact answers (characters of `answer.answer`, the Markdown every surface
  exports, source-correct cases), and the same without the folded steps (what the web chat shows
  before the steps are unfolded; cautions and disclaimer are never folded);
- "before": the median length of the card the same questions got before direct answers (the
  whole card with its "In short" line: the same path with the direct answer switched off), what
  the issue's "at most half" is measured against; and the median of all corpora's cases.

Never reads evals/datasets/core.yaml. Stores are kept in --store-dir (default a folder under the
system's temporary directory) so a second run re-ingests nothing.

    python -m evals.direct_report [--corpora seed,everkinetic,wger] [--store-dir DIR] [--failures]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "evals" / "datasets" / "dev" / "facts.yaml"


def folders(name: str) -> Path:
    """The folder of a development corpus, as `make quality` has it (evals/quality.py)."""
    from evals.quality import corpora

    return corpora([name], core=False)[0].folders[0]


@dataclass
class Tally:
    lead: list[bool] = field(default_factory=list)
    silent: list[bool] = field(default_factory=list)
    source: list[bool] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    shown: list[int] = field(default_factory=list)
    before: list[int] = field(default_factory=list)
    figure: list[bool] = field(default_factory=list)  # a duration or count answer cites only sentences with a figure


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower().split())


_FIGURE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|ninety|hundred|once|twice|few|several|minutes?|seconds?|breaths?)\b", re.I)
FIGURE_INTENTS = ("hold_time", "repetitions")


def cites_only_figures(direct) -> bool | None:
    """For a stated duration or count answer: whether every sentence it cites has a figure (a
    number, a number word, a unit of time or breaths); None for other answers."""
    if direct is None or direct.intent not in FIGURE_INTENTS or not direct.stated:
        return None
    return all(_FIGURE.search(line.text) for line in direct.lines if line.cites)


def cases_for(corpus: str) -> list[dict]:
    data = yaml.safe_load(FACTS.read_text("utf-8"))
    return [c for c in data if corpus in (c.get("tags") or ())]


def score(case: dict, answer) -> tuple[bool | None, bool | None, bool, str]:
    """(lead, not-stated correct, source, why) for one case; None where it does not apply."""
    direct = answer.direct
    source = answer.doc_id in (case.get("expected_sources") or ())
    lead = silent = None
    why = ""
    if case.get("expect_stated") is False:
        silent = direct is not None and direct.stated is False
        why = "" if silent else f"expected not stated, got {'none' if direct is None else repr(direct.text[:120])}"
    elif case.get("must_lead") and case.get("intent") != "howto":
        text = _norm(direct.text) if direct is not None else ""
        missing = [p for p in case["must_lead"] if _norm(p) not in text]
        lead = not missing
        why = "" if lead else f"missing {missing} in {'no direct answer' if direct is None else repr(direct.text[:160])}"
    return lead, silent, source, why


def measure(corpus: str, store_dir: Path, *, failures: bool, out=sys.stdout,
            fit: list[tuple[float, bool, str]] | None = None) -> dict[str, Tally]:
    """Ask every case of `corpus`; `fit` collects (best similarity, stated, case) of the soft
    intents' cases for fitting their "not stated" threshold."""
    from assistant.direct import best_similarity
    from assistant.service import Assistant
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    settings = Settings.from_env().with_store(store_dir / corpus)
    ingest([folders(corpus)], settings, progress=False)
    assistant = Assistant(settings)
    assistant.warm_up()
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases_for(corpus):
        answer = assistant.ask(case["question"], list(case.get("history") or ()))
        lead, silent, source, why = score(case, answer)
        before = len(whole_card(assistant, case).answer) if case.get("intent") != "howto" and source else 0
        if fit is not None and answer.doc_id and answer.direct is not None and (lead or silent is not None):
            library = assistant.library()
            best = best_similarity(library.by_doc[answer.doc_id], answer.question, answer.direct.intent,
                                   assistant.query_embedder(library), library.docs[answer.doc_id])
            if best is not None:
                fit.append((best, bool(case["expect_stated"]), case["id"]))
        for key in (case.get("intent", "?"), "ALL"):
            t = tallies[key]
            t.source.append(source)
            if lead is not None:
                t.lead.append(lead)
            if silent is not None:
                t.silent.append(silent)
            if (figure := cites_only_figures(answer.direct)) is not None:
                t.figure.append(figure)
            if case.get("intent") != "howto" and source:
                t.lengths.append(len(answer.answer))
                t.shown.append(len(answer.answer) - folded_chars(answer))
                t.before.append(before)
        if failures and (why or not source):
            got = answer.doc_id or "no answer"
            print(f"  FAIL {case['id']} [{answer.direct.intent if answer.direct else 'howto'}] "
                  f"{'' if source else f'(source {got}) '}{why}", file=out)
    return tallies


def whole_card(assistant, case: dict):
    """The answer `case` got before direct answers: the same path, its direct answer switched off
    (compose_card then gives the whole card, led by the "In short" line of a non-how-to question)."""
    from unittest import mock

    with mock.patch("assistant.service.direct_answer", lambda *args, **kwargs: None):
        return assistant.ask(case["question"], list(case.get("history") or ()))


def folded_chars(answer) -> int:
    """Characters of the answer's Markdown that are in folded sections (the steps under a direct
    answer)."""
    from assistant.render import MarkdownWriter

    return sum(len(MarkdownWriter().section(s)) + 2 for s in answer.sections if s.folded)


def _rate(values: list[bool]) -> str:
    return f"{sum(values)}/{len(values)} ({sum(values) / len(values):.0%})" if values else "—"


def render(corpus: str, tallies: dict[str, Tally]) -> str:
    lines = [f"## {corpus}", f"{'intent':<18} {'lead':>14} {'not stated':>14} {'source':>14} {'median chars':>13} {'folded':>7} {'before':>7}"]
    for intent in sorted(tallies, key=lambda k: (k == "ALL", k)):
        t = tallies[intent]
        median, shown, before = (f"{statistics.median(v):.0f}" if v else "—" for v in (t.lengths, t.shown, t.before))
        lines.append(f"{intent:<18} {_rate(t.lead):>14} {_rate(t.silent):>14} {_rate(t.source):>14} {median:>13} {shown:>7} {before:>7}")
    return "\n".join(lines)


def available(names: Sequence[str]) -> list[str]:
    return [n for n in names if folders(n).is_dir()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", default="seed,everkinetic,wger")
    parser.add_argument("--store-dir", type=Path, default=Path(tempfile.gettempdir()) / "techniques-direct-report")
    parser.add_argument("--failures", action="store_true", help="print each failing case")
    parser.add_argument("--fit", action="store_true", help="fit the soft intents' not-stated threshold")
    args = parser.parse_args(argv)
    names = args.corpora.split(",")
    fit: list[tuple[float, bool, str]] | None = [] if args.fit else None
    overall = Tally()
    for name in names:
        if name not in available([name]):
            print(f"## {name}\nskipped: {folders(name)} not found")
            continue
        tallies = measure(name, args.store_dir, failures=args.failures, fit=fit)
        print(render(name, tallies), flush=True)
        for attr in ("lead", "silent", "source", "lengths", "shown", "before", "figure"):
            getattr(overall, attr).extend(getattr(tallies["ALL"], attr))
    if overall.source:
        print(render("all corpora", {"ALL": overall}))
        print(f"duration and count answers citing only sentences with the figure: {_rate(overall.figure)}")
    if fit:
        print(fitted(fit))
    return 0


def fitted(points: list[tuple[float, bool, str]]) -> str:
    """The soft threshold: halfway between the least similar stated case and the most similar
    not-stated one (or just under the stated ones when there is no not-stated soft case)."""
    stated = sorted(p for p in points if p[1])
    silent = sorted(p for p in points if not p[1])
    low = stated[0][0] if stated else 1.0
    high = silent[-1][0] if silent else None
    threshold = (low + high) / 2 if high is not None and high < low else low - 0.02
    lines = [f"soft intents: {len(stated)} stated, {len(silent)} not stated",
             f"least similar stated: {low:.3f} ({stated[0][2] if stated else '-'})",
             f"most similar not stated: {'—' if high is None else f'{high:.3f} ({silent[-1][2]})'}",
             f"soft_min_similarity: {threshold:.2f}"]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
