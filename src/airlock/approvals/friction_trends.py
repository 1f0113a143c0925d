"""Friction by week and by team: :func:`airlock.approvals.friction.friction` applied to
slices of the same records, plus the holds that people overturned (issue 18).

Pure: records in, numbers out. A team is a project; a request charged to no project falls
under :data:`NO_TEAM`. A principal's lock counts for the teams their requests were charged to
in the window (a project's lock for that project; an enclave-wide lock for every team).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from airlock.approvals.friction import FrictionReport, friction
from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.workflow import Vote
from airlock.domain.names import RequestId
from airlock.domain.requests import BoundaryRequest, Decision, Outcome

NO_TEAM = "(no project)"
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Slice:
    """The friction figures of one week or one team; ``label`` names it."""

    label: str
    report: FrictionReport
    held: int  # requests whose first decision was a hold
    overturned: int  # of those, released in the end by people's votes


@dataclass(frozen=True, slots=True)
class FrictionTrends:
    weeks: tuple[Slice, ...]  # oldest first
    teams: tuple[Slice, ...]  # by name


def overturned_holds(
    requests: Sequence[BoundaryRequest], decisions: Sequence[Decision]
) -> tuple[int, int]:
    """(held, overturned): requests first held, and of those the ones released in the end."""
    wanted = {r.id for r in requests}
    by_request: dict[RequestId, list[Decision]] = {}
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        if decision.request_id in wanted:
            by_request.setdefault(decision.request_id, []).append(decision)
    held = [ds for ds in by_request.values() if ds[0].outcome is Outcome.HOLD]
    overturned = sum(1 for ds in held if ds[-1].outcome is Outcome.ALLOW)
    return len(held), overturned


def trends(
    requests: Sequence[BoundaryRequest],
    decisions: Sequence[Decision],
    votes: Sequence[Vote],
    locks: Sequence[Lock],
    *,
    weeks: int,
    now: datetime,
) -> FrictionTrends:
    """The last ``weeks`` weeks ending at ``now``, week by week and team by team."""
    window = WEEK * weeks
    since = now - window
    recent = [r for r in requests if r.created_at >= since]
    week_slices = []
    for back in range(weeks - 1, -1, -1):
        end = now - WEEK * back
        start = end - WEEK

        # The current week includes ``now`` itself.
        def within(
            at: datetime, start: datetime = start, end: datetime = end, last: bool = back == 0
        ) -> bool:
            return start <= at < end or (last and at == end)

        in_week = [r for r in recent if within(r.created_at)]
        week_locks = [k for k in locks if within(k.created_at)]
        week_votes = [v for v in votes if within(v.cast_at)]
        week_slices.append(
            _slice(
                f"{start:%d %b}", in_week, decisions, week_votes, week_locks, end=end, window=WEEK
            )
        )
    team_of = {r.id: r.project or NO_TEAM for r in recent}
    teams = sorted(set(team_of.values()))
    principal_teams: dict[str, set[str]] = {}
    for r in recent:
        principal_teams.setdefault(r.principal, set()).add(team_of[r.id])
    team_slices = []
    for team in teams:
        ids = {rid for rid, t in team_of.items() if t == team}
        team_requests = [r for r in recent if r.id in ids]
        team_locks = [k for k in locks if _lock_concerns(k, team, principal_teams)]
        digests = {r.digest for r in team_requests}
        team_votes = [v for v in votes if v.cast_at >= since and v.digest in digests]
        team_slices.append(
            _slice(team, team_requests, decisions, team_votes, team_locks, end=now, window=window)
        )
    return FrictionTrends(tuple(week_slices), tuple(team_slices))


def _lock_concerns(lock: Lock, team: str, principal_teams: dict[str, set[str]]) -> bool:
    match lock.scope:
        case LockScope.PROJECT:
            return lock.subject == team
        case LockScope.PRINCIPAL:
            return team in principal_teams.get(lock.subject, set())
        case LockScope.ENCLAVE:
            return True
        case _:
            return False


def _slice(
    label: str,
    requests: Sequence[BoundaryRequest],
    decisions: Sequence[Decision],
    votes: Sequence[Vote],
    locks: Sequence[Lock],
    *,
    end: datetime,
    window: timedelta,
) -> Slice:
    ids = {r.id for r in requests}
    own = [d for d in decisions if d.request_id in ids]
    report = friction(requests, own, votes, locks, window=window, now=end)
    held, overturned = overturned_holds(requests, own)
    return Slice(label, report, held, overturned)
