"""`airlock principal ...`: people and services, and their API tokens."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.principals import PrincipalKind, Role, parse_kind, parse_role
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
@pass_cli
def add_principal(cli: CliContext, name: str, role: str, kind: str) -> None:
    """Add a principal and print its API token (shown only this once)."""
    issued = cli.airlock().add_principal(
        cli.operator_actor("principal add"), name, parse_role(role), parse_kind(kind)
    )
    click.echo(
        f"added {issued.principal.kind} {issued.principal.name} ({issued.principal.role})", err=True
    )
    click.echo("API token (store it now; airlock keeps only its hash):", err=True)
    click.echo(issued.token)


@principal_group.command("token")
@click.argument("name")
@pass_cli
def issue_token(cli: CliContext, name: str) -> None:
    """Issue an additional API token for an existing principal."""
    click.echo(cli.airlock().issue_token(cli.operator_actor("principal token"), name).token)


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
