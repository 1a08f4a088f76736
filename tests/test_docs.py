"""The docs say what the code does: CI fails when the README's settings table or command list
drifts from the settings object and the CLI."""

from __future__ import annotations

import re

from cli.main import build_parser
from techniques.settings import ENV_DOC, Settings, markdown_table
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_settings_table_is_the_generated_one():
    assert markdown_table() in README, "run `make docs` to regenerate the README's settings table"


def test_every_documented_setting_is_read_from_the_environment():
    for name, (field, _, _) in ENV_DOC.items():
        assert hasattr(Settings(), field), f"{name} documents a field Settings does not have"


def test_every_subcommand_is_in_the_readme():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"techniques {name}" in README, name


def test_the_readme_starts_with_the_two_commands():
    head = README[: README.index("## Using it")]
    assert "make run" in head and "make test" in head
