"""Loading eval datasets: the schema, every validation error, and the committed core set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import ALLOWED_FIELDS, EvalCase, load_cases
from evals.metrics import normalise
from techniques.errors import TechniquesError

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "evals" / "datasets" / "core.yaml"
CORPUS = ROOT / "corpus"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(*paths: Path) -> TechniquesError:
    with pytest.raises(TechniquesError) as info:
        load_cases(list(paths))
    assert info.value.exit_code == 2
    return info.value


def test_yaml_case_with_defaults(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: a\n  question: How do I stretch the QL?\n")
    [case] = load_cases([path])
    assert case == EvalCase(id="a", question="How do I stretch the QL?", source=str(path))
    assert case.history == [] and case.tags == [] and case.expect_no_answer is False
    assert case.must_lead == [] and case.expect_stated is None and case.intent == ""
    assert case.expectations() == {}


def test_expect_stated_may_be_false_and_is_kept_apart_from_unset(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: a\n  question: q\n  expect_stated: false\n  must_lead: [two sets]\n"
                                        "- id: b\n  question: q\n  expect_stated: null\n")
    a, b = load_cases([path])
    assert a.expect_stated is False and b.expect_stated is None
    assert a.expectations() == {"must_lead": ["two sets"], "expect_stated": False} and b.expectations() == {}


def test_yaml_and_jsonl_share_one_schema(tmp_path):
    fields = {
        "question": "How long do I hold it?",
        "history": ["How do I stretch the psoas?"],
        "expected_sources": ["psoas-stretch"],
        "must_include": ["30 seconds"],
        "must_include_cautions": [],
        "must_not_include": ["<script"],
        "expect_no_answer": False,
        "expect_red_flag": False,
        "tags": ["followup"],
        "must_lead": ["30 seconds"],
        "expect_stated": True,
        "intent": "dosage",
    }
    yaml_path = write(tmp_path, "a.yml", "- id: y1\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in fields.items()))
    jsonl_path = write(tmp_path, "b.jsonl", json.dumps({"id": "j1", **fields}) + "\n\n")
    y, j = load_cases([yaml_path, jsonl_path])
    assert (y.source, j.source) == (str(yaml_path), str(jsonl_path))
    strip = lambda c: {k: v for k, v in c.__dict__.items() if k not in ("id", "source")}  # noqa: E731
    assert strip(y) == strip(j) == fields


def test_missing_question_names_file_case_and_field(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: ok\n  question: fine\n- id: q2\n  tags: [x]\n")
    message = str(load_error(path))
    assert str(path) in message and "'q2'" in message and "line 3" in message
    assert "'question'" in message and "missing" in message


def test_case_without_id_is_named_by_index(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: ok\n  question: fine\n- question: no id here\n")
    message = str(load_error(path))
    assert "case #2" in message and "'id'" in message


def test_duplicate_id_names_both_places(tmp_path):
    first = write(tmp_path, "one.yaml", "- id: dup\n  question: a\n")
    second = write(tmp_path, "two.jsonl", '{"id": "other", "question": "b"}\n{"id": "dup", "question": "c"}\n')
    message = str(load_error(first, second))
    assert "duplicate id 'dup'" in message
    assert f"{second}: case 'dup' (line 2)" in message and f"{first} line 1" in message


def test_unknown_field_lists_the_allowed_ones(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: a\n  question: q\n  must_includes: [x]\n")
    message = str(load_error(path))
    assert "'must_includes'" in message and "unknown field" in message
    assert all(name in message for name in ALLOWED_FIELDS)


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ("tags: ql", "tags", "list of non-empty strings"),
        ("tags: [1, 2]", "tags", "list of non-empty strings"),
        ("history: [\"\"]", "history", "list of non-empty strings"),
        ("expect_red_flag: 'yes'", "expect_red_flag", "true or false"),
        ("question: 42", "question", "non-empty string"),
        ("expect_stated: 'no'", "expect_stated", "true, false or left out"),
        ("must_lead: lead", "must_lead", "list of non-empty strings"),
        ("intent: [how_to]", "intent", "must be a string"),
    ],
)
def test_wrong_types(tmp_path, line, field, expected):
    body = "- id: a\n  question: q\n" if field != "question" else "- id: a\n"
    path = write(tmp_path, "set.yaml", body + f"  {line}\n")
    message = str(load_error(path))
    assert f"field '{field}'" in message and expected in message and "case 'a'" in message


def test_yaml_syntax_error_has_a_line_number(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: a\n  question: q\n  tags: [x, y\n- id: b\n")
    message = str(load_error(path))
    assert str(path) in message and "YAML syntax error at line" in message


def test_yaml_duplicate_key_in_a_case_is_an_error(tmp_path):
    path = write(tmp_path, "set.yaml", "- id: a\n  question: q\n  tags: [x]\n  tags: [y]\n")
    message = str(load_error(path))
    assert "field 'tags'" in message and "more than once" in message


def test_bad_jsonl_line_names_the_line(tmp_path):
    path = write(tmp_path, "set.jsonl", '{"id": "a", "question": "q"}\n{"id": "b", question: "q"}\n')
    message = str(load_error(path))
    assert str(path) in message and "line 2" in message


@pytest.mark.parametrize(("name", "text"), [("e.yaml", ""), ("e.yaml", "[]\n"), ("e.jsonl", "\n\n")])
def test_empty_dataset(tmp_path, name, text):
    assert "empty" in str(load_error(write(tmp_path, name, text)))


def test_top_level_mapping_unknown_suffix_and_missing_file(tmp_path):
    assert "list of cases" in str(load_error(write(tmp_path, "m.yaml", "id: a\nquestion: q\n")))
    assert "unknown dataset format" in str(load_error(write(tmp_path, "set.csv", "id,question\n")))
    assert "no such eval dataset" in str(load_error(tmp_path / "absent.yaml"))
    assert "No eval dataset" in str(load_error())


# --- the committed core set -------------------------------------------------------------------

TAG_GROUPS = {
    "steps", "paraphrase", "abbreviation", "followup", "condition", "cautions", "no_answer",
    "scope", "red_flag", "negation", "distractor", "injection",
}
# Caution fragments that come from the general cautions of the safety sheet, not a document.
GENERAL_CAUTION_FRAGMENTS = {"pregnan", "blood"}


@pytest.fixture(scope="module")
def core() -> list[EvalCase]:
    return load_cases([CORE])


def test_core_set_size_ids_and_tags(core):
    assert len(core) >= 60
    assert len({c.id for c in core}) == len(core)
    counts = Counter(tag for c in core for tag in c.tags)
    assert TAG_GROUPS <= set(counts), TAG_GROUPS - set(counts)
    assert all(c.tags for c in core)
    assert counts["no_answer"] >= 8 and counts["red_flag"] >= 12


def test_core_sources_are_real_corpus_documents(core):
    doc_ids = {p.stem for p in CORPUS.glob("*.txt")}
    assert len(doc_ids) == 5
    for case in core:
        assert set(case.expected_sources) <= doc_ids, case.id


def test_core_phrases_are_verbatim_in_the_expected_documents(core):
    docs = {p.stem: normalise(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}
    for case in core:
        for phrase in case.must_include + [c for c in case.must_include_cautions if c not in GENERAL_CAUTION_FRAGMENTS]:
            assert any(normalise(phrase) in docs[d] for d in case.expected_sources), (case.id, phrase)


def test_core_expectations_are_consistent(core):
    for case in core:
        if case.expect_no_answer:
            assert not case.expected_sources and not case.must_include, case.id
    red_flags = [c for c in core if c.expect_red_flag]
    cauda_equina = [c for c in red_flags if c.id.startswith("rf-ce-")]
    assert len(cauda_equina) >= 4
    for prefix in ("rf-fracture-", "rf-infection-", "rf-cancer-", "rf-neuro-"):
        assert any(c.id.startswith(prefix) for c in red_flags), prefix
    for case in core:
        if {"negation", "distractor"} & set(case.tags):
            assert not case.expect_red_flag and case.expected_sources, case.id
    followups = [c for c in core if "followup" in c.tags]
    assert followups and all(c.history for c in followups)
