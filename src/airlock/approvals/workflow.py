"""The approvals workflow as a pure state machine.

A held request opens an :class:`ApprovalCase`. People vote; the case is approved once
``required`` distinct eligible people other than the requester approve, rejected at once by
an eligible deny vote, and expired once its deadline passes. Every vote is bound to the
request's digest, so an approval cannot be replayed onto different bytes. Time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.principals import Role
from airlock.errors import Conflict, InvalidInput, PermissionDenied

DEFAULT_TTL = timedelta(hours=4)
MAX_VOTE_REASON_CHARS = 2000


class CaseStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Who must agree: ``required`` approvals from principals holding one of ``roles``."""

    required: int
    roles: frozenset[Role] = frozenset({Role.APPROVER, Role.ADMIN})
    ttl: timedelta = DEFAULT_TTL
    deny_rejects: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.required <= 10:
            raise InvalidInput("an approval rule needs between 1 and 10 approvals")
        if not self.roles:
            raise InvalidInput("an approval rule needs at least one eligible role")
        if self.ttl <= timedelta(0):
            raise InvalidInput("an approval rule's time-to-live must be positive")


@dataclass(frozen=True, slots=True)
class Vote:
    voter: PrincipalName
    approve: bool
    reason: str
    digest: Sha256Hex
    cast_at: datetime

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_VOTE_REASON_CHARS:
            raise InvalidInput(f"a vote reason is limited to {MAX_VOTE_REASON_CHARS} characters")
        if not self.approve and not self.reason.strip():
            raise InvalidInput("a deny vote needs a reason the requester can act on")


@dataclass(frozen=True, slots=True)
class ApprovalCase:
    request_id: RequestId
    requester: PrincipalName
    digest: Sha256Hex
    rule: ApprovalRule
    opened_at: datetime
    votes: tuple[Vote, ...] = ()
    closed: CaseStatus = CaseStatus.PENDING

    @property
    def deadline(self) -> datetime:
        return self.opened_at + self.rule.ttl

    @property
    def approvals(self) -> int:
        return sum(1 for v in self.votes if v.approve)

    def status_at(self, now: datetime) -> CaseStatus:
        """The case's status; a pending case past its deadline is expired."""
        if self.closed is CaseStatus.PENDING and now >= self.deadline:
            return CaseStatus.EXPIRED
        return self.closed


def cast_vote(case: ApprovalCase, vote: Vote, voter_role: Role, now: datetime) -> ApprovalCase:
    """The case after ``vote``.

    Raises:
        Conflict: the case is no longer pending (decided or expired) or the voter voted.
        PermissionDenied: self-approval, or the voter's role is not eligible.
        InvalidInput: the vote names different bytes than the request.
    """
    status = case.status_at(now)
    if status is not CaseStatus.PENDING:
        raise Conflict(f"request {case.request_id} is {status}; it can no longer be voted on")
    if vote.voter == case.requester:
        raise PermissionDenied("you cannot approve or deny your own request: ask another approver")
    if voter_role not in case.rule.roles:
        eligible = ", ".join(sorted(r.value for r in case.rule.roles))
        raise PermissionDenied(f"{vote.voter} ({voter_role}) may not vote here: needs {eligible}")
    if any(v.voter == vote.voter for v in case.votes):
        raise Conflict(f"{vote.voter} has already voted on {case.request_id}")
    if vote.digest != case.digest:
        raise InvalidInput(
            f"the vote names digest {vote.digest[:12]}..., but request {case.request_id} is "
            f"for {case.digest[:12]}...: review the current artifact and vote again"
        )
    votes = (*case.votes, vote)
    closed = CaseStatus.PENDING
    if not vote.approve and case.rule.deny_rejects:
        closed = CaseStatus.REJECTED
    elif sum(1 for v in votes if v.approve) >= case.rule.required:
        closed = CaseStatus.APPROVED
    return replace(case, votes=votes, closed=closed)
