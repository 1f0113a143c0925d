"""The migrations build exactly the schema that schema.py declares, on both backends.

The store's statements are written against schema.py, and a database gets its tables from
the migrations: a column, index or type added to one and not the other would pass every
test that creates tables one way and fail in production, which creates them the other.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from airlock.store import schema
from airlock.store.sql import SqlStore
from airlock.store.sql_engine import create_store_engine


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrated_database_matches_the_declared_schema(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(f"{backend}_url")
    store = SqlStore.from_url(url)
    try:
        store.migrate()
    finally:
        store.close()
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, schema.metadata)
    finally:
        engine.dispose()
    assert differences == []
