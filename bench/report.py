"""The benchmark's results as JSON (with ratios ours/recipe and the targets) and as Markdown,
and the machine they were measured on."""

from __future__ import annotations

import os
import platform
import re
import time
from importlib import metadata
from pathlib import Path

LIBRARIES = (
    "onnxruntime", "tokenizers", "torch", "sentence-transformers", "transformers", "chromadb", "bm25s",
    "langchain", "langchain-chroma", "langchain-huggingface", "langchain-text-splitters", "numpy",
)
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
BUSY = 0.2  # cores used by other processes above which a figure is flagged as taken under load
P95_MS = {"1k": 30.0, "10k": 60.0}


SIMD = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8")  # what the GEMM kernels can use


def machine() -> dict:
    info = Path("/proc/cpuinfo").read_text()
    cpu = re.search(r"model name\s*:\s*(.+)", info)
    model = re.search(r"^model\s*:\s*(\d+)", info, re.M)
    flag_line = re.search(r"^flags\s*:\s*(.+)", info, re.M)
    flags = set(flag_line.group(1).split()) if flag_line else set()
    mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "cpu_model": int(model.group(1)) if model else None,
        "simd": [f for f in SIMD if f in flags],
        "cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "libraries": versions,
    }


def _ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def targets(r: dict) -> dict:
    ours, recipe = r["ours"], r["recipe"]
    out = {
        "ingest_docs_per_s >= 2x recipe": (_ratio(ours["ingest_docs_per_s"], recipe["ingest_docs_per_s"]), ">=", 2.0),
        "unchanged re-ingest <= 5% of full": (ours["reingest_share"], "<=", 0.05),
        "p50 <= 0.5x recipe retrieval p50": (_ratio(ours["p50_ms"], recipe["p50_ms"]), "<=", 0.5),
        "cold start <= 0.4x recipe": (_ratio(ours["cold_start_s"], recipe["cold_start_s"]), "<=", 0.4),
        "serving peak RSS <= recipe": (_ratio(ours["serve_peak_mib"], recipe["serve_peak_mib"]), "<=", 1.0),
    }
    if r["tier"] in P95_MS:
        out[f"p95 <= {P95_MS[r['tier']]:.0f} ms"] = (ours["p95_ms"], "<=", P95_MS[r["tier"]])
    return {
        name: {"value": value, "target": f"{op} {limit:g}", "met": None if value is None else (value >= limit if op == ">=" else value <= limit)}
        for name, (value, op, limit) in out.items()
    }


RATIO_KEYS = ("ingest_docs_per_s", "ingest_s", "p50_ms", "p95_ms", "cold_start_s", "serve_peak_mib", "hit@1", "mrr")


def build(results: list[dict], *, command: str, seconds: float) -> dict:
    for r in results:
        ours, recipe = r["ours"], r["recipe"]
        r["ratios"] = {key: _ratio(ours[key], recipe[key]) for key in RATIO_KEYS}
        if "ours_alt" in r:
            r["ratios_alt"] = {key: _ratio(r["ours_alt"][key], recipe[key]) for key in RATIO_KEYS}
        r["targets"] = targets(r)
        r["under_load"] = r["max_other_load_cores"] > BUSY
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": command,
        "seconds": round(seconds, 1),
        "machine": machine(),
        "tiers": results,
    }


def _rounded(values) -> list[float] | str:
    return [round(v, 1) for v in values] if values else "—"


def _f(value, spec: str = ".2f", unit: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def _met(r: dict, name: str) -> str:
    met = r["targets"].get(name, {}).get("met")
    return "" if met is None else ("met" if met else "**not met**")


def tier_table(r: dict) -> str:
    o, c, x = r["ours"], r["recipe"], r["ratios"]
    q, y = r.get("ours_alt"), r.get("ratios_alt")
    alt = q.get("setting", "other") if q else ""
    p95_name = next((n for n in r["targets"] if n.startswith("p95")), "")
    p95_target = r["targets"][p95_name]["target"] + " ms" if p95_name else ""

    def row(label, key, spec, target="", status="", show=None):
        show = show or (lambda d: _f(d[key], spec))
        cells = [label, show(o), show(c), _f(x.get(key), ".2f", "x") if key in x else "", target, status]
        if q is not None:
            cells += [show(q), _f(y.get(key), ".2f", "x") if key in y else ""]
        return cells

    wall = lambda d: f"{d['ingest_s']:.1f} [{_f(d['ingest_in_process_s'], '.1f')}]"  # noqa: E731
    again = lambda d: "full re-run (no change detection)" if d["reingest_s"] is None else f"{d['reingest_s']:.2f} ({d['reingest_share']:.1%})"  # noqa: E731
    rows = [
        row("Chunks indexed", "chunks", "d"),
        row("Full ingest, fresh process (docs/s)", "ingest_docs_per_s", ".1f", ">= 2x", _met(r, "ingest_docs_per_s >= 2x recipe")),
        row("Full ingest wall time, s [inside the process]", "ingest_s", ".1f", show=wall),
        row("Unchanged re-ingest, s (share of full)", "reingest_s", ".2f", "<= 5%", _met(r, "unchanged re-ingest <= 5% of full"), show=again),
        row(f"hit@1 ({r['labelled']} labelled questions)", "hit@1", ".3f"),
        row("MRR", "mrr", ".3f"),
        row("Answer latency p50, ms", "p50_ms", ".1f", "<= 0.5x", _met(r, "p50 <= 0.5x recipe retrieval p50")),
        row("Answer latency p95, ms", "p95_ms", ".1f", p95_target, _met(r, p95_name)),
        row("Cold start to first answer, s (median)", "cold_start_s", ".2f", "<= 0.4x", _met(r, "cold start <= 0.4x recipe")),
        row("Serving process peak RSS, MiB", "serve_peak_mib", ".0f", "<= 1x", _met(r, "serving peak RSS <= recipe")),
        row("Cold-start process peak RSS, MiB", "cold_start_peak_mib", ".0f"),
        row("Ingest process peak RSS, MiB", "ingest_peak_mib", ".0f"),
    ]
    head = ["", "ours", "recipe", "ours/recipe", "target", ""] + ([f"ours, {alt}", f"{alt}/recipe"] if q else [])
    align = ["---", "---:", "---:", "---:", "---", "---"] + (["---:", "---:"] if q else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"] + ["| " + " | ".join(cells) + " |" for cells in rows]
    load = (f"Other processes used up to {r['max_other_load_cores']:.2f} cores during these measurements: "
            "**taken under load**." if r["under_load"] else
            f"Machine quiet: other processes used at most {r['max_other_load_cores']:.2f} cores during any measurement.")
    stages = ", ".join(f"{n} {s}" for s, n in o["answer_stages"].items())
    return (f"### {r['tier']}: {r['documents']:,} documents, {r['questions']} questions\n\n" + "\n".join(lines) + "\n\n"
            f"Latency: {o['latency_samples']} timed questions per system ({r['passes']} passes, taking turns; ours: {stages} per pass); "
            f"p50 per pass, ms: ours {_rounded(o.get('latency_pass_p50_ms'))}, recipe {_rounded(c.get('latency_pass_p50_ms'))}. "
            f"Cold starts, s: ours {o['cold_start_runs_s']}, recipe {c['cold_start_runs_s']}. {load}\n")


def markdown(payload: dict) -> str:
    m = payload["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    parts = [
        f"Run {payload['when']} with `{payload['command']}` ({payload['seconds']:.0f} s in all).\n",
        f"{payload['note']}\n" if payload.get("note") else "",
        f"Machine: {m['cpu']} (model {m.get('cpu_model')}; {' '.join(m.get('simd', []))}), {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']}.  \n"
        f"Libraries: {libs}.\n",
        f"Ours: TECHNIQUES_EMBEDDER={payload['tiers'][0]['ours'].get('setting')} ({payload['tiers'][0]['ours']['embedder']}).\n" if payload["tiers"] else "",
    ]
    parts += [tier_table(r) for r in payload["tiers"]]
    return "\n".join(parts)


def update_doc(path: Path, results_md: str) -> None:
    """Replace the results between the markers, keeping the hand-written text around them."""
    block = f"{BEGIN}\n{results_md.strip()}\n{END}"
    text = path.read_text("utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, "utf-8")
