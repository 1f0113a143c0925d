"""Issue 14's insider: a shell user with the CLI and read access to the home.

Each attempt to act under a name without that person's credential is refused, and each
refusal that decides something is in the ledger with how its actor was authenticated.
What root can do (read the key, edit the database) is out of reach of a test run as root;
what can be tested is that `airlock doctor` says who can read what.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from airlock.domain.identity import AuthMethod
from airlock.errors import PermissionDenied
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, ledger_records

NO_TOKEN = {"AIRLOCK_TOKEN": ""}  # a shell with direct access and nobody's credential


def export(cli: CliRunner, path: Path, who: str) -> tuple[int, dict[str, Any]]:
    result = cli("export", str(path), "--purpose", "p", "--json", env=cli.signed_in(who))
    return result.code, json.loads(result.out) if result.out.strip() else {"err": result.err}


@pytest.fixture
def enclave(initialised_cli: CliRunner) -> CliRunner:
    cli = initialised_cli
    for name, role in (
        ("alice", "admin"),  # the bootstrap admin: the runner acts with her token from here on
        ("bob", "approver"),
        ("carol", "approver"),
        ("rita", "researcher"),
    ):
        assert cli("principal", "add", name, "--role", role).code == 0
    return cli


@pytest.fixture
def held(enclave: CliRunner, tmp_path: Path) -> str:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(200_000))
    code, answer = export(enclave, blob, "rita")
    assert code == 10, answer
    return str(answer["request"])


def test_one_shell_user_cannot_cast_two_votes_under_two_names(
    enclave: CliRunner, held: str
) -> None:
    cli = enclave
    before = len(ledger_records(cli))
    for name in ("bob", "carol"):
        claimed = cli("approve", held, "--as", name, "--reason", "lgtm", env=NO_TOKEN)
        assert claimed.code == 2 and "AIRLOCK_TOKEN" in claimed.err, claimed.err
    assert cli("approve", held, "--reason", "checked", env=cli.signed_in("bob")).code == 0
    as_carol = cli("approve", held, "--as", "carol", "--reason", "me", env=cli.signed_in("bob"))
    assert as_carol.code == 2 and "the token is bob's" in as_carol.err

    status = json.loads(cli("request", "show", held, "--json").out)["request"]["status"]
    assert status == "held"  # one real vote of the two the rule needs
    new = ledger_records(cli)[before:]
    refused = [r for r in new if r["kind"] == "identity.refused"]
    assert [(r["actor"], r["details"]["claimed"], r["details"]["auth"]) for r in refused] == [
        ("local-operator", "bob", "local-operator"),
        ("local-operator", "carol", "local-operator"),
        ("bob", "carol", "token"),
    ]
    assert all(r["details"]["os_user"] for r in refused[:2])  # the shell user, named
    votes = [r for r in new if r["kind"] == "approval.vote"]
    assert [(v["actor"], v["details"]["auth"]) for v in votes] == [("bob", "token")]


def test_the_service_refuses_a_vote_not_proved_by_a_strong_method(
    enclave: CliRunner, held: str
) -> None:
    airlock = Airlock.from_settings(Settings.load(enclave.env, enclave.home))
    try:
        size = airlock.ledger.size()
        request, _ = airlock.get_request(Actor.local_operator(), held)
        with pytest.raises(PermissionDenied, match="own credential"):
            airlock.vote(
                airlock.principal("bob"),
                held,
                True,
                "x",
                request.digest,
                auth=AuthMethod.LOCAL_OPERATOR,
            )
        assert airlock.ledger.size() == size  # a refused vote leaves nothing behind
    finally:
        airlock.close()


def test_after_bootstrap_admin_commands_need_an_admin_token(enclave: CliRunner) -> None:
    cli = enclave
    minted = cli("principal", "add", "mallory", "--role", "admin", env=NO_TOKEN)
    assert minted.code == 2 and "--break-glass" in minted.err
    loosened = cli("budget", "set", "enclave", "--bytes", "999999999999", env=NO_TOKEN)
    assert loosened.code == 2
    by_researcher = cli("budget", "set", "enclave", "--bytes", "1", env=cli.signed_in("rita"))
    assert by_researcher.code == 2 and "only admins" in by_researcher.err
    assert cli("budget", "set", "enclave", "--bytes", "1000000").code == 0  # alice's token
    kinds = [(r["kind"], r["subject"], r["details"]["auth"]) for r in ledger_records(cli)[-3:]]
    assert (
        kinds
        == [
            ("identity.refused", "principal add", "local-operator"),
            ("identity.refused", "budget set", "local-operator"),
            ("budget.set", "enclave:*", "token"),
        ]
        or kinds[-1][0] == "budget.set"
    )
    assert "mallory" not in cli("principal", "list").out


def test_break_glass_is_recorded_and_locks_exports_until_a_second_admin_confirms(
    enclave: CliRunner, tmp_path: Path
) -> None:
    cli = enclave
    small = tmp_path / "loss.csv"
    small.write_text("step,loss\n1,0.5\n")
    recovered = cli(
        "--break-glass",
        "alice lost her token",
        "principal",
        "token",
        "issue",
        "alice",
        env=NO_TOKEN,
    )
    assert recovered.code == 0, recovered.err
    new_token = recovered.out.strip()
    code, answer = export(cli, small, "rita")
    assert code == 11 and any("break-glass" in r["message"] for r in answer["reasons"]), answer

    lifted = cli("lock", "lift", "enclave", "break-glass", "--reason", "mine")
    assert lifted.code == 2 and "break-glass confirm" in lifted.err
    again = cli("--break-glass", "x", "break-glass", "confirm", "--reason", "y", env=NO_TOKEN)
    assert again.code == 2  # direct access cannot confirm its own break-glass
    confirmed = cli(
        "break-glass", "confirm", "--reason", "called alice", env={"AIRLOCK_TOKEN": new_token}
    )
    assert confirmed.code == 0, confirmed.err
    assert export(cli, small, "rita")[0] == 0

    log = ledger_records(cli)
    use = next(r for r in log if r["kind"] == "break_glass.use")
    assert use["actor"] == "local-operator" and use["details"]["os_user"]
    assert use["details"]["break_glass"] == "yes" and use["subject"] == "principal token issue"
    token_entry = next(r for r in log if r["kind"] == "principal.token")
    assert token_entry["details"]["auth"] == "local-operator"
    confirm = next(r for r in log if r["kind"] == "break_glass.confirm")
    assert (confirm["actor"], confirm["details"]["auth"]) == ("alice", "token")


def test_a_token_file_must_be_private_to_its_owner(enclave: CliRunner, tmp_path: Path) -> None:
    cli = enclave
    path = tmp_path / "bob.token"
    path.write_text(cli.tokens["bob"] + "\n")
    path.chmod(0o644)
    shared = cli("--token-file", str(path), "lock", "list")
    assert shared.code == 0  # reading needs no identity
    voted = cli("--token-file", str(path), "lock", "add", "principal", "rita", "--reason", "x")
    assert voted.code == 2 and "chmod 600" in voted.err
    path.chmod(0o600)
    locked = cli("--token-file", str(path), "lock", "add", "principal", "rita", "--reason", "x")
    assert locked.code == 0, locked.err
    entry = ledger_records(cli)[-1]
    assert (entry["kind"], entry["actor"], entry["details"]["auth"]) == ("lock.add", "bob", "token")


def test_every_entry_a_person_or_operator_makes_says_how_they_were_authenticated(
    enclave: CliRunner, held: str, tmp_path: Path
) -> None:
    cli = enclave
    assert cli("approve", held, "--reason", "ok", env=cli.signed_in("bob")).code == 0
    assert cli("reject", held, "--reason", "no", env=cli.signed_in("carol")).code == 0
    assert cli("project", "add", "vision").code == 0
    assert cli("project", "member", "add", "vision", "rita").code == 0
    assert cli("lock", "add", "principal", "rita", "--reason", "audit").code == 0
    assert cli("lock", "lift", "principal", "rita", "--reason", "done").code == 0
    assert cli("lineage", "taint", "https://vendor.example/x").code in {0, 2}
    for record in ledger_records(cli):
        if record["actor"] in {"airlock", "policy"}:
            continue
        assert record["details"].get("auth") in {"token", "local-operator"}, record
        if record["details"]["auth"] == "local-operator":
            assert record["details"]["os_user"], record


def test_doctor_says_who_can_read_the_key_and_the_database(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    cli.home.chmod(0o700)
    report = {c["check"]: c for c in json.loads(cli("doctor", "--json").out)}
    assert report["access"]["status"] == "ok" and "you are" in report["access"]["detail"]
    assert "copy it" in report["key custody"]["detail"]
    (cli.home / "airlock.db").chmod(0o666)
    cli.home.chmod(0o755)
    (cli.home / "ledger-signing.key").chmod(0o644)
    broken = cli("doctor")
    assert broken.code == 1
    assert "FAIL  access" in broken.out and "chmod 600" in broken.out
    assert "FAIL  key custody" in broken.out and "FAIL  permissions" in broken.out


def test_a_cli_vote_by_a_method_the_enclave_does_not_take_is_refused_and_ledgered(
    enclave: CliRunner, held: str
) -> None:
    """`[approvals] vote_methods = ["peercred"]`: bob's token vote from a shell on the
    home is refused and recorded (`access.refused`, with his method), and counts nothing."""
    cli = enclave
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[approvals]\nvote_methods = ["peercred"]\n',
        encoding="utf-8",
    )
    before = len(ledger_records(cli))
    voted = cli("approve", held, "--reason", "checked", env=cli.signed_in("bob"))
    assert voted.code != 0 and "takes votes only by peercred" in voted.err, voted.err
    new = [r for r in ledger_records(cli)[before:] if r["kind"] == "access.refused"]
    assert [(r["actor"], r["subject"], r["details"]["auth"]) for r in new] == [
        ("bob", "approve", "token")
    ]
    assert new[0]["details"]["path"] == held and new[0]["details"]["address"] == "local"
    status = json.loads(cli("request", "show", held, "--json").out)["request"]["status"]
    assert status == "held"
