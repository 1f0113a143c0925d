"""The CLI as a client of the gateway ($AIRLOCK_URL): a shell with nothing but a token
exports and votes through the gateway, which records the token-authenticated actor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airlock.domain.principals import Role
from airlock.service import Actor
from tests.support.gateway import CliRunner, Gateway


def test_a_shell_with_only_a_token_exports_and_votes_through_the_gateway(
    gateway: Gateway, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tokens = {
        name: gateway.airlock.add_principal(Actor.local_operator(), name, role).token
        for name, role in (("rita", Role.RESEARCHER), ("bob", Role.APPROVER))
    }
    # No AIRLOCK_HOME that exists: this shell cannot read the key or the database.
    shell = CliRunner(tmp_path / "no-home", capsys, {"AIRLOCK_URL": gateway.url})
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(100_000))
    held = shell("export", str(blob), "--purpose", "p", env={"AIRLOCK_TOKEN": tokens["rita"]})
    assert held.code == 10, held.err
    request = held.out.split(":")[0]

    nameless = shell("approve", request, "--as", "bob", "--reason", "x")
    assert nameless.code == 2 and "AIRLOCK_TOKEN" in nameless.err
    impostor = shell(
        "approve", request, "--as", "carol", "--reason", "x", env={"AIRLOCK_TOKEN": tokens["bob"]}
    )
    assert impostor.code == 2 and "bob's" in impostor.err
    own = shell(
        "approve", request, "--as", "bob", "--reason", "ok", env={"AIRLOCK_TOKEN": tokens["rita"]}
    )
    assert own.code == 2  # rita's token is not bob's
    voted = shell("approve", request, "--reason", "ok", env={"AIRLOCK_TOKEN": tokens["bob"]})
    assert voted.code == 0 and "held" in voted.out, voted.err
    again = shell("approve", request, "--reason", "again", env={"AIRLOCK_TOKEN": tokens["bob"]})
    assert again.code == 2 and "409" in again.err  # the gateway refuses a second vote

    ledger = gateway.airlock.ledger
    vote = ledger.record(ledger.size() - 1)
    assert vote["kind"] == "approval.vote" and vote["actor"] == "bob"
    details = vote["details"]
    assert isinstance(details, dict) and details["auth"] == "token"
    assert not (tmp_path / "no-home").exists()
