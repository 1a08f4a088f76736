"""Risk profiles of the five seed documents, derived at ingest, with their evidence passages,
and kept through the index's document JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingest.clean import clean
from ingest.load import load
from ingest.risk import META_KEY, RiskProfile, profile_of, stored_profile, with_risk_profile
from ingest.sections import parse
from ingest.store import doc_from_json, doc_to_json

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def docs():
    catalog = yaml.safe_load((CORPUS / "catalog.yaml").read_text("utf-8"))
    return {p.stem: parse(clean(load(p, catalog))) for p in sorted(CORPUS.glob("*.txt"))}


def evidence(doc, risk_id: str) -> str:
    risk = profile_of(doc).get(risk_id)
    assert risk is not None, f"{doc.doc_id} lacks {risk_id}: {sorted(profile_of(doc).ids())}"
    return " ".join(e.text for e in risk.evidence)


def test_psoas_release_is_deep_abdominal_pressure_next_to_the_aorta(docs) -> None:
    doc = docs["psoas-release"]
    assert "umbilicus" in evidence(doc, "deep_abdominal_pressure")
    assert "descending aorta" in evidence(doc, "pressure_near_major_vessel")
    assert {"supine", "hip_flexion", "therapist_applied"} <= profile_of(doc).ids()
    assert not {"standing", "self_performed", "hip_internal_rotation"} & profile_of(doc).ids()


def test_ql_hip_hike_internally_rotates_the_hip_in_closed_pack(docs) -> None:
    doc = docs["ql-hip-hike"]
    assert "internally rotated" in evidence(doc, "hip_internal_rotation")
    risk = profile_of(doc).get("closed_pack_position")
    assert risk is not None and risk.evidence[0].section == "Client Positioning"
    assert "closed-pack" in risk.evidence[0].text
    assert {"side_lying", "spinal_side_bending", "resisted_contraction", "therapist_applied"} <= profile_of(doc).ids()
    assert "deep_abdominal_pressure" not in profile_of(doc).ids()


def test_assisted_hip_stretches_lean_body_weight_and_distract(docs) -> None:
    doc = docs["hip-back-pain-stretches"]
    assert "body weight" in evidence(doc, "body_weight_leaning")
    assert "distract the thigh" in evidence(doc, "traction")
    assert "externally rotate" in evidence(doc, "hip_external_rotation")
    assert "supine" in evidence(doc, "supine")


def test_standing_psoas_stretch_is_self_performed_hip_extension(docs) -> None:
    doc = docs["psoas-stretch"]
    ids = profile_of(doc).ids()
    assert {"standing", "self_performed", "hip_extension"} <= ids
    assert not {"deep_abdominal_pressure", "pressure_near_major_vessel", "body_weight_leaning", "therapist_applied"} & ids


def test_side_lying_leg_lift_is_a_self_performed_side_lying_exercise(docs) -> None:
    ids = profile_of(docs["side-lying-leg-lift"]).ids()
    assert {"side_lying", "self_performed"} <= ids
    assert not {"deep_abdominal_pressure", "body_weight_leaning", "traction"} & ids


def test_profile_survives_the_index_json(docs) -> None:
    doc = with_risk_profile(docs["psoas-release"])
    assert META_KEY in doc.meta and META_KEY not in docs["psoas-release"].meta
    back = doc_from_json(doc_to_json(doc), {"doc_id": doc.doc_id, "file_hash": doc.file_hash})
    assert stored_profile(back) == profile_of(docs["psoas-release"])


def test_a_document_ingested_before_profiles_gets_one_computed(docs) -> None:
    assert stored_profile(docs["ql-hip-hike"]).ids() == profile_of(docs["ql-hip-hike"]).ids()
    assert RiskProfile.from_json("not a list") == RiskProfile()
