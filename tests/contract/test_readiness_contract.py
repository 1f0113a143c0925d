"""Store.check_writable (issue 22, /readyz): passes on a working store, leaves nothing
behind, and fails on a database that has turned read-only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from airlock.errors import StoreError
from airlock.store.interface import Store
from airlock.store.sql import SqlStore


def test_a_working_store_is_writable_and_the_probe_changes_nothing(store: Store) -> None:
    size = store.ledger.size()
    store.check_writable()
    store.check_writable()
    assert store.ledger.size() == size
    store.check_ready()


def test_a_read_only_database_is_not_writable(store: Store) -> None:
    if not isinstance(store, SqlStore):
        pytest.skip("the memory store cannot turn read-only")
    read_only = (
        "PRAGMA query_only=ON"
        if store.backend == "sqlite"
        else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    )

    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(read_only)
        cursor.close()
        if store.backend != "sqlite":
            connection.commit()

    event.listen(store.engine, "connect", on_connect)
    store.engine.dispose()
    store.check_ready()  # it still reads: liveness would say 200
    with pytest.raises(StoreError, match="read"):
        store.check_writable()
