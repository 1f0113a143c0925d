"""The SQLite driver lane (docs/adr/0037): statements compiled from the store's own, a write
that raises leaves nothing, writes queue with the engine's writers, lazy commits, and no
connection crosses a fork."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airlock.approvals.locks import Lock, LockScope
from airlock.budgets.leases import Amount, LeaseGrant
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.errors import StoreError
from airlock.store import sql_statements as statements
from airlock.store.sql import SqlStore
from airlock.store.sql_leases import _CHARGE
from airlock.store.sqlite_lane import DriverStatement, SqliteLane

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    sql = SqlStore.from_url(f"sqlite:///{tmp_path / 'lane.db'}")
    sql.migrate()
    yield sql
    sql.close()


def _lane(store: SqlStore) -> SqliteLane:
    lane = store._transactions.lane  # the store's own lane, under test
    assert lane is not None
    return lane


def _open_lease(store: SqlStore) -> str:
    day = timedelta(days=1)
    for scope in (BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE):
        store.budgets.set_budget(Budget(scope, ENCLAVE_SUBJECT, 10**6, day))
    grant = LeaseGrant("l1", "w:1", "rita", Amount(100, 1000), T0, T0 + timedelta(seconds=10))
    checks = store.leases.open_lease(grant, [(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)], T0)
    assert checks and all(c.fits for c in checks)
    return grant.lease_id


def _charged(store: SqlStore) -> Amount:
    return store.leases.leases()[0].used


def _charge(tokens: int) -> dict[str, object]:
    return {
        "lease_id": "l1",
        "tokens": tokens,
        "bytes": tokens * 10,
        "streamed_tokens": 0,
        "streamed_bytes": 0,
    }


def test_only_an_sqlite_file_outside_a_write_batch_has_a_lane(store: SqlStore) -> None:
    assert SqlStore.from_url("sqlite://")._transactions.lane is None
    _lane(store)
    with store.write_batch(durable=False):
        assert store._transactions.lane is None  # calls join the batch


def test_a_statement_binds_and_reads_values_as_the_engine_does(store: SqlStore) -> None:
    lock = Lock(LockScope.PRINCIPAL, "rita", "r", T0, T0 + timedelta(hours=1))
    store.add_lock(lock)
    prepared = DriverStatement(statements.active_locks(1), store.engine.dialect)
    params = prepared.params({"s0": "principal", "n0": "rita", "now": T0})
    assert params[-2:] == ("2026-07-01 12:00:00.000000",) * 2  # as SQLAlchemy stores dates
    rows = _lane(store).query(
        statements.active_locks(1), {"s0": "principal", "n0": "rita", "now": T0}
    )
    assert [(r["reason"], r["created_at"], r["lifted_at"]) for r in rows] == [("r", T0, None)]
    with pytest.raises(KeyError, match="n0"):
        prepared.params({"s0": "principal", "now": T0})
    # a value written into the statement (the lease state) is bound without being given
    assert DriverStatement(_CHARGE, store.engine.dialect).params(_charge(1))[-1] == "open"


def test_a_write_that_raises_leaves_nothing_and_the_next_one_commits(store: SqlStore) -> None:
    _open_lease(store)
    lane = _lane(store)

    def charge_then_fail() -> None:
        with lane.write() as writes:
            assert writes.execute(_CHARGE, _charge(5)) == 1
            raise RuntimeError("after the charge")

    with pytest.raises(RuntimeError):
        charge_then_fail()
    assert _charged(store) == Amount(0, 0)
    with lane.write() as writes:
        writes.execute(_CHARGE, _charge(7))
    assert _charged(store) == Amount(7, 70)
    # seen by another engine's connection at once (committed, lazily)
    other = SqlStore.from_url(store.engine.url.render_as_string(hide_password=False))
    assert other.leases.leases()[0].used == Amount(7, 70)
    other.close()


def test_a_driver_error_is_a_store_error(store: SqlStore) -> None:
    with sqlite3.connect(str(store.engine.url.database)) as db:
        db.execute("DROP TABLE budget_leases")
    with pytest.raises(StoreError, match="no such table"), _lane(store).write() as writes:
        writes.execute(_CHARGE, _charge(1))
    with _lane(store).write():  # the connection went back clean
        pass


def test_lane_writes_queue_behind_the_engines_writers(store: SqlStore) -> None:
    _open_lease(store)
    holding, released = threading.Event(), []

    def hold() -> None:
        with store.write_batch(durable=False):
            holding.set()
            time.sleep(0.3)
            released.append(time.monotonic())

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    with _lane(store).write() as writes:
        began = time.monotonic()
        writes.execute(_CHARGE, _charge(1))
    thread.join()
    assert began >= released[0]
    assert _charged(store) == Amount(1, 10)


def test_no_connection_crosses_a_fork(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    lane = _lane(store)
    seen = []
    for _ in range(2):
        with lane._connection() as db:
            seen.append(db)
    assert seen[0] is seen[1]  # kept between transactions
    monkeypatch.setattr("airlock.store.sqlite_lane.os.getpid", lambda: -1)  # a forked child
    with lane._connection() as db:
        assert db is not seen[0]
