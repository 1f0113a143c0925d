"""Migration 0010 on a database that already holds reservations: the totals come out exact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    select,
    text,
)

from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.store import schema
from airlock.store.sql import SqlStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
ENCLAVE = (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)
RITA = (BudgetScope.PRINCIPAL, "rita")
DEMO = (BudgetScope.PROJECT, "demo")
MIGRATIONS = Path(schema.__file__).parent / "migrations"

# (key, request, bytes, at); the enclave's window is a day, rita's an hour, demo has no budget.
ROWS = [
    (ENCLAVE, "a", 10, T0 - 2 * DAY),
    (ENCLAVE, "b", 20, T0 - DAY + timedelta(microseconds=999_999)),
    (ENCLAVE, "c", 40, T0 - HOUR),
    (RITA, "c", 40, T0 - HOUR),
    (ENCLAVE, "d", 80, T0 - timedelta(minutes=10, microseconds=1)),
    (RITA, "d", 80, T0 - timedelta(minutes=10, microseconds=1)),
    (DEMO, "d", 80, T0 - timedelta(minutes=10, microseconds=1)),
]


# budget_usage as revision 0009 left it, to write rows the way airlock wrote them then.
USAGE_AT_0009 = Table(
    "budget_usage",
    MetaData(),
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("scope", String(16), nullable=False),
    Column("subject", String(63), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("bytes", BigInteger(), nullable=False),
    Column("at", schema.UtcDateTime(), nullable=False),
)


def migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_at_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    store = SqlStore.from_url(url)
    with store.engine.begin() as connection:
        migrate(connection, "0009")
        connection.execute(
            text(
                "INSERT INTO budgets (scope, subject, limit_bytes, window_seconds) "
                "VALUES ('enclave', '*', 1000, 86400), ('principal', 'rita', 1000, 3600)"
            )
        )
        connection.execute(
            USAGE_AT_0009.insert(),
            [
                {"scope": s.value, "subject": n, "request_id": r, "bytes": b, "at": at}
                for (s, n), r, b, at in ROWS
            ],
        )
    yield store
    store.close()


def expected(key: tuple[BudgetScope, str], now: datetime) -> int:
    window = DAY if key == ENCLAVE else HOUR
    return sum(size for k, _, size, at in ROWS if k == key and at > now - window)


def test_upgrade_counts_existing_reservations(store_at_0009: SqlStore) -> None:
    store = store_at_0009
    store.migrate()
    store.check_ready()
    u = schema.budget_usage
    with store.engine.connect() as connection:
        rows = connection.execute(select(u.c.request_id, u.c.scope, u.c.at, u.c.expires_at))
        for request_id, scope, at, expires_at in rows:
            if scope == "project":  # no budget: expires at once, recounted if one is set
                assert expires_at == at, request_id
            else:
                assert expires_at - at == (DAY if scope == "enclave" else HOUR), request_id
    for now in (T0, T0 - DAY + HOUR, T0 + timedelta(minutes=50), T0 + HOUR, T0 - 3 * DAY):
        checks = store.budgets.reserve([ENCLAVE, RITA, DEMO], "probe", 0, now)
        assert {c.budget.key: c.used_bytes for c in checks} == {
            ENCLAVE: expected(ENCLAVE, now),
            RITA: expected(RITA, now),
        }, now
        for key in (ENCLAVE, RITA):
            assert store.budgets.used(key, now) == expected(key, now)
        store.budgets.release("probe")


def test_downgrade_and_upgrade_again(store_at_0009: SqlStore) -> None:
    store = store_at_0009
    store.migrate()
    store.budgets.reserve([ENCLAVE, RITA], "e", 5, T0)
    with store.engine.begin() as connection:
        migrate(connection, "0009", down=True)
    store.migrate()
    checks = store.budgets.reserve([ENCLAVE, RITA], "probe", 0, T0)
    assert {c.budget.key: c.used_bytes for c in checks} == {
        ENCLAVE: expected(ENCLAVE, T0) + 5,
        RITA: expected(RITA, T0) + 5,
    }
