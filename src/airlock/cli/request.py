"""`airlock request ...`: read boundary requests and their decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.requests import RequestStatus
from airlock.render.json import render_json
from airlock.render.table import render_table
from airlock.render.units import format_bytes
from airlock.service import Actor

if TYPE_CHECKING:
    from airlock.approvals.progress import RequestProgress
    from airlock.service import RequestDetail


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
            ["ID", "KIND", "PRINCIPAL", "STATUS", "SIZE", "PURPOSE"],
            [
                [r.id, r.kind, r.principal, r.status, format_bytes(r.size_bytes), r.purpose[:40]]
                for r in requests
            ],
        )
    )


@request_group.command("show")
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def show_request(cli: CliContext, request_id: str, as_json: bool) -> None:
    """Show one request: what it is, why it was held, approvals in and needed, who voted and
    who else may, when it expires, the next step, and the ledger entry behind its current
    state (`airlock ledger receipt INDEX` proves it offline)."""
    airlock = cli.airlock()
    actor = _viewer(cli)
    detail = airlock.request_detail(actor, request_id)
    shown = airlock.request_progress(actor, request_id)
    if as_json:
        click.echo(render_json({**_as_json(detail), "progress": shown.to_json()}))
        return
    click.echo(_as_text(detail, shown))


def _viewer(cli: CliContext) -> Actor:
    """Who is looking: the token's owner when a token is given (so "you" and "your next
    step" mean them), else the operator at the console."""
    if cli.token() is None:
        return Actor.local_operator()
    return Actor.of(cli.airlock().authenticate(cli.token() or ""))


def _as_json(detail: RequestDetail) -> dict[str, object]:
    case = detail.case
    approval = None
    if case is not None:
        approval = {
            "required": case.rule.required,
            "approvals": case.approvals,
            "status": case.closed.value,
            "deadline": case.deadline,
            "votes": list(case.votes),
        }
    return {
        "request": detail.request,
        "decisions": list(detail.decisions),
        "approval": approval,
        "ledger_entry": detail.ledger_entry,
    }


def _as_text(detail: RequestDetail, shown: RequestProgress) -> str:
    lines = shown.text_lines()
    for d in detail.decisions:
        at = d.decided_at.isoformat(timespec="seconds")
        lines.append(f"decision   {d.outcome} by {d.decided_by} at {at}")
    if detail.ledger_entry is not None:
        lines.append(
            f"ledger     entry {detail.ledger_entry} made its current state "
            f"(airlock ledger receipt {detail.ledger_entry})"
        )
    return "\n".join(lines)
