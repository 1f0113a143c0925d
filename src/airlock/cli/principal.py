"""`airlock principal ...`: people and services, and their API tokens."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.principals import PrincipalKind, Role, parse_kind, parse_role
from airlock.domain.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from airlock.render.json import render_json
from airlock.render.table import render_table


@click.group("principal")
def principal_group() -> None:
    """Manage principals (people and services) and their API tokens."""


@principal_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="What the principal may do.",
)
@click.option(
    "--kind",
    default=PrincipalKind.PERSON.value,
    show_default=True,
    type=click.Choice([k.value for k in PrincipalKind]),
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    help=f"Lifetime of the first token in days (default {DEFAULT_TOKEN_DAYS}).",
)
@pass_cli
def add_principal(cli: CliContext, name: str, role: str, kind: str, days: int | None) -> None:
    """Add a principal and print its API token (shown only this once)."""
    issued = cli.airlock().add_principal(
        cli.operator_actor("principal add"), name, parse_role(role), parse_kind(kind), days
    )
    click.echo(
        f"added {issued.principal.kind} {issued.principal.name} ({issued.principal.role})", err=True
    )
    click.echo("API token (store it now; airlock keeps only its hash):", err=True)
    click.echo(issued.token)


@principal_group.group("token")
def token_group() -> None:
    """Issue, list and revoke API tokens (each expires; rotate by issuing, then revoking)."""


@token_group.command("issue")
@click.argument("name")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    help=f"Lifetime in days (default {DEFAULT_TOKEN_DAYS}).",
)
@pass_cli
def issue_token(cli: CliContext, name: str, days: int | None) -> None:
    """Issue another API token for NAME and print it (shown only this once)."""
    issued = cli.airlock().issue_token(cli.operator_actor("principal token issue"), name, days)
    expires = issued.expires_at.isoformat(timespec="seconds") if issued.expires_at else "never"
    click.echo(f"issued {issued.token_id} for {name}, expires {expires}", err=True)
    click.echo(issued.token)


@token_group.command("revoke")
@click.argument("target")
@click.option("--reason", default="", help="Why (kept in the ledger).")
@pass_cli
def revoke_token(cli: CliContext, target: str, reason: str) -> None:
    """Revoke TARGET: one token by id (tok_...) or every token of a principal by name."""
    count = cli.airlock().revoke_tokens(
        cli.operator_actor("principal token revoke"), target, reason
    )
    click.echo(f"revoked {count} token{'s' if count != 1 else ''} of {target}")


@token_group.command("list")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_tokens(cli: CliContext, name: str, as_json: bool) -> None:
    """List NAME's tokens: id, issued, expires, state (never the tokens themselves)."""
    airlock = cli.airlock()
    records = airlock.tokens(cli.reader_actor(), name)
    if as_json:
        click.echo(render_json(list(records)))
        return
    now = airlock.ledger.now()
    click.echo(
        render_table(
            ["ID", "ISSUED", "EXPIRES", "STATE"],
            [
                [
                    r.token_id,
                    r.created_at.isoformat(timespec="seconds"),
                    r.expires_at.isoformat(timespec="seconds") if r.expires_at else "never",
                    r.state(now),
                ]
                for r in records
            ],
        )
    )


@principal_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_principals(cli: CliContext, as_json: bool) -> None:
    """List principals."""
    principals = cli.airlock().list_principals()
    if as_json:
        click.echo(render_json(list(principals)))
        return
    click.echo(
        render_table(
            ["NAME", "KIND", "ROLE", "CREATED"],
            [
                [p.name, p.kind, p.role, p.created_at.isoformat(timespec="seconds")]
                for p in principals
            ],
        )
    )
