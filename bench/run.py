"""`make bench`: ours and the textbook LangChain recipe, same run, same machine, same corpora.

    python bench/run.py [--tiers corpus,1k[,10k]] [--passes 3] [--cold-runs 3] [--compare onnx] [--no-docs]

Per tier: full ingest (fresh process, wall time, documents per second), our unchanged
re-ingest, retrieval quality on the labelled core questions (hit@1, MRR), warm answer latency
p50/p95 and the serving process's peak RSS, and cold start of a fresh process to a first answer.
Writes bench/out/latest.json and latest.md (plus a timestamped copy) and, unless --no-docs, the
results section of docs/benchmarks.md. `BENCH_TIERS` in the environment sets the default tiers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ours, report  # noqa: E402
from bench.corpora import Question, Tier, tiers  # noqa: E402
from bench.measure import Measured, percentile, python_cmd, run, wait_for_quiet  # noqa: E402
from techniques.settings import EMBEDDERS, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def prepare_model(embedders: list[str]) -> None:
    """Export the ONNX model (and its int8 copy) once, outside every timed step (a one-off per
    model, like a download); the timed ingest then finds it in the cache as any later ingest would."""
    from ingest.embed_onnx import ensure_exported

    settings = Settings.from_env()
    for name in embedders:
        if name.startswith("onnx"):
            ensure_exported(settings.resolved_model_path(), settings.resolved_cache_dir(), int8=name == "onnx-int8")


class Timer:
    """Runs one measured step at a time, after waiting for the machine to go quiet, and keeps
    how much other work there was during each."""

    def __init__(self, tier: str, quiet_wait: float) -> None:
        self.tier, self.quiet_wait, self.loads = tier, quiet_wait, []

    def __call__(self, label: str, cmd: list[str], extra_env: dict[str, str] | None = None) -> Measured:
        if self.quiet_wait:
            wait_for_quiet(self.quiet_wait)
        log(f"{self.tier}: {label}")
        m = run(cmd, extra_env)
        self.loads.append(m.other_cores)
        log(f"{self.tier}: {label}: {m.seconds:.2f} s, peak {m.peak_mib:.0f} MiB, other load {m.other_cores:.2f} cores")
        return m


def bench_ours(tier: Tier, timed: Timer, store: Path, env: dict[str, str]) -> dict:
    label = "ours" + (f" ({env['TECHNIQUES_EMBEDDER']})" if env else "")
    first = timed(f"{label}: full ingest", ours.ingest_cmd(store, tier.folders), env)
    again = timed(f"{label}: unchanged re-ingest", ours.ingest_cmd(store, tier.folders), env)
    if "index unchanged" not in again.stdout:
        raise RuntimeError(f"the re-ingest was not a no-op:\n{again.stdout}")
    return {
        "setting": env.get("TECHNIQUES_EMBEDDER") or Settings.from_env().embedder,  # TECHNIQUES_EMBEDDER
        "chunks": _chunks(first.stdout),
        "ingest_s": first.seconds,
        "ingest_in_process_s": _inner_seconds(first.stdout),
        "ingest_docs_per_s": tier.documents / first.seconds,
        "ingest_peak_mib": first.peak_mib,
        "reingest_s": again.seconds,
        "reingest_share": again.seconds / first.seconds,
    }


def bench_recipe(tier: Tier, timed: Timer, store: Path) -> dict:
    ingested = timed("recipe: full ingest", python_cmd("recipe.py", "ingest", store, *tier.folders))
    return {
        "chunks": ingested.json()["chunks"],
        "ingest_s": ingested.seconds,
        "ingest_in_process_s": ingested.json()["seconds"],
        "ingest_docs_per_s": tier.documents / ingested.seconds,
        "ingest_peak_mib": ingested.peak_mib,
        "reingest_s": None,  # no change detection: a re-run is a full ingest
        "reingest_share": None,
    }


def bench_serving(tier: Tier, timed: Timer, servers: dict[str, tuple[list[str], dict[str, str]]], passes: int) -> dict[str, dict]:
    """Warm latency and serving memory: one serving process per system and pass, the systems
    taking turns pass by pass (like the cold starts), so that a slow spell of the host, which
    the load check cannot see, falls on every system alike instead of on one."""
    runs: dict[str, list[Measured]] = {name: [] for name in servers}
    for i in range(passes):
        for name, (cmd, env) in servers.items():
            runs[name].append(timed(f"{name}: serve, pass {i + 1} of {passes}", cmd, env))
    out = {}
    for name, measured in runs.items():
        served = [m.json() for m in measured]
        first = served[0]
        out[name] = {
            **quality(tier.questions, first["ranked"]),
            **latency([ms for s in served for ms in s["latencies_ms"]]),
            "latency_pass_p50_ms": [percentile(s["latencies_ms"], 50) for s in served],
            "serve_peak_mib": max(m.peak_mib for m in measured),
        }
        if "stages" in first:
            out[name]["answer_stages"] = {s: first["stages"].count(s) for s in sorted(set(first["stages"]))}
            out[name]["embedder"] = f"{first['embedder']} ({first['runtime']})"
    return out


def bench_tier(tier: Tier, work: Path, passes: int, cold_runs: int, quiet_wait: float, compare: str | None) -> dict:
    stores = work / "stores" / tier.name
    shutil.rmtree(stores, ignore_errors=True)
    questions = work / f"questions-{tier.name}.json"
    questions.write_text(json.dumps([q.to_dict() for q in tier.questions]), "utf-8")
    timed = Timer(tier.name, quiet_wait)
    variants = {"ours": {}} | ({"ours_alt": {"TECHNIQUES_EMBEDDER": compare}} if compare else {})
    result = {name: bench_ours(tier, timed, stores / name, env) for name, env in variants.items()}
    result["recipe"] = bench_recipe(tier, timed, stores / "recipe")
    servers = {name: (python_cmd("ours.py", "serve", stores / name, questions, 1), env) for name, env in variants.items()}
    servers["recipe"] = (python_cmd("recipe.py", "serve", stores / "recipe", questions, 1), {})
    for name, figures in bench_serving(tier, timed, servers, passes).items():
        result[name] |= figures

    recipe_ask = python_cmd("recipe.py", "ask", stores / "recipe", ours.COLD_QUESTION)
    for name, env in variants.items():  # one untimed run each: every system starts from a warm page cache
        run(ours.ask_cmd(stores / name), env)
    run(recipe_ask)
    cold: dict[str, list[Measured]] = {name: [] for name in [*variants, "recipe"]}
    for i in range(cold_runs):  # interleaved, so a burst of outside load hits every system alike
        for name, env in variants.items():
            cold[name].append(timed(f"{name}: cold start {i + 1}", ours.ask_cmd(stores / name), env))
        cold["recipe"].append(timed(f"recipe: cold start {i + 1}", recipe_ask))
    for name, runs in cold.items():
        result[name] |= {
            "cold_start_s": statistics.median(m.seconds for m in runs),
            "cold_start_runs_s": [round(m.seconds, 3) for m in runs],
            "cold_start_peak_mib": max(m.peak_mib for m in runs),
        }
    return {
        "tier": tier.name,
        "documents": tier.documents,
        "questions": len(tier.questions),
        "labelled": sum(1 for q in tier.questions if q.expected),
        "passes": passes,
        "max_other_load_cores": round(max(timed.loads), 2),
        "loads": [round(x, 2) for x in timed.loads],
        **result,
    }


def quality(questions: list[Question], ranked: list[list[str]]) -> dict:
    """hit@1 and MRR over the labelled questions: the rank of the first expected document
    among the documents returned (the recipe's k=4 results, our answer's citations), each
    document counted once, in order."""
    ranks = []
    for q, docs in zip(questions, ranked):
        if not q.expected:
            continue
        unique = list(dict.fromkeys(docs))
        ranks.append(next((i + 1 for i, d in enumerate(unique) if d in q.expected), None))
    if not ranks:
        return {"hit@1": None, "mrr": None}
    return {
        "hit@1": sum(r == 1 for r in ranks) / len(ranks),
        "mrr": sum(1 / r for r in ranks if r) / len(ranks),
    }


def latency(ms: list[float]) -> dict:
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "latency_samples": len(ms)}


def _inner_seconds(stdout: str) -> float | None:
    found = re.search(r"time: ([\d.]+) s", stdout)
    return float(found.group(1)) if found else None


def _chunks(stdout: str) -> int | None:
    found = re.search(r"chunks: (\d+)", stdout)
    return int(found.group(1)) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description="ours vs the textbook LangChain recipe")
    parser.add_argument("--tiers", default=os.environ.get("BENCH_TIERS") or "corpus,1k", help="comma-separated: corpus,1k,10k")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the questions (default 3)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold starts per system; the median is reported")
    parser.add_argument("--work", type=Path, default=OUT / "work", help="generated corpora and stores (default bench/out/work)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the results in docs/benchmarks.md")
    parser.add_argument("--compare", metavar="EMBEDDER", default=os.environ.get("BENCH_COMPARE") or None,
                        choices=EMBEDDERS, help="also measure ours with this TECHNIQUES_EMBEDDER (or set BENCH_COMPARE)")
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="before each step, wait up to this many seconds for the machine to go quiet (0: never)")
    args = parser.parse_args(argv)

    names = [t.strip() for t in args.tiers.split(",") if t.strip()]
    started = time.time()
    log("preparing the model and the corpora")
    prepare_model([Settings.from_env().embedder] + ([args.compare] if args.compare else []))
    results = [bench_tier(t, args.work, args.passes, args.cold_runs, args.quiet_wait, args.compare) for t in tiers(names, args.work)]
    command = f"make bench BENCH_TIERS={','.join(names)}" + (f" BENCH_COMPARE={args.compare}" if args.compare else "")
    payload = report.build(results, command=command, seconds=time.time() - started)
    OUT.mkdir(parents=True, exist_ok=True)
    markdown = report.markdown(payload)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for name in ("latest", f"bench-{stamp}"):
        (OUT / f"{name}.json").write_text(json.dumps(payload, indent=2), "utf-8")
        (OUT / f"{name}.md").write_text(markdown, "utf-8")
    if not args.no_docs:
        report.update_doc(ROOT / "docs" / "benchmarks.md", markdown)
    print(markdown)
    log(f"done in {time.time() - started:.0f} s; JSON in {OUT / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
