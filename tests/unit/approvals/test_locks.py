from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airlock.approvals.locks import AnomalyRules, Lock, LockScope, RecentOutcome, anomaly_reason
from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput

NOW = datetime(2026, 8, 1, 12, tzinfo=UTC)
RULES = AnomalyRules()


def outcome(kind: Outcome, weights: bool = False, minutes_ago: int = 1) -> RecentOutcome:
    return RecentOutcome(kind, weights, NOW - timedelta(minutes=minutes_ago))


def test_two_weight_denials_within_the_hour_lock() -> None:
    assert anomaly_reason([outcome(Outcome.DENY, True)], 0.0, RULES, NOW) is None
    two = [outcome(Outcome.DENY, True), outcome(Outcome.DENY, True, 30)]
    assert "2 exports with weight content" in (anomaly_reason(two, 0.0, RULES, NOW) or "")
    old = [outcome(Outcome.DENY, True), outcome(Outcome.DENY, True, 90)]
    assert anomaly_reason(old, 0.0, RULES, NOW) is None


def test_burst_of_holds_and_budget_exhaustion_lock() -> None:
    burst = [outcome(Outcome.HOLD, minutes_ago=m) for m in range(5)]
    assert "5 exports held" in (anomaly_reason(burst, 0.0, RULES, NOW) or "")
    assert anomaly_reason([], 0.95, RULES, NOW) == "95% of the personal export budget used"
    assert anomaly_reason([outcome(Outcome.DENY)], 0.5, RULES, NOW) is None


def test_lock_lifecycle() -> None:
    lock = Lock(LockScope.PRINCIPAL, "rita", "burst", NOW, NOW + timedelta(hours=1))
    assert lock.active_at(NOW + timedelta(minutes=59))
    assert not lock.active_at(NOW + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        Lock(LockScope.PRINCIPAL, "rita", " ", NOW, NOW + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        Lock(LockScope.PRINCIPAL, "rita", "x", NOW, NOW)
