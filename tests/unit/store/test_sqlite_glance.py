"""`airlock status` on SQLite reads the store with the standard library alone (issue 13's
0.3 s CLI). These tests hold that glance equal to the SQLAlchemy facade's status on a
populated store, refuse what the facade refuses, and never write to the database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from airlock.errors import StoreError
from airlock.render.json import render_json
from airlock.service import Airlock
from airlock.settings import Settings
from airlock.store.revision import SCHEMA_REVISION
from airlock.store.sqlite_glance import glance, sqlite_file
from tests.support.gateway import CliRunner


def _facade_status(cli: CliRunner) -> object:
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        return json.loads(render_json(airlock.status()))
    finally:
        airlock.close()


def _database(cli: CliRunner) -> Path:
    path = sqlite_file(Settings.load(cli.env, cli.home).database_url)
    assert path is not None
    return path


@pytest.fixture
def populated(initialised_cli: CliRunner, tmp_path: Path) -> CliRunner:
    cli = initialised_cli
    for name, role in (("alice", "admin"), ("bob", "approver"), ("rita", "researcher")):
        assert cli("principal", "add", name, "--role", role).code == 0
    assert cli("project", "add", "vision").code == 0
    for argv in (
        ("budget", "set", "enclave", "--bytes", "1000000000", "--window", "1d"),
        ("budget", "set", "principal", "*", "--bytes", "50000000", "--window", "1d"),
        ("budget", "set", "principal", "bob", "--bytes", "70000000", "--window", "12h"),
    ):
        assert cli(*argv).code == 0, cli(*argv).err
    weights = tmp_path / "model.bin"
    weights.write_bytes(os.urandom(3_000_000))
    assert cli("weights", "register", str(weights), "--name", "frontier-7b").code == 0
    plot = tmp_path / "notes.txt"
    plot.write_text("loss went down\n" * 20)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(300_000))
    for path in (plot, blob):  # one released (and an inherited '*' row for rita), one held
        result = cli("export", str(path), "--purpose", "p", env=cli.signed_in("rita"))
        assert result.code in (0, 10), result.err
    return cli


def test_status_by_glance_equals_the_facades(populated: CliRunner) -> None:
    result = populated("status", "--json")
    assert result.code == 0, result.err
    by_glance = json.loads(result.out)
    assert by_glance == _facade_status(populated)
    assert by_glance["principals"] == 3 and by_glance["projects"] == 1
    assert by_glance["exfiltration"] and by_glance["exfiltration"][0]["model"] == "frontier-7b"
    assert sum(by_glance["requests_by_status"].values()) == 2


def test_the_glance_does_not_load_sqlalchemy(populated: CliRunner) -> None:
    # In a fresh interpreter: this one has imported SQLAlchemy for the fixture.
    probe = (
        "import sys; from pathlib import Path; from airlock.store.sqlite_glance import glance; "
        f"glance(Path({str(_database(populated))!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_glance_never_writes(populated: CliRunner) -> None:
    # A WAL reader may create the empty -wal/-shm side files; it must change no byte that
    # holds data: neither the database file nor a log that existed before.
    path = _database(populated)
    before = {p: p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()}
    glance(path)
    assert {p: p.read_bytes() for p in before} == before


def test_a_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match="airlock init"):
        glance(missing)
    assert not missing.exists()


def test_an_unmigrated_database_is_refused_like_the_facade_refuses_it(
    populated: CliRunner,
) -> None:
    path = _database(populated)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    with pytest.raises(StoreError, match=f"revision 0001, airlock needs {SCHEMA_REVISION}"):
        glance(path)
    result = populated("status")
    assert result.code != 0 and "airlock init" in result.err


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot read the database"):
        glance(junk)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////var/lib/airlock/airlock.db", Path("/var/lib/airlock/airlock.db")),
        ("sqlite:///:memory:", None),
        ("sqlite:////x.db?mode=ro", None),
        ("sqlite+pysqlite:////x.db", None),
        ("postgresql+psycopg://u@127.0.0.1/airlock", None),
    ],
)
def test_only_plain_sqlite_urls_take_the_glance(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected
