"""The CLI as an operator uses it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from airlock.cli.main import cli as root_group
from airlock.ledger.signed_note import VerifierKey
from tests.support.gateway import CliRunner


def test_help_lists_command_groups_and_each_has_help(cli: CliRunner) -> None:
    result = cli("--help")
    assert result.code == 0
    for group in (
        "init",
        "serve",
        "status",
        "principal",
        "project",
        "request",
        "policy",
        "ledger",
        "witness",
    ):
        assert group in result.out
    for name in root_group.commands:
        sub = cli(name, "--help")
        assert sub.code == 0, name
        assert "Usage:" in sub.out


def test_init_creates_home_with_private_key_and_is_idempotent(cli: CliRunner) -> None:
    first = cli("init", "--enclave-name", "weights-east")
    assert first.code == 0, first.err
    key = cli.home / "ledger-signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    original = key.read_bytes()
    sampling = cli.home / "sampling.key"  # the inspection engine's keyed sampling (issue 15)
    assert stat.S_IMODE(sampling.stat().st_mode) == 0o600
    sampling_key = sampling.read_bytes()
    second = cli("init")
    assert second.code == 0
    assert "kept" in second.out and key.read_bytes() == original
    assert sampling.read_bytes() == sampling_key
    assert "weights-east" in (cli.home / "config.toml").read_text()
    published = (cli.home / "ledger.pub").read_text().strip()
    assert VerifierKey.parse(published).name == "weights-east"
    assert cli("ledger", "key").out.strip() == published


def test_principal_add_prints_token_once_and_status_counts_it(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    added = cli("principal", "add", "alice", "--role", "approver")
    assert added.code == 0
    token = added.out.strip()
    assert token.startswith("alk_")
    listed = json.loads(cli("principal", "list", "--json").out)
    assert [p["name"] for p in listed] == ["alice"]
    assert token not in (cli.home / "airlock.db").read_bytes().decode("latin-1")
    status = json.loads(cli("status", "--json").out)
    assert status["principals"] == 1 and status["store_backend"] == "sqlite"


def test_duplicate_and_invalid_input_exit_2(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    assert cli("project", "add", "monitor").code == 0
    duplicate = cli("project", "add", "monitor")
    assert duplicate.code == 2 and "already exists" in duplicate.err
    bad = cli("principal", "add", "Bad Name", "--role", "admin")
    assert bad.code == 2 and "lower-case ASCII" in bad.err
    usage = cli("principal", "add", "x", "--role", "root")
    assert usage.code == 2
    assert cli("request", "show", "nonsense").code == 2


def test_missing_home_is_one_line_exit_2(cli: CliRunner) -> None:
    result = cli("status")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "airlock init" in result.err and "Traceback" not in result.err


def test_bad_config_is_one_line_exit_2(initialised_cli: CliRunner) -> None:
    (initialised_cli.home / "config.toml").write_text("[server\n")
    result = initialised_cli("status")
    assert result.code == 2 and "not valid TOML" in result.err
    assert result.err.strip().count("\n") == 0


def test_unreachable_database_is_one_line_exit_1(initialised_cli: CliRunner) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"AIRLOCK_DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{port}/db"}
    result = initialised_cli("status", env=env)
    assert result.code == 1
    assert "secret" not in result.err and "database_url" in result.err
    assert result.err.strip().count("\n") == 0


def test_unmigrated_database_asks_for_init(initialised_cli: CliRunner) -> None:
    env = {"AIRLOCK_DATABASE_URL": f"sqlite:///{initialised_cli.home / 'empty.db'}"}
    result = initialised_cli("status", env=env)
    assert result.code == 1 and "airlock init" in result.err


def test_port_in_use_is_one_line_exit_1(initialised_cli: CliRunner) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = initialised_cli("serve", "--port", str(port))
    assert result.code == 1
    assert f"port {port}" in result.err and "already in use" in result.err


def test_policy_check_reports_version_and_rejects_broken_policy(
    initialised_cli: CliRunner,
) -> None:
    ok = initialised_cli("policy", "check")
    assert ok.code == 0 and "version" in ok.out
    policy = initialised_cli.home / "policy" / "airlock.cedar"
    policy.write_text('permit (principal, action == Airlock::Action::"teleport", resource);')
    broken = initialised_cli("policy", "check")
    assert broken.code == 2 and "validation" in broken.err


def test_postgres_leg_of_the_cli(cli: CliRunner, postgres_url: str) -> None:
    env = {"AIRLOCK_DATABASE_URL": postgres_url}
    assert cli("init", env=env).code == 0
    assert cli("principal", "add", "pg-user", "--role", "researcher", env=env).code == 0
    status = json.loads(cli("status", "--json", env=env).out)
    assert status["store_backend"] == "postgresql" and status["principals"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_home_is_config_error(initialised_cli: CliRunner) -> None:
    (initialised_cli.home / "config.toml").chmod(0)
    assert initialised_cli("status").code == 2
