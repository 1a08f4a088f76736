"""Condition checks on the seed documents: the verdict, its reason and source, and the passages
of the technique it affects; instructions read as warnings; ranked cautions with why."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.safety.cautions import rank_cautions
from assistant.safety.conditions import find_conditions
from assistant.safety.contraindications import check, instruction_warning
from ingest.clean import clean
from ingest.load import load
from ingest.risk import profile_of
from ingest.sections import parse

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


@pytest.fixture(scope="module")
def docs():
    catalog = yaml.safe_load((CORPUS / "catalog.yaml").read_text("utf-8"))
    return {p.stem: parse(clean(load(p, catalog))) for p in sorted(CORPUS.glob("*.txt"))}


def verdicts(docs, question: str, doc_id: str):
    return check(find_conditions(question), profile_of(docs[doc_id]))


@pytest.mark.parametrize(
    "question,condition,verdict",
    [
        ("My client has a known AAA. Can I do the psoas release?", "aneurysm", "do_not_use"),
        ("She had a hernia repair three weeks ago; psoas release?", "recent_abdominal_surgery", "do_not_use"),
        ("Pt hx of breast CA. Is the psoas release OK?", "cancer_history", "check_first"),
        ("She is 25 weeks pregnant, psoas release?", "pregnancy", "do_not_use"),
        ("He takes warfarin. Can I do the deep psoas release?", "anticoagulants", "do_not_use"),
    ],
)
def test_psoas_release_verdicts_lead_with_reason_and_source(docs, question, condition, verdict) -> None:
    found = verdicts(docs, question, "psoas-release")
    assert found, question
    first = found[0]
    assert (first.condition.id, first.verdict) == (condition, verdict)
    assert first.reason and first.source
    assert any("umbilicus" in e.text or "aorta" in e.text for v in found for e in v.evidence)


def test_hip_replacement_on_the_ql_hip_hike_marks_the_positioning(docs) -> None:
    found = verdicts(docs, "My client had a hip replacement. Can I do the QL hip hike?", "ql-hip-hike")
    assert [v.verdict for v in found][:1] == ["do_not_use"]
    affected = {e.section for v in found for e in v.evidence}
    assert {"Closed-Pack Position for the hip", "Client Positioning"} <= affected
    assert any("internally rotated" in e.text for v in found for e in v.evidence)
    assert "leedsth.nhs.uk" in found[0].source


@pytest.mark.parametrize(
    "question,doc_id,risks",
    [
        ("She has osteoporosis, is the hip distraction stretch ok?", "hip-back-pain-stretches", {"body_weight_leaning", "traction"}),
        ("She is 30 weeks pregnant; the supine hip stretch?", "hip-back-pain-stretches", {"supine"}),
        ("He is on blood thinners; hip stretches?", "hip-back-pain-stretches", {"body_weight_leaning"}),
    ],
)
def test_conditions_on_techniques_they_apply_to(docs, question, doc_id, risks) -> None:
    found = verdicts(docs, question, doc_id)
    assert risks <= {v.risk for v in found}


def test_trimester_rows_need_the_trimester(docs) -> None:
    early = {v.risk for v in verdicts(docs, "She is 8 weeks pregnant.", "hip-back-pain-stretches")}
    late = {v.risk for v in verdicts(docs, "She is 30 weeks pregnant.", "hip-back-pain-stretches")}
    assert "supine" in late and "supine" not in early


@pytest.mark.parametrize("doc_id", ["psoas-release", "ql-hip-hike", "hip-back-pain-stretches", "psoas-stretch", "side-lying-leg-lift"])
def test_no_condition_no_verdict(docs, doc_id) -> None:
    assert verdicts(docs, "How do I do this technique and how long do I hold it?", doc_id) == ()


def test_a_technique_without_the_risk_gets_no_verdict(docs) -> None:
    assert verdicts(docs, "Client has a known AAA.", "psoas-stretch") == ()


def test_the_aorta_instruction_reads_as_a_warning(docs) -> None:
    (caution,) = [c.text for c in docs["psoas-release"].cautions if "aorta" in c.text]
    warning = instruction_warning(caution)
    assert warning is not None
    assert "pulse" in warning.warning and "aneurysm" in warning.reason and warning.source
    assert instruction_warning("All work needs to be pain-free.") is None


def test_cautions_follow_the_techniques_risks(docs) -> None:
    standing = rank_cautions(docs["psoas-stretch"].cautions, profile_of(docs["psoas-stretch"]), ())
    release = rank_cautions(docs["psoas-release"].cautions, profile_of(docs["psoas-release"]), (), "psoas-release")
    tumour = "No deep pressure over a tumour"
    assert not any(c.text.startswith(tumour) for c in standing)
    assert len(standing) >= 1 and all(c.why for c in standing)
    assert any(c.text.startswith(tumour) and "deep pressure into the abdomen" in c.why for c in release)
    assert release[0].warning  # the aorta instruction leads, as a warning


def test_cautions_for_the_clients_conditions_come_first(docs) -> None:
    doc = docs["ql-hip-hike"]
    ranked = rank_cautions(doc.cautions, profile_of(doc), find_conditions("She has a hip replacement and takes warfarin."), doc.doc_id)
    assert "hip replacement" in ranked[0].text and ranked[0].targeted and ranked[0].warning
    general = [c for c in ranked if c.doc_id is None]
    assert general[0].text.startswith("Avoid forceful") and general[0].targeted
