from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.approvals.workflow import (
    ApprovalCase,
    ApprovalRule,
    CaseStatus,
    Vote,
    cast_vote,
)
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.principals import Role
from airlock.errors import Conflict, InvalidInput, PermissionDenied

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DIGEST = Sha256Hex("ab" * 32)


def case(required: int = 2) -> ApprovalCase:
    return ApprovalCase(
        RequestId("req_" + "1" * 32), PrincipalName("rita"), DIGEST, ApprovalRule(required), T0
    )


def vote(voter: str, approve: bool = True, digest: str = DIGEST, reason: str = "ok") -> Vote:
    return Vote(PrincipalName(voter), approve, reason, Sha256Hex(digest), T0)


def test_two_distinct_approvers_approve() -> None:
    c = cast_vote(case(), vote("ann"), Role.APPROVER, T0)
    assert c.status_at(T0) is CaseStatus.PENDING and c.approvals == 1
    c = cast_vote(c, vote("bob"), Role.ADMIN, T0)
    assert c.status_at(T0) is CaseStatus.APPROVED
    with pytest.raises(Conflict, match="approved"):
        cast_vote(c, vote("cat"), Role.APPROVER, T0)


def test_self_approval_is_refused() -> None:
    with pytest.raises(PermissionDenied, match="your own request"):
        cast_vote(case(), vote("rita"), Role.APPROVER, T0)


def test_one_vote_per_person() -> None:
    c = cast_vote(case(), vote("ann"), Role.APPROVER, T0)
    with pytest.raises(Conflict, match="already voted"):
        cast_vote(c, vote("ann"), Role.APPROVER, T0)


def test_ineligible_role_cannot_vote() -> None:
    with pytest.raises(PermissionDenied, match="may not vote"):
        cast_vote(case(), vote("ron"), Role.RESEARCHER, T0)


def test_deny_vote_rejects_at_once_and_needs_reason() -> None:
    c = cast_vote(case(), vote("ann", approve=False, reason="weights inside"), Role.APPROVER, T0)
    assert c.status_at(T0) is CaseStatus.REJECTED
    with pytest.raises(InvalidInput, match="reason"):
        vote("bob", approve=False, reason=" ")


def test_expired_case_cannot_be_approved() -> None:
    late = T0 + timedelta(hours=4)
    assert case().status_at(late) is CaseStatus.EXPIRED
    assert case().status_at(late - timedelta(seconds=1)) is CaseStatus.PENDING
    with pytest.raises(Conflict, match="expired"):
        cast_vote(case(), vote("ann"), Role.APPROVER, late)


def test_vote_is_bound_to_the_digest() -> None:
    with pytest.raises(InvalidInput, match="digest"):
        cast_vote(case(), vote("ann", digest="cd" * 32), Role.APPROVER, T0)


def test_rule_validation() -> None:
    with pytest.raises(InvalidInput):
        ApprovalRule(0)
    with pytest.raises(InvalidInput):
        ApprovalRule(1, roles=frozenset())


@given(
    required=st.integers(1, 4),
    voters=st.lists(st.sampled_from(["ann", "bob", "cat", "dan", "rita"]), max_size=8),
)
def test_never_approved_with_fewer_distinct_non_requester_approvals(
    required: int, voters: list[str]
) -> None:
    c = case(required)
    for name in voters:
        try:
            c = cast_vote(c, vote(name), Role.APPROVER, T0)
        except (Conflict, PermissionDenied):
            continue
    approvers = {v.voter for v in c.votes}
    assert "rita" not in approvers
    assert len(approvers) == len(c.votes)
    assert (c.status_at(T0) is CaseStatus.APPROVED) == (len(approvers) >= required)
