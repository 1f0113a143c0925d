"""`airlock init`."""

from __future__ import annotations

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.home import initialise_home, load_policy
from airlock.settings import Settings
from airlock.store.sql import SqlStore


@click.command("init")
@click.option(
    "--enclave-name",
    default="airlock",
    show_default=True,
    help="Name of this enclave; the ledger's checkpoint origin.",
)
@click.option(
    "--database-url",
    default=None,
    help="Write this database URL into config (default: SQLite in the home).",
)
@pass_cli
def init_command(cli: CliContext, enclave_name: str, database_url: str | None) -> None:
    """Create the home folder, ledger signing key, default policy and database schema.

    Safe to run again: existing keys and files are kept, and the schema is migrated.
    """
    report = initialise_home(cli.home, enclave_name, database_url)
    settings = Settings.load(cli.environ, cli.home)
    load_policy(settings)
    store = SqlStore.from_url(settings.database_url)
    try:
        store.migrate()
        store.check_ready()
    finally:
        store.close()
    for path in report.created:
        click.echo(f"created  {path}")
    for path in report.kept:
        click.echo(f"kept     {path}")
    click.echo(f"database ready ({store.backend}); home is {report.home}")
