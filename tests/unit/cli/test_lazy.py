"""The command table of the lazy `airlock` group (issue 13)."""

from __future__ import annotations

import click
import pytest

from airlock.cli.lazy import LazyGroup
from airlock.cli.main import COMMANDS, cli


def test_every_listed_command_loads_under_its_name() -> None:
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.name == name
        assert cli.get_command(ctx, name) is command  # loaded once


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"], prog_name="airlock", obj=None)
    listed = capsys.readouterr().out
    for name in COMMANDS:
        assert f"  {name} " in listed or f"  {name}\n" in listed


def test_a_wrong_entry_is_refused() -> None:
    group = LazyGroup(
        name="g", lazy_commands={"status": "airlock.cli.status:policy_group", "x": "json:dumps"}
    )
    ctx = click.Context(group)
    with pytest.raises(TypeError, match="not the click command 'status'"):
        group.get_command(ctx, "status")
    with pytest.raises(TypeError, match="not the click command 'x'"):
        group.get_command(ctx, "x")
    assert group.get_command(ctx, "missing") is None
