"""The house rule that keeps the UI a thin adapter: only web/ and app.py import gradio, and
the library packages never import the web layer or app.py."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

FORBIDDEN = {"gradio", "gradio_client", "app", "web"}


@pytest.mark.parametrize("package", ["ingest", "assistant", "techniques", "evals"])
def test_library_packages_do_not_import_the_web_layer(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    # the CLI starts the web chat, importing app lazily inside `serve` only
    offenders = [o for o in offenders if o != "techniques/cli.py: app"]
    assert offenders == []
