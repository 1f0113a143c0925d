"""The ledger over HTTP, receipts checked offline, and a witness cosigning for real."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from airlock.home import load_signing_key
from airlock.ledger.checkpoints import (
    Checkpoint,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.proofs import verify_consistency, verify_inclusion
from airlock.ledger.signed_note import NoteSigner, VerifierKey, parse_note
from airlock.service import Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, Gateway, start_gateway


@pytest.fixture
def witness_dir(tmp_path: Path, initialised_cli: CliRunner) -> Path:
    state = tmp_path / "witness"
    made = initialised_cli("witness", "init", str(state), "--name", "witness.test")
    assert made.code == 0, made.err
    config = initialised_cli.home / "config.toml"
    config.write_text(
        config.read_text().replace(
            "[ledger]\n", f'[ledger]\nwitness_keys = ["{made.out.strip()}"]\n'
        )
    )
    return state


@pytest.fixture
def witnessed_gateway(witness_dir: Path, initialised_cli: CliRunner) -> Iterator[Gateway]:
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


def log_key(gateway: Gateway) -> VerifierKey:
    return gateway.airlock.ledger.verifier_key


def test_proofs_over_http_verify_against_signed_checkpoints(gateway: Gateway) -> None:
    base = gateway.airlock.ledger.size()
    with gateway.client(gateway.admin_token) as admin:
        for name in ("p1", "p2", "p3", "p4"):
            assert admin.post("/projects", json={"name": name}).status_code == 201
        small = admin.post("/ledger/checkpoint").text
        assert admin.post("/projects", json={"name": "p5"}).status_code == 201
        large = admin.post("/ledger/checkpoint").text
        entry = admin.get(f"/ledger/entries/{base + 2}").json()
    key = log_key(gateway)
    old = open_checkpoint(small, key).checkpoint
    new = open_checkpoint(large, key).checkpoint
    assert (old.size, new.size) == (base + 4, base + 5)
    with gateway.client() as anonymous:
        proof = anonymous.get(
            "/ledger/proofs/inclusion", params={"index": base + 2, "size": new.size}
        ).json()
        consistency = anonymous.get(
            "/ledger/proofs/consistency", params={"old": old.size, "new": new.size}
        ).json()
        assert anonymous.get(f"/ledger/entries/{base + 2}").status_code == 401
        missing = anonymous.get("/ledger/proofs/inclusion", params={"index": base + 99})
        assert missing.status_code == 400
    leaf = base64.b64decode(entry["leaf_hash"])
    verify_inclusion(
        base + 2, new.size, leaf, [base64.b64decode(p) for p in proof["inclusion_proof"]], new.root
    )
    verify_consistency(
        old.size,
        new.size,
        old.root,
        new.root,
        [base64.b64decode(p) for p in consistency["consistency_proof"]],
    )
    assert entry["record"]["kind"] == "project.add"


def test_receipt_from_http_verifies_offline(
    gateway: Gateway, initialised_cli: CliRunner, tmp_path: Path
) -> None:
    with gateway.client(gateway.admin_token) as admin:
        assert admin.post("/projects", json={"name": "monitor"}).status_code == 201
        index = gateway.airlock.ledger.size() - 1
        receipt = admin.get(f"/ledger/receipts/{index}")
    assert receipt.status_code == 200
    path = tmp_path / "receipt.json"
    path.write_bytes(receipt.content)
    key_text = log_key(gateway).encode()
    offline = initialised_cli(
        "ledger",
        "verify-receipt",
        str(path),
        "--key",
        key_text,
        env={"AIRLOCK_HOME": str(tmp_path / "no-home-needed")},
    )
    assert offline.code == 0, offline.err
    assert f"entry {index} (project.add by root-admin)" in offline.out
    path.write_bytes(receipt.content.replace(f'"index": {index}'.encode(), b'"index": 0'))
    assert initialised_cli("ledger", "verify-receipt", str(path), "--key", key_text).code == 12


def test_witness_cosigns_growth_and_refuses_a_fork(
    witnessed_gateway: Gateway, witness_dir: Path, initialised_cli: CliRunner
) -> None:
    gateway = witnessed_gateway
    with gateway.client(gateway.admin_token) as admin:
        made = admin.post(
            "/principals", json={"name": "witness-svc", "role": "service", "kind": "service"}
        )
        token = made.json()["token"]
    args = [
        "witness",
        "cosign",
        str(witness_dir),
        "--gateway",
        gateway.url,
        "--log-key",
        log_key(gateway).encode(),
        "--token",
        token,
    ]
    first = initialised_cli(*args)
    assert first.code == 0, first.err
    with gateway.client(gateway.admin_token) as admin:
        admin.post("/projects", json={"name": "grown"})
        admin.post("/ledger/checkpoint")
    second = initialised_cli(*args)
    assert second.code == 0, second.err
    with gateway.client() as anonymous:
        served = anonymous.get("/ledger/checkpoint").text
    witness_key = VerifierKey.parse(initialised_cli("witness", "key", str(witness_dir)).out)
    assert verify_cosignature(parse_note(served), witness_key) > 0

    # A forged checkpoint for the same size with another root, signed with the log key
    # (as a compromised gateway could), must be refused: the witness remembers the real one.
    size = gateway.airlock.ledger.size()
    signer = NoteSigner(log_key(gateway).name, load_signing_key(gateway.airlock.settings))
    forged = sign_checkpoint(Checkpoint(signer.name, size, hash_leaf(b"forged")), signer)
    state_file = witness_dir / "last-checkpoint.note"
    real = state_file.read_text()
    state_file.write_text(forged)
    refused = initialised_cli(*args)
    assert refused.code == 12
    assert "fork" in refused.err and "refusing to cosign" in refused.err
    assert state_file.read_text() == forged  # state unchanged by a refusal
    state_file.write_text(real)
