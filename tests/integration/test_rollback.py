"""Issue 22: a database rolled back or truncated under the gateway is caught by the
checkpoint the home's local witness retains outside it.

Runs on a real SQLite file and on PostgreSQL. The attacker deletes the ledger's tail
together with the checkpoint that covered it, which `ledger verify` alone used to accept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from airlock.api.app import create_app
from airlock.errors import LedgerIntegrityError
from airlock.local_witness import LAST_FILE, WITNESS_DIR
from airlock.service import Airlock
from airlock.settings import Settings
from airlock.store.sql import create_store_engine
from tests.support.gateway import CliRunner


@pytest.fixture(params=["sqlite", "postgresql"])
def home(request: pytest.FixtureRequest, cli: CliRunner) -> tuple[CliRunner, str]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = url
    else:
        url = f"sqlite:///{cli.home / 'airlock.db'}"
    assert cli("init").code == 0
    for name in ("ann", "bob"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("ledger", "checkpoint").code == 0
    return cli, url


def retained_size(cli: CliRunner) -> int:
    return int((cli.home / WITNESS_DIR / LAST_FILE).read_text().splitlines()[1])


def truncate(url: str, keep: int) -> None:
    """Drop every entry from ``keep`` on, the checkpoints covering them and the head."""
    engine = create_store_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("DELETE FROM ledger_entries WHERE idx >= :n"), {"n": keep})
            c.execute(text("DELETE FROM ledger_cosignatures WHERE size > :n"), {"n": keep})
            c.execute(text("DELETE FROM ledger_checkpoints WHERE size > :n"), {"n": keep})
            c.execute(text("DELETE FROM ledger_nodes WHERE level = 0 AND idx >= :n"), {"n": keep})
            c.execute(text("UPDATE ledger_head SET size = :n"), {"n": keep})
    finally:
        engine.dispose()


def open_airlock(cli: CliRunner) -> Airlock:
    return Airlock.from_settings(Settings.load(cli.env, cli.home))


def test_init_keeps_a_witness_that_retains_each_signed_checkpoint(
    home: tuple[CliRunner, str],
) -> None:
    cli, _ = home
    size = int(cli("ledger", "checkpoint").out.splitlines()[1])
    assert retained_size(cli) == size
    airlock = open_airlock(cli)
    try:
        note = airlock.ledger.cosigned_checkpoint()
    finally:
        airlock.close()
    assert note.count("\n— ") == 2, note  # the log's signature and the local witness's
    assert cli("ledger", "verify").code == 0


def test_truncated_log_is_reported_refused_and_its_receipts_fail(
    home: tuple[CliRunner, str], tmp_path: Path
) -> None:
    cli, url = home
    size = retained_size(cli)
    receipt = tmp_path / "last.json"
    assert cli("ledger", "receipt", str(size - 1), "--output", str(receipt)).code == 0
    key = str(cli.home / "ledger.pub")
    assert cli("ledger", "verify-receipt", str(receipt), "--key", key, "--live").code == 0

    truncate(url, size - 1)

    verified = cli("ledger", "verify")
    assert verified.code == 12
    assert f"covers {size}: the ledger was truncated or rolled back" in verified.err
    airlock = open_airlock(cli)
    try:
        with pytest.raises(LedgerIntegrityError, match="refusing to start"):
            create_app(airlock)
    finally:
        airlock.close()
    # Offline the receipt still proves the entry was logged once; live, it is gone.
    assert cli("ledger", "verify-receipt", str(receipt), "--key", key).code == 0
    live = cli("ledger", "verify-receipt", str(receipt), "--key", key, "--live")
    assert live.code != 0
    assert "truncated or rolled back" in live.err


def test_a_signed_checkpoint_smaller_than_the_retained_one_is_refused(
    home: tuple[CliRunner, str],
) -> None:
    cli, url = home
    size = retained_size(cli)
    truncate(url, size - 1)
    signed = cli("ledger", "checkpoint")  # the witness refuses to cosign a rollback
    assert signed.code != 0
    assert "rollback" in signed.err
    assert retained_size(cli) == size


def test_rewritten_tail_of_the_same_length_is_reported(home: tuple[CliRunner, str]) -> None:
    cli, url = home
    engine = create_store_engine(url)
    try:
        with engine.begin() as c:
            c.execute(
                text("UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND idx = 0"),
                {"h": b"\x01" * 32},
            )
            c.execute(text("DELETE FROM ledger_nodes WHERE level > 0"))
            c.execute(text("DELETE FROM ledger_checkpoints"))
    finally:
        engine.dispose()
    verified = cli("ledger", "verify")
    assert verified.code == 12
    assert "retained" in verified.err, verified.err


def test_a_witness_added_to_an_older_home_retains_the_latest_checkpoint(
    cli: CliRunner,
) -> None:
    assert cli("init", "--no-local-witness").code == 0
    assert cli("principal", "add", "ann", "--role", "approver").code == 0
    size = int(cli("ledger", "checkpoint").out.splitlines()[1])
    assert not (cli.home / WITNESS_DIR).exists()
    assert cli("init").code == 0  # the upgrade: init again, with the default witness
    assert retained_size(cli) == size
    assert cli("ledger", "verify").code == 0
