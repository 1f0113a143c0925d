"""The assessment workflow: read the store and ledger into a snapshot, record it, judge it.

Reads only; the two writes are ledger entries: ``assess.snapshot`` (the probes that have no
entry of their own: policy, anomaly rules, ledger verification, SBOM digest) before judging,
and ``assess.result`` (the digest of the OSCAL results and every measure's status) after, so
that a later ``airlock assess --since INDEX`` can say what moved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from airlock.approvals.decide import BoundaryFacts, CompiledPolicy
from airlock.approvals.friction import FrictionReport
from airlock.approvals.locks import AnomalyRules
from airlock.assess.evidence import (
    Attestation,
    Cited,
    DatasetSeen,
    Finding,
    Gap,
    ModelSeen,
    Snapshot,
    Status,
    VoteSeen,
    assess_controls,
    gaps,
    level_reached,
)
from airlock.audit import AuditLog
from airlock.audit_verify import VerifyReport
from airlock.budgets.limits import BudgetScope
from airlock.clock import Clock
from airlock.domain.principals import PrincipalKind, Role
from airlock.domain.requests import Outcome, RequestKind, RequestStatus
from airlock.errors import InvalidInput, NotFound
from airlock.imports.datasets.results import DatasetVerdict
from airlock.imports.packages.typosquat import normalise
from airlock.ledger.records import LedgerRecord, parse_record
from airlock.store.interface import Store

MAX_SBOM_COMPONENTS = 100_000


@dataclass(frozen=True, slots=True)
class Assessment:
    enclave: str
    started: datetime
    target: int
    level: int
    findings: tuple[Finding, ...]
    gaps: tuple[Gap, ...]
    friction: FrictionReport
    false_holds: int
    snapshot_index: int


@dataclass(frozen=True, slots=True)
class Sources:
    """What the facade hands the workflow (it owns all of these)."""

    store: Store
    ledger: AuditLog
    policy: CompiledPolicy
    policy_version: str
    clock: Clock
    checkpoint_interval: timedelta
    witness_names: tuple[str, ...]
    anomaly_rules: AnomalyRules
    verify: Callable[[], VerifyReport]
    friction: Callable[[], FrictionReport]


def sbom_components(text: str) -> tuple[tuple[str, str], ...]:
    """(normalised name, version) of a CycloneDX JSON SBOM's components. Raises: InvalidInput."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise InvalidInput(f"the SBOM is not JSON: {e}") from e
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise InvalidInput("the SBOM is not a CycloneDX document (`airlock sbom` writes one)")
    components = document.get("components", [])
    if not isinstance(components, list) or len(components) > MAX_SBOM_COMPONENTS:
        raise InvalidInput("the SBOM's components must be a list of bounded length")
    out = []
    for c in components:
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise InvalidInput("an SBOM component lacks a name")
        out.append((normalise(c["name"]), str(c.get("version", ""))))
    return tuple(sorted(set(out)))


def _records(store: Store) -> list[tuple[int, dict[str, Any]]]:
    """Every ledger record, read in the store's bounded batches."""
    return [(e.index, parse_record(e.body)) for e in store.ledger.entries(0, store.ledger.size())]


def _model_seen(
    name: str, size: int, index: int, records: Sequence[tuple[int, dict[str, Any]]]
) -> ModelSeen:
    milli = records[index][1]["details"].get("lossless_ratio_milli") if index >= 0 else None
    ratio = int(milli) / 1000 if isinstance(milli, str) and milli.isdigit() else None
    return ModelSeen(Cited(name, index), size, ratio if ratio and ratio >= 1 else None)


def _probe_dual_approval(policy: CompiledPolicy) -> int | None:
    facts = BoundaryFacts(
        "export",
        "assess-probe",
        Role.RESEARCHER.value,
        PrincipalKind.PERSON.value,
        "",
        "0" * 64,
        1,
        Outcome.HOLD,
        True,
    )
    outcome = policy.decide(facts)
    if outcome.outcome is Outcome.ALLOW:
        return 0
    if outcome.outcome is Outcome.DENY:
        return None
    return outcome.required_approvals


def snapshot(src: Sources, sbom: tuple[tuple[str, str], ...] | None, record: bool) -> Snapshot:
    """Read everything the checks need and, if ``record``, append ``assess.snapshot``."""
    store, now = src.store, src.clock.now()
    records = _records(src.store)
    latest: dict[tuple[str, str], int] = {}
    for i, r in records:
        latest[(r["kind"], r["subject"])] = i
    principals = {p.name: p for p in store.list_principals()}

    models = tuple(
        _model_seen(m.name, m.size, latest.get(("weights.register", m.name), -1), records)
        for m in store.protected_models()
    )
    enclave = next((b for b in store.budgets.budgets() if b.scope is BudgetScope.ENCLAVE), None)
    budget = (
        (enclave, latest.get(("budget.set", f"{enclave.scope}:{enclave.subject}"), -1))
        if enclave is not None
        else None
    )
    requests = store.list_requests(limit=1_000_000)
    first_decision: dict[str, int] = {}
    for i, r in records:
        if r["kind"] == "export.decision" and "size" in r["details"]:
            first_decision.setdefault(r["subject"], i)
    exports = [q for q in requests if q.kind is RequestKind.EXPORT]
    requester = {q.id: q.principal for q in requests}

    votes, approvals_of, released = [], {}, []
    for i, r in records:
        if r["kind"] == "approval.vote":
            voter = principals.get(r["actor"])
            votes.append(
                VoteSeen(
                    r["subject"],
                    r["actor"],
                    requester.get(r["subject"], ""),
                    r["outcome"] == "approve",
                    voter is not None and voter.kind is PrincipalKind.PERSON,
                    voter is not None and voter.role in {Role.ADMIN, Role.APPROVER},
                    i,
                )
            )
            approvals_of[r["subject"]] = tuple(r["approvals"])
        elif r["kind"] == "export.decision" and any(
            x.get("code") == "approved" for x in r["reasons"]
        ):
            released.append((r["subject"], approvals_of.get(r["subject"], ()), i))

    statuses = {q.id: q.status for q in requests}
    admitted = {
        (f.project, f.version): latest.get(("package.decision", f.filename), -1)
        for f in store.package_files()
        if statuses.get(f.request_id) is RequestStatus.RELEASED
    }
    datasets = tuple(
        DatasetSeen(
            d.id,
            d.verdict == DatasetVerdict.CLEAN.value,
            len(set(approvals_of.get(d.request_id, ()))),
            d.source,
            latest.get(("dataset.release", d.id), -1),
        )
        for d in store.datasets.list_datasets()
        if d.released_at is not None
    )
    attestations: dict[str, Attestation] = {}
    for i, r in records:
        if r["kind"] == "assess.attest":
            d = r["details"]
            attestations[r["subject"]] = Attestation(
                r["subject"], d.get("answer") == "yes", r["actor"], str(d.get("note", "")), i
            )

    checkpoint = store.ledger.latest_checkpoint()
    cosigned_at, cosigned_size = None, 0
    for stored in reversed(store.ledger.checkpoints()):
        cosigs = [
            c for c in store.ledger.cosignatures(stored.size) if c.witness in src.witness_names
        ]
        if cosigs:
            cosigned_at = datetime.fromtimestamp(max(c.timestamp for c in cosigs), UTC)
            cosigned_size = stored.size
            break
    report = src.verify()
    hold_requires = _probe_dual_approval(src.policy)
    rules = src.anomaly_rules
    locks_on = rules.weight_denials > 0 and rules.holds > 0 and 0 < rules.budget_fraction <= 1
    problem = report.first_problem
    details = {
        "policy_version": src.policy_version,
        "hold_requires_approvals": "never" if hold_requires is None else str(hold_requires),
        "anomaly_locks": "on" if locks_on else "off",
        "ledger_verified_entries": str(report.entries_checked),
        "ledger_ok": "yes" if report.ok else "no",
        "sbom_sha256": "" if sbom is None else hashlib.sha256(repr(sbom).encode()).hexdigest(),
    }
    snapshot_index = (
        src.ledger.append(
            LedgerRecord("assess.snapshot", "airlock", now, subject="assessment", details=details)
        )
        if record
        else -1
    )
    return Snapshot(
        now=now,
        snapshot_index=snapshot_index,
        models=models,
        enclave_budget=budget,
        exports=tuple(Cited(q.id, first_decision[q.id]) for q in exports if q.id in first_decision),
        uninspected_exports=tuple(q.id for q in exports if q.id not in first_decision),
        hold_requires_approvals=hold_requires,
        anomaly_locks_enabled=locks_on,
        ledger_ok=report.ok,
        ledger_problem="" if problem is None else problem.message,
        ledger_entries=report.entries_checked,
        witnesses=len(src.witness_names),
        latest_checkpoint_at=None if checkpoint is None else checkpoint.signed_at,
        latest_cosignature_at=cosigned_at,
        cosigned_size=cosigned_size,
        checkpoint_interval=src.checkpoint_interval,
        votes=tuple(votes),
        released_by_approval=tuple(released),
        sbom=sbom,
        admitted=admitted,
        datasets_released=datasets,
        attestations=attestations,
    )


def false_holds(store: Store) -> int:
    """Held requests later released by approval: holds that, in hindsight, were not needed."""
    count = 0
    for q in store.list_requests(RequestStatus.RELEASED, limit=1_000_000):
        decisions = store.decisions_for(q.id)
        if decisions and decisions[0].outcome is Outcome.HOLD:
            count += 1
    return count


def assess(
    src: Sources,
    enclave: str,
    target: int,
    sbom: tuple[tuple[str, str], ...] | None,
    record: bool = True,
) -> Assessment:
    """Gather, judge every measure and, if ``record``, log the snapshot and sign a checkpoint
    over it all (the web page assesses without writing)."""
    snap = snapshot(src, sbom, record)
    findings = assess_controls(snap)
    level = level_reached({f.control.id: f.status for f in findings})
    if record:
        src.ledger.checkpoint()  # every cited entry now sits under a signed checkpoint
    return Assessment(
        enclave,
        snap.now,
        target,
        level,
        findings,
        gaps(findings, target),
        src.friction(),
        false_holds(src.store),
        snap.snapshot_index,
    )


def record_result(ledger: AuditLog, clock: Clock, assessment: Assessment, digest: str) -> int:
    """Append ``assess.result``: the results digest and every measure's status."""
    return ledger.append(
        LedgerRecord(
            "assess.result",
            "airlock",
            clock.now(),
            subject="assessment",
            outcome=f"SL{assessment.level}",
            details={
                "results_sha256": digest,
                "level": assessment.level,
                "target": assessment.target,
                "statuses": {f.control.id: f.status.value for f in assessment.findings},
            },
        )
    )


@dataclass(frozen=True, slots=True)
class Movement:
    control: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Earlier:
    """An earlier assessment, as its ``assess.result`` entry recorded it."""

    index: int
    level: int
    statuses: Mapping[str, object]


def earlier(ledger: AuditLog, reference: int) -> Earlier:
    """Read an earlier ``assess.result`` entry.

    Raises: NotFound (no such entry), InvalidInput (the entry is not an assessment).
    """
    if not 0 <= reference < ledger.size():
        raise NotFound(f"ledger has no entry {reference}")
    record = ledger.record(reference)
    if record.get("kind") != "assess.result":
        raise InvalidInput(f"ledger entry {reference} is a {record.get('kind')}, not an assessment")
    details = record.get("details")
    statuses = details.get("statuses") if isinstance(details, dict) else None
    if not isinstance(details, dict) or not isinstance(statuses, dict):
        raise InvalidInput(f"ledger entry {reference} holds no statuses to compare with")
    level = details.get("level", 0)
    return Earlier(reference, level if isinstance(level, int) else 0, statuses)


def since(before: Earlier, assessment: Assessment) -> tuple[int, tuple[Movement, ...]]:
    """The earlier assessment's level and the measures whose status changed since."""
    moved = tuple(
        Movement(f.control.id, str(before.statuses.get(f.control.id, "absent")), f.status.value)
        for f in assessment.findings
        if before.statuses.get(f.control.id) != f.status.value
    )
    return before.level, moved


def last_result(store: Store, before: int) -> int | None:
    """The index of the newest ``assess.result`` below ``before``, if any."""
    found = None
    for entry in store.ledger.entries(0, min(before, store.ledger.size())):
        if parse_record(entry.body).get("kind") == "assess.result":
            found = entry.index
    return found


def status_counts(findings: Sequence[Finding], family: str, target: int) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for f in findings:
        if f.control.family == family and f.control.level <= target:
            counts[f.status] += 1
    return counts
