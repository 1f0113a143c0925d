from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from airlock.approvals.friction import friction
from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.workflow import Vote
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind

NOW = datetime(2026, 9, 8, 12, tzinfo=UTC)
DIGEST = Sha256Hex("ab" * 32)


def request(n: int, minutes_ago: int) -> BoundaryRequest:
    return BoundaryRequest(
        RequestId(f"req_{n:032x}"),
        RequestKind.EXPORT,
        PrincipalName("rita"),
        None,
        "p",
        DIGEST,
        10,
        NOW - timedelta(minutes=minutes_ago),
    )


def decision(n: int, outcome: Outcome, minutes_ago: int, by: str = "policy") -> Decision:
    reasons = () if outcome is Outcome.ALLOW else (Reason("x", "y"),)
    return Decision(
        RequestId(f"req_{n:032x}"), outcome, reasons, NOW - timedelta(minutes=minutes_ago), by
    )


def test_friction_metrics() -> None:
    requests = [request(n, 100) for n in range(4)]
    decisions = [
        decision(0, Outcome.ALLOW, 100),  # automatic, 0 s
        decision(1, Outcome.ALLOW, 100),  # automatic, 0 s
        decision(2, Outcome.HOLD, 100),
        decision(2, Outcome.ALLOW, 40, "ann"),  # 60 min wait
        decision(3, Outcome.HOLD, 100),  # still pending
    ]
    votes = [Vote(PrincipalName("ann"), True, "", DIGEST, NOW - timedelta(minutes=40))]
    locks = [
        Lock(
            LockScope.PRINCIPAL,
            "rita",
            "burst",
            NOW - timedelta(hours=3),
            NOW + timedelta(hours=21),
            lifted_at=NOW - timedelta(hours=1),
            lifted_by="ann",
        )
    ]
    report = friction(requests, decisions, votes, locks, window=timedelta(days=1), now=NOW)
    assert report.requests == 4
    assert report.auto_release_rate == 0.5
    assert report.median_seconds_to_decision == 0
    assert report.p90_seconds_to_decision == 3600
    assert report.manual_approvals_per_approver_per_day == {"ann": 1.0}
    assert (report.locks, report.mean_lock_hours) == (1, 2.0)


def test_empty_window() -> None:
    report = friction([], [], [], [], window=timedelta(days=7), now=NOW)
    assert (report.requests, report.auto_release_rate, report.median_seconds_to_decision) == (
        0,
        0.0,
        None,
    )


def test_hold_to_first_look_counts_the_first_vote_and_the_unlooked() -> None:
    other = Sha256Hex("cd" * 32)
    requests = [request(5, 90), replace(request(6, 90), digest=other), request(7, 30)]
    decisions = [decision(5, Outcome.HOLD, 90), decision(6, Outcome.HOLD, 90)]
    decisions.append(decision(7, Outcome.HOLD, 30))
    votes = [
        Vote(PrincipalName("ann"), True, "", DIGEST, NOW - timedelta(minutes=80)),  # req 5: 10 min
        Vote(PrincipalName("bob"), True, "", DIGEST, NOW - timedelta(minutes=70)),  # not first
        Vote(PrincipalName("ann"), True, "", DIGEST, NOW - timedelta(minutes=25)),  # req 7: 5 min
    ]
    report = friction(requests, decisions, votes, [], window=timedelta(days=1), now=NOW)
    assert report.held == 3
    assert report.held_unlooked == 1  # req 6: nobody has looked
    assert report.median_seconds_to_first_look == 450
    assert report.p90_seconds_to_first_look == 600


def test_vetting_and_scans_release_automatically_and_carried_approvals_are_counted() -> None:
    requests = [request(n, 100) for n in range(4)]
    carried = Reason("carried-approval", "every held finding is one people approved in x-1.0")
    decisions = [
        decision(0, Outcome.ALLOW, 100, "vetting"),  # a clean package
        replace(decision(1, Outcome.ALLOW, 100, "vetting"), reasons=(carried,)),
        decision(2, Outcome.ALLOW, 100, "dataset-scan"),
        decision(3, Outcome.HOLD, 100, "vetting"),
        decision(3, Outcome.ALLOW, 50, "ann"),  # a person's approval is not automatic
    ]
    report = friction(requests, decisions, [], [], window=timedelta(days=1), now=NOW)
    assert report.auto_release_rate == 0.75
    assert report.carried_approvals == 1
