"""BudgetStore on SQL: a running total per budget, kept under the budget row locks.

Each budget row carries the bytes of its reservations that expire after ``counted_after``.
A reservation sums only the reservations whose expiry lies between that instant and its
own ``now`` (in steady state, those that left the window since the previous reservation),
not the whole window: a constant number of statements, three on SQLite and four on
PostgreSQL, whose cost does not grow with the window (docs/adr/0006).

What it does not do: trust clocks to agree. A ``now`` earlier than ``counted_after`` (a
process whose clock is behind) adds back what expired in between instead of under-counting;
the total is exact for every ``now``. Concurrent calls are serialised on the budget rows:
FOR UPDATE on PostgreSQL, the write transaction itself on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, false, select, text, true

from airlock.budgets.limits import DEFAULT_SUBJECT, Budget, BudgetCheck, BudgetScope
from airlock.budgets.refusals import Candidate, RefusedContent, Sketch
from airlock.store import schema
from airlock.store import sql_refusals as refusals
from airlock.store import sql_statements as statements
from airlock.store.budget_interface import BudgetKey

BeginTransaction = Callable[..., AbstractContextManager[Connection]]

# SQLite keeps UtcDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff', and its datetime() would round
# the fraction to milliseconds (.9995 s becomes the next second): only the whole seconds go
# through it and the fraction is carried over as text, as in migration 0010.
_SQLITE_EXPIRY = text(
    "UPDATE budget_usage SET expires_at = datetime(substr(at, 1, 19), :shift)"
    " || substr(at, 20) WHERE scope = :scope AND subject = :subject"
)
_POSTGRESQL_EXPIRY = text(
    "UPDATE budget_usage SET expires_at = at + make_interval(secs => :seconds)"
    " WHERE scope = :scope AND subject = :subject"
)


class SqlBudgetStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def set_budget(self, budget: Budget) -> None:
        b = schema.budgets
        scope, subject = budget.scope.value, budget.subject
        key = and_(b.c.scope == scope, b.c.subject == subject)
        with self._begin(write=True) as c:
            # Updated in place rather than deleted and inserted again: a reservation waiting
            # for this row's lock then finds the new row, where it used to find none and
            # skip the budget (PostgreSQL).
            old = c.execute(select(b.c.window_seconds).where(key).with_for_update()).first()
            _set_one(c, scope, subject, budget, old, inherited=False)
            if budget.is_default:
                # Every subject that inherited the default follows it (issue 14); an admin
                # action, one row at a time, never on the export path.
                inherited = and_(b.c.scope == scope, b.c.inherited == true())
                for row in c.execute(
                    select(b.c.subject, b.c.window_seconds)
                    .where(inherited)
                    .order_by(b.c.subject)
                    .with_for_update()
                ).all():
                    _set_one(c, scope, row.subject, budget, row, inherited=True)

    def budgets(self) -> Sequence[Budget]:
        b = schema.budgets
        with self._begin() as c:
            own = select(b).where(b.c.inherited == false()).order_by(b.c.scope, b.c.subject)
            return [_budget(r) for r in c.execute(own)]

    def reserve(
        self,
        keys: Sequence[BudgetKey],
        request_id: str,
        size: int,
        now: datetime,
        sizes: Mapping[BudgetScope, int] | None = None,
        *,
        hold_until: datetime | None = None,
    ) -> list[BudgetCheck]:
        at = now if hold_until is None else max(now, hold_until)

        def size_of(budget: Budget) -> int:
            return size if sizes is None else sizes.get(budget.scope, size)

        count, params = statements.subject_params(keys, now=now)
        if not count:
            return []
        with self._begin(write=True) as c:
            if c.dialect.name != "sqlite":
                # The ledger head lock first, as every write batch takes it (sql_engine): a
                # reservation outside a batch (the output channel's) then queues behind
                # batches instead of crossing them, and two first reservations inheriting
                # the same defaults cannot deadlock on each other's new rows (ADR 0015).
                # Inside a batch this transaction holds it already.
                c.execute(statements.LEDGER_SIZE_FOR_UPDATE)
            rows = _locked_totals(c, count, params)
            found = {(str(row.scope), str(row.subject)) for row in rows}
            missing = sorted(
                (scope, subject)
                for scope, subject in set(keys)
                if not scope.enclave_wide
                and subject != DEFAULT_SUBJECT
                and (scope.value, subject) not in found
            )
            if missing and _inherit(c, missing):
                rows = _locked_totals(c, count, params)
            counts = [_count(row, now) for row in rows]
            checks = [BudgetCheck(c.budget, c.used, size_of(c.budget)) for c in counts]
            fits = all(check.fits for check in checks)
            totals = [t for c in counts if (t := c.stored(size_of(c.budget) if fits else 0, at))]
            if totals:
                c.execute(statements.SET_BUDGET_TOTAL, totals)
            if fits and checks:
                c.execute(
                    statements.ADD_RESERVATIONS,
                    [
                        {
                            "scope": ch.budget.scope.value,
                            "subject": ch.budget.subject,
                            "request_id": request_id,
                            "bytes": size_of(ch.budget),
                            "at": at,
                            "expires_at": at + ch.budget.window,
                        }
                        for ch in checks
                    ],
                )
        return checks

    def settle(self, request_id: str, sizes: Mapping[BudgetScope, int]) -> None:
        params = {"request_id": request_id}
        with self._begin(write=True) as c:
            # Budgets first, in reserve's lock order (see release).
            after = {
                (row.scope, row.subject): row.counted_after
                for row in c.execute(statements.HELD_BUDGETS_FOR_UPDATE, params)
            }
            shrunk: list[dict[str, object]] = []
            taken: list[dict[str, object]] = []
            for row in c.execute(statements.HELD_RESERVATIONS, params):
                scope = BudgetScope(row.scope)
                if scope not in sizes or sizes[scope] >= int(row.bytes):
                    continue
                size = max(0, sizes[scope])
                shrunk.append({"row_id": row.id, "new_bytes": size})
                counted_after = after.get((row.scope, row.subject))
                if counted_after is not None and row.expires_at > counted_after:
                    taken.append(
                        {
                            "key_scope": row.scope,
                            "key_subject": row.subject,
                            "bytes": int(row.bytes) - size,
                        }
                    )
            # One statement each, whatever the number of scopes (the gateway's request path).
            if shrunk:
                c.execute(statements.SHRINK_RESERVATION, shrunk)
            if taken:
                c.execute(statements.TAKE_OFF_BUDGET_TOTAL, taken)

    def release(self, request_id: str) -> int:
        params = {"request_id": request_id}
        with self._begin(write=True) as c:
            # The budgets are locked before the rows go, in reserve's order: set_budget
            # rewrites these rows under the budget lock, and the other order could deadlock.
            after = {
                (row.scope, row.subject): row.counted_after
                for row in c.execute(statements.HELD_BUDGETS_FOR_UPDATE, params)
            }
            # RETURNING: only what this transaction deleted is taken off, never twice.
            deleted = c.execute(statements.DELETE_RESERVATIONS, params).all()
            taken: dict[tuple[str, str], int] = {}
            for row in deleted:
                key = (row.scope, row.subject)
                counted_after = after.get(key)  # None: no budget, or no total to correct
                if counted_after is not None and row.expires_at > counted_after and row.bytes:
                    taken[key] = taken.get(key, 0) + int(row.bytes)
            if taken:
                c.execute(
                    statements.TAKE_OFF_BUDGET_TOTAL,
                    [
                        {"key_scope": scope, "key_subject": subject, "bytes": size}
                        for (scope, subject), size in sorted(taken.items())
                    ],
                )
            return len(deleted)

    def remember_refusal(self, refused: RefusedContent) -> None:
        with self._begin(write=True) as c:
            refusals.remember(c, refused)

    def refusals_like(self, digest: str, sketch: Sketch, since: datetime) -> list[Candidate]:
        with self._begin() as c:
            return refusals.like(c, digest, sketch, since)

    def used(self, key: BudgetKey, now: datetime) -> int:
        with self._begin() as c:
            total = c.execute(
                statements.BUDGET_USED, {"scope": key[0].value, "subject": key[1], "now": now}
            ).scalar_one()
            return int(total)


def _locked_totals(c: Connection, count: int, params: dict[str, object]) -> list[Row[Any]]:
    if c.dialect.name != "sqlite":
        # Lock, then count in a statement of its own. Under READ COMMITTED a locking
        # SELECT returns the newest version of a row it waited for, but evaluates the
        # rest of itself on the snapshot it started with, which can miss the rows the
        # previous lock holder inserted or deleted. SQLite's write transaction is
        # exclusive already.
        c.execute(statements.budgets_for_update(count), params)
    return list(c.execute(statements.budget_totals(count), params))


def _inherit(c: Connection, missing: Sequence[BudgetKey]) -> bool:
    """Give each subject in ``missing`` its scope's default, if there is one (issue 14).

    The copy is a budget row like any other, so it keeps a running total of its own: the
    default is counted per subject, never shared. Only a subject's first reservation pays
    for this (one read of the defaults, one insert). Concurrent first reservations insert
    the same row: the loser's insert does nothing (ON CONFLICT), and both then lock it.
    """
    b = schema.budgets
    scopes = sorted({scope.value for scope, _ in missing})
    defaults = {
        str(row.scope): row for row in c.execute(statements.DEFAULT_BUDGETS, {"scopes": scopes})
    }
    rows = [
        {
            "scope": scope.value,
            "subject": subject,
            "limit_bytes": int(d.limit_bytes),
            "window_seconds": int(d.window_seconds),
            "used_bytes": 0,
            "counted_after": None,
            "inherited": True,
        }
        for scope, subject in missing
        if (d := defaults.get(scope.value)) is not None
    ]
    if not rows:
        return False
    from sqlalchemy.dialects import postgresql, sqlite  # noqa: PLC0415 -- ~50 ms at start-up

    dialect = postgresql if c.dialect.name == "postgresql" else sqlite
    c.execute(dialect.insert(b).on_conflict_do_nothing(), rows)
    return True


def _set_one(
    c: Connection, scope: str, subject: str, budget: Budget, old: Any, *, inherited: bool
) -> None:
    """Set the limit and window of one budget row (locked, or None when there is none)."""
    b = schema.budgets
    key = and_(b.c.scope == scope, b.c.subject == subject)
    seconds = int(budget.window.total_seconds())
    if old is not None and int(old.window_seconds) == seconds:
        values = {"limit_bytes": budget.limit_bytes, "inherited": inherited}
        c.execute(b.update().where(key).values(**values))
        return  # same window, same expiries: the total stands
    recount: dict[str, object] = {"limit_bytes": budget.limit_bytes, "inherited": inherited}
    recount |= {"window_seconds": seconds, "used_bytes": 0, "counted_after": None}
    if old is None:
        c.execute(b.insert().values(scope=scope, subject=subject, **recount))
    else:
        c.execute(b.update().where(key).values(**recount))
    _rewrite_expiry(c, scope, subject, seconds)


def _rewrite_expiry(c: Connection, scope: str, subject: str, seconds: int) -> None:
    """Make every reservation of a budget expire ``seconds`` after it was made."""
    key = {"scope": scope, "subject": subject}
    if c.dialect.name == "sqlite":
        c.execute(_SQLITE_EXPIRY, key | {"shift": f"+{seconds} seconds"})
    else:
        c.execute(_POSTGRESQL_EXPIRY, key | {"seconds": seconds})


@dataclass(frozen=True, slots=True)
class _Count:
    """One budget as a reservation at ``now`` finds it, and its total moved up to ``now``."""

    budget: Budget
    used: int  # the budget's usage at now: what the reservation is checked against
    total: int  # the stored total, counted after ``after``
    after: datetime
    unchanged: bool

    def stored(self, reserved: int, at: datetime) -> dict[str, object] | None:
        """The update of the stored total once ``reserved`` bytes dated ``at`` are added,
        if any."""
        total = self.total
        if reserved and at + self.budget.window > self.after:
            total += reserved  # the new row expires after ``after``, so the total holds it
        if total == self.total and self.unchanged:
            return None
        return {
            "key_scope": self.budget.scope.value,
            "key_subject": self.budget.subject,
            "total": total,
            "after": self.after,
        }


def _count(row: Row[Any], now: datetime) -> _Count:
    budget, span = _budget(row), int(row.span)
    stored, after = int(row.used_bytes), row.counted_after
    if after is None:  # no total yet: ``span`` is everything that counts at now
        return _Count(budget, span, span, now, unchanged=False)
    if after < now:  # ``span`` left the window since the total was counted
        return _Count(budget, stored - span, stored - span, now, unchanged=False)
    # A clock behind the one that counted: ``span`` has not yet left the window at now.
    # The total stays where it is; moving it back would cost a later clock the same sum.
    return _Count(budget, stored + span, stored, after, unchanged=True)


def _budget(row: Row[Any]) -> Budget:
    return Budget(
        BudgetScope(row.scope),
        row.subject,
        int(row.limit_bytes),
        timedelta(seconds=int(row.window_seconds)),
    )
