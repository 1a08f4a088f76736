"""Settings from the environment: what each variable gives, what a bad value says, and that a
settings object is built only from what it is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from techniques.errors import TechniquesError
from techniques.settings import DEFAULT_DISCLAIMER, Settings


def test_an_empty_environment_gives_the_documented_defaults():
    s = Settings.from_env({})
    assert s == Settings()
    assert (s.data_dir, s.corpus_dir, s.embedder, s.port, s.queue_size, s.top_k) == (Path("data"), Path("corpus"), "onnx-int8", 7860, 64, 8)
    assert s.disclaimer == DEFAULT_DISCLAIMER and s.auth == () and not s.server_mode


def test_values_are_stripped_and_blank_ones_count_as_unset():
    s = Settings.from_env({"TECHNIQUES_CHROMA_HOST": "  ", "TECHNIQUES_PORT": " 8080 ", "TECHNIQUES_EMBEDDER": " ONNX ",
                           "TECHNIQUES_CORPUS": " docs ", "TECHNIQUES_DISCLAIMER": ""})
    assert s.chroma_host is None and not s.server_mode
    assert (s.port, s.embedder, s.corpus_dir, s.disclaimer) == (8080, "onnx", Path("docs"), DEFAULT_DISCLAIMER)


def test_auth_holds_user_password_pairs():
    s = Settings.from_env({"TECHNIQUES_AUTH": "ann:pw1, bob:p:w2"})
    assert s.auth == (("ann", "pw1"), ("bob", "p:w2"))  # a password may contain ':'


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("TECHNIQUES_PORT", "http", "TECHNIQUES_PORT must be a whole number, got 'http'."),
        ("TECHNIQUES_CHROMA_PORT", "80.5", "TECHNIQUES_CHROMA_PORT must be a whole number, got '80.5'."),
        ("TECHNIQUES_TOP_K", "many", "TECHNIQUES_TOP_K must be a whole number, got 'many'."),
        ("TECHNIQUES_QUEUE_SIZE", "0", "TECHNIQUES_QUEUE_SIZE must be at least 1, got 0."),
        ("TECHNIQUES_EMBEDDER", "gpu", "TECHNIQUES_EMBEDDER must be one of onnx, onnx-int8, sentence-transformers, got 'gpu'."),
        ("TECHNIQUES_AUTH", "ann:secret,bob", "TECHNIQUES_AUTH must look like `user:password[,user:password]`."),
    ],
)
def test_a_bad_value_is_a_user_error_naming_the_variable(name, value, message):
    with pytest.raises(TechniquesError) as err:
        Settings.from_env({name: value})
    assert err.value.message == message


def test_a_bad_auth_value_never_echoes_a_password():
    with pytest.raises(TechniquesError) as err:
        Settings.from_env({"TECHNIQUES_AUTH": "ann:hunter2,bob"})
    assert "hunter2" not in str(err.value)


def test_passwords_stay_out_of_the_repr():
    s = Settings(auth=(("ann", "hunter2"),))
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)


def test_from_env_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("TECHNIQUES_TOP_K", "13")
    assert Settings.from_env().top_k == 13


def test_keyword_construction_takes_only_what_it_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("TECHNIQUES_TOP_K", "13")
    monkeypatch.setenv("TECHNIQUES_EMBEDDER", "gpu")  # would be an error if it were read
    s = Settings(data_dir=tmp_path, corpus_dir="docs")
    assert (s.data_dir, s.corpus_dir, s.top_k, s.embedder) == (tmp_path, Path("docs"), 8, "onnx-int8")


def test_settings_are_immutable_and_copies_are_made_explicitly(tmp_path):
    s = Settings()
    with pytest.raises(ValidationError):
        s.top_k = 3  # type: ignore[misc]
    moved = s.with_store(tmp_path)
    assert moved.data_dir == tmp_path and s.data_dir == Path("data")
    assert s.with_store(None) is s
    assert s.model_copy(update={"embedder": "onnx"}).embedder == "onnx"


def test_an_unknown_keyword_is_refused():
    with pytest.raises(ValidationError):
        Settings(data_folder="x")  # type: ignore[call-arg]


def test_the_cache_dir_follows_xdg_unless_set(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings().resolved_cache_dir() == tmp_path / "technique-assistant"
    assert Settings(cache_dir=tmp_path / "c").resolved_cache_dir() == tmp_path / "c"
