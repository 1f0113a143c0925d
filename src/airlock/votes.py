"""Votes on held requests, their expiry and the decision that closes them: one unit each.

A vote reads the approval case, checks it, appends its ledger entry, stores itself and, if it
closes the case, appends and stores the closing decision, all in one unit of a write batch
(:mod:`airlock.store.group_commit`). Write batches run one at a time across every gateway
process (SQLite's BEGIN IMMEDIATE; PostgreSQL's lock on the ledger head, and here also on
the case row), so the case a vote checks is the case it changes. Before this (issue 22), read,
check, append and write were four transactions: two racing votes both passed the check, an
accepted deny could end released with its budget reservation deleted, two approvals at once
left the request held, and a refused double vote still left its ledger entry.

What follows from one unit per vote:
- of two racing votes that would each close the case, exactly one is accepted; the other is
  refused as a vote on a closed case, so an accepted deny is never overtaken by an approval;
- a vote refused for any reason leaves nothing behind: no ledger entry, no stored vote;
- a reservation is dropped only by a deny or an expiry of a request still held, never by a
  release.

Expiry happens in its own unit too, so two callers that find a case overdue at once record
one expiry between them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from airlock.approvals.decide import CompiledPolicy
from airlock.approvals.workflow import ApprovalCase, CaseStatus, Vote, cast_vote
from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.domain.identity import STRONG_METHODS, Auth, AuthMethod, credential
from airlock.domain.names import RequestId, Sha256Hex, principal_name, request_id
from airlock.domain.principals import Principal, Role
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestStatus
from airlock.errors import Conflict, NotFound, PermissionDenied
from airlock.ledger.records import LedgerRecord
from airlock.render.units import format_duration
from airlock.state_seals import StateSeals
from airlock.store.group_commit import GroupCommit
from airlock.store.interface import Store


@dataclass(frozen=True, slots=True)
class _Voted:
    """What a vote's unit did: counted the vote (``request`` is the request after it), or
    found the case overdue and recorded its expiry (``request`` is None)."""

    case: ApprovalCase
    request: BoundaryRequest | None


class Votes:
    """Casts votes and expires cases, each as one all-or-nothing unit of ``commits``."""

    def __init__(
        self,
        store: Store,
        *,
        ledger: AuditLog,
        clock: Clock,
        policy: CompiledPolicy,
        commits: GroupCommit,
        seals: StateSeals,
        methods: frozenset[AuthMethod] = STRONG_METHODS,
    ) -> None:
        """``methods``: how a voter may have been authenticated ([approvals] vote_methods);
        only strong methods count, whatever it holds."""
        self._methods = methods & STRONG_METHODS
        self._store = store
        self._seals = seals
        self._ledger = ledger
        self._clock = clock
        self._policy = policy
        self._commits = commits

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
        """Record a vote; release or reject the request when the vote closes its case.

        Raises:
            NotFound: no such request, or it has no approval case.
            Conflict: the case is closed or expired (an overdue case is recorded as
                expired first), the voter has voted, or the request is no longer held.
            PermissionDenied: self-approval, the voter's role is not eligible, or the voter
                was not authenticated by a strong method (issue 14: a vote needs the
                person's own credential, never direct access to the home) that the
                enclave's ``[approvals] vote_methods`` lists.
            InvalidInput: the digest is not the request's, or a deny gives no reason.
        """
        method = credential(auth).method
        if method not in STRONG_METHODS:
            raise PermissionDenied(
                f"a vote needs {voter.name}'s own credential (token or peercred), not {method}: "
                f"set AIRLOCK_TOKEN to {voter.name}'s token"
            )
        if method not in self._methods:
            allowed = " or ".join(sorted(self._methods)) or "no method"
            raise PermissionDenied(
                f"{voter.name} signed in by {method}, but this enclave takes votes only by "
                f"{allowed} ([approvals] vote_methods): vote again signed in that way"
            )
        rid = request_id(raw_id)
        now = self._clock.now()
        vote = Vote(principal_name(voter.name), approve, reason, Sha256Hex(digest), now)
        self._check_case_logged(rid)
        voted = self._commits.run(lambda: self._cast(rid, vote, voter.role, now, auth))
        if voted.request is None:  # the expiry is durable; the vote itself is refused
            cast_vote(voted.case, vote, voter.role, now)
            raise Conflict(f"request {rid} is expired; it can no longer be voted on")
        return voted.request, voted.case

    def expire_if_due(self, rid: RequestId) -> None:
        """Record the expiry of the request's case if it is pending past its deadline.

        A read outside the write batch decides whether to queue a unit at all (most callers
        find nothing due); the unit checks again under the lock. No case: nothing to do.
        """
        try:
            case = self._store.approvals.get_case(rid)
        except NotFound:
            return
        if self._due(case, self._clock.now()):
            self._commits.run(lambda: self._expire_locked(rid))

    def _cast(self, rid: RequestId, vote: Vote, role: Role, now: datetime, auth: Auth) -> _Voted:
        # Everything that can refuse the vote runs before the first write, so a refusal
        # leaves nothing behind in any store (the memory store does not undo a unit).
        case = self._store.approvals.get_case(rid, lock=True)
        self._check_case_sealed(rid)
        if self._due(case, now):
            self._expire(case, now)
            return _Voted(replace(case, closed=CaseStatus.EXPIRED), None)
        after = cast_vote(case, vote, role, now)
        self._require_held(rid)
        index = self._ledger.append(
            LedgerRecord(
                kind="approval.vote",
                actor=vote.voter,
                at=now,
                subject=rid,
                request_digest=vote.digest,
                outcome="approve" if vote.approve else "deny",
                reasons=({"code": "vote", "message": vote.reason[:500]},),
                approvals=tuple(v.voter for v in after.votes if v.approve),
                details=credential(auth).details(),
            )
        )
        self._store.approvals.save_vote(after)
        self._seal_case(rid, index)
        if after.closed is CaseStatus.APPROVED:
            approvers = ", ".join(v.voter for v in after.votes if v.approve)
            self._close(rid, Outcome.ALLOW, "approved", f"approved by {approvers}", vote, auth=auth)
        elif after.closed is CaseStatus.REJECTED:
            message = f"rejected by {vote.voter}: {vote.reason}"
            self._close(rid, Outcome.DENY, "rejected", message, vote, auth=auth)
        return _Voted(after, self._store.get_request(rid))

    def _expire_locked(self, rid: RequestId) -> None:
        now = self._clock.now()
        case = self._store.approvals.get_case(rid, lock=True)
        if self._due(case, now):
            self._expire(case, now)

    @staticmethod
    def _due(case: ApprovalCase, now: datetime) -> bool:
        return case.closed is CaseStatus.PENDING and case.status_at(now) is CaseStatus.EXPIRED

    def _require_held(self, rid: RequestId) -> BoundaryRequest:
        request = self._store.get_request(rid)
        if request.status is not RequestStatus.HELD:
            raise Conflict(f"request {rid} is {request.status}; it can no longer be voted on")
        return request

    def _expire(self, case: ApprovalCase, now: datetime) -> None:
        """Close an overdue case as expired and deny its request, in the caller's unit."""
        request = self._require_held(case.request_id)
        index = self._ledger.append(
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
        self._store.record_decision(
            Decision(
                request.id,
                Outcome.DENY,
                (
                    Reason(
                        "expired",
                        f"no decision within {format_duration(case.rule.ttl)}; submit it again",
                    ),
                ),
                now,
                "airlock",
                self._policy.version,
            )
        )
        self._seal_case(case.request_id, index)
        self._seals.seal("requests", {"id": request.id}, index)

    def _close(
        self,
        rid: RequestId,
        outcome: Outcome,
        code: str,
        message: str,
        vote: Vote,
        *,
        auth: Auth,
    ) -> None:
        now = vote.cast_at
        # The entry that decided the request first (its file name, type and findings) stays
        # reachable after this one reseals the request: reviews read it through "origin".
        origin = self._seals.sealed_by("requests", rid)
        details: dict[str, object] = dict(credential(auth).details())
        if origin is not None:
            details["origin"] = origin
        index = self._ledger.append(
            LedgerRecord(
                kind="export.decision",
                actor=vote.voter,
                at=now,
                subject=rid,
                outcome=outcome.value,
                reasons=({"code": code, "message": message},),
                details=details,
            )
        )
        self._store.record_decision(
            Decision(rid, outcome, (Reason(code, message),), now, vote.voter, self._policy.version)
        )
        if outcome is Outcome.DENY:
            self._store.budgets.release(rid)
        self._seals.seal("requests", {"id": rid}, index)

    def _check_case_logged(self, rid: RequestId) -> None:
        """Before the unit: the case and every vote already cast are rows airlock sealed,
        made by ledger entries still in the log (issue 22: a forged vote row must not tip a
        case into a release airlock would then seal itself).

        Raises: NotFound (no case), LedgerIntegrityError naming the row.
        """
        case = self._store.approvals.get_case(rid)
        self._seals.check("approval_cases", {"request_id": rid})
        for cast in case.votes:
            self._seals.check("approval_votes", {"request_id": rid, "voter": cast.voter})

    def _check_case_sealed(self, rid: RequestId) -> None:
        # Inside the unit the ledger cannot be read (a batch holds its appends back); the
        # seals alone still refuse a row written since the check above without the key.
        self._seals.check_written("approval_cases", {"request_id": rid})
        self._seals.check_written("approval_votes", {"request_id": rid})

    def _seal_case(self, rid: RequestId, index: int) -> None:
        self._seals.seal("approval_votes", {"request_id": rid}, index)
        self._seals.seal("approval_cases", {"request_id": rid}, index)
