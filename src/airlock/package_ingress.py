"""Admitting Python packages: vet, record, decide, and list on the internal index.

A clean package is released to the index at once; one that vetting holds waits for the
same approvals workflow as a held export; one that vetting denies never appears.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from airlock.approvals.workflow import ApprovalCase, ApprovalRule
from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.domain.identity import AuthMethod, auth_details
from airlock.domain.names import RequestId
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind
from airlock.errors import InvalidInput
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.typosquat import normalise
from airlock.imports.packages.vet import VetReport, vet
from airlock.ledger.records import LedgerRecord
from airlock.store.interface import PackageFile, Store
from airlock.store.outbox import Outbox

MAX_PACKAGE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Admission:
    request: BoundaryRequest
    decision: Decision
    report: VetReport


def admit_package(
    store: Store,
    *,
    outbox: Outbox,
    ledger: AuditLog,
    clock: Clock,
    principal: Principal,
    filename: str,
    data: bytes,
    policy_version: str,
    auth: AuthMethod = AuthMethod.TOKEN,
) -> Admission:
    """Raises: InvalidInput for a bad file name, Conflict for a file admitted before."""
    if "/" in filename or "\\" in filename or not filename.endswith((".whl", ".tar.gz", ".zip")):
        raise InvalidInput(f"{filename!r} is not a wheel or sdist file name")
    report = vet(filename, data)
    digest, size = outbox.put(io.BytesIO(data), MAX_PACKAGE_BYTES)
    now = clock.now()
    request = BoundaryRequest(
        id=RequestId("req_" + secrets.token_hex(16)),
        kind=RequestKind.PACKAGE_IMPORT,
        principal=principal.name,
        project=None,
        purpose=f"package {report.name} {report.version}".strip(),
        digest=digest,
        size_bytes=size,
        created_at=now,
    )
    serious = [f for f in report.findings if f.severity >= Severity.HIGH]
    reasons = tuple(Reason(f.rule, f"{f.path}:{f.line}: {f.explanation}"[:500]) for f in serious)
    decision = Decision(request.id, report.verdict, reasons, now, "vetting", policy_version)
    ledger.append(
        LedgerRecord(
            kind="package.decision",
            actor=principal.name,
            at=now,
            subject=filename,
            request_digest=digest,
            policy_version=policy_version,
            outcome=report.verdict.value,
            reasons=tuple(r.to_json() for r in reasons),
            details={
                "project": report.name,
                "version": report.version,
                "unknown_signals": ", ".join(report.unknown),
                **auth_details(auth),
            },
        )
    )
    store.add_request(request, decision)
    if report.verdict is Outcome.HOLD:
        store.approvals.open_case(
            ApprovalCase(request.id, principal.name, digest, ApprovalRule(2), now)
        )
    store.add_package_file(
        PackageFile(filename, normalise(report.name), report.version, digest, request.id)
    )
    return Admission(store.get_request(request.id), decision, report)
