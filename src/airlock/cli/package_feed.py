"""`airlock package feed`: the offline known-bad package feed (OSV ``MAL-`` records)."""

from __future__ import annotations

from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.render.json import render_json


@click.group("feed")
def feed_group() -> None:
    """The known-bad package feed: packages it lists are denied at admission."""


@feed_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def import_command(cli: CliContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import OSV records from PATHS: JSON files, JSON lines, folders of them (a copy of
    OpenSSF's malicious-packages `osv/malicious/pypi/`), or a zip. As an admin."""
    airlock = cli.airlock()
    done = airlock.import_package_feed(cli.operator_actor("package feed import"), list(paths))
    if as_json:
        click.echo(render_json(done))
        return
    click.echo(
        f"{done.entries} PyPI entries read, {done.added} new; the store holds {done.total} "
        f"(ledger entry {done.ledger_index}, entries sha256 {done.digest[:16]})"
    )


@feed_group.command("status")
@pass_cli
def status_command(cli: CliContext) -> None:
    """How many known-bad entries the store holds."""
    click.echo(f"{cli.airlock().package_feed_size()} known-bad entries")
