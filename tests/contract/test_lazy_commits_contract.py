"""Lazy commits (``write_batch(durable=False)`` + ``sync``), as the output gateway uses
them: seen by every other connection at once, so budgets stay exact across workers, and
flushed by ``sync``."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.store.group_commit import GroupCommit
from airlock.store.interface import Store
from airlock.store.shared_sync import SharedSync
from airlock.store.sql import SqlStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
TOKENS = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)


@pytest.fixture
def second(store: Store) -> Iterator[Store]:
    """Another worker on the same database: its own engine, pool and writer-lock file."""
    if not isinstance(store, SqlStore):
        yield store
        return
    other = SqlStore.from_url(store.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def test_lazy_reservations_are_exact_across_two_workers(store: Store, second: Store) -> None:
    limit, each, used = 500, 40, 10
    store.budgets.set_budget(
        Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, limit, timedelta(days=1))
    )
    granted: list[str] = []
    lock = threading.Lock()
    workers = {id(s): (GroupCommit(s, durable=False), SharedSync(s.sync)) for s in (store, second)}

    def attempt(s: Store, n: int) -> None:
        request = f"r{n}"
        with s.write_batch(durable=False):
            fits = all(c.fits for c in s.budgets.reserve([TOKENS], request, each, T0))
        if not fits:
            return
        commits, flushes = workers[id(s)]
        commits.run(lambda: s.budgets.settle(request, {BudgetScope.TOKENS_ENCLAVE: used}))
        flushes.wait()
        with lock:
            granted.append(request)

    threads = [
        threading.Thread(target=attempt, args=(store if n % 2 else second, n)) for n in range(80)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.budgets.used(TOKENS, T0) == second.budgets.used(TOKENS, T0)
    assert store.budgets.used(TOKENS, T0) == used * len(granted) <= limit
    assert len(granted) >= limit // each
    # exact: what is left is refused to the byte
    left = limit - used * len(granted)
    assert not all(c.fits for c in store.budgets.reserve([TOKENS], "over", left + 1, T0))
    assert all(c.fits for c in second.budgets.reserve([TOKENS], "fill", left, T0))


def test_a_refused_lazy_batch_leaves_nothing(store: Store) -> None:
    store.budgets.set_budget(
        Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 100, timedelta(days=1))
    )

    def refused() -> None:
        with store.write_batch(durable=False):
            store.budgets.reserve([TOKENS], "a", 60, T0)
            raise RuntimeError("locked")  # as the gateway's checks raise inside the batch

    with pytest.raises(RuntimeError):
        refused()
    if isinstance(store, SqlStore):  # the memory store keeps a failed batch's writes
        assert store.budgets.used(TOKENS, T0) == 0


def test_sqlite_sync_flushes_the_wal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'a.db'}")
    store.migrate()
    flushed: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        flushed.append(str(Path(f"/proc/self/fd/{fd}").readlink()))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    try:
        store.budgets.set_budget(
            Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 100, timedelta(days=1))
        )
        with store.write_batch(durable=False):
            store.budgets.reserve([TOKENS], "a", 60, T0)
        other = SqlStore.from_url(f"sqlite:///{tmp_path / 'a.db'}")
        assert other.budgets.used(TOKENS, T0) == 60  # visible before any flush
        other.close()
        store.sync()
        assert str(tmp_path / "a.db-wal") in flushed
        assert str(tmp_path) in flushed  # the folder, the first time this WAL file is seen
        flushed.clear()
        store.sync()
        assert flushed == [str(tmp_path / "a.db-wal")]
    finally:
        store.close()


def test_postgresql_sync_flushes_the_wal_past_a_lazy_commit(postgres_url: str) -> None:
    store = SqlStore.from_url(postgres_url)
    store.migrate()
    try:
        store.budgets.set_budget(
            Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 100, timedelta(days=1))
        )
        with store.write_batch(durable=False):
            store.budgets.reserve([TOKENS], "a", 60, T0)
        with store.engine.connect() as c:
            written = c.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar_one()
        store.sync()
        with store.engine.connect() as c:
            behind = c.execute(
                text("SELECT pg_current_wal_flush_lsn() < CAST(:lsn AS pg_lsn)"), {"lsn": written}
            ).scalar_one()
        assert behind is False
    finally:
        store.close()
