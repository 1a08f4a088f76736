"""Heavier reliability runs than `make test` makes, and a load sweep.

1. The reliability suite with RELIABILITY_FULL=1: 100 chat sessions of 10 questions, 40 ingests
   killed with SIGKILL, 5,000 + 1,000 generated hostile questions.
2. A load sweep: the web chat over the corpus with the default queue (16 waiting questions) and
   with 64, against 10, 50 and 100 concurrent sessions of 10 questions each (threads, each a
   gradio_client conversation with its history, back to back: the worst case). For each: answers,
   "busy, try again" refusals, other errors, p50/p95 latency, throughput.

    .venv/bin/python bench/reliability.py [--suite] [--sweep] [--sessions 10 50 100] [--queues 16 64]

With neither --suite nor --sweep both run. Results: bench/out/reliability.json and .md. Every
request goes to 127.0.0.1; each run stops by itself (a per-request timeout of 120 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def run_suite() -> dict:
    env = {**os.environ, "RELIABILITY_FULL": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/reliability", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    tail = lines[-1] if lines else done.stderr[-500:]
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    artifacts = {}
    for name in ("load.json", "ingest-kill.json", "hostile-questions.json", "queue-full.json", "file-routes.json"):
        path = ROOT / "artifacts" / "reliability" / name
        if path.exists():
            artifacts[name] = json.loads(path.read_text("utf-8"))
    return {"returncode": done.returncode, "result": tail, "failed": failed,
            "seconds": round(time.perf_counter() - started, 1), "artifacts": artifacts}


def sweep(sessions: list[int], queues: list[int]) -> list[dict]:
    from tests.reliability.conftest import ServedApp, app_env
    from tests.reliability.test_load import percentile, run_session

    rows = []
    with tempfile.TemporaryDirectory(prefix="reliability-bench-") as tmp:
        store = Path(tmp) / "store"
        env = app_env()
        subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(ROOT / "corpus"), "--store", str(store),
                        "--quiet"], cwd=ROOT, env=env, check=True, capture_output=True)
        for queue in queues:
            app = ServedApp(store, Path(tmp) / f"serve-{queue}.log", env=app_env(TECHNIQUES_QUEUE_SIZE=str(queue)),
                            verbose=False).start()
            try:
                app.wait()
                for n in sessions:
                    started = time.perf_counter()
                    with ThreadPoolExecutor(n) as pool:
                        results = [r for s in pool.map(lambda s: run_session(app, s), range(n)) for r in s]
                    wall = time.perf_counter() - started
                    busy = [r for r in results if r["error"] and "Queue is full" in r["error"]]
                    other = [r for r in results if r["error"] and r not in busy]
                    ms = [r["ms"] for r in results if not r["error"]]
                    row = {"queue_size": queue, "sessions": n, "requests": len(results),
                           "answered": len(ms), "busy": len(busy), "other_errors": len(other),
                           "envelope_failures": sum(bool(r["problems"]) for r in results),
                           "p50_ms": round(percentile(ms, 50)) if ms else None,
                           "p95_ms": round(percentile(ms, 95)) if ms else None,
                           "wall_s": round(wall, 1), "answers_per_s": round(len(ms) / wall, 1)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            finally:
                app.stop()
    return rows


def markdown(report: dict) -> str:
    lines = ["# Reliability bench", ""]
    if "suite" in report:
        s = report["suite"]
        lines += [f"Suite with RELIABILITY_FULL=1: `{s['result']}` in {s['seconds']} s.", *s["failed"], ""]
    if "sweep" in report:
        lines += ["| queue | sessions | requests | answered | busy | other errors | p50 ms | p95 ms | answers/s |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in report["sweep"]:
            lines.append(f"| {r['queue_size']} | {r['sessions']} | {r['requests']} | {r['answered']} | {r['busy']} | "
                         f"{r['other_errors']} | {r['p50_ms']} | {r['p95_ms']} | {r['answers_per_s']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="only the RELIABILITY_FULL=1 suite")
    parser.add_argument("--sweep", action="store_true", help="only the load sweep")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--queues", type=int, nargs="+", default=[16, 64])
    args = parser.parse_args(argv)
    both = not args.suite and not args.sweep
    previous = OUT / "reliability.json"  # a run of one part keeps the other part's last results
    report: dict = json.loads(previous.read_text("utf-8")) if previous.exists() else {}
    if args.sweep or both:
        report["sweep"] = sweep(args.sessions, args.queues)
    if args.suite or both:
        report["suite"] = run_suite()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reliability.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    (OUT / "reliability.md").write_text(markdown(report), "utf-8")
    print(markdown(report))
    return 0 if report.get("suite", {}).get("returncode", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
