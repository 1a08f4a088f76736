"""`techniques quiz` with its standard input closed says so instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_a_quiz_with_stdin_closed_is_a_clear_error(corpus_settings):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "quiz", "--store", str(corpus_settings.data_dir), "--count", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.close(0),
    )
    assert result.returncode == 1, result.stderr
    assert "standard input" in result.stderr and "Traceback" not in result.stderr
