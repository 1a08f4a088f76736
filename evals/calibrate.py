"""Calibrate the no-answer threshold on labelled questions instead of guessing it.

For every single-turn case of the datasets that is neither a red flag nor a scope decline and
names no technique (a named technique is always answered), the best technique's evidence is
measured; answerable cases (with expected sources) and
unanswerable ones (`expect_no_answer`) should separate. The threshold that makes the fewest
mistakes is printed (ties: the middle of the widest gap), with both distributions.

    python -m evals.calibrate [DATASET ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from evals.dataset import load_cases
from techniques.settings import Settings

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


def main(argv: list[str] | None = None) -> int:
    from assistant.safety import scope, triage
    from assistant.glossary import glossary
    from assistant.service import Assistant
    from ingest.pipeline import ingest

    paths = [Path(p) for p in (argv or sys.argv[1:])] or [ROOT / "evals/datasets/core.yaml"]
    cases = [c for c in load_cases(paths) if not c.history and not c.expect_red_flag]
    with tempfile.TemporaryDirectory() as store:
        settings = Settings.from_env().with_store(store)
        ingest([ROOT / "corpus"], settings, progress=False)
        assistant = Assistant(settings)
        library = assistant.library()
        positives, negatives = [], []
        for case in cases:
            if triage.assess(case.question) or scope.check_scope(case.question):
                continue
            if library.mentioned(glossary().expand(case.question)):
                continue
            best = assistant._resolve(library, case.question, None).retrieval.best
            evidence = best.evidence if best else 0.0
            if case.expect_no_answer:
                negatives.append(evidence)
                print(f"  no-answer  {evidence:.3f}  {case.id}")
            elif case.expected_sources:
                positives.append(evidence)
                if evidence < 0.5:
                    print(f"  answerable {evidence:.3f}  {case.id}")
    threshold, errors = best_threshold(positives, negatives)
    print(f"answerable: n={len(positives)} min={min(positives):.3f} | unanswerable: n={len(negatives)} max={max(negatives, default=0):.3f}")
    print(f"min_evidence: {threshold}  ({errors} misclassified of {len(positives) + len(negatives)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
