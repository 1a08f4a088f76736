"""The stores on PostgreSQL (a throwaway cluster started here on loopback), through the same
public methods as on SQLite: rows round-trip, concurrent writers from several processes lose
nothing, user names are unique whatever their case, the migrations run once, and a database
that cannot be reached is one clear error without its password."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import create_engine, text

from assistant.answer import Answer
from records.feedback import FeedbackStore
from records.users import UserStore
from study.review import ReviewStore
from techniques.errors import TechniquesError
from techniques.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.integration]

ANSWER = Answer("q", (), (), "d", False, None)


@pytest.fixture
def url(postgres, request):
    return postgres.new_database(request.node.name.lower()[:60])


def _rate(url: str, worker: int, n: int) -> None:
    store = FeedbackStore(url)
    for i in range(n):
        store.record("down" if i % 2 else "up", f"worker {worker} question {i}", ["before"], ANSWER, None, f"c{i}")


def test_feedback_round_trips_and_concurrent_processes_lose_nothing(url):
    store = FeedbackStore.from_settings(Settings(database_url=url))
    first = store.record("down", "How do I stretch the QL?", ["hi"], ANSWER, "missing caution", "hip replacement")
    store.update(first, "down", None, None)
    row = store.list()[0]
    assert (row.id, row.reason, row.comment, row.history, row.red_flag) == (first, "missing caution", "hip replacement", ["hi"], False)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_rate, args=(url, w, 20)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert store.count() == 1 + 4 * 20
    assert len({r.id for r in store.list()}) == 81 and len(store.list(rating="down")) == 1 + 40
    store.delete(first)
    assert store.count() == 80


def test_users_are_one_account_whatever_the_case(url):
    store = UserStore.from_settings(Settings(database_url=url))
    assert store.count() == 0 and not store.login_required()
    store.add("Ann", "correct horse battery", "therapist")
    assert store.authenticate("ANN", "correct horse battery").name == "Ann"
    with pytest.raises(TechniquesError, match="already a user"):
        store.add("aNN", "another password", "admin")
    store.set_role("ann", "admin")
    store.add("bob", "correct horse battery", "student")
    assert [(u.name, u.role) for u in store.list()] == [("Ann", "admin"), ("bob", "student")]
    store.remove("BOB")
    assert store.count() == 1


def test_study_progress_and_migrations_run_once(url):
    store = ReviewStore.from_settings(Settings(database_url=url))
    store.record("Ann", "item-1", "good")
    store.record("ann", "item-1", "again")
    store.record("ann", "item-2", "easy")
    after = store.regrade("ann", "item-1", "hard")
    assert (after.answered, after.correct) == (2, 2)
    stats = store.stats("ANN")
    assert (stats.items_seen, stats.answers, stats.correct) == (2, 3, 3)
    FeedbackStore(url).count()
    UserStore(url).count()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        heads = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
        tables = {r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
    engine.dispose()
    assert heads == ["feedback_0002", "study_0001", "users_0001"]
    assert tables == {"alembic_version", "feedback", "users", "cards", "answers"}


def test_an_unreachable_database_is_one_clear_error_without_its_password(postgres):
    from tests.conftest import free_port

    url = f"postgresql://techniques:s3cret-pw@127.0.0.1:{free_port()}/techniques"
    with pytest.raises(TechniquesError) as raised:
        FeedbackStore(url).count()
    message = str(raised.value) + (raised.value.hint or "")
    assert "Cannot use the feedback store in the database postgresql+psycopg://techniques:***@127.0.0.1" in message
    assert "s3cret-pw" not in message and "TECHNIQUES_DATABASE_URL" in message
