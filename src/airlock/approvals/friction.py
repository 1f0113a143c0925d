"""Friction metrics: what security costs research, measured from the decisions airlock took."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from airlock.approvals.locks import Lock
from airlock.approvals.workflow import Vote
from airlock.domain.names import RequestId
from airlock.domain.requests import BoundaryRequest, Decision, Outcome


@dataclass(frozen=True, slots=True)
class FrictionReport:
    window_days: float
    requests: int
    auto_release_rate: float  # released by policy alone, of all requests decided
    median_seconds_to_decision: float | None
    p90_seconds_to_decision: float | None
    manual_approvals_per_approver_per_day: dict[str, float]
    locks: int
    mean_lock_hours: float | None


def friction(
    requests: Sequence[BoundaryRequest],
    decisions: Sequence[Decision],
    votes: Sequence[Vote],
    locks: Sequence[Lock],
    *,
    window: timedelta,
    now: datetime,
) -> FrictionReport:
    """Metrics over ``window`` ending at ``now``; inputs may include older records."""
    since = now - window
    in_window = {r.id: r for r in requests if r.created_at >= since}
    by_request: dict[RequestId, list[Decision]] = {}
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        if decision.request_id in in_window:
            by_request.setdefault(decision.request_id, []).append(decision)
    final = {rid: ds[-1] for rid, ds in by_request.items() if ds[-1].outcome is not Outcome.HOLD}
    automatic = sum(
        1
        for ds in by_request.values()
        if ds[0].outcome is Outcome.ALLOW and ds[0].decided_by == "policy"
    )
    waits = sorted(
        (d.decided_at - in_window[rid].created_at).total_seconds() for rid, d in final.items()
    )
    days = window.total_seconds() / 86400
    approvals = Counter(v.voter for v in votes if v.approve and v.cast_at >= since)
    window_locks = [k for k in locks if k.created_at >= since]
    durations = [
        ((k.lifted_at or min(k.expires_at, now)) - k.created_at).total_seconds() / 3600
        for k in window_locks
    ]
    return FrictionReport(
        window_days=days,
        requests=len(in_window),
        auto_release_rate=automatic / len(by_request) if by_request else 0.0,
        median_seconds_to_decision=statistics.median(waits) if waits else None,
        p90_seconds_to_decision=waits[min(len(waits) - 1, int(0.9 * len(waits)))]
        if waits
        else None,
        manual_approvals_per_approver_per_day={v: n / days for v, n in sorted(approvals.items())},
        locks=len(window_locks),
        mean_lock_hours=statistics.fmean(durations) if durations else None,
    )
