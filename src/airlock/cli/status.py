"""`airlock status` and `airlock policy check`."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.home import load_policy
from airlock.render.json import render_json
from airlock.render.table import render_table


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def status_command(cli: CliContext, as_json: bool) -> None:
    """Show the enclave's state: store, policy version, counts."""
    status = cli.airlock().status()
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
        [f"days to exfiltrate {e.model}", f"{e.days:.1f} (at 100x compression)"]
        for e in status.exfiltration
    ]
    click.echo(render_table(["", ""], rows))


@click.group("policy")
def policy_group() -> None:
    """Work with the Cedar boundary policy."""


@policy_group.command("check")
@pass_cli
def check_policy(cli: CliContext) -> None:
    """Validate the home's policy against its schema and print its version hash."""
    bundle = load_policy(cli.settings())
    click.echo(f"policy valid; version {bundle.version}")
