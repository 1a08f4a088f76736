"""Where the stores live: SQLite files in the data folder unless TECHNIQUES_DATABASE_URL names
a database; a bad URL is an error that does not repeat it (it may carry a password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from records.db import database, location, location_in
from records.feedback import FeedbackStore
from records.users import UserStore
from study.review import ReviewStore
from techniques.errors import TechniquesError
from techniques.settings import Settings

URL = "postgresql://techniques:s3cret-pw@db.internal:5432/techniques"


def test_stores_live_in_the_data_folder_unless_a_database_is_configured(tmp_path, monkeypatch):
    local = Settings(data_dir=tmp_path)
    assert location(local, "feedback.sqlite") == tmp_path / "feedback.sqlite"
    assert FeedbackStore.from_settings(local).path == tmp_path / "feedback.sqlite"
    assert ReviewStore.from_settings(local).path == tmp_path / "study.sqlite"
    shared = Settings(data_dir=tmp_path, database_url=URL)
    assert location(shared, "users.sqlite") == URL
    store = UserStore.from_settings(shared)
    assert store.path is None and store.db.shared and "s3cret-pw" not in repr(store)
    # callers that name only a folder (app.py's FeedbackStore.in_data_dir) follow the process's setting
    assert location_in(tmp_path, "feedback.sqlite") == tmp_path / "feedback.sqlite"
    monkeypatch.setenv("TECHNIQUES_DATABASE_URL", URL)
    assert location_in(tmp_path, "feedback.sqlite") == URL
    assert FeedbackStore.in_data_dir(tmp_path).db is database(URL)


def test_a_database_url_is_checked_and_never_echoed(tmp_path):
    assert "s3cret-pw" not in repr(Settings(database_url=URL))
    with pytest.raises(TechniquesError) as raised:
        Settings.from_env({"TECHNIQUES_DATABASE_URL": "mysql://techniques:s3cret-pw@db/techniques"})
    assert "TECHNIQUES_DATABASE_URL must be a postgresql://" in str(raised.value) and "s3cret-pw" not in str(raised.value)


def test_a_sqlite_url_is_one_shared_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    UserStore.from_settings(settings).add("ann", "correct horse battery", "admin")
    FeedbackStore.from_settings(settings).count()
    assert FeedbackStore.from_settings(settings).db is UserStore.from_settings(settings).db
    assert Path(tmp_path / "shared.sqlite").exists() and not (tmp_path / "data").exists()
