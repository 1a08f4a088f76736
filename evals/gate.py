"""`make eval`: the core set against the real assistant, its thresholds and the committed
baseline. The corpus is ingested into a scratch store first, so the gate runs from a clean
clone and never touches the user's own index.

    python -m evals.gate                 # the gate (exit 0 pass, 1 fail, 2 bad input)
    python -m evals.gate --update-baseline   # after an intended improvement, on purpose
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from techniques.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GATE = ROOT / "evals" / "gate.yaml"
BASELINE = ROOT / "evals" / "baseline.json"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def eval_config(settings: Settings, assistant, k: int) -> dict:
    return {"store": assistant.backend.describe(), "model": assistant.embedder.name, "k": k, "git_commit": git_commit()}


def main(argv: list[str] | None = None) -> int:
    from assistant.service import Assistant
    from evals.runner import main_eval
    from ingest.pipeline import ingest

    parser = argparse.ArgumentParser(prog="python -m evals.gate")
    parser.add_argument("--update-baseline", action="store_true", help="write this run as evals/baseline.json")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "eval", help="where the reports go")
    args = parser.parse_args(argv)
    gate = yaml.safe_load(GATE.read_text("utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="techniques-eval-") as store:
        settings = Settings.from_env().with_store(store)
        ingest([ROOT / "corpus"], settings, progress=False)
        assistant = Assistant(settings)
        report = BASELINE if args.update_baseline else args.out / "report.json"
        return main_eval(
            [ROOT / p for p in gate["datasets"]],
            lambda q, h: assistant.ask(q, h).to_dict(),
            k=int(gate["k"]),
            config=eval_config(settings, assistant, int(gate["k"])),
            report=report,
            markdown=args.out / "report.md",
            junit=args.out / "junit.xml",
            baseline=None if args.update_baseline or not BASELINE.exists() else BASELINE,
            mins=[f"{name}={value}" for name, value in gate["min"].items()],
            progress=sys.stderr.isatty(),
        )


if __name__ == "__main__":
    sys.exit(main())
