"""The export path: store, inspect, count against budgets, decide, record, release.

Order matters for safety: the artifact is written and synced first and inspected from that
file (so what was inspected is what can leave), budgets are reserved atomically before
deciding (so concurrent exports cannot overspend), and the ledger entry is durable before
the decision is stored or acted on. Only then is the file put in place by its digest, or
dropped when denied (issue 22); a crash in between leaves it as an ``.incoming-`` file that
the sweep at start puts in place if a request names its digest.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO

from airlock.approvals.decide import BoundaryFacts, CompiledPolicy, PolicyOutcome
from airlock.approvals.locks import AnomalyRules, Lock, LockScope, RecentOutcome, anomaly_reason
from airlock.approvals.workflow import ApprovalCase, ApprovalRule, CaseStatus, Vote, cast_vote
from airlock.audit import AuditLog
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetCheck, BudgetScope
from airlock.clock import Clock
from airlock.domain.names import RequestId, Sha256Hex, principal_name, project_name, request_id
from airlock.domain.principals import Principal
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)
from airlock.errors import Conflict, NotFound
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport
from airlock.ledger.records import LedgerRecord
from airlock.store.group_commit import GroupCommit
from airlock.store.interface import Store
from airlock.store.outbox import Outbox, Staged

MAX_EXPORT_BYTES = 8 * 1024**3


@dataclass(frozen=True, slots=True)
class ExportResult:
    request: BoundaryRequest
    decision: Decision
    report: FileReport
    budgets: tuple[BudgetCheck, ...]
    required_approvals: int


_WEIGHT_CODES = {"raw-tensor", "tensor-format", "protected-model", "tensor-as-text"}


class Egress:
    rules = AnomalyRules()

    def __init__(
        self,
        store: Store,
        *,
        outbox: Outbox,
        ledger: AuditLog,
        clock: Clock,
        policy: CompiledPolicy,
        inspector: Callable[[], Inspector],
        max_bytes: int = MAX_EXPORT_BYTES,
        keep_denied: bool = False,
    ) -> None:
        self._max_bytes = max_bytes
        self._keep_denied = keep_denied
        self._store = store
        self._outbox = outbox
        self._ledger = ledger
        self._clock = clock
        self._policy = policy
        self._inspector = inspector
        self._commits = GroupCommit(store)

    def submit(
        self, principal: Principal, stream: BinaryIO, name: str, purpose: str, project: str | None
    ) -> ExportResult:
        """Raises: InvalidInput (bad purpose/project/oversize), NotFound (unknown project).

        Storing and inspecting run beside other exports; counting, deciding and recording
        run as one unit of a shared write batch (:mod:`airlock.store.group_commit`), so the
        ledger entry, the reservation and the decision become durable together or not at all.
        """
        if project is not None:
            self._store.get_project(project_name(project))
        return self.submit_staged(
            principal, self._outbox.stage(stream, self._max_bytes), name, purpose, project
        )

    def submit_staged(
        self, principal: Principal, staged: Staged, name: str, purpose: str, project: str | None
    ) -> ExportResult:
        """:meth:`submit` of an upload already staged in the outbox (the HTTP path streams
        it there); the staged file is committed or dropped here, whatever happens.

        Raises: as :meth:`submit`.
        """
        try:
            if project is not None:
                self._store.get_project(project_name(project))
            result = self._decide(principal, staged, name, purpose, project)
            if result.decision.outcome is not Outcome.DENY or self._keep_denied:
                self._outbox.commit(staged)
        finally:
            # Denied bytes never leave, so they need not stay (issue 22): the ledger keeps
            # the digest and the findings. They were inspected under a private name, so
            # dropping them cannot touch a blob of the same digest another request brought.
            self._outbox.drop(staged)
        return result

    def _decide(
        self, principal: Principal, staged: Staged, name: str, purpose: str, project: str | None
    ) -> ExportResult:
        digest, size = staged.digest, staged.size
        now = self._clock.now()
        request = BoundaryRequest(
            id=RequestId("req_" + secrets.token_hex(16)),
            kind=RequestKind.EXPORT,
            principal=principal.name,
            project=None if project is None else project_name(project),
            purpose=purpose,
            digest=digest,
            size_bytes=size,
            created_at=now,
        )
        with staged.path.open("rb") as handle:
            report = self._inspector().inspect(name, handle, size)
        facts = BoundaryFacts(
            "export",
            principal.name,
            principal.role.value,
            principal.kind.value,
            project or "",
            digest,
            size,
            report.verdict,
            True,
        )
        # Policy is a pure function of the facts: decide the common case (within budget)
        # outside the write batch, and again inside only if the reservation says otherwise.
        if_within = self._policy.decide(facts)
        return self._commits.run(
            lambda: self._record(
                principal, request, name=name, report=report, facts=facts, if_within=if_within
            )
        )

    def allowance(self, principal: Principal) -> int:
        """Bytes ``principal`` could still export now, before any project budget: 0 when a
        lock holds them or no enclave budget exists. For refusing an upload before reading
        it; the reservation made when deciding stays the authority (it sees concurrency)."""
        now = self._clock.now()
        if self._active_lock(principal.name, None, now) is not None:
            return 0
        wanted = {(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT), (BudgetScope.PRINCIPAL, principal.name)}
        budgets = [b for b in self._store.budgets.budgets() if b.key in wanted]
        if not any(b.scope is BudgetScope.ENCLAVE for b in budgets):
            return 0
        return min(max(0, b.limit_bytes - self._store.budgets.used(b.key, now)) for b in budgets)

    def _record(
        self,
        principal: Principal,
        request: BoundaryRequest,
        *,
        name: str,
        report: FileReport,
        facts: BoundaryFacts,
        if_within: PolicyOutcome,
    ) -> ExportResult:
        now, size, project = request.created_at, request.size_bytes, request.project
        lock = self._active_lock(principal.name, project, now)
        keys = [(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT), (BudgetScope.PRINCIPAL, principal.name)]
        if project is not None:
            keys.append((BudgetScope.PROJECT, project))
        checks = tuple(self._store.budgets.reserve(keys, request.id, size, now))
        has_enclave_budget = any(c.budget.scope is BudgetScope.ENCLAVE for c in checks)
        within = has_enclave_budget and all(c.fits for c in checks)
        outcome = if_within if within else self._policy.decide(replace(facts, within_budget=False))
        if lock is not None:
            outcome = PolicyOutcome(
                Outcome.DENY,
                0,
                (
                    Reason(
                        "locked",
                        f"{lock.scope} {lock.subject} is locked until "
                        f"{lock.expires_at.isoformat(timespec='minutes')}: {lock.reason}; ask an "
                        "approver to lift it with `airlock lock lift`",
                    ),
                ),
                outcome.policy_version,
            )
        reasons = _reasons(report, checks, has_enclave_budget, outcome)
        decision = Decision(
            request.id, outcome.outcome, reasons, now, "policy", outcome.policy_version
        )
        self._ledger.append(
            LedgerRecord(
                kind="export.decision",
                actor=principal.name,
                at=now,
                subject=request.id,
                request_digest=request.digest,
                policy_version=outcome.policy_version,
                outcome=outcome.outcome.value,
                reasons=tuple(r.to_json() for r in reasons),
                details={
                    "size": size,
                    "name": name[:200],
                    "purpose": request.purpose[:500],
                    "required_approvals": outcome.required_approvals,
                },
            )
        )
        self._store.add_request(request, decision)
        if outcome.outcome is Outcome.DENY or not within:
            self._store.budgets.release(request.id)
        if outcome.outcome is Outcome.HOLD:
            self._store.approvals.open_case(
                ApprovalCase(
                    request.id,
                    principal.name,
                    request.digest,
                    ApprovalRule(outcome.required_approvals),
                    now,
                )
            )
        if lock is None:
            self._lock_if_anomalous(principal.name, checks, now)
        stored = replace(request, status=decision.status)
        return ExportResult(stored, decision, report, checks, outcome.required_approvals)

    def _active_lock(self, principal: str, project: str | None, now: datetime) -> Lock | None:
        wanted = [(LockScope.PRINCIPAL, principal)]
        if project is not None:
            wanted.append((LockScope.PROJECT, project))
        return next(iter(self._store.active_locks(wanted, now)), None)

    def _lock_if_anomalous(
        self, principal: str, checks: tuple[BudgetCheck, ...], now: datetime
    ) -> None:
        rules = self.rules
        horizon = max(rules.weight_window, rules.holds_window)
        recent = [
            RecentOutcome(d.outcome, any(r.code in _WEIGHT_CODES for r in d.reasons), d.decided_at)
            for d in self._store.recent_outcomes(principal_name(principal), now - horizon)
        ]
        personal = [c for c in checks if c.budget.scope is BudgetScope.PRINCIPAL]
        fraction = max(
            (
                (c.used_bytes + c.requested_bytes) / c.budget.limit_bytes
                for c in personal
                if c.budget.limit_bytes and c.fits
            ),
            default=0.0,
        )
        reason = anomaly_reason(recent, fraction, rules, now)
        if reason is not None:
            self.impose_lock(
                Lock(LockScope.PRINCIPAL, principal, reason, now, now + rules.duration),
                actor="airlock",
            )

    def impose_lock(self, lock: Lock, actor: str) -> None:
        self._ledger.append(
            LedgerRecord(
                kind="lock.add",
                actor=actor,
                at=lock.created_at,
                subject=f"{lock.scope}:{lock.subject}",
                reasons=({"code": "lock", "message": lock.reason[:500]},),
                details={"expires_at": lock.expires_at.isoformat()},
            )
        )
        self._store.add_lock(lock)

    def vote(
        self, voter: Principal, raw_id: str, approve: bool, reason: str, digest: str
    ) -> tuple[BoundaryRequest, ApprovalCase]:
        """Record a vote; release or reject when the case closes.

        Raises: NotFound, Conflict (closed, expired, double vote), PermissionDenied
        (self-approval, ineligible), InvalidInput (digest mismatch, missing reason).
        """
        rid = request_id(raw_id)
        now = self._clock.now()
        case = self._expire_if_due(self._store.approvals.get_case(rid))
        vote = Vote(principal_name(voter.name), approve, reason, Sha256Hex(digest), now)
        after = cast_vote(case, vote, voter.role, now)
        self._ledger.append(
            LedgerRecord(
                kind="approval.vote",
                actor=voter.name,
                at=now,
                subject=rid,
                request_digest=digest,
                outcome="approve" if approve else "deny",
                reasons=({"code": "vote", "message": reason[:500]},),
                approvals=tuple(v.voter for v in after.votes if v.approve),
            )
        )
        self._store.approvals.save_vote(after)
        if after.closed is CaseStatus.APPROVED:
            self._close(
                rid,
                Outcome.ALLOW,
                "approved",
                f"approved by {', '.join(v.voter for v in after.votes if v.approve)}",
                voter.name,
            )
        elif after.closed is CaseStatus.REJECTED:
            self._close(
                rid, Outcome.DENY, "rejected", f"rejected by {voter.name}: {reason}", voter.name
            )
        return self._store.get_request(rid), after

    def release_stream(self, raw_id: str) -> tuple[BoundaryRequest, Iterator[bytes]]:
        """The released artifact, digest-checked.

        Raises: NotFound, Conflict (not released), LedgerIntegrityError (changed bytes).
        """
        request = self._store.get_request(request_id(raw_id))
        if request.status is RequestStatus.HELD:
            with contextlib.suppress(NotFound):  # held without a case: nothing can expire
                self._expire_if_due(self._store.approvals.get_case(request.id))
            request = self._store.get_request(request.id)
        if request.status is not RequestStatus.RELEASED:
            raise Conflict(f"request {request.id} is {request.status}, not released")
        return request, self._outbox.stream(request.digest)

    def _expire_if_due(self, case: ApprovalCase) -> ApprovalCase:
        now = self._clock.now()
        if case.closed is CaseStatus.PENDING and case.status_at(now) is CaseStatus.EXPIRED:
            self._ledger.append(
                LedgerRecord(
                    kind="approval.expired",
                    actor="airlock",
                    at=now,
                    subject=case.request_id,
                    request_digest=case.digest,
                )
            )
            self._store.approvals.close_case(case.request_id, CaseStatus.EXPIRED.value)
            self._store.budgets.release(case.request_id)
            request = self._store.get_request(case.request_id)
            self._store.record_decision(
                Decision(
                    request.id,
                    Outcome.DENY,
                    (Reason("expired", f"no decision within {case.rule.ttl}; submit it again"),),
                    now,
                    "airlock",
                    self._policy.version,
                )
            )
            return replace(case, closed=CaseStatus.EXPIRED)
        return case

    def _close(self, rid: RequestId, outcome: Outcome, code: str, message: str, actor: str) -> None:
        now = self._clock.now()
        self._ledger.append(
            LedgerRecord(
                kind="export.decision",
                actor=actor,
                at=now,
                subject=rid,
                outcome=outcome.value,
                reasons=({"code": code, "message": message},),
            )
        )
        self._store.record_decision(
            Decision(rid, outcome, (Reason(code, message),), now, actor, self._policy.version)
        )
        if outcome is Outcome.DENY:
            self._store.budgets.release(rid)


def _reasons(
    report: FileReport,
    checks: tuple[BudgetCheck, ...],
    has_enclave_budget: bool,
    outcome: PolicyOutcome,
) -> tuple[Reason, ...]:
    reasons = list(outcome.reasons)
    for finding in report.findings:
        reasons.append(Reason(finding.kind.value, finding.detail[:500]))
    if not has_enclave_budget:
        reasons.append(Reason("no-budget", "no enclave-wide export budget is configured"))
    for check in checks:
        if not check.fits:
            reasons.append(Reason("budget-exceeded", check.explain()))
    return tuple(reasons)
