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
    auto_release_rate: float  # released without a person (policy, vetting, scan), of all decided
    median_seconds_to_decision: float | None
    p90_seconds_to_decision: float | None
    manual_approvals_per_approver_per_day: dict[str, float]
    locks: int
    mean_lock_hours: float | None
    # Hold to first look (issue 18): from a request being held to the first approver acting
    # on it (their first vote: the first look that leaves a record). Held and not yet looked
    # at are counted apart, so a queue nobody reads does not hide behind a short median.
    held: int = 0
    held_unlooked: int = 0
    median_seconds_to_first_look: float | None = None
    p90_seconds_to_first_look: float | None = None
    # Package files released because people had approved the same findings in an earlier
    # release of the project (ADR 0147): approvals not asked for again.
    carried_approvals: int = 0


# Who decides first, without a person: an export's policy, package vetting, dataset scans.
AUTOMATIC_DECIDERS = frozenset({"policy", "vetting", "dataset-scan"})
CARRIED = "carried-approval"


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
    released_at_once = [
        ds[0]
        for ds in by_request.values()
        if ds[0].outcome is Outcome.ALLOW and ds[0].decided_by in AUTOMATIC_DECIDERS
    ]
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
    looks = _first_looks(in_window, by_request, votes)
    held = [rid for rid, ds in by_request.items() if ds[0].outcome is Outcome.HOLD]
    return FrictionReport(
        window_days=days,
        requests=len(in_window),
        auto_release_rate=len(released_at_once) / len(by_request) if by_request else 0.0,
        median_seconds_to_decision=statistics.median(waits) if waits else None,
        p90_seconds_to_decision=waits[min(len(waits) - 1, int(0.9 * len(waits)))]
        if waits
        else None,
        manual_approvals_per_approver_per_day={v: n / days for v, n in sorted(approvals.items())},
        locks=len(window_locks),
        mean_lock_hours=statistics.fmean(durations) if durations else None,
        held=len(held),
        held_unlooked=sum(1 for rid in held if rid not in looks),
        median_seconds_to_first_look=statistics.median(looks.values()) if looks else None,
        p90_seconds_to_first_look=_p90(sorted(looks.values())),
        carried_approvals=sum(
            1 for d in released_at_once if any(r.code == CARRIED for r in d.reasons)
        ),
    )


def _p90(values: Sequence[float]) -> float | None:
    return values[min(len(values) - 1, int(0.9 * len(values)))] if values else None


def _first_looks(
    requests: dict[RequestId, BoundaryRequest],
    decisions: dict[RequestId, list[Decision]],
    votes: Sequence[Vote],
) -> dict[RequestId, float]:
    """Seconds from each held request's hold to the first vote on it. A vote names the
    request's digest, not its id: it is counted for the newest held request of that digest
    made before the vote."""
    held_at = {
        rid: ds[0].decided_at for rid, ds in decisions.items() if ds[0].outcome is Outcome.HOLD
    }
    by_digest: dict[str, list[RequestId]] = {}
    for rid in held_at:
        by_digest.setdefault(requests[rid].digest, []).append(rid)
    looks: dict[RequestId, float] = {}
    for vote in sorted(votes, key=lambda v: v.cast_at):
        candidates = [r for r in by_digest.get(vote.digest, []) if held_at[r] <= vote.cast_at]
        if not candidates:
            continue
        rid = max(candidates, key=lambda r: held_at[r])
        looks.setdefault(rid, (vote.cast_at - held_at[rid]).total_seconds())
    return looks
