"""`airlock export`, `approve`, `reject`, `fetch-release` and `airlock budget ...`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope, amount, describe_window
from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.domain.requests import Outcome
from airlock.errors import AuthenticationRequired, InvalidInput, PermissionDenied, SourceError
from airlock.render.table import render_table
from airlock.render.units import format_window, parse_bytes, parse_duration
from airlock.service import Actor

if TYPE_CHECKING:
    from airlock.cli.remote import Gateway

_WINDOW = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


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
        shown = answer["request"].get("progress") or {}
        click.echo(
            json.dumps(answer, indent=2)
            if as_json
            else f"{answer['request']['id']}: {outcome.value} ({answer['request']['status']})"
            + (f"\nnext: {shown['next_step']}" if shown.get("next_step") else "")
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
    shown = airlock.request_progress(Actor.of(principal), result.request.id)
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
                    "progress": shown.to_json(),
                },
                indent=2,
            )
        )
    else:
        click.echo(f"{result.request.id}: {outcome.value} ({result.request.status.value})")
        for finding in shown.findings:
            where = f" ({finding.where})" if finding.where else ""
            click.echo(f"  {finding.code}{where}: {finding.detail}")
        if shown.required is not None:
            click.echo(f"approvals {shown.summary}; may approve: {', '.join(shown.eligible)}")
        click.echo(f"next: {shown.next_step}")
    return EXIT_FOR_OUTCOME[outcome]


def _remote(cli: CliContext, as_name: str | None) -> Gateway:
    """The gateway at $AIRLOCK_URL, called with the caller's own token (or, at
    ``unix:PATH``, as the OS user the gateway maps to a principal)."""
    from airlock.cli.remote import Gateway

    token = cli.token()
    url = cli.environ["AIRLOCK_URL"]
    if token is None and not url.startswith("unix:"):  # on the socket, the OS user signs in
        raise AuthenticationRequired(
            "acting through the gateway ($AIRLOCK_URL) needs your own token: set AIRLOCK_TOKEN"
        )
    gateway = Gateway(url, token or "")
    if as_name is not None and (me := gateway.me()) != as_name:
        raise PermissionDenied(f"the token is {me}'s, so --as {as_name} is refused")
    return gateway


def _vote(cli: CliContext, request: str, as_name: str | None, reason: str, approve: bool) -> None:
    if cli.environ.get("AIRLOCK_URL"):
        answer = _remote(cli, as_name).vote(request, approve, reason)
        shown = answer.get("progress") or {}
        click.echo(_vote_answer(answer["id"], answer["status"], shown))
        return
    airlock = cli.airlock()
    voter = cli.acting_principal("approve" if approve else "reject", as_name)
    current, _ = airlock.get_request(Actor.of(voter), request)
    try:
        after = airlock.vote(voter, request, approve, reason, current.digest)
    except PermissionDenied as e:  # self-approval, role, a method the enclave does not take
        airlock.refuse_access(Actor.of(voter), "approve" if approve else "reject", e, request)
        raise
    progress = airlock.request_progress(Actor.of(voter), after.id)
    click.echo(_vote_answer(after.id, after.status.value, progress.to_json()))


def _vote_answer(rid: str, status: str, shown: dict[str, object]) -> str:
    """``req_...: held, 1 of 2 (you); next: waiting for 1 more approval from carol``."""
    if not shown:
        return f"{rid}: {status}"
    return f"{rid}: {status}, {shown.get('summary')}\nnext: {shown.get('next_step')}"


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
    """Raises: InvalidInput for anything but a duration such as 30m, 12h, 1d or 2w."""
    match = _WINDOW.fullmatch(text.strip())
    if match:
        return timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    return parse_duration(text)


@budget_group.command("set")
@click.argument("scope", type=click.Choice([s.value for s in BudgetScope]))
@click.argument("subject", required=False, default=None)
@click.option(
    "--bytes",
    "limit_text",
    required=True,
    metavar="SIZE",
    help="The limit: bytes with an optional unit (4096, 100MB, 1.5GiB; MB = 10^6, "
    "MiB = 2^20), or a count of tokens for the tokens-* scopes.",
)
@click.option("--window", default="1d", show_default=True, help="30m, 12h, 1d, 2w...")
@pass_cli
def set_budget(
    cli: CliContext, scope: str, subject: str | None, limit_text: str, window: str
) -> None:
    """Set the budget of SCOPE (enclave, or a principal/project named SUBJECT). SUBJECT '*'
    sets the default: each principal (project) without a budget of its own gets one like
    it, counted for itself alone."""
    if subject is None and not BudgetScope(scope).enclave_wide:
        # Not the default by omission: a forgotten name must not set everyone's budget.
        raise InvalidInput(f"name the {scope}, or '*' for the default of every {scope}")
    limit = parse_bytes(limit_text)
    budget = Budget(BudgetScope(scope), subject or ENCLAVE_SUBJECT, limit, parse_window(window))
    cli.airlock().set_budget(cli.operator_actor("budget set"), budget)
    # A readable size hides the exact byte count; a count of tokens is already exact.
    exact = f" ({limit:,} bytes)" if limit >= 1024 and budget.scope.unit == "bytes" else ""
    click.echo(
        f"budget {scope} {budget.subject}: {amount(limit, budget.scope)}{exact} "
        f"per {describe_window(budget.window)}"
    )


@budget_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (exact counts).")
@pass_cli
def list_budgets(cli: CliContext, as_json: bool) -> None:
    """List budgets with what is used of each now."""
    usage = cli.airlock().budget_usage(Actor.local_operator())
    leased = cli.airlock().budget_leased(Actor.local_operator())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "scope": b.scope.value,
                        "subject": b.subject,
                        "unit": b.scope.unit,
                        "limit": b.limit_bytes,
                        "used": used,
                        "leased": leased.get(b.key, 0),
                        "window_seconds": int(b.window.total_seconds()),
                        "window": format_window(b.window),
                    }
                    for b, used in usage
                ],
                indent=2,
            )
        )
        return
    # LEASED: the part of USED that the output gateway's workers hold on lease and have not
    # spent yet (docs/adr/0020 decision 6); it returns within lease_seconds when unused.
    click.echo(
        render_table(
            ["SCOPE", "SUBJECT", "LIMIT", "USED", "LEASED", "USE", "WINDOW"],
            [
                [
                    b.scope,
                    b.subject,
                    amount(b.limit_bytes, b.scope),
                    "each separately" if b.is_default else amount(used, b.scope),
                    "-" if b.is_default else amount(leased.get(b.key, 0), b.scope),
                    "-" if b.is_default or not b.limit_bytes else f"{used / b.limit_bytes:.0%}",
                    describe_window(b.window),
                ]
                for b, used in usage
            ],
        )
    )
