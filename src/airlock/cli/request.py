"""`airlock request ...`: read boundary requests and their decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.requests import RequestStatus
from airlock.render.json import render_json
from airlock.render.table import render_table
from airlock.service import Actor

if TYPE_CHECKING:
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
            ["ID", "KIND", "PRINCIPAL", "STATUS", "BYTES", "PURPOSE"],
            [[r.id, r.kind, r.principal, r.status, r.size_bytes, r.purpose[:40]] for r in requests],
        )
    )


@request_group.command("show")
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def show_request(cli: CliContext, request_id: str, as_json: bool) -> None:
    """Show one request: its decisions, approvals in and needed, votes, and the ledger entry
    behind its current state (`airlock ledger receipt INDEX` proves it offline)."""
    detail = cli.airlock().request_detail(Actor.local_operator(), request_id)
    if as_json:
        click.echo(render_json(_as_json(detail)))
        return
    click.echo(_as_text(detail))


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


def _as_text(detail: RequestDetail) -> str:
    r = detail.request
    lines = [
        f"request    {r.id}",
        f"kind       {r.kind}",
        f"principal  {r.principal}",
        f"project    {r.project or '-'}",
        f"status     {r.status}",
        f"size       {r.size_bytes} bytes",
        f"digest     {r.digest}",
        f"purpose    {r.purpose}",
    ]
    case = detail.case
    if case is not None:
        lines.append(
            f"approvals  {case.approvals} of {case.rule.required} "
            f"({case.closed.value}; deadline {case.deadline.isoformat(timespec='minutes')})"
        )
        lines.extend(
            f"  vote     {v.voter}: {'approve' if v.approve else 'deny'} - {v.reason}"
            for v in case.votes
        )
    for d in detail.decisions:
        lines.append(f"decision   {d.outcome} by {d.decided_by} at {d.decided_at.isoformat()}")
        lines.extend(f"  {reason.code}: {reason.message}" for reason in d.reasons)
    if detail.ledger_entry is not None:
        lines.append(
            f"ledger     entry {detail.ledger_entry} made its current state "
            f"(airlock ledger receipt {detail.ledger_entry})"
        )
    return "\n".join(lines)
