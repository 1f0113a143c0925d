"""Backup while exports run, destroy the home, restore: nothing acknowledged is lost, and a
tampered or stale backup is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.home import load_signing_key
from airlock.ledger.checkpoints import cosign
from airlock.ledger.signed_note import COSIGNATURE_V1, NoteSigner
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.conftest import reset_postgres
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.waiting import wait_until

PASSPHRASE = {"AIRLOCK_BACKUP_PASSPHRASE": "correct horse battery staple"}
WITNESS = NoteSigner("witness.test", Ed25519PrivateKey.generate(), COSIGNATURE_V1)


def _export(http: httpx.Client, i: int) -> str:
    answer = http.post(
        "/exports", files={"file": (f"{i}.csv", f"a,b\n{i},2\n".encode())}, data={"purpose": "t"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["request"]["id"])


def _witnessed_checkpoint(airlock: Airlock, path: Path) -> int:
    signed = airlock.ledger.checkpoint()
    line = cosign(signed.checkpoint.body(), WITNESS, int(time.time()))
    airlock.accept_cosignature(Actor.local_operator(), signed.text + line)
    path.write_text(airlock.ledger.cosigned_checkpoint())
    return signed.checkpoint.size


def _restore(cli: CliRunner, backup: Path, checkpoint: Path) -> tuple[int, str]:
    done = cli("restore", str(backup), "--checkpoint", str(checkpoint), env=PASSPHRASE)
    return done.code, done.out + done.err


def _destroy(cli: CliRunner, database_url: str | None) -> None:
    shutil.rmtree(cli.home)
    if database_url is not None:
        reset_postgres(database_url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_backup_under_load_then_restore_keeps_every_acknowledged_decision(
    cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    if database_url:
        cli.env["AIRLOCK_DATABASE_URL"] = database_url
    assert cli("init").code == 0
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text().replace(
            "[ledger]\n", f'[ledger]\nwitness_keys = ["{WITNESS.verifier.encode()}"]\n'
        )
    )
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    backup, witnessed, newer = tmp_path / "backup", tmp_path / "w1.note", tmp_path / "w2.note"
    acknowledged: list[str] = []
    stop = threading.Event()
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    with contextlib.contextmanager(start_gateway)(airlock) as gateway:
        gw: Gateway = gateway
        with httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {token}"}) as http:
            acknowledged += [_export(http, i) for i in range(5)]
        _witnessed_checkpoint(airlock, witnessed)

        def keep_exporting() -> None:
            with httpx.Client(
                base_url=gw.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as http:
                i = 100
                while not stop.is_set():
                    acknowledged.append(_export(http, i))
                    i += 1

        load = threading.Thread(target=keep_exporting)
        load.start()
        try:
            # The backup starts once the load is running, however slow the machine is.
            wait_until(lambda: len(acknowledged) > 5, "exports to run beside the backup")
            before_backup = list(acknowledged)
            made = cli("backup", str(backup), "--include-private-key", env=PASSPHRASE)
            assert made.code == 0, made.err
        finally:
            stop.set()
            load.join()
        with httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {token}"}) as http:
            _export(http, 999)  # decided after the backup, then witnessed
        newer_size = _witnessed_checkpoint(airlock, newer)
    airlock.close()
    assert len(before_backup) > 5, "the exports did not run during the backup"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["ledger_size"] >= 5

    if database_url:
        # The database still holds the live store: a restore must refuse, and leave it be.
        other = tmp_path / "other-home"
        refused = cli(
            "--home",
            str(other),
            "restore",
            str(backup),
            "--checkpoint",
            str(witnessed),
            env=PASSPHRASE,
        )
        assert refused.code != 0 and "already holds an airlock store" in refused.err
        assert cli("ledger", "verify").code == 0
        assert not other.exists()
    _destroy(cli, database_url)
    # Stale: a witness has cosigned more than the backup holds.
    code, said = _restore(cli, backup, newer)
    assert code != 0 and "would lose" in said, said
    assert not cli.home.exists() or not any(cli.home.iterdir())

    # Tampered: one artifact's bytes changed (its digest no longer matches the manifest).
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    blob = next((tampered / "outbox").iterdir())
    blob.write_bytes(blob.read_bytes() + b"\n")
    code, said = _restore(cli, tampered, witnessed)
    assert code != 0 and "does not match" in said, said
    # Tampered consistently: the database and a manifest digest both rewritten, unsigned.
    forged = tmp_path / "forged"
    shutil.copytree(backup, forged)
    database = forged / manifest["database_file"]
    database.write_bytes(database.read_bytes() + b"\0" * 16)
    listed = json.loads((forged / "manifest.json").read_text())
    for entry in listed["files"]:
        if entry["path"] == manifest["database_file"]:
            entry["sha256"] = hashlib.sha256(database.read_bytes()).hexdigest()
            entry["size"] = database.stat().st_size
    (forged / "manifest.json").write_text(json.dumps(listed))
    code, said = _restore(cli, forged, witnessed)
    assert code != 0 and "signature does not verify" in said, said

    code, said = _restore(cli, backup, witnessed)
    assert code == 0, said
    assert "contains the witnessed checkpoint" in said
    assert cli("ledger", "verify").code == 0
    restored = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        for rid in before_backup:
            _, decisions = restored.get_request(Actor.local_operator(), rid)
            assert decisions, f"acknowledged {rid} lost its decision"
        for r in restored.list_requests(Actor.local_operator(), limit=10_000):
            data = (cli.home / "outbox" / r.digest).read_bytes()
            assert hashlib.sha256(data).hexdigest() == r.digest
        assert restored.ledger.size() < newer_size
    finally:
        restored.close()


def test_a_backup_whose_ledger_was_rewritten_and_resigned_is_refused(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    """Even with the manifest re-signed by the real key (an insider), an edited ledger row
    fails the replay of seals and hashes."""
    cli = initialised_cli
    for name in ("alpha", "beta", "gamma"):
        assert cli("project", "add", name).code == 0
    backup = tmp_path / "backup"
    assert cli("backup", str(backup)).code == 0
    key_file = tmp_path / "escrow.pem"
    shutil.copyfile(cli.home / "ledger-signing.key", key_file)
    key = load_signing_key(Settings.load(cli.env, cli.home))
    database = backup / "database.sqlite"
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        body = bytes(db.execute("SELECT body FROM ledger_entries WHERE idx = 1").fetchone()[0])
        edited = body.replace(b'"v":1', b'"v":2')
        assert edited != body
        db.execute("UPDATE ledger_entries SET body = ? WHERE idx = 1", (edited,))
    listed = json.loads((backup / "manifest.json").read_text())
    for entry in listed["files"]:
        if entry["path"] == "database.sqlite":
            entry["sha256"] = hashlib.sha256(database.read_bytes()).hexdigest()
            entry["size"] = database.stat().st_size
    data = (json.dumps(listed, indent=1, sort_keys=True) + "\n").encode()
    (backup / "manifest.json").write_bytes(data)
    (backup / "manifest.sig").write_text(key.sign(data).hex())
    shutil.rmtree(cli.home)
    refused = cli("restore", str(backup), "--unwitnessed", "--signing-key", str(key_file))
    assert refused.code != 0
    assert "ledger does not verify" in refused.err and "entry 1" in refused.err, refused.err
    assert not cli.home.exists()
