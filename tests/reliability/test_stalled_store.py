"""A stalled Chroma server (SIGSTOP: it accepts connections and never answers) used to hold every
question until it resumed (120 s in the trial), so two stuck questions took both workers and a
red-flag referral waited behind them. Every server call now has a timeout and a bounded retry
(ingest/chroma_http.py), and after one call has failed the next fail at once for a few seconds.

Here on `Assistant.ask` itself, against a real `chroma run`: the stalled question gets the clear
"not reachable" error within its budget, the ones after it at once, a red flag is answered at
once throughout (triage runs before any store call), and the same assistant answers again when
the server resumes. `/healthz` (web.health.Readiness, as served) is 503 while the server is
stalled and 200 with the served version again once it is back.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from assistant.service import Assistant
from ingest.chroma_http import READ_TIMEOUT, RETRIES
from ingest.pipeline import ingest
from techniques.errors import TechniquesError
from techniques.settings import Settings
from tests.conftest import CORPUS, FakeEmbedder
from web.health import Readiness

pytestmark = [pytest.mark.server, pytest.mark.integration]

QL = "How do I stretch the QL?"
RED_FLAG = "My client has new numbness in the groin and can't control her bladder. Can I stretch the QL?"
BUDGET = (RETRIES + 1) * READ_TIMEOUT + 2.0  # the attempts, their pauses, and the machine's load


def timed(fn):
    started = time.perf_counter()
    try:
        return fn(), time.perf_counter() - started
    except TechniquesError as exc:
        return exc, time.perf_counter() - started


def test_a_stalled_server_is_a_clear_error_in_time_and_red_flags_never_wait(chroma_server, tmp_path):
    settings = Settings(data_dir=tmp_path / "store", chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    embedder = FakeEmbedder()
    assert ingest([CORPUS], settings, embedder=embedder, progress=False).published
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.ask(QL).doc_id == "ql-hip-hike"
    health = Readiness()
    health.start(assistant).join(60)
    health.live_every = 0.0
    served = assistant.library().version
    assert health.status() == (200, {"status": "ready", "index_version": served})

    os.kill(chroma_server.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(2.1)  # past the 2 s the assistant waits before looking at the pointer again
        first, first_s = timed(lambda: assistant.ask(QL))
        assert isinstance(first, TechniquesError), first
        assert f"The Chroma server at 127.0.0.1:{chroma_server.port} is not reachable" in first.message
        assert first_s < BUDGET, f"the stalled question took {first_s:.1f} s"
        later = [timed(lambda: assistant.ask(QL)) for _ in range(3)]
        assert all(isinstance(e, TechniquesError) and "not reachable" in e.message for e, _ in later)
        assert max(s for _, s in later) < 1.0, [round(s, 2) for _, s in later]  # the breaker: at once
        flag, flag_s = timed(lambda: assistant.ask(RED_FLAG))
        assert flag.red_flag is not None and flag_s < 1.0, flag_s
        time.sleep(assistant.backend.breaker.cooldown)  # a real probe, not the breaker's memory
        (code, body), health_s = timed(health.status)
        assert code == 503 and "not reachable" in body["detail"] and health_s < BUDGET, (code, body, health_s)
    finally:
        os.kill(chroma_server.proc.pid, signal.SIGCONT)

    deadline = time.monotonic() + 30
    while True:
        answer, _ = timed(lambda: assistant.ask(QL))
        if not isinstance(answer, TechniquesError):
            break
        assert time.monotonic() < deadline, f"no answer after the server resumed: {answer}"
        time.sleep(0.5)
    assert answer.doc_id == "ql-hip-hike"
    assert health.status() == (200, {"status": "ready", "index_version": served})
    print(f"\nstalled server: first question refused in {first_s:.1f} s, the next in "
          f"{max(s for _, s in later) * 1000:.0f} ms, red flag in {flag_s * 1000:.0f} ms")
