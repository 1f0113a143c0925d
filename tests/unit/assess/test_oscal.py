"""The shipped OSCAL content and the results document, checked by compliance-trestle."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.component import ComponentDefinition
from trestle.oscal.profile import Profile

from airlock.assess import oscal
from airlock.assess.controls import CONTROLS
from airlock.assess.evidence import assess_controls
from airlock.errors import InvalidInput
from scripts.make_oscal_content import CONTENT, rendered
from tests.unit.assess.test_evidence import SL3


def test_the_shipped_content_is_what_the_script_builds() -> None:
    expected = rendered()
    shipped = {p.name: p.read_text(encoding="utf-8") for p in CONTENT.glob("*.json")}
    assert shipped == expected, "run: python scripts/make_oscal_content.py"
    assert oscal.shipped_files() == expected  # and it is what the installed package carries


def test_trestle_reads_every_shipped_file(tmp_path: Path) -> None:
    catalog = Catalog.oscal_read(CONTENT / oscal.CATALOG_HREF)
    assert isinstance(catalog, Catalog)
    assert catalog.groups is not None
    ids = [c.id for g in catalog.groups for c in (getattr(g, "controls", None) or [])]
    assert sorted(ids) == sorted(c.id for c in CONTROLS)
    profile = Profile.oscal_read(CONTENT / "airlock-sl3-profile.json")
    assert isinstance(profile, Profile)
    selected = json.loads(profile.oscal_serialize_json())["profile"]["imports"][0]
    assert set(selected["include-controls"][0]["with-ids"]) == {
        c.id for c in CONTROLS if c.level <= 3
    }
    component = ComponentDefinition.oscal_read(CONTENT / "airlock-component-definition.json")
    assert isinstance(component, ComponentDefinition)
    assert component.components is not None


def test_catalog_carries_the_overlay_identifiers() -> None:
    doc = json.loads((CONTENT / oscal.CATALOG_HREF).read_text(encoding="utf-8"))
    props = {
        (c["id"], p["value"])
        for g in doc["catalog"]["groups"]
        for c in g["controls"]
        for p in c["props"]
        if p["name"] == "nist-800-53"
    }
    assert ("sc-exfil-sl5", "SC-7(10)") in props
    assert ("ac-dual-policy", "AC-3(2)") in props
    assert ("sc-isolation", "SC-7(21)") in props


def test_assessment_results_validate_and_carry_evidence_links(tmp_path: Path) -> None:
    findings = assess_controls(SL3)
    hrefs = {i: f"evidence/entry-{i}.json" for f in findings for i in f.evidence}
    doc = oscal.assessment_results_dict(
        findings,
        level_reached=3,
        target=5,
        started=datetime(2026, 6, 1, tzinfo=UTC),
        enclave="weights-east",
        evidence_href=hrefs,
    )
    path = tmp_path / "ar.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    parsed = AssessmentResults.oscal_read(path)
    assert isinstance(parsed, AssessmentResults)
    result = parsed.results[0]
    assert len(result.findings or []) == len(CONTROLS)
    assert result.observations is not None
    linked = [e.href for o in result.observations for e in (o.relevant_evidence or [])]
    assert "evidence/entry-12.json" in linked
    assert all(o.relevant_evidence for o in result.observations)


def test_a_malformed_document_is_refused() -> None:
    good = json.loads((CONTENT / "airlock-sl1-profile.json").read_text(encoding="utf-8"))
    oscal.validate(good)
    bad = {"profile": {**good["profile"], "imports": "everything"}}
    with pytest.raises(InvalidInput, match="does not validate"):
        oscal.validate(bad)
    with pytest.raises(InvalidInput):
        oscal.validate({"poster": {}})
