"""A broken rule file fails `techniques ask` and `techniques serve` at start, with a message
that names the file and the field, instead of on the first question that reaches the rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PACKAGES = ("techniques", "ingest", "assistant", "records", "study", "evals", "web", "cli")


@pytest.fixture
def broken_tree(tmp_path):
    """A copy of the source packages whose red-flag rules have a typo in a field name."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    rules = tmp_path / "assistant" / "safety" / "data" / "red_flags.yaml"
    text = rules.read_text("utf-8")
    assert "\ncategories:" in text
    rules.write_text(text.replace("\ncategories:", "\ncategoires:", 1), "utf-8")
    return tmp_path


def run(tree, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree), "TECHNIQUES_DATA_DIR": str(tree / "data"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())", *args],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["ask", "How do I stretch the QL?"], ["serve", "--port", "0"]])
def test_a_typo_in_a_rule_file_fails_at_start_naming_the_file_and_field(broken_tree, command):
    result = run(broken_tree, *command)
    assert result.returncode == 1, result.stderr
    assert "red_flags.yaml" in result.stderr and "categ" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "Starting the web chat" not in result.stderr  # nothing was served


def test_the_shipped_rule_files_are_valid():
    from assistant.startup import load_rules

    load_rules()
