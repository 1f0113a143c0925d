"""A reservation's work does not grow with the reservations in the window (SQLite).

Work is counted in SQLite virtual-machine instructions (its progress handler), which depend
on the query plans and the rows visited, not on the machine: no timing is asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.store.budget_interface import BudgetKey
from airlock.store.sql import SqlStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
KEYS: list[BudgetKey] = [
    (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT),
    (BudgetScope.PRINCIPAL, "rita"),
    (BudgetScope.PROJECT, "demo"),
]


def vm_instructions(store: SqlStore, action: Callable[[], object]) -> int:
    """SQLite VM instructions executed by the statements ``action`` runs on ``store``."""
    count = 0

    def tick() -> int:
        nonlocal count
        count += 1
        return 0  # go on

    def watch(connection: Any, *_: Any) -> None:
        connection.connection.dbapi_connection.set_progress_handler(tick, 1)

    def unwatch(connection: Any, *_: Any) -> None:
        connection.connection.dbapi_connection.set_progress_handler(None, 1)

    event.listen(store.engine, "before_cursor_execute", watch)
    event.listen(store.engine, "commit", unwatch)
    event.listen(store.engine, "rollback", unwatch)
    try:
        action()
    finally:
        event.remove(store.engine, "before_cursor_execute", watch)
        event.remove(store.engine, "commit", unwatch)
        event.remove(store.engine, "rollback", unwatch)
    return count


def fill(store: SqlStore, start: int, stop: int) -> None:
    """Reservations ``start`` to ``stop``, a second apart: all of them inside a day."""
    with store.write_batch():
        for n in range(start, stop):
            store.budgets.reserve(KEYS, f"fill-{n}", 1, T0 + timedelta(seconds=n))


def test_reserve_costs_the_same_with_30_times_more_reservations(sqlite_store: SqlStore) -> None:
    for key in KEYS:
        sqlite_store.budgets.set_budget(Budget(*key, 10**12, timedelta(days=1)))

    def reserve_after(n: int) -> int:
        at = T0 + timedelta(seconds=n)
        return vm_instructions(
            sqlite_store, lambda: sqlite_store.budgets.reserve(KEYS, f"probe-{n}", 1, at)
        )

    fill(sqlite_store, 0, 100)
    few = reserve_after(100)
    fill(sqlite_store, 101, 3000)
    many = reserve_after(3000)
    assert few > 0
    assert many <= few * 1.2, (few, many)
