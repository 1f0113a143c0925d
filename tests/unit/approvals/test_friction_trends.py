"""Friction week by week and team by team: the slices add up to the whole (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airlock.approvals.friction import friction
from airlock.approvals.friction_trends import NO_TEAM, overturned_holds, trends
from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.workflow import Vote
from airlock.domain.names import PrincipalName, ProjectName, RequestId, Sha256Hex
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind

NOW = datetime(2026, 9, 8, 12, tzinfo=UTC)


def request(n: int, days_ago: float, project: str | None, who: str = "rita") -> BoundaryRequest:
    return BoundaryRequest(
        RequestId(f"req_{n:032x}"),
        RequestKind.EXPORT,
        PrincipalName(who),
        None if project is None else ProjectName(project),
        "p",
        Sha256Hex(f"{n:02x}" * 32),
        10,
        NOW - timedelta(days=days_ago),
    )


def decided(n: int, outcome: Outcome, at: datetime, by: str = "policy") -> Decision:
    reasons = () if outcome is Outcome.ALLOW else (Reason("x", "y"),)
    return Decision(RequestId(f"req_{n:032x}"), outcome, reasons, at, by)


REQUESTS = [
    request(0, 1, "vision"),  # auto-released this week
    request(1, 2, "vision"),  # held, overturned an hour later
    request(2, 9, None, "carl"),  # held last week, denied
    request(3, 10, "nlp", "carl"),  # auto-released last week
    request(4, 40, "nlp"),  # before the window
]
DECISIONS = [
    decided(0, Outcome.ALLOW, REQUESTS[0].created_at),
    decided(1, Outcome.HOLD, REQUESTS[1].created_at),
    decided(1, Outcome.ALLOW, REQUESTS[1].created_at + timedelta(hours=1), "ann"),
    decided(2, Outcome.HOLD, REQUESTS[2].created_at),
    decided(2, Outcome.DENY, REQUESTS[2].created_at + timedelta(hours=3), "bob"),
    decided(3, Outcome.ALLOW, REQUESTS[3].created_at),
    decided(4, Outcome.ALLOW, REQUESTS[4].created_at),
]
VOTES = [
    Vote(PrincipalName("ann"), True, "", REQUESTS[1].digest, DECISIONS[2].decided_at),
    Vote(PrincipalName("bob"), False, "no", REQUESTS[2].digest, DECISIONS[4].decided_at),
]
LOCKS = [
    Lock(
        LockScope.PRINCIPAL,
        "carl",
        "burst",
        NOW - timedelta(days=9),
        NOW - timedelta(days=8),
    ),
    Lock(LockScope.PROJECT, "vision", "drill", NOW - timedelta(days=1), NOW + timedelta(days=1)),
]


def test_weeks_slice_the_window_oldest_first() -> None:
    found = trends(REQUESTS, DECISIONS, VOTES, LOCKS, weeks=2, now=NOW)
    last, this = found.weeks
    assert [last.label, this.label] == ["25 Aug", "01 Sep"]
    assert this.report.requests == 2 and this.report.auto_release_rate == 0.5
    assert this.report.p90_seconds_to_decision == 3600
    assert (this.held, this.overturned) == (1, 1)
    assert this.report.locks == 1
    assert last.report.requests == 2 and (last.held, last.overturned) == (1, 0)
    assert last.report.median_seconds_to_decision == 3 * 3600 / 2  # 0 s and 3 h
    assert last.report.locks == 1 and last.report.mean_lock_hours == 24
    # The weeks add up to the whole window, as `airlock metrics` counts it.
    whole = friction(REQUESTS, DECISIONS, VOTES, LOCKS, window=timedelta(weeks=2), now=NOW)
    assert sum(w.report.requests for w in found.weeks) == whole.requests
    assert sum(w.report.locks for w in found.weeks) == whole.locks


def test_teams_are_projects_and_locks_follow_their_people() -> None:
    found = trends(REQUESTS, DECISIONS, VOTES, LOCKS, weeks=2, now=NOW)
    teams = {s.label: s for s in found.teams}
    assert sorted(teams) == [NO_TEAM, "nlp", "vision"]
    assert teams["vision"].report.requests == 2 and teams["vision"].overturned == 1
    assert teams["vision"].report.locks == 1  # the project's own lock
    assert teams["nlp"].report.locks == 1  # carl's lock: carl sent nlp's request
    assert teams[NO_TEAM].report.locks == 1
    assert teams["vision"].report.manual_approvals_per_approver_per_day == {"ann": 1 / 14}
    assert teams["nlp"].report.manual_approvals_per_approver_per_day == {}


def test_overturned_counts_holds_released_in_the_end() -> None:
    assert overturned_holds(REQUESTS, DECISIONS) == (2, 1)
    assert overturned_holds([], DECISIONS) == (0, 0)


def test_an_empty_enclave_has_empty_weeks_and_no_teams() -> None:
    found = trends([], [], [], [], weeks=3, now=NOW)
    assert len(found.weeks) == 3 and found.teams == ()
    assert all(w.report.requests == 0 and w.held == 0 for w in found.weeks)
