"""Every command follows the README's exit-code table (issue 18).

Two halves: the click tree is walked so that every command, present and future, answers
`--help` with 0 and an unknown option with 2; then each documented code (0, 1, 2, 10, 11,
12) is produced by the commands the README names for it, from real state in a real home.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from airlock.cli.main import cli as root
from airlock.errors import ExitCode
from tests.support.gateway import CliRunner


def leaf_commands() -> Iterator[tuple[str, ...]]:
    """Every runnable command's path under `airlock`, e.g. ("budget", "set")."""
    ctx = click.Context(root)

    def walk(group: click.Group, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                yield from walk(command, (*prefix, name))
            else:
                yield (*prefix, name)

    yield from walk(root, ())


LEAVES = sorted(leaf_commands())


def test_the_readme_documents_every_exit_code() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for code in ExitCode:
        assert f"| `{code.value}` |" in readme, f"exit code {code.value} is not in the README"


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_help_exits_0_and_an_unknown_option_exits_2(cli: CliRunner, path: tuple[str, ...]) -> None:
    assert cli(*path, "--help").code == ExitCode.OK
    wrong = cli(*path, "--no-such-option-anywhere")
    assert wrong.code == ExitCode.BAD_INPUT, wrong.err
    assert "no-such-option-anywhere" in wrong.err


@pytest.fixture
def enclave(initialised_cli: CliRunner, tmp_path: Path) -> CliRunner:
    cli = initialised_cli
    for name in ("bob", "carol"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("principal", "add", "rita", "--role", "researcher").code == 0
    return cli


def export(cli: CliRunner, path: Path, content: bytes) -> tuple[int, str]:
    path.write_bytes(content)
    result = cli("export", str(path), "--purpose", "results", "--json", env=cli.signed_in("rita"))
    return result.code, str(json.loads(result.out)["request"])


def test_export_and_fetch_release_exit_0_10_11(enclave: CliRunner, tmp_path: Path) -> None:
    cli = enclave
    code, released = export(cli, tmp_path / "loss.csv", b"step,loss\n1,0.5\n2,0.25\n")
    assert code == ExitCode.OK
    code, held = export(cli, tmp_path / "blob.bin", os.urandom(50_000))
    assert code == ExitCode.HELD
    assert cli("fetch-release", released, "-o", str(tmp_path / "out.csv")).code == ExitCode.OK
    fetched = cli("fetch-release", held, "-o", str(tmp_path / "held.bin"))
    assert fetched.code == ExitCode.HELD, fetched.err
    assert cli("reject", held, "--reason", "no", env=cli.signed_in("bob")).code == ExitCode.OK
    denied = cli("fetch-release", held, "-o", str(tmp_path / "denied.bin"))
    assert denied.code == ExitCode.DENIED, denied.err
    assert "will not be released" in denied.err
    assert cli("lock", "add", "principal", "rita", "--reason", "test").code == ExitCode.OK
    code, _ = export(cli, tmp_path / "more.csv", b"step,loss\n1,0.5\n")
    assert code == ExitCode.DENIED


def test_votes_and_reads_exit_0_or_2(enclave: CliRunner, tmp_path: Path) -> None:
    cli = enclave
    _, held = export(cli, tmp_path / "blob.bin", os.urandom(50_000))
    assert cli("approve", held, "--reason", "ok", env=cli.signed_in("bob")).code == ExitCode.OK
    twice = cli("approve", held, "--reason", "ok", env=cli.signed_in("bob"))
    assert twice.code == ExitCode.BAD_INPUT
    own = cli("approve", held, "--reason", "mine", env=cli.signed_in("rita"))
    assert own.code == ExitCode.BAD_INPUT
    unknown = "req_" + "0" * 32
    assert cli("request", "show", unknown).code == ExitCode.BAD_INPUT
    assert cli("request", "show", "not-an-id").code == ExitCode.BAD_INPUT
    assert cli("request", "show", held).code == ExitCode.OK
    no_token = cli("approve", held, "--reason", "x", env={"AIRLOCK_TOKEN": ""})
    assert no_token.code == ExitCode.BAD_INPUT


def test_scan_exits_0_or_10(initialised_cli: CliRunner, tmp_path: Path) -> None:
    text, blob = tmp_path / "loss.csv", tmp_path / "blob.bin"
    text.write_text("step,loss\n1,0.5\n")
    blob.write_bytes(os.urandom(50_000))
    assert initialised_cli("scan", str(text)).code == ExitCode.OK
    assert initialised_cli("scan", str(blob)).code == ExitCode.HELD
    assert initialised_cli("scan", str(tmp_path / "missing")).code == ExitCode.BAD_INPUT


@pytest.mark.parametrize(
    ("name", "content"),
    [("README.md", b"# not a package\n"), ("fake-1.0-py3-none-any.whl", b"not a zip at all")],
)
def test_package_vet_on_a_non_package_exits_2(
    cli: CliRunner, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    vetted = cli("package", "vet", str(path))
    assert vetted.code == ExitCode.BAD_INPUT, vetted.err
    assert "not" in vetted.err and ("package" in vetted.err or "archive" in vetted.err)


def test_a_receipt_that_does_not_verify_exits_12(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    assert cli("ledger", "checkpoint").code == ExitCode.OK
    receipt = tmp_path / "r.json"
    assert cli("ledger", "receipt", "0", "-o", str(receipt)).code == ExitCode.OK
    key = str(cli.home / "ledger.pub")
    assert cli("ledger", "verify-receipt", str(receipt), "--key", key).code == ExitCode.OK
    body = json.loads(receipt.read_text())
    body["index"] = 1 if body["index"] == 0 else 0
    receipt.write_text(json.dumps(body))
    forged = cli("ledger", "verify-receipt", str(receipt), "--key", key)
    assert forged.code == ExitCode.INTEGRITY, forged.err
    assert cli("ledger", "verify").code == ExitCode.OK


def test_an_environment_to_fix_exits_1(initialised_cli: CliRunner) -> None:
    env = {"AIRLOCK_DATABASE_URL": f"sqlite:///{initialised_cli.home / 'empty.db'}"}
    result = initialised_cli("status", env=env)
    assert result.code == ExitCode.INTERNAL
    assert "airlock init" in result.err
