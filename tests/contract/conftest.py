"""The contract suites run every test against each Store: memory, SQLite file, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airlock.store.interface import Store
from airlock.store.memory import MemoryStore
from airlock.store.sql import SqlStore


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'contract.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    sql = SqlStore.from_url(url)
    sql.migrate()
    yield sql
    sql.close()
