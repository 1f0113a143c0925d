"""Tampering with the ledger's rows outside airlock is caught by `airlock ledger verify`.

Runs on a real SQLite file and on PostgreSQL: the attacker has full database access but
not the ledger signing key in the airlock home.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text

from airlock.store.sql import create_store_engine
from tests.support.gateway import CliRunner

Tamper = Callable[[Connection], None]


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_cli(request: pytest.FixtureRequest, cli: CliRunner) -> tuple[CliRunner, str]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = url
    else:
        url = f"sqlite:///{cli.home / 'airlock.db'}"
    assert cli("init").code == 0
    for name in ("ann", "bob", "cat"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("ledger", "checkpoint").code == 0
    for name in ("p1", "p2", "p3"):
        assert cli("project", "add", name).code == 0
    assert cli("ledger", "checkpoint").code == 0
    assert cli("project", "add", "p4").code == 0  # one entry past the last checkpoint
    return cli, url


def tamper(url: str, action: Tamper) -> None:
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            action(connection)
    finally:
        engine.dispose()


def body_of(connection: Connection, index: int) -> bytes:
    return bytes(
        connection.execute(
            text("SELECT body FROM ledger_entries WHERE idx = :i"), {"i": index}
        ).scalar_one()
    )


def edit_entry(connection: Connection) -> None:
    body = body_of(connection, 4).replace(b'"p2"', b'"px"')
    connection.execute(text("UPDATE ledger_entries SET body = :b WHERE idx = 4"), {"b": body})


def delete_entry(connection: Connection) -> None:
    connection.execute(text("DELETE FROM ledger_entries WHERE idx = 2"))


def reorder_entries(connection: Connection) -> None:
    rows = connection.execute(
        text("SELECT idx, body, seal FROM ledger_entries WHERE idx IN (3, 5) ORDER BY idx")
    ).all()
    for (idx, _, _), (_, body, seal) in zip(rows, reversed(rows), strict=True):
        connection.execute(
            text("UPDATE ledger_entries SET body = :b, seal = :s WHERE idx = :i"),
            {"b": bytes(body), "s": bytes(seal), "i": idx},
        )


def append_entry_beyond_head(connection: Connection) -> None:
    body = body_of(connection, 6).replace(b'"p4"', b'"p5"')
    connection.execute(
        text(
            "INSERT INTO ledger_entries (idx, body, seal, appended_at) "
            "SELECT 7, :b, seal, appended_at FROM ledger_entries WHERE idx = 6"
        ),
        {"b": body},
    )


def append_entry_and_move_head(connection: Connection) -> None:
    append_entry_beyond_head(connection)
    connection.execute(text("UPDATE ledger_head SET size = 8 WHERE id = 1"))


def rewrite_checkpoint(connection: Connection) -> None:
    note = connection.execute(
        text("SELECT note FROM ledger_checkpoints WHERE size = 6")
    ).scalar_one()
    connection.execute(
        text("UPDATE ledger_checkpoints SET note = :n WHERE size = 6"),
        {"n": note.replace("\n6\n", "\n5\n")},
    )


def edit_interior_node(connection: Connection) -> None:
    connection.execute(
        text("UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = 1"), {"h": b"\x00" * 32}
    )


CASES: list[tuple[Tamper, int | None]] = [
    (edit_entry, 4),
    (delete_entry, 2),
    (reorder_entries, 3),
    (append_entry_beyond_head, 7),
    (append_entry_and_move_head, 7),
    (rewrite_checkpoint, None),
    (edit_interior_node, 3),  # node (1, 1) is completed by entry 3
]


def test_untouched_ledger_verifies(ledger_cli: tuple[CliRunner, str]) -> None:
    cli, _ = ledger_cli
    result = cli("ledger", "verify")
    assert result.code == 0, result.err
    assert "7 entries, 2 checkpoints verified" in result.out


@pytest.mark.parametrize(("action", "first_bad"), CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_detected_and_named(
    ledger_cli: tuple[CliRunner, str], action: Tamper, first_bad: int | None
) -> None:
    cli, url = ledger_cli
    tamper(url, action)
    result = cli("ledger", "verify")
    assert result.code == 1
    assert "TAMPERED" in result.err
    if first_bad is not None:
        assert f"first bad entry: {first_bad};" in result.err


def test_entries_record_who_did_what(ledger_cli: tuple[CliRunner, str]) -> None:
    cli, _ = ledger_cli
    shown = json.loads(cli("ledger", "show", "3").out)
    assert shown["record"]["kind"] == "project.add"
    assert shown["record"]["subject"] == "p1"
    assert shown["record"]["actor"] == "local-operator"
