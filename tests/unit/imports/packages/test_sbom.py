"""Inventory, risk reasons and CycloneDX output from a hand-made site-packages folder."""

from __future__ import annotations

import json
from pathlib import Path

from airlock.imports.packages.sbom import assess, cyclonedx_json, installed, load_vulnerabilities


def fake_dist(site: Path, name: str, version: str, files: list[str]) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))


def test_risk_scores_and_cyclonedx(tmp_path: Path) -> None:
    fake_dist(tmp_path, "tidy", "1.0", ["tidy/__init__.py"])
    fake_dist(tmp_path, "hooky", "0.3", ["hooky.pth", "hooky/__init__.py"])
    fake_dist(tmp_path, "old_lib", "1.2", ["old_lib/__init__.py"])
    found = installed([str(tmp_path)])
    assert found == [("hooky", "0.3", True), ("old-lib", "1.2", False), ("tidy", "1.0", False)]
    advisories = load_vulnerabilities(json.dumps({"Old_Lib": [{"spec": "<2.0", "id": "CVE-1"}]}))
    items = {i.name: i for i in assess(found, {("tidy", "1.0")}, advisories)}
    assert items["tidy"].risk == 0
    assert items["hooky"].risk == 55 and any(".pth" in r for r in items["hooky"].reasons)
    assert items["old-lib"].risk == 70 and "known vulnerable: CVE-1" in items["old-lib"].reasons
    bom = json.loads(cyclonedx_json(list(items.values())))
    assert bom["bomFormat"] == "CycloneDX"
    purls = {c["purl"]: c for c in bom["components"]}
    assert "pkg:pypi/old-lib@1.2" in purls
    scores = {
        p["value"]
        for p in purls["pkg:pypi/hooky@0.3"]["properties"]
        if p["name"] == "airlock:risk-score"
    }
    assert scores == {"55"}


def test_an_attested_publisher_is_a_cyclonedx_property() -> None:
    build = "https://github.com/o/tidy/.github/workflows/release.yml@refs/tags/v1.0"
    items = assess(
        [("tidy", "1.0", False), ("plain", "2.1", False)],
        {("tidy", "1.0"), ("plain", "2.1")},
        {},
        {("tidy", "1.0"): build},
    )
    bom = json.loads(cyclonedx_json(items))
    props = {c["name"]: {p["name"]: p["value"] for p in c["properties"]} for c in bom["components"]}
    assert props["tidy"]["airlock:attested-publisher"] == build
    assert "airlock:attested-publisher" not in props["plain"]
