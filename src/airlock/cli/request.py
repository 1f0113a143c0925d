"""`airlock request ...`: read boundary requests and their decisions."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.requests import RequestStatus
from airlock.render.json import render_json
from airlock.render.table import render_table
from airlock.service import Actor


@click.group("request")
def request_group() -> None:
    """Inspect boundary requests (exports and imports) and their decisions."""


@request_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in RequestStatus]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_requests(cli: CliContext, status: str | None, limit: int, as_json: bool) -> None:
    """List requests, newest first."""
    requests = cli.airlock().list_requests(
        Actor.local_operator(), RequestStatus(status) if status else None, limit
    )
    if as_json:
        click.echo(render_json(list(requests)))
        return
    click.echo(
        render_table(
            ["ID", "KIND", "PRINCIPAL", "STATUS", "BYTES", "PURPOSE"],
            [[r.id, r.kind, r.principal, r.status, r.size_bytes, r.purpose[:40]] for r in requests],
        )
    )


@request_group.command("show")
@click.argument("request_id")
@pass_cli
def show_request(cli: CliContext, request_id: str) -> None:
    """Show one request with its decisions, as JSON."""
    request, decisions = cli.airlock().get_request(Actor.local_operator(), request_id)
    click.echo(render_json({"request": request, "decisions": list(decisions)}))
