"""SqlStore.check_ready reads the schema revision without Alembic (issue 13) and still
refuses a database that is not exactly at the revision this code needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from airlock.errors import StoreError
from airlock.store import schema
from airlock.store.sql import SqlStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'airlock.db'}")
    try:
        yield store
    finally:
        store.close()


def _set_revisions(store: SqlStore, *revisions: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for revision in revisions:
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision}
            )


def test_an_empty_database_is_not_ready(store: SqlStore) -> None:
    with pytest.raises(StoreError, match=r"revision none.*run `airlock init`"):
        store.check_ready()


def test_a_migrated_database_is_ready(store: SqlStore) -> None:
    store.migrate()
    store.check_ready()


def test_an_older_revision_is_not_ready(store: SqlStore) -> None:
    store.migrate()
    _set_revisions(store, "0001")
    with pytest.raises(StoreError, match=f"revision 0001, airlock needs {schema.SCHEMA_REVISION}"):
        store.check_ready()


def test_an_empty_version_table_is_not_ready(store: SqlStore) -> None:
    store.migrate()
    _set_revisions(store)
    with pytest.raises(StoreError, match="revision none"):
        store.check_ready()


def test_two_heads_are_not_ready(store: SqlStore) -> None:
    store.migrate()
    _set_revisions(store, schema.SCHEMA_REVISION, "9999")
    with pytest.raises(StoreError, match="needs"):
        store.check_ready()


def test_agrees_with_alembic_on_the_current_revision(store: SqlStore) -> None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 -- the reference

    store.migrate()
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == (
            schema.SCHEMA_REVISION
        )
    store.check_ready()
