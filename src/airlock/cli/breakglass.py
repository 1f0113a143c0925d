"""`airlock break-glass confirm`: a second person ends a break-glass recovery (issue 14)."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import AuthenticationRequired


@click.group("break-glass")
def break_glass_group() -> None:
    """Recoveries with direct access: `airlock --break-glass REASON COMMAND ...` acts as the
    local operator and locks every export until a second admin confirms it here."""


@break_glass_group.command("confirm")
@click.option("--reason", required=True, help="What you checked (kept in the ledger).")
@pass_cli
def confirm(cli: CliContext, reason: str) -> None:
    """Confirm the break-glass recovery and lift the enclave's export lock (your own token)."""
    token = cli.token()
    if token is None:
        raise AuthenticationRequired(
            "confirming a break-glass needs a second admin's own token: set AIRLOCK_TOKEN"
        )
    from airlock.service import Actor

    airlock = cli.airlock()
    count = airlock.confirm_break_glass(Actor.of(airlock.authenticate(token)), reason)
    click.echo(f"break-glass confirmed: lifted {count} enclave lock(s); exports flow again")
