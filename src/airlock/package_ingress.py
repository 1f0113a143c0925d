"""Admitting Python packages: vet, record, decide, and list on the internal index.

A clean package is released to the index at once; one that vetting holds waits for the
same approvals workflow as a held export; one that vetting denies never appears.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from airlock.approvals.workflow import ApprovalCase, ApprovalRule
from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.domain.identity import Auth, AuthMethod, credential
from airlock.domain.names import RequestId
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind
from airlock.errors import InvalidInput
from airlock.imports.packages.bounded import vet_within
from airlock.imports.packages.carried import Precedent, approvals_of, carry_marks
from airlock.imports.packages.provenance import Publisher
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.typosquat import Protected, normalise
from airlock.imports.packages.verdicts import (
    with_advisory,
    with_dependencies,
    with_names,
    with_provenance,
)
from airlock.imports.packages.vet import VetReport
from airlock.ledger.records import LedgerRecord
from airlock.package_history import MARKS_DETAIL, precedents
from airlock.package_policy import PolicyChange, rows_digest
from airlock.state_seals import StateSeals
from airlock.store.interface import PackageFile, Store
from airlock.store.outbox import Outbox, Staged

MAX_PACKAGE_BYTES = 512 * 1024 * 1024
MAX_REASONS = 200  # reasons of one package decision (500 characters each at most)
VET_SECONDS = 300  # one package's vetting; a file that takes longer is held (ADR 0173)


@dataclass(frozen=True, slots=True)
class Admission:
    request: BoundaryRequest
    decision: Decision
    report: VetReport


def admit_package(
    store: Store,
    *,
    seals: StateSeals,
    outbox: Outbox,
    ledger: AuditLog,
    clock: Clock,
    principal: Principal,
    filename: str,
    data: bytes | BinaryIO,
    policy_version: str,
    max_bytes: int = MAX_PACKAGE_BYTES,
    keep_denied: bool = False,
    auth: Auth = AuthMethod.TOKEN,
    attestation: bytes | None = None,
    carry: bool = True,
    vet_seconds: float = VET_SECONDS,
) -> Admission:
    """Store, vet, record and decide. The file streams into the outbox and is vetted from
    there, so an upload is never whole in memory (issue 22).

    Raises: InvalidInput for a bad file name or a file over ``max_bytes`` (never cut short),
    Conflict for a file admitted before.
    """
    _check_filename(filename)
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return admit_staged_package(
        store,
        seals=seals,
        outbox=outbox,
        ledger=ledger,
        clock=clock,
        principal=principal,
        filename=filename,
        staged=outbox.stage(source, max_bytes),
        policy_version=policy_version,
        keep_denied=keep_denied,
        auth=auth,
        attestation=attestation,
        carry=carry,
        vet_seconds=vet_seconds,
    )


def admit_staged_package(
    store: Store,
    *,
    seals: StateSeals,
    outbox: Outbox,
    ledger: AuditLog,
    clock: Clock,
    principal: Principal,
    filename: str,
    staged: Staged,
    policy_version: str,
    keep_denied: bool = False,
    auth: Auth = AuthMethod.TOKEN,
    attestation: bytes | None = None,
    carry: bool = True,
    vet_seconds: float = VET_SECONDS,
) -> Admission:
    """:func:`admit_package` of a file already staged in the outbox (the HTTP path streams
    it there); the staged file is committed or dropped here, whatever happens.

    Raises: as :func:`admit_package`.
    """
    try:
        _check_filename(filename)
        admission = _admit(
            store,
            seals=seals,
            ledger=ledger,
            clock=clock,
            principal=principal,
            filename=filename,
            staged=staged,
            policy_version=policy_version,
            auth=auth,
            attestation=attestation,
            carry=carry,
            vet_seconds=vet_seconds,
        )
        if admission.decision.outcome is not Outcome.DENY or keep_denied:
            outbox.commit(staged)
    finally:
        outbox.drop(staged)  # a denied file is never served; the ledger keeps its digest
    return admission


def _check_filename(filename: str) -> None:
    if "/" in filename or "\\" in filename or not filename.endswith((".whl", ".tar.gz", ".zip")):
        raise InvalidInput(f"{filename!r} is not a wheel or sdist file name")


def _admit(
    store: Store,
    *,
    seals: StateSeals,
    ledger: AuditLog,
    clock: Clock,
    principal: Principal,
    filename: str,
    staged: Staged,
    policy_version: str,
    auth: Auth,
    attestation: bytes | None = None,
    carry: bool = True,
    vet_seconds: float = VET_SECONDS,
) -> Admission:
    """Vet, then decide: a hold whose every finding people approved in an earlier file of
    the project is released when ``carry`` (ADR 0147); a hold's marks are recorded either
    way, so turning carrying on later finds them."""
    digest, size = staged.digest, staged.size
    # In a child process it can stop: a file whose vetting runs too long is held (ADR 0173).
    report = vet_within(filename, staged.path, digest=digest, seconds=vet_seconds)
    # The feed is read after vetting: the report's name and version are what the file says.
    advisory = store.known_bad.known_bad_advisory(normalise(report.name), report.version)
    report = with_advisory(report, advisory)
    feed = store.known_bad
    own = normalise(report.name)
    listed = [own] if feed.known_bad_name(own) else []
    report = with_names(report, Protected.of(feed.protected_names(), listed))
    needed = (*report.requires, *report.builds)
    report = with_dependencies(report, {d for d in needed if feed.known_bad_name(d)})
    report = _provenance(store, report, attestation)
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
    reasons = _finding_reasons(report)
    marks = carry_marks(report.findings, report.marks) if report.verdict is Outcome.HOLD else None
    sources, new = _approvals(store, seals, ledger, report, marks) if carry else ((), frozenset())
    carried = sources if sources and not new else ()
    outcome = Outcome.ALLOW if carried else report.verdict
    if carried:
        reasons = (_carried_reason(carried), *reasons)
    elif sources:  # the approvers' part: which findings are new since an approval
        reasons = (_partly_reason(sources, report, new), *reasons)
    decision = Decision(request.id, outcome, reasons, now, "vetting", policy_version)
    carried_details = {MARKS_DETAIL: " ".join(marks)} if marks and not carried else {}
    if carried:
        carried_details["carried_from"] = " ".join(p.request_id for p in carried)
    index = ledger.append(
        LedgerRecord(
            kind="package.decision",
            actor=principal.name,
            at=now,
            subject=filename,
            request_digest=digest,
            policy_version=policy_version,
            outcome=outcome.value,
            reasons=tuple(r.to_json() for r in reasons),
            details={
                "project": report.name,
                "version": report.version,
                "unknown_signals": ", ".join(report.unknown),
                "publisher": report.publisher,
                **carried_details,
                **credential(auth).details(),
            },
        )
    )
    store.add_request(request, decision)
    if report.publisher:
        store.known_bad.record_attestation(
            filename, normalise(report.name), report.version, report.publisher, index
        )
    seals.seal("requests", {"id": request.id}, index)
    if outcome is Outcome.HOLD:
        store.approvals.open_case(
            ApprovalCase(request.id, principal.name, digest, ApprovalRule(2), now)
        )
        seals.seal("approval_cases", {"request_id": request.id}, index)
    store.add_package_file(
        PackageFile(filename, normalise(report.name), report.version, digest, request.id)
    )
    seals.seal("package_files", {"filename": filename}, index)
    return Admission(store.get_request(request.id), decision, report)


def _finding_reasons(report: VetReport) -> tuple[Reason, ...]:
    """One reason per serious finding, at most :data:`MAX_REASONS`: the decision's ledger
    entry is bounded (256 KiB), and a setup.py of thousands of flagged lines would
    otherwise make the file impossible to record, held or denied."""
    serious = [f for f in report.findings if f.severity >= Severity.HIGH]
    reasons = [Reason(f.rule, f"{f.path}:{f.line}: {f.explanation}"[:500]) for f in serious]
    if len(reasons) <= MAX_REASONS:
        return tuple(reasons)
    more = len(reasons) - MAX_REASONS + 1
    told = f"and {more} more serious findings: `airlock package vet {report.filename}` lists all"
    return (*reasons[: MAX_REASONS - 1], Reason("more-findings", told[:500]))


def _approvals(
    store: Store,
    seals: StateSeals,
    ledger: AuditLog,
    report: VetReport,
    marks: tuple[str, ...] | None,
) -> tuple[tuple[Precedent, ...], frozenset[str]]:
    """The earlier files of the project whose approvals cover some held findings, and the
    marks none covers (ADR 0147)."""
    if not marks:
        return (), frozenset()
    history = precedents(store, seals, ledger, normalise(report.name))
    return approvals_of(marks, history)


def _named(sources: tuple[Precedent, ...]) -> str:
    return ", ".join(f"{p.filename} (request {p.request_id})" for p in sources)


def _carried_reason(sources: tuple[Precedent, ...]) -> Reason:
    told = f"every held finding is one people approved in {_named(sources)}, in unchanged code"
    return Reason("carried-approval", told[:500])


def _partly_reason(
    sources: tuple[Precedent, ...], report: VetReport, new: frozenset[str]
) -> Reason:
    fresh = sorted({f"{f.path}:{f.line} ({f.rule})" for f, mark in report.marks if mark in new})
    told = f"new since {_named(sources)} was approved: {', '.join(fresh)}"
    return Reason("approved-before", told[:500])


def _provenance(store: Store, report: VetReport, attestation: bytes | None) -> VetReport:
    """The report with its attestation verified and the project's pinned publisher applied.

    Raises: InvalidInput (an attestation that is not one), ConfigError (no attest extra).
    """
    pinned = store.known_bad.publisher_pins().get(normalise(report.name))
    pin = Publisher.parse(pinned) if pinned else None
    if pin is None and attestation is None:
        return report
    check = None
    if attestation is not None:
        from airlock.imports.packages.attest import check_attestation  # noqa: PLC0415 -- extra

        check = check_attestation(report.filename, report.sha256, attestation, pin)
    return with_provenance(report, pin, check)


@dataclass(frozen=True, slots=True)
class FeedImport:
    """What an import of the known-bad feed changed."""

    entries: int  # PyPI (name, version) entries in the files
    added: int  # of those, new to the store
    total: int  # entries the store now holds
    digest: str  # SHA-256 over the entries, as recorded in the ledger
    ledger_index: int


def import_feed(
    store: Store, change: PolicyChange, *, entries: Sequence[tuple[str, str, str]]
) -> FeedImport:
    """Record, then add, the entries of an OSV malicious-packages feed (issue 16): from then
    on an admission whose name and version (or name, at every version) is listed is denied.

    The ledger entry carries the count and a digest of the sorted entries, so an auditor can
    tell which feed was in force; the rows are not sealed one by one (a feed holds tens of
    thousands), so deleting a row from the database is caught by comparing
    ``airlock package feed status`` with the ledger, not at admission.
    """
    digest = rows_digest(sorted(entries))
    now, index = change.record(
        "package.feed.import",
        "known-bad-feed",
        {"entries": str(len(entries)), "entries_sha256": digest},
    )
    added = store.known_bad.add_known_bad(entries, now, index)
    return FeedImport(len(entries), added, store.known_bad.known_bad_count(), digest, index)
