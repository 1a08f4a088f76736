"""Fit retrieval's numbers (assistant/data/thresholds.yaml) on the development sets only.

Reads evals/datasets/dev/*.yaml over their corpora (the five seed documents, everkinetic,
wger: all three together) and never the core set, which stays the regression gate. Two steps:

1. fusion weights: every weighting of a technique's fields (names, whole text, passages,
   dense) on a grid is scored by hit@1 over the answerable single-turn questions, re-ranking
   the candidates each question's one retrieval found (so the grid costs no retrieval);
2. the no-answer threshold: with those weights, the best technique's evidence of each
   single-turn question that names no technique and is not already declined for what it asks
   (a body region or kind of technique no match covers, or something the library never heard
   of: names.elsewhere) is measured; the threshold making the
   fewest mistakes is chosen (ties: the middle of the widest gap).

Prints both, with the figures to copy into thresholds.yaml's comment. Nothing is written.

    python -m evals.calibrate [--step 0.1]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np

from evals.dataset import EvalCase, load_cases

ROOT = Path(__file__).resolve().parent.parent


def best_threshold(positives: list[float], negatives: list[float]) -> tuple[float, int]:
    """(threshold, errors): answer when evidence >= threshold."""
    candidates = sorted(set(positives + negatives))
    cuts = [(a + b) / 2 for a, b in zip(candidates, candidates[1:])] or candidates
    best = None
    for cut in cuts:
        errors = sum(p < cut for p in positives) + sum(n >= cut for n in negatives)
        gap = min((abs(v - cut) for v in positives + negatives), default=0.0)
        key = (errors, -gap)
        if best is None or key < best[0]:
            best = (key, cut)
    return (round(best[1], 3), best[0][0]) if best else (0.0, 0)


FIELDS = ("names", "whole", "passages", "dense", "card", "exact")
CONTRASTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


def weight_grid(step: float, n: int = len(FIELDS)) -> list[tuple[float, ...]]:
    """Every weighting of `n` fields on a grid of `step` that sums to 1."""
    units = round(1 / step)
    return [tuple(round(u * step, 3) for u in (*head, units - sum(head)))
            for head in itertools.product(range(units + 1), repeat=n - 1) if sum(head) <= units]


def grid_hits(found: list[tuple[set[str], tuple]], grid: list[tuple[float, ...]], contrast: float = 0.0) -> np.ndarray:
    """For each weighting of `grid`, how many questions' best re-ranked technique is expected.
    Past the fitted fields: the rule-out field, added as it is, then the contrast flag, taken
    off times `contrast`."""
    weights = np.asarray(grid, dtype=np.float64)
    hits = np.zeros(len(grid), dtype=np.int64)
    for expected, matches in found:
        if not matches:
            continue
        fields = np.asarray([m.fields for m in matches], dtype=np.float64)
        good = np.asarray([m.doc_id in expected for m in matches])
        # ties go to the first candidate, as the retrieval's own order breaks them
        # the fields past the fitted ones are added as they are (a technique the question rules out)
        n = weights.shape[1]
        fitted = fields[:, :n] @ weights.T + fields[:, n:n + 1].sum(axis=1, keepdims=True)
        if fields.shape[1] > n + 1:
            fitted = fitted - contrast * fields[:, n + 1:n + 2]
        hits += good[np.argmax(fitted, axis=0)]
    return hits


class _Memo:
    """The real embedder, each question embedded once across the whole calibration."""

    def __init__(self, embedder) -> None:
        self.inner, self.name, self._seen = embedder, embedder.name, {}

    def embed_query(self, text):
        if text not in self._seen:
            self._seen[text] = self.inner.embed_query(text)
        return self._seen[text]

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)


def _single_turn(cases: list[EvalCase]) -> list[EvalCase]:
    return [c for c in cases if not c.history and not c.expect_red_flag]


def main(argv: list[str] | None = None) -> int:
    from assistant import retrieve as retrieval
    from assistant.names import elsewhere
    from assistant.safety import scope, triage
    from assistant.service import Assistant
    from evals.quality import corpora
    from ingest.embed import make_embedder
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m evals.calibrate")
    parser.add_argument("--step", type=float, default=0.1, help="grid step of the fusion weights")
    args = parser.parse_args(argv)
    embedder = _Memo(make_embedder(Settings.from_env()))
    runs = []  # (assistant, library, cases) per corpus
    work = tempfile.TemporaryDirectory(prefix="techniques-calibrate-")
    for corpus in corpora(["seed", "everkinetic", "wger"], core=False):
        if not all(f.is_dir() for f in corpus.folders) or not all(d.is_file() for d in corpus.datasets):
            print(f"skipped {corpus.name}: its folder or development set is missing", file=sys.stderr)
            continue
        settings = Settings.from_env().with_store(Path(work.name) / corpus.name.split()[0])
        ingest(list(corpus.folders), settings, embedder=embedder.inner, progress=False)
        assistant = Assistant(settings, embedder=embedder)
        library = assistant.library()
        cases = [c for c in _single_turn(load_cases(list(corpus.datasets)))
                 if not triage.assess(c.question) and not scope.check_scope(c.question)]
        runs.append((assistant, library, cases))
    if not runs:
        print("no development set found under evals/datasets/dev/", file=sys.stderr)
        return 2

    # 1. fusion weights, by hit@1 of the answerable questions
    found = []  # (expected, matches) per answerable case
    for assistant, library, cases in runs:
        for c in cases:
            if c.expected_sources and not c.expect_no_answer:
                r = retrieval.retrieve(library, embedder, c.question, assistant.settings.top_k)
                found.append((set(c.expected_sources), r.matches))
    grid = weight_grid(args.step)
    contrast = retrieval.thresholds().contrast
    scored = sorted(zip(grid_hits(found, grid, contrast).tolist(), grid), key=lambda t: (-t[0], t[1]))
    hits, best = scored[0]
    chosen = dict(zip(FIELDS, best))
    print(f"fusion (hit@1 over {len(found)} answerable questions, contrast {contrast}): "
          + ", ".join(f"{k} {v}" for k, v in chosen.items()) + f": {hits}/{len(found)} = {hits / max(1, len(found)):.3f}")
    for h, w in scored[1:4]:
        print(f"  next: {w}: {h}/{len(found)}")
    # the contrast penalty with those weights (smallest of the best: a ranking-down, not a veto)
    by_penalty = [(int(grid_hits(found, [best], p)[0]), p) for p in CONTRASTS]
    top = max(h for h, _ in by_penalty)
    print("contrast: " + ", ".join(f"{p}: {h}" for h, p in by_penalty) + f" -> {min(p for h, p in by_penalty if h == top)}")

    # 2. the no-answer threshold with those weights
    current = retrieval.thresholds()
    fitted = current.model_copy(update={"fusion": retrieval.Fusion(**chosen)})
    retrieval.thresholds.cache_clear()
    original, retrieval.thresholds = retrieval.thresholds, lambda: fitted  # noqa: E731
    positives, negatives, declined = [], [], 0
    try:
        for assistant, library, cases in runs:
            for c in cases:
                r = retrieval.retrieve(library, embedder, c.question, assistant.settings.top_k)
                best = r.best
                if best is None or best.doc_id in library.mentioned(r.query):
                    continue
                if (best.missing and all(m.missing for m in r.matches[:5])) or elsewhere(library, r, best.doc_id):
                    declined += c.expect_no_answer
                    continue
                (negatives if c.expect_no_answer else positives if c.expected_sources else []).append(best.evidence)
    finally:
        retrieval.thresholds = original
    threshold, errors = best_threshold(positives, negatives)
    print(f"no-answer threshold: answerable n={len(positives)} min={min(positives, default=0):.3f}; "
          f"not covered n={len(negatives)} max={max(negatives, default=0):.3f}; {declined} declined for what they ask")
    print(f"min_evidence: {threshold}  ({errors} misclassified of {len(positives) + len(negatives)})")
    work.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
