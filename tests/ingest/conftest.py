"""Fixtures of the ingest tests: an editable copy of the corpus, `techniques ...` in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ingest.pipeline as pipeline
from cli.main import main
from tests.conftest import CORPUS


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the corpus that a test may edit."""
    return Path(shutil.copytree(CORPUS, tmp_path / "corpus"))


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run `techniques ...` in-process with a given embedder; return (exit code, stdout, stderr)."""

    def run(args: list[str], embedder) -> tuple[int, str, str]:
        monkeypatch.setattr(pipeline, "make_embedder", lambda settings: embedder)
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
