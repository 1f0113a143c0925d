"""`airlock status` and `airlock policy check`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import click

from airlock.budgets.exfiltration import ExfiltrationEstimate
from airlock.cli.context import CliContext, pass_cli
from airlock.enclave_status import EnclaveStatus, enclave_status
from airlock.home import load_policy, read_signing_key
from airlock.render.json import render_json, to_jsonable
from airlock.render.table import render_table
from airlock.render.units import format_seconds
from airlock.store.sqlite_glance import glance, sqlite_file

if TYPE_CHECKING:
    from airlock.approvals.friction_trends import FrictionTrends
    from airlock.outputs.metrics import OutputMetrics


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--accounts",
    type=click.IntRange(min=1, max=1_000_000),
    default=None,
    help="Colluding accounts for the time to exfiltrate [default: egress.colluding_accounts].",
)
@pass_cli
def status_command(cli: CliContext, as_json: bool, accounts: int | None) -> None:
    """Show the enclave's state: store, policy version, counts, and how long each protected
    model would take to leave through one account and through several colluding ones."""
    status = _status(cli, accounts)
    if as_json:
        click.echo(render_json(status))
        return
    rows: list[list[object]] = [
        ["enclave", status.enclave_name],
        ["store", status.store_backend],
        ["policy version", status.policy_version[:16]],
        ["principals", status.principals],
        ["projects", status.projects],
    ]
    rows += [[f"requests {k.value}", v] for k, v in status.requests_by_status.items()]
    rows += [
        [f"time to exfiltrate {one.model}", exfiltration_days(one, k)]
        for one, k in zip(status.exfiltration, status.exfiltration_colluding, strict=True)
    ]
    click.echo(render_table(["", ""], rows))


def _status(cli: CliContext, accounts: int | None) -> EnclaveStatus:
    """On the SQLite default, a read-only glance with the standard library (no SQLAlchemy
    import: issue 13's 0.3 s CLI); on any other store, through the facade."""
    settings = cli.settings()
    path = sqlite_file(settings.database_url)
    if path is None:
        return cli.airlock().status(accounts)
    if not settings.ledger.signing_key:  # a file key must be private, as the facade insists
        read_signing_key(settings)
    k = settings.egress.colluding_accounts if accounts is None else accounts
    return enclave_status(settings.enclave_name, load_policy(settings).version, glance(path), k)


def exfiltration_days(one: ExfiltrationEstimate, colluding: ExfiltrationEstimate) -> str:
    """'299 days by 1 account, 59 days by 5 colluding (at 100x compression)'; a model that
    leaves in 45 seconds reads '45 s', never '0.0 days' (issue 18)."""
    return (
        f"{format_seconds(one.seconds)} by 1 account, {format_seconds(colluding.seconds)} by "
        f"{colluding.accounts} colluding (at 100x compression)"
    )


@click.group("policy")
def policy_group() -> None:
    """Work with the Cedar boundary policy."""


@policy_group.command("check")
@pass_cli
def check_policy(cli: CliContext) -> None:
    """Validate the home's policy against its schema and print its version hash."""
    bundle = load_policy(cli.settings())
    click.echo(f"policy valid; version {bundle.version}")


@click.command("metrics")
@click.option("--days", type=click.FloatRange(min=0.01, max=366), default=7.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=52),
    default=None,
    help="Also the figures week by week and team by team over the last N weeks (as on the "
    "web page /ui/metrics?weeks=N).",
)
@pass_cli
def metrics_command(cli: CliContext, days: float, as_json: bool, weeks: int | None) -> None:
    """Friction metrics: how much security slowed research over the last --days."""
    report = cli.airlock().friction(timedelta(days=days))
    trends = None if weeks is None else cli.airlock().friction_trends(weeks)
    if as_json:
        from airlock.outputs.metrics import output_summary

        shown = to_jsonable(report) | {"outputs": output_summary(cli.airlock().output_metrics())}
        if trends is not None:
            shown |= to_jsonable(trends)
        click.echo(render_json(shown))
        return
    if trends is not None:
        _echo_trends(trends)

    def seconds(value: float | None) -> str:
        return "-" if value is None else format_seconds(value)

    rows: list[list[object]] = [
        ["requests", report.requests],
        ["auto-release rate", f"{report.auto_release_rate:.1%}"],
        ["median time to decision", seconds(report.median_seconds_to_decision)],
        ["p90 time to decision", seconds(report.p90_seconds_to_decision)],
        ["held", report.held],
        ["held, nobody looked yet", report.held_unlooked],
        ["released on an earlier approval", report.carried_approvals],
        ["median hold to first look", seconds(report.median_seconds_to_first_look)],
        ["p90 hold to first look", seconds(report.p90_seconds_to_first_look)],
        ["locks", report.locks],
        [
            "mean lock duration",
            "-"
            if report.mean_lock_hours is None
            else format_seconds(report.mean_lock_hours * 3600),
        ],
    ]
    rows += [
        [f"approvals/day by {who}", f"{rate:.2f}"]
        for who, rate in report.manual_approvals_per_approver_per_day.items()
    ]
    rows += _output_rows(cli)
    click.echo(render_table(["", ""], rows))


def _echo_trends(trends: FrictionTrends) -> None:
    """The week-by-week and team-by-team tables."""
    from airlock.render.units import format_seconds

    def wait(value: float | None) -> str:
        return "-" if value is None else format_seconds(value)

    for heading, slices in (("week", trends.weeks), ("team", trends.teams)):
        rows: list[list[object]] = [
            [
                s.label,
                s.report.requests,
                f"{s.report.auto_release_rate:.0%}",
                wait(s.report.median_seconds_to_decision),
                wait(s.report.p90_seconds_to_decision),
                wait(s.report.median_seconds_to_first_look),
                s.overturned,
                s.report.locks,
            ]
            for s in slices
        ]
        headers = [heading, "requests", "auto", "median wait", "p90 wait", "first look"]
        headers += ["overturned", "locks"]
        click.echo(render_table(headers, rows))
        click.echo()


def _days(value: float | None) -> str:
    if value is None:
        return "-"
    return "never (0 bits/token pass)" if value == float("inf") else format_seconds(value * 86400)


def _timing(m: OutputMetrics) -> str:
    if m.timing.open:
        return (
            f"open: {m.timing.per_token:.1f} bits/token (set outputs.release_quantum_ms: "
            "docs/adr/0064)"
        )
    return (
        f"at release points: {m.timing.per_response:.1f} bits/response, "
        f"{m.timing_bits_per_token:.4f} bits/token served"
    )


def _output_rows(cli: CliContext) -> list[list[object]]:
    """The model-output channel (issue 20): served, verified, unexplained, time to steal."""
    m = cli.airlock().output_metrics()
    t = m.totals
    rows: list[list[object]] = [
        ["output tokens served", t.tokens],
        [
            "output share verified",
            f"{m.share_verified:.1%} of tokens ({t.verified_responses} responses)",
        ],
        ["output unexplained bits", f"{m.unexplained_bits:.1f}"],
        [
            "output bits/token passing verification",
            "-" if m.bits_per_token is None else f"{m.bits_per_token:.4f}",
        ],
        ["output timing channel", _timing(m)],
    ]
    for model in m.models:
        rows.append([f"days to exfiltrate {model.model} via outputs, raw", _days(model.raw_days)])
        rows.append(
            [f"days to exfiltrate {model.model} via outputs, verified", _days(model.verified_days)]
        )
    return rows
