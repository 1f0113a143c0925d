"""OSCAL documents of the assessment, built through compliance-trestle's pydantic models.

Each document is laid out in OSCAL's own JSON shape and then parsed by trestle's model for
it (``Catalog``, ``Profile``, ``ComponentDefinition``, ``AssessmentResults``), which checks
every field, enumeration and identifier pattern; what is written is trestle's serialisation.
trestle is imported only here, and this module only from the assessment path (it costs half
a second to import).

UUIDs of the shipped content are derived (UUID 5) from control ids, so building the content
twice gives the same bytes (``scripts/make_oscal_content.py``, checked by a test).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from airlock import __version__
from airlock.assess.controls import CONTROLS, FAMILIES, LEVELS, Control, EvidenceKind
from airlock.assess.evidence import Finding, Status
from airlock.errors import InvalidInput

NAMESPACE = uuid.UUID("6f1c1a52-8d3e-4c65-9b0a-5a1e7c0de517")
OSCAL_VERSION = "1.1.2"
CONTENT_DATE = datetime(2026, 12, 1, tzinfo=UTC)  # bump when the measures change
PROP_NS = "https://airlock.invalid/ns/oscal"  # our properties' namespace (not fetched)
CATALOG_HREF = "airlock-sl-catalog.json"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _metadata(title: str, at: datetime = CONTENT_DATE) -> dict[str, Any]:
    return {
        "title": title,
        "last-modified": at.isoformat(),
        "version": __version__,
        "oscal-version": OSCAL_VERSION,
    }


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": PROP_NS, "value": value}


def _control(c: Control) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "props": [
            _prop("sl-level", str(c.level)),
            _prop("evidence-kind", c.evidence.value),
            _prop("rand-threat", c.rand),
            *(_prop("nist-800-53", n) for n in c.nist),
        ],
        "parts": [{"id": f"{c.id}_smt", "name": "statement", "prose": c.statement}],
    }


def catalog_dict() -> dict[str, Any]:
    """The SL1-SL5 measures as an OSCAL catalog, one group per family."""
    from trestle.oscal.catalog import Catalog  # noqa: PLC0415 -- heavy, assessment path only

    groups = [
        {
            "id": f.id,
            "title": f.title,
            "controls": [_control(c) for c in CONTROLS if c.family == f.id],
        }
        for f in FAMILIES
    ]
    doc = {
        "uuid": _uuid("catalog"),
        "metadata": _metadata("airlock measures for RAND security levels SL1-SL5"),
        "groups": groups,
    }
    return {"catalog": _checked(Catalog, doc)}


def profile_dict(level: int) -> dict[str, Any]:
    """The measures one level requires: its own and every lower level's."""
    from trestle.oscal.profile import Profile  # noqa: PLC0415

    ids = [c.id for c in CONTROLS if c.applies_to(level)]
    doc = {
        "uuid": _uuid("profile", str(level)),
        "metadata": _metadata(f"airlock SL{level} baseline"),
        "imports": [{"href": CATALOG_HREF, "include-controls": [{"with-ids": ids}]}],
        "merge": {"as-is": True},
    }
    return {"profile": _checked(Profile, doc)}


def component_definition_dict() -> dict[str, Any]:
    """Which airlock feature implements which measure, and how its evidence is gathered."""
    from trestle.oscal.component import ComponentDefinition  # noqa: PLC0415

    requirements = [
        {
            "uuid": _uuid("requirement", c.id),
            "control-id": c.id,
            "description": (
                f"Checked automatically by `airlock assess` from {c.implemented_by}."
                if c.evidence is EvidenceKind.AUTOMATED
                else f"Attested by the {c.implemented_by} in the assessment questionnaire; "
                "unanswered counts as not satisfied."
            ),
            "props": [_prop("evidence-kind", c.evidence.value)],
        }
        for c in CONTROLS
    ]
    doc = {
        "uuid": _uuid("component-definition"),
        "metadata": _metadata("airlock as an implementation of the SL measures"),
        "components": [
            {
                "uuid": _uuid("component", "airlock"),
                "type": "software",
                "title": "airlock",
                "description": "Boundary gateway of the weight enclave.",
                "control-implementations": [
                    {
                        "uuid": _uuid("implementation", "airlock"),
                        "source": CATALOG_HREF,
                        "description": "The SL1-SL5 measures airlock evidences.",
                        "implemented-requirements": requirements,
                    }
                ],
            }
        ],
    }
    return {"component-definition": _checked(ComponentDefinition, doc)}


def shipped_content() -> dict[str, dict[str, Any]]:
    """File name -> document of everything shipped in ``airlock/assess/content``."""
    out = {
        CATALOG_HREF: catalog_dict(),
        "airlock-component-definition.json": component_definition_dict(),
    }
    for level in LEVELS:
        out[f"airlock-sl{level}-profile.json"] = profile_dict(level)
    return out


def shipped_files() -> dict[str, str]:
    """The shipped content files as packaged (``airlock/assess/content``), by name."""
    folder = resources.files("airlock.assess") / "content"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }


def assessment_results_dict(
    findings: Sequence[Finding],
    *,
    level_reached: int,
    target: int,
    started: datetime,
    enclave: str,
    evidence_href: Mapping[int, str],
) -> dict[str, Any]:
    """One OSCAL result: an observation and a finding per measure up to ``target``.

    ``evidence_href`` maps a ledger index to the receipt file that proves it offline.
    """
    from trestle.oscal.assessment_results import AssessmentResults  # noqa: PLC0415

    observations, oscal_findings = [], []
    for f in findings:
        if f.control.level > target:
            continue
        obs_uuid = str(uuid.uuid4())
        automated = f.control.evidence is EvidenceKind.AUTOMATED
        observations.append(
            {
                "uuid": obs_uuid,
                "title": f.control.title,
                "description": f.reason,
                "methods": ["TEST" if automated else "EXAMINE"],
                "types": ["finding" if f.status is Status.SATISFIED else "control-objective"],
                "props": [
                    _prop("evidence-mode", "TEST-AUTOMATED" if automated else "ATTESTED"),
                    _prop("assessment-status", f.status.value),
                ],
                "relevant-evidence": [
                    {
                        "href": evidence_href[i],
                        "description": f"ledger entry {i} with its inclusion proof",
                        "props": [_prop("ledger-index", str(i))],
                    }
                    for i in f.evidence
                    if i in evidence_href
                ]
                or None,
                "collected": started.isoformat(),
            }
        )
        satisfied = f.status is Status.SATISFIED
        oscal_findings.append(
            {
                "uuid": str(uuid.uuid4()),
                "title": f"{f.control.id}: {f.control.title}",
                "description": f.reason,
                "props": [_prop("assessment-status", f.status.value)],
                "target": {
                    "type": "objective-id",
                    "target-id": f"{f.control.id}_smt",
                    "status": {
                        "state": "satisfied" if satisfied else "not-satisfied",
                        **(
                            {}
                            if satisfied
                            else {"reason": "other" if f.status is Status.NOT_ASSESSED else "fail"}
                        ),
                        **({"remarks": "not assessed"} if f.status is Status.NOT_ASSESSED else {}),
                    },
                },
                "related-observations": [{"observation-uuid": obs_uuid}],
            }
        )
    result = {
        "uuid": str(uuid.uuid4()),
        "title": f"SL assessment of {enclave}",
        "description": f"Level reached: SL{level_reached} (assessed up to SL{target}).",
        "start": started.isoformat(),
        "props": [_prop("level-reached", str(level_reached)), _prop("target-level", str(target))],
        "reviewed-controls": {
            "control-selections": [
                {
                    "include-controls": [
                        {"control-id": f.control.id} for f in findings if f.control.level <= target
                    ]
                }
            ]
        },
        "observations": _drop_none(observations),
        "findings": oscal_findings,
    }
    doc = {
        "uuid": str(uuid.uuid4()),
        "metadata": _metadata(f"airlock SL assessment of {enclave}", started),
        "import-ap": {"href": f"airlock-sl{target}-profile.json"},
        "results": [result],
    }
    return {"assessment-results": _checked(AssessmentResults, doc)}


def validate(document: Mapping[str, Any]) -> None:
    """Parse a whole OSCAL document with trestle. Raises: InvalidInput naming the fault."""
    from trestle.oscal.assessment_results import AssessmentResults  # noqa: PLC0415
    from trestle.oscal.catalog import Catalog  # noqa: PLC0415
    from trestle.oscal.component import ComponentDefinition  # noqa: PLC0415
    from trestle.oscal.profile import Profile  # noqa: PLC0415

    models: dict[str, Any] = {
        "catalog": Catalog,
        "profile": Profile,
        "component-definition": ComponentDefinition,
        "assessment-results": AssessmentResults,
    }
    if len(document) != 1 or next(iter(document)) not in models:
        raise InvalidInput("not an OSCAL catalog, profile, component definition or results")
    key = next(iter(document))
    _checked(models[key], document[key])


def _checked(model: Any, doc: Mapping[str, Any]) -> dict[str, Any]:
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        parsed = model.model_validate(_drop_none(doc))
    except ValidationError as e:
        raise InvalidInput(f"OSCAL {model.__name__} does not validate: {e}") from e
    out: dict[str, Any] = json.loads(parsed.oscal_serialize_json(pretty=False, wrapped=False))
    return out


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
