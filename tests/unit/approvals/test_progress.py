"""The progress view model: what every surface shows about a request (issue 18)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from airlock.approvals.progress import progress
from airlock.approvals.workflow import ApprovalCase, ApprovalRule, CaseStatus, Vote
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DIGEST = Sha256Hex("ab" * 32)
RID = RequestId("req_" + "0" * 32)


def person(name: str, role: Role) -> Principal:
    return Principal(PrincipalName(name), PrincipalKind.PERSON, role, T0)


PEOPLE = [
    person("rita", Role.RESEARCHER),
    person("bob", Role.APPROVER),
    person("carol", Role.APPROVER),
    person("ada", Role.ADMIN),
    person("eve", Role.AUDITOR),
]


def held(votes: tuple[Vote, ...] = (), status: CaseStatus = CaseStatus.PENDING) -> ApprovalCase:
    return ApprovalCase(RID, PrincipalName("rita"), DIGEST, ApprovalRule(2), T0, votes, status)


REQUEST = BoundaryRequest(
    RID,
    RequestKind.EXPORT,
    PrincipalName("rita"),
    None,
    "results",
    DIGEST,
    3 * 1024 * 1024,
    T0,
    RequestStatus.HELD,
)
DECISION = Decision(
    RID, Outcome.HOLD, (Reason("opaque-data", "entropy 7.99 bits/byte"),), T0, "policy"
)
ORIGIN = {
    "name": "weights.zip",
    "media_type": "application/zip",
    "findings": [
        {"kind": "opaque-data", "detail": "entropy 7.99", "member": "a.zip/w.bin", "offset": 1024}
    ],
}


def test_a_fresh_hold_shows_what_why_who_and_what_next_for_an_approver() -> None:
    shown = progress(
        REQUEST,
        [DECISION],
        held(),
        PEOPLE,
        origin=ORIGIN,
        viewer="bob",
        now=T0 + timedelta(seconds=45),
    )
    assert shown.name == "weights.zip"
    assert shown.size_text == "3 MiB"
    assert shown.media_type == "application/zip"
    assert shown.summary == "0 of 2"
    assert shown.eligible == ("ada", "bob", "carol")
    assert shown.viewer_may_vote
    assert shown.waited_text == "45 s"
    assert shown.findings[0].where == "in a.zip/w.bin at byte 1,024"
    assert "high-entropy" in shown.findings[0].plain
    assert f"airlock approve {RID}" in shown.next_step
    assert shown.expires_text is not None
    assert shown.expires_text.startswith("in 4 h (2026-01-01T16:00")
    text = "\n".join(shown.text_lines())
    assert "weights.zip (3 MiB; export, application/zip)" in text
    assert "(in a.zip/w.bin at byte 1,024)" in text


def test_after_my_vote_i_read_1_of_2_you_and_cannot_vote_again() -> None:
    vote = Vote(PrincipalName("bob"), True, "ok", DIGEST, T0)
    shown = progress(
        REQUEST, [DECISION], held((vote,)), PEOPLE, origin=ORIGIN, viewer="bob", now=T0
    )
    assert shown.summary == "1 of 2 (you)"
    assert not shown.viewer_may_vote
    assert shown.eligible == ("ada", "carol")
    assert shown.next_step.startswith("you voted; waiting for 1 more approval from ada, carol")
    assert [v.to_json()["vote"] for v in shown.votes] == ["approve"]


def test_the_requester_is_told_to_wait_and_not_that_they_may_vote() -> None:
    shown = progress(REQUEST, [DECISION], held(), PEOPLE, origin=None, viewer="rita", now=T0)
    assert "you cannot approve your own request" in shown.next_step
    assert shown.name is None
    # without the recorded findings, the decision's reasons are the findings
    assert [f.code for f in shown.findings] == ["opaque-data"]


def test_no_eligible_approver_left_says_how_to_add_one() -> None:
    shown = progress(REQUEST, [DECISION], held(), PEOPLE[:1], origin=None, viewer=None, now=T0)
    assert "--role approver" in shown.next_step


def test_a_case_past_its_deadline_reads_expired() -> None:
    shown = progress(
        REQUEST, [DECISION], held(), PEOPLE, origin=None, viewer=None, now=T0 + timedelta(hours=5)
    )
    assert shown.status == "expired"
    assert shown.eligible == ()
    assert shown.expires_at is None
    assert "submit it again" in shown.next_step


def test_a_released_export_says_how_to_fetch_it() -> None:
    released = replace(REQUEST, status=RequestStatus.RELEASED)
    shown = progress(released, [DECISION], None, PEOPLE, origin=None, viewer=None, now=T0)
    assert shown.summary == "no approval needed"
    assert f"airlock fetch-release {RID}" in shown.next_step
    assert shown.to_json()["required"] is None
