"""`airlock export`, `approve`, `reject`, `fetch-release` and `airlock budget ...`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.domain.requests import Outcome
from airlock.errors import AuthenticationRequired, InvalidInput, PermissionDenied, SourceError
from airlock.render.table import render_table
from airlock.service import Actor

if TYPE_CHECKING:
    from airlock.cli.remote import Gateway

_WINDOW = re.compile(r"(\d+)([mhd])")
_UNITS = {"m": 60, "h": 3600, "d": 86400}


@click.command("export")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Optional: must name the token's own principal (a name alone is refused).",
)
@click.option("--purpose", required=True, help="Why this must leave the enclave.")
@click.option("--project", default=None, help="Project whose budget it counts against.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def export_command(
    cli: CliContext,
    path: Path,
    as_name: str | None,
    purpose: str,
    project: str | None,
    as_json: bool,
) -> int:
    """Ask to export PATH as yourself ($AIRLOCK_TOKEN). Exit code: 0 released, 10 held for
    approval, 11 denied."""
    if cli.environ.get("AIRLOCK_URL"):
        answer = _remote(cli, as_name).export(path, purpose, project)
        outcome = Outcome(answer["outcome"])
        click.echo(
            json.dumps(answer, indent=2)
            if as_json
            else f"{answer['request']['id']}: {outcome.value} ({answer['request']['status']})"
        )
        return EXIT_FOR_OUTCOME[outcome]
    airlock = cli.airlock()
    principal = cli.acting_principal("export", as_name)
    try:
        with path.open("rb") as handle:
            result = airlock.submit_export(principal, handle, path.name, purpose, project)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e
    outcome = result.decision.outcome
    if as_json:
        click.echo(
            json.dumps(
                {
                    "request": result.request.id,
                    "outcome": outcome.value,
                    "status": result.request.status.value,
                    "digest": result.request.digest,
                    "required_approvals": result.required_approvals,
                    "reasons": [r.to_json() for r in result.decision.reasons],
                },
                indent=2,
            )
        )
    else:
        click.echo(f"{result.request.id}: {outcome.value} ({result.request.status.value})")
        for reason in result.decision.reasons:
            click.echo(f"  {reason.code}: {reason.message}")
    return EXIT_FOR_OUTCOME[outcome]


def _remote(cli: CliContext, as_name: str | None) -> Gateway:
    """The gateway at $AIRLOCK_URL, called with the caller's own token."""
    from airlock.cli.remote import Gateway

    token = cli.token()
    if token is None:
        raise AuthenticationRequired(
            "acting through the gateway ($AIRLOCK_URL) needs your own token: set AIRLOCK_TOKEN"
        )
    gateway = Gateway(cli.environ["AIRLOCK_URL"], token)
    if as_name is not None and (me := gateway.me()) != as_name:
        raise PermissionDenied(f"the token is {me}'s, so --as {as_name} is refused")
    return gateway


def _vote(cli: CliContext, request: str, as_name: str | None, reason: str, approve: bool) -> None:
    if cli.environ.get("AIRLOCK_URL"):
        answer = _remote(cli, as_name).vote(request, approve, reason)
        click.echo(f"{answer['id']}: {answer['status']}")
        return
    airlock = cli.airlock()
    voter = cli.acting_principal("approve" if approve else "reject", as_name)
    current, _ = airlock.get_request(Actor.of(voter), request)
    after = airlock.vote(voter, request, approve, reason, current.digest)
    click.echo(f"{after.id}: {after.status.value}")


@click.command("approve")
@click.argument("request")
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Optional: must name the token's own principal (a name alone is refused).",
)
@click.option("--reason", default="", help="Why (kept in the ledger).")
@pass_cli
def approve_command(cli: CliContext, request: str, as_name: str | None, reason: str) -> None:
    """Approve a held REQUEST as yourself ($AIRLOCK_TOKEN; not the requester)."""
    _vote(cli, request, as_name, reason, approve=True)


@click.command("reject")
@click.argument("request")
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Optional: must name the token's own principal (a name alone is refused).",
)
@click.option("--reason", required=True, help="Why (shown to the requester).")
@pass_cli
def reject_command(cli: CliContext, request: str, as_name: str | None, reason: str) -> None:
    """Reject a held REQUEST at once, as yourself ($AIRLOCK_TOKEN)."""
    _vote(cli, request, as_name, reason, approve=False)


@click.command("fetch-release")
@click.argument("request")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Fetch as this principal (default: the requester; the operator holds the outbox).",
)
@pass_cli
def fetch_release(cli: CliContext, request: str, output: Path, as_name: str | None) -> None:
    """Write a released REQUEST's artifact to OUTPUT after checking its digest."""
    airlock = cli.airlock()
    if as_name is None:
        as_name = airlock.get_request(Actor.local_operator(), request)[0].principal
    released, pieces = airlock.release(Actor.of(airlock.principal(as_name)), request)
    try:
        with output.open("xb") as out:
            for piece in pieces:
                out.write(piece)
    except FileExistsError as e:
        raise SourceError(f"{output} exists; choose another path") from e
    click.echo(f"wrote {released.size_bytes} bytes ({released.digest[:16]}...) to {output}")


@click.group("budget")
def budget_group() -> None:
    """Byte budgets on what leaves: per enclave, project and principal."""


def parse_window(text: str) -> timedelta:
    match = _WINDOW.fullmatch(text.strip())
    if not match:
        raise InvalidInput(f"window {text!r} must look like 30m, 12h or 1d")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


@budget_group.command("set")
@click.argument("scope", type=click.Choice([s.value for s in BudgetScope]))
@click.argument("subject", required=False, default=None)
@click.option(
    "--bytes",
    "limit",
    required=True,
    type=click.IntRange(min=0),
    help="The limit: bytes, or tokens for the tokens-* scopes.",
)
@click.option("--window", default="1d", show_default=True)
@pass_cli
def set_budget(cli: CliContext, scope: str, subject: str | None, limit: int, window: str) -> None:
    """Set the budget of SCOPE (enclave, or a principal/project named SUBJECT). SUBJECT '*'
    sets the default: each principal (project) without a budget of its own gets one like
    it, counted for itself alone."""
    if subject is None and not BudgetScope(scope).enclave_wide:
        # Not the default by omission: a forgotten name must not set everyone's budget.
        raise InvalidInput(f"name the {scope}, or '*' for the default of every {scope}")
    budget = Budget(BudgetScope(scope), subject or ENCLAVE_SUBJECT, limit, parse_window(window))
    cli.airlock().set_budget(cli.operator_actor("budget set"), budget)
    click.echo(f"budget {scope} {budget.subject}: {limit} {budget.scope.unit} per {budget.window}")


@budget_group.command("list")
@pass_cli
def list_budgets(cli: CliContext) -> None:
    """List budgets."""
    click.echo(
        render_table(
            ["SCOPE", "SUBJECT", "BYTES", "WINDOW"],
            [[b.scope, b.subject, b.limit_bytes, b.window] for b in cli.airlock().budgets()],
        )
    )
