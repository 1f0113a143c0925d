"""Inventory of an environment's installed distributions, with supply-chain risk, as CycloneDX.

Risk is additive and explained: each reason says what raised the score. Signals airlock cannot
know offline (release age, maintainer count) are reported as unknown, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot5
from packageurl import PackageURL
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from airlock.imports.packages.typosquat import normalise

Vulnerabilities = Mapping[str, Sequence[Mapping[str, str]]]  # name -> [{"spec", "id"}]


@dataclass(frozen=True, slots=True)
class InventoryItem:
    name: str
    version: str
    risk: int
    reasons: tuple[str, ...]
    publisher: str = ""  # verified PEP 740 publisher (build config URI) recorded at admission


def installed(paths: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(name, version, ships a .pth file) for every distribution found on ``paths``."""
    found: dict[str, tuple[str, str, bool]] = {}
    for dist in metadata.distributions(path=list(paths)):
        name = dist.metadata["Name"] or ""
        if not name:
            continue
        files = dist.files or []
        has_pth = any(str(f).endswith(".pth") for f in files)
        found.setdefault(normalise(name), (normalise(name), dist.version, has_pth))
    return sorted(found.values())


def assess(
    distributions: Iterable[tuple[str, str, bool]],
    vetted: set[tuple[str, str]],
    vulnerabilities: Vulnerabilities,
    publishers: Mapping[tuple[str, str], str] | None = None,
) -> list[InventoryItem]:
    """Risk per distribution; ``publishers`` maps (name, version) to the publisher a verified
    attestation named when airlock admitted it (recorded, not scored: a pin decides that)."""
    items = []
    for name, version, has_pth in distributions:
        risk, reasons = 0, []
        if (name, version) not in vetted:
            risk += 30
            reasons.append("not vetted by airlock")
        if has_pth:
            risk += 25
            reasons.append("ships a .pth file (code at interpreter start-up)")
        for advisory in vulnerabilities.get(name, ()):
            if _affected(version, advisory.get("spec", "")):
                risk += 40
                reasons.append(f"known vulnerable: {advisory.get('id', '?')}")
        reasons.append("release age and maintainer count unknown offline")
        publisher = (publishers or {}).get((name, version), "")
        items.append(InventoryItem(name, version, min(100, risk), tuple(reasons), publisher))
    return items


def _affected(version: str, spec: str) -> bool:
    try:
        return Version(version) in SpecifierSet(spec)
    except (InvalidSpecifier, InvalidVersion):
        return True  # cannot tell: count it, fail closed


def cyclonedx_json(items: Sequence[InventoryItem]) -> str:
    bom = Bom()
    for item in items:
        purl = PackageURL(type="pypi", name=item.name, version=item.version)
        bom.components.add(
            Component(
                type=ComponentType.LIBRARY,
                name=item.name,
                version=item.version,
                purl=purl,
                bom_ref=str(purl),
                properties=[
                    Property(name="airlock:risk-score", value=str(item.risk)),
                    *(Property(name="airlock:risk-reason", value=r) for r in item.reasons),
                    *(
                        [Property(name="airlock:attested-publisher", value=item.publisher)]
                        if item.publisher
                        else []
                    ),
                ],
            )
        )
    return JsonV1Dot5(bom).output_as_string(indent=2)


def load_vulnerabilities(text: str) -> Vulnerabilities:
    """Parse an offline advisory file: {"name": [{"spec": "<2.0", "id": "CVE-..."}]}.

    Raises:
        ValueError: the file is not that shape.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError('expected {"name": [{"spec": ..., "id": ...}]}')
    return {normalise(k): v for k, v in data.items()}
