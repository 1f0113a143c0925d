"""In-memory LeaseStore, for tests: the same transitions as the SQL store, under one lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from airlock.budgets.leases import Amount, LeaseGrant
from airlock.budgets.limits import BudgetCheck
from airlock.store.budget_interface import BudgetKey
from airlock.store.lease_interface import LeaseState, LeaseView
from airlock.store.memory_budgets import MemoryBudgetStore


class MemoryLeaseStore:
    def __init__(self, budgets: MemoryBudgetStore) -> None:
        self._lock = threading.Lock()
        self._budgets = budgets
        self._leases: dict[str, LeaseView] = {}

    def open_lease(
        self, grant: LeaseGrant, keys: Sequence[BudgetKey], now: datetime
    ) -> list[BudgetCheck]:
        with self._lock:
            checks = self._budgets.reserve(
                keys,
                grant.lease_id,
                0,
                now,
                grant.granted.by_scope(),
                hold_until=grant.expires_at,
            )
            if checks and all(c.fits for c in checks):
                nothing = Amount(0, 0)
                self._leases[grant.lease_id] = LeaseView(
                    grant, LeaseState.OPEN, nothing, nothing, None
                )
            return checks

    def charge_lease(self, lease_id: str, used: Amount, streamed: Amount | None = None) -> bool:
        with self._lock:
            lease = self._leases.get(lease_id)
            if lease is None or lease.state is LeaseState.RECLAIMED:
                return False
            if lease.state is LeaseState.OPEN:
                streaming = lease.streaming - (streamed or Amount(0, 0))
                self._leases[lease_id] = replace(lease, used=lease.used + used, streaming=streaming)
            return True

    def stream_on_lease(self, lease_id: str, reserved: Amount) -> bool:
        with self._lock:
            lease = self._leases.get(lease_id)
            if lease is None or lease.state is LeaseState.RECLAIMED:
                return False
            if lease.state is LeaseState.OPEN:
                self._leases[lease_id] = replace(lease, streaming=lease.streaming + reserved)
            return True

    def close_lease(self, lease_id: str, in_flight: Amount, now: datetime) -> bool:
        with self._lock:
            lease = self._leases.get(lease_id)
            if lease is None or lease.state is not LeaseState.OPEN:
                return False
            self._end(lease, lease.used + in_flight, LeaseState.CLOSED, now)
            return True

    def reclaim_leases(self, expired_before: datetime, now: datetime) -> int:
        with self._lock:
            expired = [
                lease
                for lease in self._leases.values()
                if lease.state is LeaseState.OPEN and lease.grant.expires_at < expired_before
            ]
            for lease in expired:
                self._end(lease, lease.used + lease.streaming, LeaseState.RECLAIMED, now)
            return len(expired)

    def _end(self, lease: LeaseView, kept: Amount, state: LeaseState, now: datetime) -> None:
        kept = kept.at_most(lease.grant.granted)  # idle stream slots may add up past it
        self._budgets.settle(lease.grant.lease_id, kept.by_scope())
        self._leases[lease.grant.lease_id] = replace(lease, state=state, closed_at=now)

    def prune_leases(self, expired_before: datetime, limit: int) -> int:
        with self._lock:
            ended = [
                lease_id
                for lease_id, lease in self._leases.items()
                if lease.state is not LeaseState.OPEN and lease.grant.expires_at < expired_before
            ][:limit]
            for lease_id in ended:
                del self._leases[lease_id]
            return len(ended)

    def leases(self, *, open_only: bool = False) -> Sequence[LeaseView]:
        with self._lock:
            by_id = sorted(self._leases.values(), key=lambda v: v.grant.lease_id)
            views = sorted(by_id, key=lambda v: v.grant.created_at, reverse=True)
            return [v for v in views if not open_only or v.state is LeaseState.OPEN]
