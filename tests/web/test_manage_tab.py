"""The Library management handlers refuse everyone but an admin, whatever the page shows (each
Gradio event can be called over HTTP), and list, add and remove through the LibraryManager."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import gradio as gr
import pytest

from ingest.manage import LibraryManager
from records.users import UserStore
from techniques.settings import Settings
from tests.conftest import CORPUS, FakeEmbedder
from web.manage_tab import Access, ManageHandlers

PASSWORD = "long enough pw"


@pytest.fixture
def handlers(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "ql-hip-hike.txt", corpus)
    settings = Settings(data_dir=tmp_path / "store", corpus_dir=corpus, auth="env-admin:secret-pass")
    users = UserStore.from_settings(settings)
    users.add("boss", PASSWORD, "admin")
    users.add("ann", PASSWORD, "therapist")
    users.add("stu", PASSWORD, "student")
    return ManageHandlers(LibraryManager(settings, embedder=FakeEmbedder()), Access(users))


def as_user(name: str | None):
    return SimpleNamespace(username=name)


@pytest.mark.parametrize("who", [None, "ann", "stu", "nobody"])
def test_every_handler_refuses_a_non_admin(handlers, tmp_path, who):
    upload = tmp_path / "neck.md"
    upload.write_text("# Neck\n\n## Steps\n1. Tilt.\n", "utf-8")
    request = as_user(who)
    assert handlers.load(request)[0]["visible"] is False
    for call in (
        lambda: handlers.upload([str(upload)], request),
        lambda: handlers.remove("neck", request),
        lambda: handlers.reindex(request),
        lambda: handlers.progress(request),
    ):
        with pytest.raises(gr.Error, match="Only an admin"):
            call()
    assert not (handlers.manager.uploads / "neck.md").exists() and handlers.manager.job() is None


@pytest.mark.parametrize("who", ["boss", "env-admin"])
def test_an_admin_adds_lists_and_removes(handlers, tmp_path, who):
    upload = tmp_path / "neck.md"
    upload.write_text("# Neck\n\n## Steps\n1. Tilt.\n", "utf-8")
    request = as_user(who)
    shown, table, _ = handlers.load(request)
    assert shown["visible"] is True and "ql-hip-hike" in table
    note, table, removable, _ = handlers.upload([str(upload)], request)
    assert "neck.md" in note and "pending" in table and removable["choices"] == ["neck"]
    note, table, removable = handlers.remove("neck", request)
    assert "Removed neck" in note and "neck" not in table and removable["choices"] == []
