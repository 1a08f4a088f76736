"""`techniques ask ... --json` is a contract tools rely on: validate it against a schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from cli.main import main

pytestmark = pytest.mark.integration

CITATION = {
    "type": "object",
    "required": ["n", "doc_id", "title", "section", "text", "score"],
    "properties": {
        "n": {"type": "integer", "minimum": 1},
        "doc_id": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "section": {"type": "string"},
        "text": {"type": "string", "minLength": 1},
        "score": {"type": "number"},
    },
}
ANSWER = {
    "type": "object",
    "required": ["question", "answer", "citations", "cautions", "disclaimer", "no_answer", "red_flag", "timings_ms"],
    "properties": {
        "question": {"type": "string"},
        "answer": {"type": "string", "minLength": 1},
        "citations": {"type": "array", "items": CITATION},
        "cautions": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["text", "doc_id"], "properties": {"text": {"type": "string", "minLength": 1}, "doc_id": {"type": ["string", "null"]}}},
        },
        "disclaimer": {"type": "string", "minLength": 1},
        "no_answer": {"type": "boolean"},
        "red_flag": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["category", "disposition", "matched"],
                    "properties": {"category": {"type": "string"}, "disposition": {"enum": ["emergency", "urgent"]}, "matched": {"type": "array", "items": {"type": "string"}}},
                },
            ]
        },
        "timings_ms": {
            "type": "object",
            "required": ["retrieve", "compose", "total"],
            "properties": {k: {"type": "number", "minimum": 0} for k in ("retrieve", "compose", "total")},
        },
    },
}


def ask_json(capsys, store, *args) -> dict:
    assert main(["ask", *args, "--store", str(store), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, ANSWER)
    return data


def test_a_technique_answer_matches_the_contract(capsys, corpus_settings):
    data = ask_json(capsys, corpus_settings.data_dir, "How do I stretch the QL?")
    assert data["no_answer"] is False and data["red_flag"] is None
    assert data["citations"][0]["doc_id"] == "ql-hip-hike"
    assert data["disclaimer"] in data["answer"].replace("\\", "")


def test_a_red_flag_answer_matches_the_contract(capsys, corpus_settings):
    data = ask_json(capsys, corpus_settings.data_dir, "Back pain after a car crash yesterday, which stretch?")
    assert data["red_flag"]["disposition"] == "urgent" and data["citations"] == []


def test_history_reaches_the_answer(capsys, corpus_settings):
    data = ask_json(capsys, corpus_settings.data_dir, "How long should I hold it?", "--history", "How do I do the standing psoas stretch?")
    assert data["citations"] and {c["doc_id"] for c in data["citations"]} == {"psoas-stretch"}


def test_a_missing_index_is_a_clear_error_not_a_traceback(capsys, tmp_path):
    assert main(["ask", "How do I stretch the QL?", "--store", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert "error: There is no index" in err and "techniques ingest" in err and "Traceback" not in err
