"""The export path: store, inspect, count against budgets, decide, record, release.

Order matters for safety: the artifact is written and synced first and inspected from that
file (so what was inspected is what can leave), budgets are reserved atomically before
deciding (so concurrent exports cannot overspend), and the ledger entry is durable before
the decision is stored or acted on. Only then is the file put in place by its digest, or
dropped when denied (issue 22); a crash in between leaves it as an ``.incoming-`` file that
the sweep at start puts in place if a request names its digest.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import BinaryIO

from airlock.approvals.decide import BoundaryFacts, CompiledPolicy, PolicyOutcome
from airlock.approvals.locks import AnomalyRules, Lock, LockScope, RecentOutcome, anomaly_reason
from airlock.approvals.workflow import ApprovalCase, ApprovalRule
from airlock.audit import AuditLog
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetCheck, BudgetScope, applicable
from airlock.budgets.refusals import ContentMatch, ContentRules, RefusedContent, best_match
from airlock.clock import Clock
from airlock.domain.identity import (
    BREAK_GLASS_SUBJECT,
    STRONG_METHODS,
    Auth,
    AuthMethod,
    credential,
)
from airlock.domain.membership import charged_project
from airlock.domain.names import (
    ProjectName,
    RequestId,
    principal_name,
    project_name,
    request_id,
)
from airlock.domain.principals import Principal
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)
from airlock.errors import AwaitingApproval, Conflict, InvalidInput, Refused
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, Finding
from airlock.ledger.records import LedgerRecord
from airlock.state_seals import StateSeals
from airlock.store.group_commit import GroupCommit
from airlock.store.interface import Store
from airlock.store.outbox import Outbox, Staged
from airlock.votes import Votes

MAX_EXPORT_BYTES = 8 * 1024**3


@dataclass(frozen=True, slots=True)
class ExportResult:
    request: BoundaryRequest
    decision: Decision
    report: FileReport
    budgets: tuple[BudgetCheck, ...]
    required_approvals: int
    # What the decision's ledger entry recorded of the file (name, type, findings...): the
    # progress view's "origin", in hand without reading the entry back.
    recorded: Mapping[str, object] = field(default_factory=dict)


_WEIGHT_CODES = {
    "raw-tensor",
    "tensor-format",
    "protected-model",
    "tensor-as-text",
    "information-account",  # only denies for tensor-like pieces that add up (issue 15)
}


class Egress:
    rules = AnomalyRules()
    content_rules = ContentRules()

    def __init__(
        self,
        store: Store,
        *,
        seals: StateSeals,
        outbox: Outbox,
        ledger: AuditLog,
        clock: Clock,
        policy: CompiledPolicy,
        inspector: Callable[[], Inspector],
        max_bytes: int = MAX_EXPORT_BYTES,
        keep_denied: bool = False,
        vote_methods: frozenset[AuthMethod] = STRONG_METHODS,
    ) -> None:
        self._max_bytes = max_bytes
        self._keep_denied = keep_denied
        self._store = store
        self._seals = seals
        self._outbox = outbox
        self._ledger = ledger
        self._clock = clock
        self._policy = policy
        self._inspector = inspector
        self._commits = GroupCommit(store)
        self._votes = Votes(
            store,
            ledger=ledger,
            clock=clock,
            policy=policy,
            commits=self._commits,
            seals=seals,
            methods=vote_methods,
        )

    def submit(
        self,
        principal: Principal,
        stream: BinaryIO,
        name: str,
        purpose: str,
        project: str | None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """Raises: InvalidInput (bad purpose/project/oversize; no project named by a member of
        several), NotFound (unknown project), PermissionDenied (a project the principal is
        not a member of: see :func:`airlock.domain.membership.charged_project`).

        Storing and inspecting run beside other exports; counting, deciding and recording
        run as one unit of a shared write batch (:mod:`airlock.store.group_commit`), so the
        ledger entry, the reservation and the decision become durable together or not at all.
        """
        charged = self._charged_project(principal, project)  # refused before it is stored
        staged = self._outbox.stage(stream, self._max_bytes)
        return self._commit_or_drop(
            staged, lambda: self._decide(principal, staged, name, purpose, charged, auth=auth)
        )

    def submit_staged(
        self,
        principal: Principal,
        staged: Staged,
        name: str,
        purpose: str,
        project: str | None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """:meth:`submit` of an upload already staged in the outbox (the HTTP path streams
        it there); the staged file is committed or dropped here, whatever happens.

        Raises: as :meth:`submit`.
        """

        def decide() -> ExportResult:
            charged = self._charged_project(principal, project)
            return self._decide(principal, staged, name, purpose, charged, auth=auth)

        return self._commit_or_drop(staged, decide)

    def _commit_or_drop(self, staged: Staged, decide: Callable[[], ExportResult]) -> ExportResult:
        """Decide on ``staged``; keep its bytes unless denied, and drop the staging file."""
        try:
            result = decide()
            if result.decision.outcome is not Outcome.DENY or self._keep_denied:
                self._outbox.commit(staged)
        finally:
            # Denied bytes never leave, so they need not stay (issue 22): the ledger keeps
            # the digest and the findings. They were inspected under a private name, so
            # dropping them cannot touch a blob of the same digest another request brought.
            self._outbox.drop(staged)
        return result

    def _decide(
        self,
        principal: Principal,
        staged: Staged,
        name: str,
        purpose: str,
        project: ProjectName | None,
        *,
        auth: Auth,
    ) -> ExportResult:
        digest, size = staged.digest, staged.size
        now = self._clock.now()
        request = BoundaryRequest(
            id=RequestId("req_" + secrets.token_hex(16)),
            kind=RequestKind.EXPORT,
            principal=principal.name,
            project=project,
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
                principal,
                request,
                name=name,
                report=report,
                facts=facts,
                if_within=if_within,
                auth=auth,
            )
        )

    def _charged_project(self, principal: Principal, named: str | None) -> ProjectName | None:
        wanted = None if named is None else project_name(named)
        if wanted is not None:
            self._store.get_project(wanted)  # an unknown name is a typo: say so first
        member_of = self._store.members.projects_of(principal_name(principal.name))
        return charged_project(principal_name(principal.name), wanted, member_of)

    def allowance(self, principal: Principal) -> int:
        """Bytes ``principal`` could still export now, before any project budget: 0 when a
        lock holds them or no enclave budget exists. For refusing an upload before reading
        it; the reservation made when deciding stays the authority (it sees concurrency)."""
        now = self._clock.now()
        if self._active_lock(principal.name, None, now) is not None:
            return 0
        try:  # the same choice of budgets as a decision, personal defaults ('*') included
            chosen = applicable(self._store.budgets.budgets(), principal.name, None)
        except InvalidInput:  # no enclave budget: nothing may leave
            return 0
        return min(max(0, b.limit_bytes - self._store.budgets.used(b.key, now)) for b in chosen)

    def _record(
        self,
        principal: Principal,
        request: BoundaryRequest,
        *,
        name: str,
        report: FileReport,
        facts: BoundaryFacts,
        if_within: PolicyOutcome,
        auth: Auth,
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
        # In the write batch, so a refusal committed just before is seen (issue 14).
        repeat = self._refused_before(request, report)
        if repeat is not None:
            outcome = _refuse(outcome, Reason("refused-content", repeat.explain(principal.name)))
        remember = outcome.outcome is Outcome.DENY and (
            repeat is not None or if_within.outcome is Outcome.DENY or _personal_refusal(checks)
        )
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
        recorded: dict[str, object] = {
            "size": size,
            "unexplained_bytes": report.unexplained_bytes,  # issue 15's account
            "name": name[:200],
            "media_type": _media_type(name),
            "findings": [_finding_json(f) for f in report.findings[:MAX_RECORDED_FINDINGS]],
            "purpose": request.purpose[:500],
            "required_approvals": outcome.required_approvals,
            **credential(auth).details(),
        }
        index = self._ledger.append(
            LedgerRecord(
                kind="export.decision",
                actor=principal.name,
                at=now,
                subject=request.id,
                request_digest=request.digest,
                policy_version=outcome.policy_version,
                outcome=outcome.outcome.value,
                reasons=tuple(r.to_json() for r in reasons),
                details=recorded,
            )
        )
        self._store.add_request(request, decision)
        if outcome.outcome is Outcome.DENY or not within:
            self._store.budgets.release(request.id)
        self._seals.seal("requests", {"id": request.id}, index)
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
            self._seals.seal("approval_cases", {"request_id": request.id}, index)
        if remember:
            self._store.budgets.remember_refusal(
                RefusedContent(request.digest, request.id, principal.name, now, report.sketch)
            )
        if lock is None:
            self._lock_if_anomalous(principal.name, checks, now, repeat)
        stored = replace(request, status=decision.status)
        return ExportResult(stored, decision, report, checks, outcome.required_approvals, recorded)

    def _active_lock(self, principal: str, project: str | None, now: datetime) -> Lock | None:
        # A break-glass recovery locks every export until a second person confirms it.
        wanted = [(LockScope.ENCLAVE, BREAK_GLASS_SUBJECT), (LockScope.PRINCIPAL, principal)]
        if project is not None:
            wanted.append((LockScope.PROJECT, project))
        return next(iter(self._store.active_locks(wanted, now)), None)

    def _refused_before(self, request: BoundaryRequest, report: FileReport) -> ContentMatch | None:
        """The content refused to someone else that this export repeats (issue 14).

        The requester's own refusals are left to inspection and to their own budget, which
        see a repeat just as they saw the original: what a person may send again in a new
        window is what the budget is for. A repeat through another account is the split
        that per-person budgets cannot see.
        """
        rules = self.content_rules
        since = request.created_at - rules.memory
        candidates = [
            c
            for c in self._store.budgets.refusals_like(request.digest, report.sketch, since)
            if c.refused.principal != request.principal
        ]
        return best_match(report.sketch, candidates, rules) if candidates else None

    def _lock_if_anomalous(
        self,
        principal: str,
        checks: tuple[BudgetCheck, ...],
        now: datetime,
        repeat: ContentMatch | None = None,
    ) -> None:
        rules = self.rules
        if repeat is not None:
            # Content refused to one account, sent by another: the split the per-person
            # budgets exist to stop (issue 14). Lock the sender at once.
            shared = (
                f"sent content refused to {repeat.refused.principal} "
                f"({repeat.refused.request_id}): several accounts sending the same content"
            )
            self.impose_lock(
                Lock(LockScope.PRINCIPAL, principal, shared, now, now + rules.duration),
                actor="airlock",
            )
            return
        horizon = max(rules.weight_window, rules.holds_window)
        if not all(c.fits for c in checks):
            # Only a budget refusal can complete a run of them: a clean export reads no more
            # history than before (the day of refusals is read on the refusal path alone).
            horizon = max(horizon, rules.budget_refusals_window)
        recent = [
            RecentOutcome(
                d.outcome,
                any(r.code in _WEIGHT_CODES for r in d.reasons),
                d.decided_at,
                any(r.code == "budget-exceeded" for r in d.reasons),
            )
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

    def impose_lock(self, lock: Lock, actor: str, auth: Mapping[str, str] | None = None) -> None:
        """Record and impose ``lock``; ``auth`` says how a person who imposed it signed in."""
        index = self._ledger.append(
            LedgerRecord(
                kind="lock.add",
                actor=actor,
                at=lock.created_at,
                subject=f"{lock.scope}:{lock.subject}",
                reasons=({"code": "lock", "message": lock.reason[:500]},),
                details={"expires_at": lock.expires_at.isoformat(), **(auth or {})},
            )
        )
        self._store.add_lock(lock)
        self._seals.seal("locks", {"scope": lock.scope.value, "subject": lock.subject}, index)

    def vote(
        self,
        voter: Principal,
        raw_id: str,
        approve: bool,
        reason: str,
        digest: str,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> tuple[BoundaryRequest, ApprovalCase]:
        """Record a vote; release or reject when the case closes (see :mod:`airlock.votes`).

        Raises: NotFound, Conflict (closed, expired, double vote), PermissionDenied
        (self-approval, ineligible), InvalidInput (digest mismatch, missing reason).
        """
        return self._votes.vote(voter, raw_id, approve, reason, digest, auth=auth)

    def release_stream(self, raw_id: str) -> tuple[BoundaryRequest, Iterator[bytes]]:
        """The released artifact, digest-checked.

        Raises: NotFound, Conflict (not released), LedgerIntegrityError (changed bytes).
        """
        request = self._store.get_request(request_id(raw_id))
        if request.status is RequestStatus.HELD:
            self._votes.expire_if_due(request.id)
            request = self._store.get_request(request.id)
        match request.status:
            case RequestStatus.RELEASED:
                pass
            case RequestStatus.HELD:
                raise AwaitingApproval(
                    f"request {request.id} is held, not released: it needs approvals "
                    f"(`airlock request show {request.id}` says whose)"
                )
            case RequestStatus.DENIED | RequestStatus.EXPIRED:
                raise Refused(
                    f"request {request.id} is {request.status}: it will not be released; "
                    "`airlock request show` says why"
                )
            case _:
                raise Conflict(f"request {request.id} is {request.status}, not released")
        # The status must be the one airlock sealed, made by a ledger entry that allowed
        # this request and is still in the log (issue 22): an UPDATE cannot release it.
        self.check_released(request)
        return request, self._outbox.stream(request.digest)

    def check_released(self, request: BoundaryRequest) -> None:
        """Raises: LedgerIntegrityError unless the request's release is sealed and logged."""
        self._seals.check(
            "requests", {"id": request.id}, outcome="allow", subjects=(request.id, request.digest)
        )


def _personal_refusal(checks: tuple[BudgetCheck, ...]) -> bool:
    """Whether a budget that another account would not share refused the request: a
    principal's or a project's. A full enclave budget refuses everyone alike, so what it
    refused is not remembered against the next sender (issue 14)."""
    return any(not c.fits and c.budget.scope is not BudgetScope.ENCLAVE for c in checks)


def _refuse(outcome: PolicyOutcome, reason: Reason) -> PolicyOutcome:
    """``outcome`` turned into a denial for ``reason``, first among its reasons."""
    return PolicyOutcome(Outcome.DENY, 0, (reason, *outcome.reasons), outcome.policy_version)


MAX_RECORDED_FINDINGS = 20  # where each finding is, for the approver's view (issue 18)


def _finding_json(finding: Finding) -> dict[str, object]:
    """A finding as the decision's ledger entry keeps it: what, and where (member, offset)."""
    return {
        "kind": finding.kind.value,
        "detail": finding.detail[:300],
        "member": finding.member[:200],
        "offset": finding.offset,
    }


def _media_type(name: str) -> str:
    """The type the file's name claims (the inspection's findings say what it really is)."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


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
