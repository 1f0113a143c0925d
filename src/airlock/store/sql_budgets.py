"""BudgetStore on SQL: reservations serialised on the budget rows (FOR UPDATE / IMMEDIATE)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from airlock.budgets.limits import Budget, BudgetCheck, BudgetScope
from airlock.store import schema
from airlock.store import sql_statements as statements
from airlock.store.budget_interface import BudgetKey

BeginTransaction = Callable[..., AbstractContextManager[Connection]]


class SqlBudgetStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def set_budget(self, budget: Budget) -> None:
        b = schema.budgets
        with self._begin(write=True) as c:
            c.execute(
                delete(b).where(b.c.scope == budget.scope.value, b.c.subject == budget.subject)
            )
            c.execute(
                b.insert().values(
                    scope=budget.scope.value,
                    subject=budget.subject,
                    limit_bytes=budget.limit_bytes,
                    window_seconds=int(budget.window.total_seconds()),
                )
            )

    def budgets(self) -> Sequence[Budget]:
        b = schema.budgets
        with self._begin() as c:
            return [_budget(r) for r in c.execute(select(b).order_by(b.c.scope, b.c.subject))]

    def reserve(
        self, keys: Sequence[BudgetKey], request_id: str, size: int, now: datetime
    ) -> list[BudgetCheck]:
        u = schema.budget_usage
        wanted = sorted(set(keys))
        if not wanted:
            return []
        params: dict[str, str] = {}
        for i, (scope, subject) in enumerate(wanted):
            params[f"s{i}"], params[f"n{i}"] = scope.value, subject
        with self._begin(write=True) as c:
            # Locked in a fixed order so two reservations never deadlock on each other.
            rows = c.execute(statements.budgets_for_update(len(wanted)), params).all()
            checks = [
                BudgetCheck(budget, _used(c, budget, now), size) for budget in map(_budget, rows)
            ]
            if all(check.fits for check in checks):
                c.execute(
                    u.insert(),
                    [
                        {
                            "scope": ch.budget.scope.value,
                            "subject": ch.budget.subject,
                            "request_id": request_id,
                            "bytes": size,
                            "at": now,
                        }
                        for ch in checks
                    ],
                )
        return checks

    def release(self, request_id: str) -> int:
        u = schema.budget_usage
        with self._begin(write=True) as c:
            return int(c.execute(delete(u).where(u.c.request_id == request_id)).rowcount)

    def used(self, key: BudgetKey, now: datetime) -> int:
        b = schema.budgets
        with self._begin() as c:
            row = c.execute(
                select(b).where(b.c.scope == key[0].value, b.c.subject == key[1])
            ).first()
            return 0 if row is None else _used(c, _budget(row), now)


def _used(c: Connection, budget: Budget, now: datetime) -> int:
    total = c.execute(
        statements.BUDGET_USED,
        {"scope": budget.scope.value, "subject": budget.subject, "since": now - budget.window},
    ).scalar_one()
    return int(total)


def _budget(row: Row[Any]) -> Budget:
    return Budget(
        BudgetScope(row.scope),
        row.subject,
        int(row.limit_bytes),
        timedelta(seconds=int(row.window_seconds)),
    )
