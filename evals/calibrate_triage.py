"""Fit the triage meaning net's thresholds on the triage development set and report the figures.

    python evals/calibrate_triage.py [--dataset evals/datasets/dev/triage.yaml] [--write]

For each red-flag category, the threshold is put in the gap just below the least similar
positive phrasing that the rules miss (so the dev set's recall is 1.0 when the paraphrases can
reach it) and above the negatives under it. Prints per-category recall, wrong-category counts
and the false-alarm rate (rules alone, then both nets); `--write` rewrites the calibration block
of assistant/safety/data/red_flag_paraphrases.yaml with the thresholds and these figures. Uses
the assistant's embedder (TECHNIQUES_EMBEDDER). Never run on the core regression set: that is
the regression gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "evals/datasets/dev/triage.yaml"
PARAPHRASES = ROOT / "assistant/safety/data/red_flag_paraphrases.yaml"
FLOOR = 0.45  # below this MiniLM calls unrelated sentences similar
CONTEXT = 0.6  # contexts found by meaning ("her back is sore"); not fitted


def _category(case) -> str | None:
    return next((t[3:] for t in case.tags if t.startswith("rf-")), None)


def evaluate(cases, embedder, thresholds):
    """(per-category hits and totals, wrong categories, false alarms) with these thresholds."""
    from assistant.safety.triage import assess_signs

    hit, total, wrong, alarms = Counter(), Counter(), [], []
    for case in cases:
        found = assess_signs(case.question, case.history, embedder, thresholds=thresholds) if embedder else assess_signs(case.question, case.history)
        want = _category(case)
        if want:
            total[want] += 1
            if found and found.category.name == want:
                hit[want] += 1
            elif found:
                wrong.append((case.id, want, found.category.name))
        elif found:
            alarms.append((case.id, found.category.name, found.matched))
    return hit, total, wrong, alarms


def fit(cases, embedder, current: dict[str, float]) -> dict[str, float]:
    from assistant.safety.meaning import candidates
    from assistant.safety.triage import Conversation, conversation, rules

    r = rules()
    names = [c.name for c in r.categories]
    need: dict[str, list[float]] = {n: [] for n in names}
    negative: dict[str, list[float]] = {n: [] for n in names}
    for case in cases:
        convo = Conversation(conversation(case.question, case.history), r)
        want = _category(case)
        if want and any(convo.signs(c)[0] for c in r.categories if c.name == want):
            continue  # the rules find it
        found = candidates(convo, r, embedder)
        for name, unit, score in found:
            if name in r.contexts and score >= CONTEXT:
                convo.extra_contexts.setdefault(name, []).append(unit.text)
        best: dict[str, float] = {}
        for name, _unit, score in found:
            owner = r.sign(name)
            if owner and convo.needed(owner[1]) is not None:
                best[owner[0].name] = max(best.get(owner[0].name, -1.0), score)
        if want:
            need[want].append(best.get(want, -1.0))
        else:
            for cat, score in best.items():
                negative[cat].append(score)
    fitted = {"default": current.get("default", 0.62), "context": CONTEXT}
    for cat in names:
        lowest = min(need[cat], default=None)
        if lowest is None or lowest < FLOOR:
            if lowest is not None:
                print(f"  {cat}: a positive is out of the meaning net's reach (best {lowest:.3f}); add a rule or paraphrase")
            below = [s for s in negative[cat]]
            fitted[cat] = round(max([current.get(cat, fitted["default"])] + [s + 0.01 for s in below]), 3)
            continue
        under = [s for s in negative[cat] if s < lowest]
        fitted[cat] = round(max(FLOOR, (lowest + max(under)) / 2 if under else lowest - 0.01), 3)
    return fitted


def report(label: str, hit, total, wrong, alarms, negatives: int) -> list[str]:
    lines = [f"{label}:"]
    for cat in sorted(total):
        lines.append(f"  {cat:14s} recall {hit[cat] / total[cat]:.3f} ({hit[cat]}/{total[cat]})")
    lines.append(f"  wrong category {len(wrong)}; false alarms {len(alarms)}/{negatives} = {len(alarms) / max(negatives, 1):.3f}")
    return lines


def write(thresholds: dict[str, float], margin: float, figures: list[str], embedder_name: str) -> None:
    text = PARAPHRASES.read_text("utf-8")
    block = ["# calibration: begin", f"# fitted {dt.date.today()} by `python evals/calibrate_triage.py --write` on evals/datasets/dev/triage.yaml, embedder {embedder_name}"]
    block += [f"# {line}" for line in figures]
    block += ["thresholds:"] + [f"  {k}: {v}" for k, v in thresholds.items()] + [f"margin: {margin}", "# calibration: end"]
    new = re.sub(r"# calibration: begin.*?# calibration: end", "\n".join(block), text, flags=re.S)
    PARAPHRASES.write_text(new, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT)
    parser.add_argument("--write", action="store_true", help="write thresholds and figures into the paraphrase file")
    args = parser.parse_args(argv)
    if args.dataset.resolve().name == "core.yaml":
        print("core.yaml is the regression gate: never fit on it", file=sys.stderr)
        return 2
    from assistant.safety.meaning import families, paraphrase_file
    from evals.dataset import load_cases
    from ingest.embed import make_embedder
    from techniques.settings import Settings

    cases = load_cases([args.dataset])
    negatives = sum(1 for c in cases if not _category(c))
    embedder = make_embedder(Settings.from_env())
    print("\n".join(report("rules only", *evaluate(cases, None, None), negatives)))
    thresholds = fit(cases, embedder, dict(paraphrase_file().thresholds))
    hit, total, wrong, alarms = evaluate(cases, embedder, thresholds)
    figures = report("rules + meaning", hit, total, wrong, alarms, negatives)
    print("thresholds:", thresholds)
    print("\n".join(figures))
    for case_id, want, got in wrong:
        print(f"  wrong category: {case_id} expected {want}, got {got}")
    for case_id, got, matched in alarms:
        print(f"  false alarm: {case_id} -> {got} {matched}")
    if args.write:
        write(thresholds, families().margin, figures, getattr(embedder, "name", type(embedder).__name__))
        print(f"wrote {PARAPHRASES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
