"""The docs say what the code does: CI fails when the README's settings table or command list
drifts from the settings object and the CLI, or when a documented variable is no longer read."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import build_parser
from techniques.settings import EMBEDDERS, ENV_DOC, Settings, markdown_table, with_settings_table
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_settings_table_is_the_generated_one():
    assert markdown_table() in README, "run `make docs` to regenerate the README's settings table"
    assert with_settings_table(README) == README, "run `make docs` to regenerate the README's settings table"


def distinctive(field: str, position: int) -> tuple[str, object]:
    """A value for a field's variable that no default has, and the field value it must give."""
    default = getattr(Settings(), field)
    if field == "embedder":
        choice = next(c for c in EMBEDDERS if c != default)
        return choice, choice
    if field == "auth":
        return f"user{position}:pass{position}", ((f"user{position}", f"pass{position}"),)
    if field == "database_url":
        return f"postgresql://user@host/db{position}", f"postgresql://user@host/db{position}"
    annotation = Settings.model_fields[field].annotation
    if isinstance(default, int) and not isinstance(default, bool):
        return str(default + 1000 + position), default + 1000 + position
    if "Path" in str(annotation):
        return f"/tmp/distinct-{position}", Path(f"/tmp/distinct-{position}")
    return f"distinct value {position}", f"distinct value {position}"


@pytest.mark.parametrize("name", list(ENV_DOC))
def test_every_documented_variable_is_read_from_the_environment(name):
    field = ENV_DOC[name][0]
    raw, expected = distinctive(field, list(ENV_DOC).index(name))
    settings = Settings.from_env({name: raw})
    assert getattr(settings, field) == expected != getattr(Settings(), field), f"{name} is documented but not read"


def test_every_variable_read_is_documented_with_a_default_and_a_meaning():
    for field, info in Settings.model_fields.items():
        documented = [name for name, (f, _, _) in ENV_DOC.items() if f == field]
        if field == "chunk_tokens":  # a property of the model's window, deliberately not a variable
            assert not documented
            assert Settings.from_env({"TECHNIQUES_CHUNK_TOKENS": "12"}).chunk_tokens == Settings().chunk_tokens
            continue
        assert len(documented) == 1, f"{field} is read from the environment but not in the README table"
        _, shown, meaning = ENV_DOC[documented[0]]
        assert shown and meaning, documented[0]


def test_every_subcommand_is_in_the_readme():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"techniques {name}" in README, name


def test_the_readme_starts_with_the_two_commands():
    head = README[: README.index("## Using it")]
    assert "make run" in head and "make test" in head
