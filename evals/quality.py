"""`make quality`: ours against plain BM25 and the textbook recipe on every development corpus.

For each corpus (the five seed documents with the therapists' development set, the everkinetic
and wger exercise libraries with theirs) the documents are ingested into a temporary store and
every development question is asked of three systems in one run:

- ours: `Assistant.ask`, scored by evals/metrics.py like the gate (cited documents in order);
- plain BM25 over whole documents: `bm25s` with its English stop words and the Snowball
  stemmer, each file's text as a user would have it (HTML as its visible text), no tuning;
- the textbook LangChain recipe of bench/recipe.py (1,000-character chunks, MiniLM, k=4),
  reading HTML files as the text loader would.

Neither baseline ever says "not covered", so their no-answer recall is 0 and precision n/a.
The core set may be reported beside the seed corpus (`--core`); it is never used to fit.
Writes docs/quality.md and prints the same table.

    python -m evals.quality [--corpora seed,everkinetic,wger] [--core] [--no-recipe] [--out docs/quality.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.dataset import EvalCase, load_cases
from evals.metrics import aggregate, score_case

ROOT = Path(__file__).resolve().parent.parent
DEV_CORPORA = Path(os.environ.get("TECHNIQUES_DEV_CORPORA", ROOT.parent / "shared" / "dev-corpora"))
DEV_SETS = ROOT / "evals" / "datasets" / "dev"
K = 3
SYSTEMS = ("ours", "bm25", "recipe")
# what `make quality` must show on each development corpus (issue 13)
TARGETS = {"hit@1": 0.90, "over_bm25": 0.05, "no_answer_recall": 0.95, "false_no_answer": 0.03}


@dataclass(frozen=True)
class Corpus:
    name: str
    folders: tuple[Path, ...]
    datasets: tuple[Path, ...]
    dev: bool = True  # a development corpus (targets apply); the core set is reported only


def corpora(names: Sequence[str], core: bool) -> list[Corpus]:
    known = {
        "seed": Corpus("seed (therapists' dev set)", (ROOT / "corpus",), (DEV_SETS / "seed-therapist.yaml",)),
        "everkinetic": Corpus("everkinetic", (DEV_CORPORA / "everkinetic" / "md",), (DEV_SETS / "everkinetic.yaml",)),
        "wger": Corpus("wger", (DEV_CORPORA / "wger",), (DEV_SETS / "wger.yaml",)),
    }
    chosen = [known[n] for n in names]
    if core:
        chosen.insert(1, Corpus("seed (core set, reported only)", (ROOT / "corpus",),
                                (ROOT / "evals" / "datasets" / "core.yaml",), dev=False))
    return chosen


@dataclass
class Row:
    metrics: dict[str, float | None]
    ms_per_question: float | None = None


@dataclass
class Result:
    corpus: Corpus
    cases: int = 0
    answerable: int = 0
    unanswerable: int = 0
    documents: int = 0
    rows: dict[str, Row] = field(default_factory=dict)
    skipped: str | None = None


# ------------------------------------------------------------------------------- the systems


def run_ours(corpus: Corpus, cases: list[EvalCase], store: str) -> tuple[Row, int]:
    from assistant.library import prebuild
    from assistant.service import Assistant
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    settings = Settings.from_env().with_store(store)
    report = ingest(list(corpus.folders), settings, progress=False)
    if report.published and report.version:  # as `techniques ingest` does: the snapshot and its vectors
        prebuild(settings, report.version)
    assistant = Assistant(settings)
    assistant.warm_up()
    results, spent = [], 0.0
    for case in cases:
        started = time.perf_counter()
        answer = assistant.ask(case.question, list(case.history)).to_dict()
        elapsed = (time.perf_counter() - started) * 1000
        spent += elapsed
        results.append(score_case(case, answer, k=K, latency_ms=elapsed))
    return Row(_metrics(results, cases), spent / max(1, len(cases))), report.documents


def run_bm25(corpus: Corpus, cases: list[EvalCase]) -> Row:
    import bm25s
    import Stemmer

    ids, texts = [], []
    for path in _files(corpus.folders, (".txt", ".md", ".markdown", ".html", ".htm")):
        ids.append(path.stem)
        texts.append(_plain_text(path))
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)

    def rank(question: str) -> list[str]:
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = retriever.retrieve(tokens, k=min(K, len(ids)), show_progress=False)
        return [ids[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0]

    return _ranked_row(cases, rank)


def run_recipe(corpus: Corpus, cases: list[EvalCase], store: str) -> Row:
    sys.path.insert(0, str(ROOT))
    from bench import recipe

    # the tutorials' DirectoryLoader + TextLoader read an HTML library as its raw text
    recipe.SUFFIXES = (".txt", ".md", ".html")
    recipe.ingest(store, [str(f) for f in corpus.folders])
    db = recipe._open(store)
    return _ranked_row(cases, lambda q: list(dict.fromkeys(recipe.doc_ids(db.similarity_search(q, k=recipe.K)))))


def _ranked_row(cases: list[EvalCase], rank: Callable[[str], list[str]]) -> Row:
    """A system that only ranks documents, scored like ours: its top documents as citations."""
    results, spent = [], 0.0
    for case in cases:
        started = time.perf_counter()
        docs = rank(case.question)
        elapsed = (time.perf_counter() - started) * 1000
        spent += elapsed
        answer = {"answer": "", "citations": [{"n": i, "doc_id": d} for i, d in enumerate(docs, 1)],
                  "no_answer": False, "red_flag": None, "disclaimer": "", "cautions": []}
        results.append(score_case(case, answer, k=K, latency_ms=elapsed))
    return Row(_metrics(results, cases), spent / max(1, len(cases)))


def _metrics(results, cases: list[EvalCase]) -> dict[str, float | None]:
    agg = aggregate(results)
    answerable = [r for r in results if r.case.expected_sources and not r.case.expect_no_answer and not r.case.expect_red_flag]
    false_no = sum(1 for r in answerable if r.answer and r.answer.get("no_answer"))
    return {
        "hit@1": agg["hit@1"], "hit@3": agg["hit@k"], "mrr": agg["mrr"],
        "no_answer_precision": agg["no_answer_precision"], "no_answer_recall": agg["no_answer_recall"],
        "false_no_answer": false_no / len(answerable) if answerable else None,
        "failed": [r.case.id for r in results if r.checks.get("source") is False or r.checks.get("no_answer") is False],
    }


def _files(folders: Sequence[Path], suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for f in folders for p in Path(f).rglob("*") if p.suffix.lower() in suffixes and p.is_file())


def _plain_text(path: Path) -> str:
    text = path.read_text("utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm"):
        from bs4 import BeautifulSoup

        return BeautifulSoup(text, "html.parser").get_text(" ")
    return text


# ------------------------------------------------------------------------------------ report


def measure(corpus: Corpus, systems: Sequence[str]) -> Result:
    result = Result(corpus)
    missing = [str(f) for f in corpus.folders if not f.is_dir()] + [str(d) for d in corpus.datasets if not d.is_file()]
    if missing:
        result.skipped = f"skipped: {', '.join(missing)} not found"
        if any(str(DEV_CORPORA) in m for m in missing):
            result.skipped += f" (the development corpora live in {DEV_CORPORA}; see its README)"
        return result
    cases = load_cases(list(corpus.datasets))
    result.cases = len(cases)
    result.unanswerable = sum(c.expect_no_answer for c in cases)
    result.answerable = sum(bool(c.expected_sources) and not c.expect_no_answer for c in cases)
    with tempfile.TemporaryDirectory(prefix="techniques-quality-") as work:
        if "ours" in systems:
            result.rows["ours"], result.documents = run_ours(corpus, cases, str(Path(work) / "ours"))
        if "bm25" in systems:
            result.rows["bm25"] = run_bm25(corpus, cases)
        if "recipe" in systems:
            result.rows["recipe"] = run_recipe(corpus, cases, str(Path(work) / "recipe"))
    return result


COLUMNS = ("hit@1", "hit@3", "mrr", "no_answer_precision", "no_answer_recall", "false_no_answer")


def render(results: Sequence[Result]) -> str:
    lines = ["# Retrieval quality on the development corpora", "",
             "Generated by `make quality` (`python -m evals.quality`). Ours, plain BM25 over whole "
             "documents (bm25s, Snowball stemmer, no tuning) and the textbook LangChain recipe "
             "(bench/recipe.py), in one run, over each corpus's development set. hit@3 and MRR "
             "rank the documents an answer cites (ours) or returns (the baselines). False "
             "no-answers are a share of the answerable questions. The baselines never decline.", ""]
    for r in results:
        lines.append(f"## {r.corpus.name}")
        lines.append("")
        if r.skipped:
            lines += [r.skipped, ""]
            continue
        lines.append(f"{r.documents} documents; dev set {', '.join(p.name for p in r.corpus.datasets)}: "
                     f"{r.cases} cases ({r.answerable} answerable, {r.unanswerable} not covered).")
        lines.append("")
        lines.append("| system | " + " | ".join(COLUMNS) + " | ms/question |")
        lines.append("|---" * (len(COLUMNS) + 2) + "|")
        for name, row in r.rows.items():
            cells = [_fmt(row.metrics.get(c)) for c in COLUMNS]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {_fmt(row.ms_per_question, 1)} |")
        lines.append("")
        if r.corpus.dev and "ours" in r.rows:
            lines += _targets(r) + [""]
    return "\n".join(lines).rstrip() + "\n"


def _targets(r: Result) -> list[str]:
    ours = r.rows["ours"].metrics
    bm25 = r.rows.get("bm25").metrics if "bm25" in r.rows else {}
    checks = [
        ("hit@1 >= 0.90", (ours["hit@1"] or 0) >= TARGETS["hit@1"]),
        ("no-answer recall >= 0.95", ours["no_answer_recall"] is None or ours["no_answer_recall"] >= TARGETS["no_answer_recall"]),
        ("false no-answers <= 3%", (ours["false_no_answer"] or 0) <= TARGETS["false_no_answer"]),
    ]
    if bm25.get("hit@1") is not None:
        checks.insert(1, ("hit@1 >= BM25 + 0.05", (ours["hit@1"] or 0) >= bm25["hit@1"] + TARGETS["over_bm25"] - 1e-9))
    out = ["Targets: " + ", ".join(f"{name} {'met' if ok else 'NOT MET'}" for name, ok in checks) + "."]
    if ours.get("failed"):
        out.append(f"Ours missed: {', '.join(ours['failed'])}.")
    return out


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", default="seed,everkinetic,wger")
    parser.add_argument("--core", action="store_true", help="also report the core set on the seed corpus (never fitted on)")
    parser.add_argument("--no-recipe", action="store_true", help="leave out the recipe (its model load is the slow part)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "quality.md")
    args = parser.parse_args(argv)
    systems = [s for s in SYSTEMS if not (s == "recipe" and args.no_recipe)]
    results = []
    for corpus in corpora([n.strip() for n in args.corpora.split(",") if n.strip()], args.core):
        print(f"[quality] {corpus.name} ...", file=sys.stderr, flush=True)
        results.append(measure(corpus, systems))
        if results[-1].skipped:
            print(f"[quality] {corpus.name}: {results[-1].skipped}", file=sys.stderr)
    text = render(results)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
