"""What people decided on a project's earlier held files, read back so that it cannot be
forged (ADR 0147): each file's marks come from its own ledger entry, found through the
seal of its ``package_files`` row, and the decision from its request's sealed row.

A file whose row, seal or ledger entry does not check out is left out: it can only take a
carried approval away, never give one.
"""

from __future__ import annotations

from airlock.audit import AuditLog
from airlock.errors import InputRejected
from airlock.imports.packages.carried import Precedent
from airlock.state_seals import StateSeals
from airlock.store.interface import PackageFile, Store

MAX_PRECEDENTS = 64  # files of one project read back, the last by file name
MARKS_DETAIL = "carry_marks"  # the ledger detail that holds a held file's marks


def precedents(
    store: Store, seals: StateSeals, ledger: AuditLog, project: str
) -> tuple[Precedent, ...]:
    """The project's files that vetting held and people then approved or rejected."""
    files = store.package_files(project, released_only=False)[-MAX_PRECEDENTS:]
    found = (_precedent(seals, ledger, f) for f in files)
    return tuple(p for p in found if p is not None)


def _precedent(seals: StateSeals, ledger: AuditLog, entry: PackageFile) -> Precedent | None:
    index = seals.sealed_by("package_files", entry.filename)
    if index is None:
        return None
    try:
        seals.check("package_files", {"filename": entry.filename}, subjects=(entry.filename,))
        record = ledger.checked_record(index)
        request = seals.check("requests", {"id": entry.request_id})
    except InputRejected:  # a forged, missing or unsealed row or entry: not a precedent
        return None
    details = record.get("details")
    if (
        record.get("kind") != "package.decision"
        or record.get("outcome") != "hold"
        or record.get("request_digest") != entry.sha256
        or not isinstance(details, dict)
    ):
        return None
    marks = details.get(MARKS_DETAIL)
    status = request.get("status")
    if not isinstance(marks, str) or not marks or status not in {"released", "denied"}:
        return None
    approved = status == "released"
    return Precedent(entry.filename, entry.request_id, approved, frozenset(marks.split()))
