"""SQLite-only behaviour: WAL, foreign keys, and writers from many engines queueing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from airlock.domain.names import ProjectName
from airlock.domain.projects import Project
from airlock.errors import StoreError
from airlock.store.sql import SqlStore


def test_pragmas_are_set(sqlite_store: SqlStore) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_writers_in_separate_engines_queue_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    SqlStore.from_url(url).migrate()
    stores = [SqlStore.from_url(url) for _ in range(6)]
    errors: list[Exception] = []

    def write(worker: int, store: SqlStore) -> None:
        try:
            for n in range(15):
                store.add_project(Project(ProjectName(f"p{worker}-{n}"), "", datetime.now(UTC)))
        except Exception as e:  # noqa: BLE001 -- collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(stores[0].list_projects()) == 90
    for store in stores:
        store.close()


def test_bad_url_is_store_error() -> None:
    with pytest.raises(StoreError, match="database_url"):
        SqlStore.from_url("nosuchdriver://x")
