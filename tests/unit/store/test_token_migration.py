"""Migration 0016_token_lifetimes on a database that holds tokens: each gets an expiry,
so none lives for ever (issue 14); downgrading drops the column again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from airlock.domain.tokens import TokenHash
from airlock.store.sql import SqlStore
from tests.unit.store.test_budget_migration import migrate

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_tokens_get_an_expiry_and_keep_working(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 'old.db'}"
    )
    store = SqlStore.from_url(url)
    try:
        with store.engine.begin() as connection:
            migrate(connection, "0012_project_members")
            connection.execute(
                text(
                    "INSERT INTO principals (name, kind, role, created_at) "
                    "VALUES ('rita', 'person', 'researcher', :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                text(
                    "INSERT INTO api_tokens (token_hash, principal, created_at) "
                    "VALUES (:h, 'rita', :t)"
                ),
                {"h": "a" * 64, "t": T0},
            )
        before = datetime.now(UTC)
        store.migrate()
        store.check_ready()
        found = store.tokens.lookup(TokenHash("a" * 64))
        assert found is not None and found[0].name == "rita"
        expires = found[1].expires_at
        assert expires is not None
        assert before + timedelta(days=89) < expires < datetime.now(UTC) + timedelta(days=91)
        with store.engine.begin() as connection:
            migrate(connection, "0012_project_members", down=True)
            columns = {c["name"] for c in inspect(connection).get_columns("api_tokens")}
        assert "expires_at" not in columns
    finally:
        store.close()
