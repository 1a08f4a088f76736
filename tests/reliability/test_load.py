"""Load: 50 concurrent chat sessions of 10 questions each against the running app through
gradio_client, every answer with its cautions and disclaimer; and past the queue's bound a clear
"busy, try again" (gradio_client, raw HTTP and the page) instead of a hang.

Latencies go to artifacts/reliability/load.json. RELIABILITY_FULL=1 doubles the sessions.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import (
    DISCLAIMER_START,
    FULL,
    MAIN_QUEUE,
    TINY_QUEUE,
    ServedApp,
    ask,
    envelope_problems,
    write_artifact,
)

pytestmark = pytest.mark.integration

SESSIONS = 100 if FULL else 50
QUESTIONS = 10
# Conversations a therapist might have: follow-ups, a change of technique, a condition, a red
# flag, an out-of-scope request, a question the library cannot answer.
CONVERSATIONS = (
    ("How do I stretch the QL?", "How long should I hold it?", "what about breathing?", "Any cautions?",
     "My client had a hip replacement. Can I do the QL hip hike?"),
    ("How do I release the psoas?", "How deep should I go?", "How do I stretch the psoas standing?",
     "How long do I hold the psoas stretch?", "What if it hurts?"),
    ("How do I do the side-lying leg lift?", "How many reps?", "Which muscle does it work?",
     "Can I do it with SI joint pain?", "What position is the client in?"),
    ("What stretches help hip and back pain?", "How do I do the hip distraction stretch?",
     "Should I take ibuprofen first?", "How do I stretch the calf?", "Thanks, what about the neck?"),
    ("How do I stretch the QL?", "She also has new numbness in the groin and can't control her bladder.",
     "How do I release the psoas?", "What does an MRI show for this?", "How do I treat a torn rotator cuff?"),
)


def session_questions(seed: int) -> list[str]:
    rnd = random.Random(seed)
    first, second = rnd.sample(CONVERSATIONS, 2)
    return list(first + second)[:QUESTIONS]


def run_session(app: ServedApp, seed: int) -> list[dict]:
    client = app.client()
    history: list[str] = []
    out = []
    for question in session_questions(seed):
        started = time.perf_counter()
        try:
            answer, error = ask(client, question, history), None
        except Exception as exc:  # recorded, asserted on below
            answer, error = "", f"{type(exc).__name__}: {exc}"
        out.append({"session": seed, "question": question, "ms": (time.perf_counter() - started) * 1000,
                    "error": error, "problems": [] if error else envelope_problems(answer)})
        history.append(question)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def test_fifty_concurrent_sessions_of_ten_questions(main_app):
    started = time.perf_counter()
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = [r for session in pool.map(lambda s: run_session(main_app, s), range(SESSIONS)) for r in session]
    wall = time.perf_counter() - started

    errors = [r for r in results if r["error"]]
    broken = [r for r in results if r["problems"]]
    ms = [r["ms"] for r in results if not r["error"]]
    figures = {
        "sessions": SESSIONS, "questions_per_session": QUESTIONS, "requests": len(results),
        "errors": len(errors), "envelope_failures": len(broken), "wall_s": round(wall, 1),
        "throughput_per_s": round(len(results) / wall, 1),
        "p50_ms": round(percentile(ms, 50)), "p95_ms": round(percentile(ms, 95)),
        "p99_ms": round(percentile(ms, 99)), "max_ms": round(max(ms)) if ms else None,
        "mean_ms": round(statistics.fmean(ms)) if ms else None,
        "queue_size": MAIN_QUEUE, "concurrency_limit": 2,
    }
    write_artifact("load.json", {**figures, "first_errors": errors[:5], "first_envelope_failures": broken[:5]})
    print(f"\nload: {json.dumps(figures)}")
    assert len(results) == SESSIONS * QUESTIONS
    assert errors == []
    assert broken == []


# -- past the queue's bound ---------------------------------------------------------------------
LONG_HISTORY = list(CONVERSATIONS[0] + CONVERSATIONS[1])  # each question of it is retrieved again


def chat_fn_index(app: ServedApp) -> int:
    with urllib.request.urlopen(f"{app.url}/config", timeout=10) as r:
        config = json.loads(r.read())
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "chat")


def join(app: ServedApp, fn_index: int) -> tuple[int, dict, str | None]:
    """POST /gradio_api/queue/join for one `/chat` question, as a raw HTTP client would."""
    body = json.dumps({"data": ["How many reps?", LONG_HISTORY], "fn_index": fn_index, "event_data": None,
                       "session_hash": uuid.uuid4().hex, "trigger_id": None}).encode()
    request = urllib.request.Request(f"{app.url}/gradio_api/queue/join", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read()), None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), e.headers.get("Retry-After")


def test_a_burst_past_the_queue_gets_busy_try_again_not_a_hang(tiny_queue_app):
    from gradio_client.utils import QueueError

    burst = 8 * (TINY_QUEUE + 2)  # far more than the two workers and the queue hold
    client = tiny_queue_app.client()

    def one(_):
        started = time.perf_counter()
        try:
            ask(client, "How many reps?", LONG_HISTORY, timeout=120)
            outcome = "answered"
        except QueueError as exc:
            outcome = f"busy: {exc}"
        except Exception as exc:
            outcome = f"error: {type(exc).__name__}: {exc}"
        return outcome, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(burst) as pool:
        outcomes = list(pool.map(one, range(burst)))
    wall = time.perf_counter() - started
    kinds = [o for o, _ in outcomes]
    busy = [k for k in kinds if k.startswith("busy")]
    assert [k for k in kinds if k.startswith("error")] == []
    assert busy and set(busy) == {"busy: Queue is full! Please try again."}
    assert kinds.count("answered") >= 2
    assert max(t for k, t in outcomes if k.startswith("busy")) < 10, "a refusal must come at once"

    fn_index = chat_fn_index(tiny_queue_app)
    with ThreadPoolExecutor(burst) as pool:
        raw = list(pool.map(lambda _: join(tiny_queue_app, fn_index), range(burst)))
    refused = [(body, retry) for status, body, retry in raw if status == 503]
    assert {status for status, _, _ in raw} <= {200, 503} and refused
    for body, retry in refused:
        assert body["detail"].startswith("The assistant is busy answering other questions. Please try again")
        assert retry == "5"

    time.sleep(1.5)  # the accepted questions drain; the app is back to answering everyone
    assert DISCLAIMER_START in ask(client, "How do I stretch the QL?")
    write_artifact("queue-full.json", {"queue_size": TINY_QUEUE, "burst": burst, "answered": kinds.count("answered"),
                                       "busy": len(busy), "raw_503": len(refused), "burst_wall_s": round(wall, 2)})


@pytest.mark.browser
def test_the_page_says_busy_and_keeps_the_question(tiny_queue_app, chromium):
    from tests.reliability.conftest import ARTIFACTS

    fn_index = chat_fn_index(tiny_queue_app)
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            join(tiny_queue_app, fn_index)

    page = chromium.new_page()
    page.goto(tiny_queue_app.url)
    page.wait_for_selector("#question textarea")
    flooders = [threading.Thread(target=flood, daemon=True) for _ in range(4)]
    try:
        for t in flooders:
            t.start()
        time.sleep(0.5)
        question = "How do I stretch the QL?"
        toast = page.locator("[data-testid=toast-body]")
        for _ in range(10):  # the flood keeps the queue full nearly all the time
            page.locator("#question textarea").fill(question)
            page.locator("#ask").click()
            try:
                toast.first.wait_for(timeout=3000)
                break
            except Exception:
                continue
        text = toast.first.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "queue-full.png"))
    finally:
        stop.set()
        for t in flooders:
            t.join(timeout=30)
    assert "This application is currently busy. Please try again." in text
    assert page.locator("#question textarea").input_value() == question  # nothing lost: send it again
    page.close()
