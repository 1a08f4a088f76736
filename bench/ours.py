"""Our side of the benchmark. Ingest and cold start go through the real `techniques` CLI (see
`ingest_cmd`, `ask_cmd`); the warm latency worker runs the full `Assistant.ask` (triage, scope,
hybrid retrieval, the technique card) over the question set in one serving process:

    python bench/ours.py serve STORE QUESTIONS.json [PASSES]   # prints JSON

The embedder's query cache is switched off here, so no timed question is answered from a
vector computed for an earlier one (a real chat does reuse it for its history turns).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

COLD_QUESTION = "How do I stretch the QL?"


def techniques_exe() -> str:
    return str(Path(sys.executable).with_name("techniques"))


def ingest_cmd(store: Path, folders: list[Path]) -> list[str]:
    return [techniques_exe(), "ingest", *map(str, folders), "--store", str(store), "--quiet"]


def ask_cmd(store: Path) -> list[str]:
    return [techniques_exe(), "ask", COLD_QUESTION, "--store", str(store)]


def cited_docs(answer) -> list[str]:
    seen: list[str] = []
    for c in answer.citations:
        if c.doc_id not in seen:
            seen.append(c.doc_id)
    return seen


def serve(store: str, questions_file: str, passes: int) -> dict:
    from assistant.service import Assistant
    from techniques.settings import Settings

    questions = json.loads(Path(questions_file).read_text("utf-8"))
    assistant = Assistant(Settings.from_env().with_store(store))
    if hasattr(assistant.embedder, "query_cache"):
        assistant.embedder.query_cache = 0
    assistant.warm_up()
    assistant.ask("warm up: how do I stretch the hamstrings?")
    latencies, ranked, stages = [], [], []
    for n in range(passes):
        for q in questions:
            started = time.perf_counter()
            answer = assistant.ask(q["question"], q["history"])
            latencies.append((time.perf_counter() - started) * 1000)
            if n == 0:
                ranked.append(cited_docs(answer))
                stages.append("red_flag" if answer.red_flag else "no_answer" if answer.no_answer else "answer")
    return {"latencies_ms": latencies, "ranked": ranked, "stages": stages, "embedder": assistant.embedder.name,
            "runtime": getattr(assistant.embedder, "runtime", "sentence-transformers")}


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    command, store, *rest = argv
    if command != "serve":
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(serve(store, rest[0], int(rest[1]) if len(rest) > 1 else 1)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
