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

Tamper = Callable[[Connection, int], None]  # (connection, index of the first test entry)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_cli(request: pytest.FixtureRequest, cli: CliRunner) -> tuple[CliRunner, str, int]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = url
    else:
        url = f"sqlite:///{cli.home / 'airlock.db'}"
    assert cli("init").code == 0
    base = int(cli("ledger", "checkpoint").out.splitlines()[1])  # entries init wrote
    for name in ("ann", "bob", "cat"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("ledger", "checkpoint").code == 0
    for name in ("p1", "p2", "p3"):
        assert cli("project", "add", name).code == 0
    assert cli("ledger", "checkpoint").code == 0
    assert cli("project", "add", "p4").code == 0  # one entry past the last checkpoint
    return cli, url, base


def tamper(url: str, action: Tamper, base: int) -> None:
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            action(connection, base)
    finally:
        engine.dispose()


def body_of(connection: Connection, index: int) -> bytes:
    return bytes(
        connection.execute(
            text("SELECT body FROM ledger_entries WHERE idx = :i"), {"i": index}
        ).scalar_one()
    )


def edit_entry(connection: Connection, base: int) -> None:
    body = body_of(connection, base + 4).replace(b'"p2"', b'"px"')
    connection.execute(
        text("UPDATE ledger_entries SET body = :b WHERE idx = :i"), {"b": body, "i": base + 4}
    )


def delete_entry(connection: Connection, base: int) -> None:
    connection.execute(text("DELETE FROM ledger_entries WHERE idx = :i"), {"i": base + 2})


def reorder_entries(connection: Connection, base: int) -> None:
    rows = connection.execute(
        text("SELECT idx, body, seal FROM ledger_entries WHERE idx IN (:a, :b) ORDER BY idx"),
        {"a": base + 3, "b": base + 5},
    ).all()
    for (idx, _, _), (_, body, seal) in zip(rows, reversed(rows), strict=True):
        connection.execute(
            text("UPDATE ledger_entries SET body = :b, seal = :s WHERE idx = :i"),
            {"b": bytes(body), "s": bytes(seal), "i": idx},
        )


def append_entry_beyond_head(connection: Connection, base: int) -> None:
    body = body_of(connection, base + 6).replace(b'"p4"', b'"p5"')
    connection.execute(
        text(
            "INSERT INTO ledger_entries (idx, body, seal, appended_at) "
            "SELECT :new, :b, seal, appended_at FROM ledger_entries WHERE idx = :old"
        ),
        {"b": body, "new": base + 7, "old": base + 6},
    )


def append_entry_and_move_head(connection: Connection, base: int) -> None:
    append_entry_beyond_head(connection, base)
    connection.execute(text("UPDATE ledger_head SET size = :s WHERE id = 1"), {"s": base + 8})


def rewrite_checkpoint(connection: Connection, base: int) -> None:
    size = base + 6
    note = connection.execute(
        text("SELECT note FROM ledger_checkpoints WHERE size = :s"), {"s": size}
    ).scalar_one()
    connection.execute(
        text("UPDATE ledger_checkpoints SET note = :n WHERE size = :s"),
        {"n": note.replace(f"\n{size}\n", f"\n{size - 1}\n"), "s": size},
    )


def right_child_after(base: int) -> int:
    """The first test entry at an odd index: it completes a level-1 node."""
    return base + 3 if (base + 3) % 2 else base + 4


def edit_interior_node(connection: Connection, base: int) -> None:
    connection.execute(
        text("UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = :i"),
        {"h": b"\x00" * 32, "i": right_child_after(base) // 2},
    )


CASES: list[tuple[Tamper, Callable[[int], int] | None]] = [
    (edit_entry, lambda base: base + 4),
    (delete_entry, lambda base: base + 2),
    (reorder_entries, lambda base: base + 3),
    (append_entry_beyond_head, lambda base: base + 7),
    (append_entry_and_move_head, lambda base: base + 7),
    (rewrite_checkpoint, None),
    (edit_interior_node, right_child_after),
]


def test_untouched_ledger_verifies(ledger_cli: tuple[CliRunner, str, int]) -> None:
    cli, _, base = ledger_cli
    result = cli("ledger", "verify")
    assert result.code == 0, result.err
    assert f"{base + 7} entries, 3 checkpoints verified" in result.out


@pytest.mark.parametrize(("action", "first_bad"), CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_detected_and_named(
    ledger_cli: tuple[CliRunner, str, int], action: Tamper, first_bad: Callable[[int], int] | None
) -> None:
    cli, url, base = ledger_cli
    tamper(url, action, base)
    result = cli("ledger", "verify")
    assert result.code == 12
    assert "TAMPERED" in result.err
    if first_bad is not None:
        assert f"first bad entry: {first_bad(base)};" in result.err


def test_entries_record_who_did_what(ledger_cli: tuple[CliRunner, str, int]) -> None:
    cli, _, base = ledger_cli
    shown = json.loads(cli("ledger", "show", str(base + 3)).out)
    assert shown["record"]["kind"] == "project.add"
    assert shown["record"]["subject"] == "p1"
    assert shown["record"]["actor"] == "local-operator"
