"""What OCSF 1.1.0 requires of an API Activity (6003) event, as a SIEM's validator checks it.

Taken from the schema's base event (activity_id, category_uid, class_uid, metadata,
severity_id, time, type_uid), the API Activity class (actor, api, src_endpoint) and the
objects those name (metadata: product and version; product: vendor_name; api: operation;
actor: one of user/process/session/app_name; network endpoint: at least one identifier).
"""

from __future__ import annotations

from typing import Any

BASE_REQUIRED = {
    "activity_id": int,
    "category_uid": int,
    "class_uid": int,
    "metadata": dict,
    "severity_id": int,
    "time": int,
    "type_uid": int,
}
API_ACTIVITY_REQUIRED = {"actor": dict, "api": dict, "src_endpoint": dict}
_ENDPOINT_IDS = {"ip", "hostname", "name", "uid", "svc_name", "domain"}
_ACTOR_ANY = {"user", "process", "session", "app_name", "invoked_by"}


def ocsf_problems(event: dict[str, Any]) -> list[str]:
    """Everything wrong with ``event`` as an OCSF 1.1.0 API Activity; empty when valid."""
    problems = [
        f"{name}: missing or not {kind.__name__}"
        for name, kind in {**BASE_REQUIRED, **API_ACTIVITY_REQUIRED}.items()
        if not isinstance(event.get(name), kind) or isinstance(event.get(name), bool)
    ]
    if problems:
        return problems
    if event["class_uid"] != 6003 or event["category_uid"] != 6:
        problems.append("not API Activity in Application Activity")
    if event["type_uid"] != event["class_uid"] * 100 + event["activity_id"]:
        problems.append("type_uid is not class_uid * 100 + activity_id")
    if event["activity_id"] not in {0, 1, 2, 3, 4, 99}:
        problems.append("activity_id outside the class's enum")
    if event["severity_id"] not in {0, 1, 2, 3, 4, 5, 6, 99}:
        problems.append("severity_id outside its enum")
    metadata = event["metadata"]
    if not isinstance(metadata.get("version"), str):
        problems.append("metadata.version missing")
    product = metadata.get("product")
    if not isinstance(product, dict) or not isinstance(product.get("vendor_name"), str):
        problems.append("metadata.product.vendor_name missing")
    if not isinstance(event["api"].get("operation"), str) or not event["api"]["operation"]:
        problems.append("api.operation missing")
    if not _ACTOR_ANY & set(event["actor"]):
        problems.append("actor names no user, process, session or app")
    if not _ENDPOINT_IDS & set(event["src_endpoint"]):
        problems.append("src_endpoint carries no identifier")
    return problems
