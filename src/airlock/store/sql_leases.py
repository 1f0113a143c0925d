"""LeaseStore on SQL: a lease row, and its reservation in budget_usage under the lease id.

Opening, closing and reclaiming take a write batch of their own (the budget rows and the
lease row in one transaction, lazily committed like the gateway's other writes); charging
joins the caller's batch, so a charge commits with its transcript or not at all. Every
transition of a lease row is a conditional update on its state, so an owner charging and
another worker reclaiming serialise on that row and exactly one of them wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from airlock.budgets.leases import Amount, LeaseGrant
from airlock.budgets.limits import BudgetCheck
from airlock.store import schema
from airlock.store.budget_interface import BudgetKey
from airlock.store.lease_interface import LeaseState, LeaseView
from airlock.store.schema import UtcDateTime
from airlock.store.sql_budgets import SqlBudgetStore
from airlock.store.sqlite_lane import LaneWrites

BeginTransaction = Callable[..., AbstractContextManager[Connection]]
WriteBatch = Callable[..., AbstractContextManager[None]]

_l = schema.budget_leases
_OPEN = LeaseState.OPEN.value
_CHARGE = (
    _l.update()
    .where(_l.c.id == bindparam("lease_id"), _l.c.state == _OPEN)
    .values(
        used_tokens=_l.c.used_tokens + bindparam("tokens"),
        used_bytes=_l.c.used_bytes + bindparam("bytes"),
        streaming_tokens=_l.c.streaming_tokens - bindparam("streamed_tokens"),
        streaming_bytes=_l.c.streaming_bytes - bindparam("streamed_bytes"),
    )
)
_STREAM = (
    _l.update()
    .where(_l.c.id == bindparam("lease_id"), _l.c.state == _OPEN)
    .values(
        streaming_tokens=_l.c.streaming_tokens + bindparam("tokens"),
        streaming_bytes=_l.c.streaming_bytes + bindparam("bytes"),
    )
)
_STATE = select(_l.c.state).where(_l.c.id == bindparam("lease_id"))
_OPEN_FOR_UPDATE = (
    select(_l).where(_l.c.id == bindparam("lease_id"), _l.c.state == _OPEN).with_for_update()
)
_EXPIRED_FOR_UPDATE = (
    select(_l)
    .where(_l.c.state == _OPEN, _l.c.expires_at < bindparam("before", type_=UtcDateTime()))
    .order_by(_l.c.id)
    .with_for_update()
)
_END = (
    _l.update()
    .where(_l.c.id == bindparam("lease_id"), _l.c.state == _OPEN)
    .values(state=bindparam("state"), closed_at=bindparam("at", type_=UtcDateTime()))
)


class SqlLeaseStore:
    def __init__(
        self, begin: BeginTransaction, write_batch: WriteBatch, budgets: SqlBudgetStore
    ) -> None:
        self._begin = begin
        self._batch = write_batch
        self._budgets = budgets

    def open_lease(
        self, grant: LeaseGrant, keys: Sequence[BudgetKey], now: datetime
    ) -> list[BudgetCheck]:
        with self._batch(durable=False), self._begin(write=True) as c:
            checks = self._budgets.reserve(
                keys,
                grant.lease_id,
                0,
                now,
                grant.granted.by_scope(),
                hold_until=grant.expires_at,
            )
            if checks and all(ch.fits for ch in checks):
                c.execute(
                    _l.insert(),
                    {
                        "id": grant.lease_id,
                        "owner": grant.owner,
                        "caller": grant.caller,
                        "state": _OPEN,
                        "granted_tokens": grant.granted.tokens,
                        "granted_bytes": grant.granted.bytes,
                        "created_at": grant.created_at,
                        "expires_at": grant.expires_at,
                    },
                )
            return checks

    def charge_lease(self, lease_id: str, used: Amount, streamed: Amount | None = None) -> bool:
        params = _charge(lease_id, used, streamed)
        with self._begin(write=True) as c:
            if c.execute(_CHARGE, params).rowcount == 1:
                return True
            state = c.execute(_STATE, {"lease_id": lease_id}).scalar_one_or_none()
            return state == LeaseState.CLOSED.value

    def charge_in(self, writes: LaneWrites, lease_id: str, used: Amount) -> bool:
        """:meth:`charge_lease`, in a write transaction of the SQLite driver lane."""
        if writes.execute(_CHARGE, _charge(lease_id, used, None)) == 1:
            return True
        rows = writes.query(_STATE, {"lease_id": lease_id})
        return bool(rows) and rows[0]["state"] == LeaseState.CLOSED.value

    def stream_on_lease(self, lease_id: str, reserved: Amount) -> bool:
        params = {"lease_id": lease_id, "tokens": reserved.tokens, "bytes": reserved.bytes}
        with self._begin(write=True) as c:
            if c.execute(_STREAM, params).rowcount == 1:
                return True
            state = c.execute(_STATE, {"lease_id": lease_id}).scalar_one_or_none()
            return state == LeaseState.CLOSED.value

    def close_lease(self, lease_id: str, in_flight: Amount, now: datetime) -> bool:
        with self._batch(durable=False), self._begin(write=True) as c:
            row = c.execute(_OPEN_FOR_UPDATE, {"lease_id": lease_id}).first()
            if row is None:
                return False
            self._end(c, row, _used(row) + in_flight, LeaseState.CLOSED, now)
            return True

    def reclaim_leases(self, expired_before: datetime, now: datetime) -> int:
        with self._batch(durable=False), self._begin(write=True) as c:
            rows = c.execute(_EXPIRED_FOR_UPDATE, {"before": expired_before}).all()
            for row in rows:
                self._end(c, row, _used(row) + _streaming(row), LeaseState.RECLAIMED, now)
            return len(rows)

    def _end(
        self, c: Connection, row: Row[Any], kept: Amount, state: LeaseState, now: datetime
    ) -> None:
        # Never above the block: what was charged plus what is under way never is (the
        # owner admits within it), though the row's idle stream slots may add up past it.
        kept = kept.at_most(Amount(int(row.granted_tokens), int(row.granted_bytes)))
        self._budgets.settle(row.id, kept.by_scope())
        c.execute(_END, {"lease_id": row.id, "state": state.value, "at": now})

    def prune_leases(self, expired_before: datetime, limit: int) -> int:
        with self._batch(durable=False), self._begin(write=True) as c:
            ended = (
                select(_l.c.id)
                .where(
                    _l.c.state.in_([LeaseState.CLOSED.value, LeaseState.RECLAIMED.value]),
                    _l.c.expires_at < expired_before,
                )
                .limit(limit)
            )
            return int(c.execute(_l.delete().where(_l.c.id.in_(ended))).rowcount)

    def leases(self, *, open_only: bool = False) -> Sequence[LeaseView]:
        query = select(_l).order_by(_l.c.created_at.desc(), _l.c.id)
        if open_only:
            query = query.where(_l.c.state == _OPEN)
        with self._begin() as c:
            return [_view(r) for r in c.execute(query)]


def _charge(lease_id: str, used: Amount, streamed: Amount | None) -> dict[str, object]:
    streamed = streamed or Amount(0, 0)
    return {
        "lease_id": lease_id,
        "tokens": used.tokens,
        "bytes": used.bytes,
        "streamed_tokens": streamed.tokens,
        "streamed_bytes": streamed.bytes,
    }


def _used(row: Row[Any]) -> Amount:
    return Amount(int(row.used_tokens), int(row.used_bytes))


def _streaming(row: Row[Any]) -> Amount:
    return Amount(max(0, int(row.streaming_tokens)), max(0, int(row.streaming_bytes)))


def _view(row: Row[Any]) -> LeaseView:
    grant = LeaseGrant(
        lease_id=row.id,
        owner=row.owner,
        caller=row.caller,
        granted=Amount(int(row.granted_tokens), int(row.granted_bytes)),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )
    return LeaseView(grant, LeaseState(row.state), _used(row), _streaming(row), row.closed_at)
