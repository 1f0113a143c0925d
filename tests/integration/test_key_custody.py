"""The ledger key in a PKCS#11 token (SoftHSM2): it signs there and never enters the home."""

from __future__ import annotations

import base64
import json
import tomllib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from airlock.errors import ConfigError
from airlock.key_custody import open_pkcs11_key
from tests.support.gateway import CliRunner
from tests.support.softhsm import SoftHsm


def test_a_token_key_signs_checkpoints_and_seals_and_stays_out_of_the_home(
    cli: CliRunner, softhsm: SoftHsm, tmp_path: Path
) -> None:
    init = cli("init", "--enclave-name", "hsm-east", "--signing-key", softhsm.uri())
    assert init.code == 0, init.err
    assert not (cli.home / "ledger-signing.key").exists()  # nothing to copy from the home
    config = tomllib.loads((cli.home / "config.toml").read_text())
    assert config["ledger"]["signing_key"] == softhsm.uri()

    assert cli("principal", "add", "alice", "--role", "admin").code == 0
    assert cli("project", "add", "monitor").code == 0
    checkpoint = cli("ledger", "checkpoint")
    assert checkpoint.code == 0, checkpoint.err
    verified = cli("ledger", "verify")
    assert verified.code == 0 and "ledger ok" in verified.out, verified.err

    # The published verifier key is the token's public key, and it checks the note.
    name, _, encoded = (cli.home / "ledger.pub").read_text().strip().partition("+")
    token_key = open_pkcs11_key(softhsm.uri()).public_key()
    assert token_key.public_bytes_raw() in base64.b64decode(encoded.partition("+")[2])
    assert name == "hsm-east"
    receipt = tmp_path / "r.json"
    assert cli("ledger", "receipt", "0", "-o", str(receipt)).code == 0
    checked = cli(
        "ledger", "verify-receipt", str(receipt), "--key", (cli.home / "ledger.pub").read_text()
    )
    assert checked.code == 0, checked.err


def test_the_token_key_is_deterministic_and_not_extractable(softhsm: SoftHsm) -> None:
    key = open_pkcs11_key(softhsm.uri())
    signature = key.sign(b"checkpoint body")
    assert key.sign(b"checkpoint body") == signature  # seal keys derive from this (RFC 8032)
    key.public_key().verify(signature, b"checkpoint body")
    assert isinstance(key.public_key(), Ed25519PublicKey)
    assert not hasattr(key, "private_bytes")


def test_an_open_pin_file_a_wrong_label_or_a_backup_of_the_key_is_refused(
    cli: CliRunner, softhsm: SoftHsm, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="cannot open the ledger key"):
        open_pkcs11_key(softhsm.uri(label="no-such-key"))
    softhsm.pin_file.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        open_pkcs11_key(softhsm.uri())
    softhsm.pin_file.chmod(0o600)

    assert cli("init", "--signing-key", softhsm.uri()).code == 0
    backup = cli(
        "backup",
        str(tmp_path / "b"),
        "--include-private-key",
        env={"AIRLOCK_BACKUP_PASSPHRASE": "correct horse battery staple"},
    )
    assert backup.code != 0 and "cannot be exported" in backup.err
    doctor = cli("doctor", "--json")
    custody = {c["check"]: c for c in json.loads(doctor.out)}["key custody"]
    assert custody["status"] == "ok" and "PKCS#11" in custody["detail"], custody
