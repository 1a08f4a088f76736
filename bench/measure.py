"""Timing a fresh process: wall time from spawn to exit, its own peak RSS (`wait4`'s rusage of
that one child, so earlier children do not leak into the figure), and how busy the rest of the
machine was meanwhile (CPU time in /proc/stat that was not the child's), so a figure taken
while other work ran on the machine can be flagged."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mib: float
    stdout: str
    other_cores: float  # average CPU cores used by other processes during the run

    def json(self) -> dict:
        """The last line of stdout, which every bench worker prints as JSON."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def env() -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(ROOT),
    }


def _busy_seconds() -> float:
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_seconds: float, threshold: float = 0.3) -> float:
    """Wait (up to `max_seconds`) for a second in which other processes use under `threshold`
    cores; return the load of the last second looked at."""
    deadline = perf_counter() + max_seconds
    while True:
        busy, started = _busy_seconds(), perf_counter()
        time.sleep(1.0)
        load = (_busy_seconds() - busy) / (perf_counter() - started)
        if load < threshold or perf_counter() >= deadline:
            return load


def run(cmd: list[str], extra_env: dict[str, str] | None = None) -> Measured:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy = _busy_seconds()
        started = perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**env(), **(extra_env or {})}, cwd=ROOT)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        seconds = perf_counter() - started
        other = max(0.0, _busy_seconds() - busy - usage.ru_utime - usage.ru_stime) / seconds
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.stderr.write(stderr[-3000:])
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited with {proc.returncode}")
    return Measured(seconds, usage.ru_maxrss / 1024, stdout, other)


def python_cmd(script: str, *args: object) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / script), *map(str, args)]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
