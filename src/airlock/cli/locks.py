"""`airlock lock ...`: see, impose and lift anomaly locks."""

from __future__ import annotations

import click

from airlock.approvals.locks import LockScope
from airlock.cli.context import CliContext, pass_cli
from airlock.render.table import render_table
from airlock.service import Actor


@click.group("lock")
def lock_group() -> None:
    """Anomaly locks on principals and projects: quick to impose, quick to lift."""


@lock_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include expired and lifted locks.")
@pass_cli
def list_locks(cli: CliContext, show_all: bool) -> None:
    """List active locks (or all of them)."""
    airlock = cli.airlock()
    now = airlock.ledger.now()
    rows = [
        [
            k.scope,
            k.subject,
            "active" if k.active_at(now) else "ended",
            k.expires_at.isoformat(timespec="minutes"),
            k.reason,
        ]
        for k in airlock.locks(Actor.local_operator())
        if show_all or k.active_at(now)
    ]
    click.echo(render_table(["SCOPE", "SUBJECT", "STATE", "EXPIRES", "REASON"], rows))


@lock_group.command("add")
@click.argument("scope", type=click.Choice([s.value for s in LockScope]))
@click.argument("subject")
@click.option("--reason", required=True)
@click.option(
    "--hours", type=click.FloatRange(min=0.01, max=24 * 30), default=24.0, show_default=True
)
@pass_cli
def add_lock(cli: CliContext, scope: str, subject: str, reason: str, hours: float) -> None:
    """Lock SUBJECT now; it expires by itself after --hours."""
    lock = cli.airlock().lock(
        cli.operator_actor("lock add"), LockScope(scope), subject, reason, hours
    )
    click.echo(f"locked {lock.scope} {lock.subject} until {lock.expires_at.isoformat()}")


@lock_group.command("lift")
@click.argument("scope", type=click.Choice([s.value for s in LockScope]))
@click.argument("subject")
@click.option("--reason", required=True, help="Why it is safe to lift (kept in the ledger).")
@pass_cli
def lift(cli: CliContext, scope: str, subject: str, reason: str) -> None:
    """Lift SUBJECT's active locks in one logged step."""
    count = cli.airlock().lift_lock(
        cli.operator_actor("lock lift"), LockScope(scope), subject, reason
    )
    click.echo(f"lifted {count} lock(s) on {scope} {subject}")
