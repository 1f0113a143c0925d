"""`airlock init`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.cli.context import CliContext, os_user, pass_cli
from airlock.errors import InvalidInput
from airlock.home import initialise_home, load_policy, load_signing_key
from airlock.ledger.signed_note import NoteSigner
from airlock.local_witness import WITNESS_DIR, create_witness
from airlock.service import Actor, Airlock
from airlock.settings import Settings

VERIFIER_KEY_FILE_NAME = "ledger.pub"
# Legitimate outputs (plots, metrics, papers) are small; 100 MiB a day is generous for them
# and keeps a 1 TB model, even 100x compressed, more than 95 days from leaving.
DEFAULT_ENCLAVE_BUDGET = Budget(
    BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 100 * 1024 * 1024, timedelta(days=1)
)


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
@click.option(
    "--signing-key",
    default="",
    metavar="PKCS11_URI",
    help="Keep the ledger key in a PKCS#11 token (pkcs11:token=..;object=..?module-path=..&"
    "pin-source=..) instead of a file in the home. Only on a new home.",
)
@click.option(
    "--local-witness/--no-local-witness",
    default=True,
    show_default=True,
    help="Keep a witness in <home>/witness that cosigns and retains every checkpoint outside "
    "the database (turn off only when a remote witness is configured).",
)
@pass_cli
def init_command(
    cli: CliContext,
    enclave_name: str,
    database_url: str | None,
    signing_key: str,
    local_witness: bool,
) -> None:
    """Create the home folder, ledger signing key, default policy and database schema.

    Safe to run again: existing keys and files are kept, and the schema is migrated.
    """
    from airlock.store.sql import SqlStore  # SQLAlchemy, Alembic: not for `airlock --help`

    if signing_key and not signing_key.startswith("pkcs11:"):
        raise InvalidInput("--signing-key takes a pkcs11: URI (RFC 7512)")
    report = initialise_home(cli.home, enclave_name, database_url, signing_key)
    settings = Settings.load(cli.environ, cli.home)
    load_policy(settings)
    store = SqlStore.from_url(settings.database_url)
    try:
        store.migrate()
        store.check_ready()
    finally:
        store.close()
    if settings.database_url.startswith("sqlite:///"):
        # The ledger, principals and token hashes: the gateway's user alone (issue 14).
        Path(settings.database_url.removeprefix("sqlite:///")).chmod(0o600)
    verifier = NoteSigner(settings.enclave_name, load_signing_key(settings)).verifier.encode()
    # Derived from the key, so rewriting it is always safe; auditors and witnesses need it.
    (cli.home / VERIFIER_KEY_FILE_NAME).write_text(verifier + "\n", encoding="utf-8")
    witness = None
    if local_witness:
        witness = create_witness(cli.home / WITNESS_DIR, f"{settings.enclave_name}.local-witness")
    airlock = Airlock.from_settings(settings)
    try:
        if not any(b.scope is BudgetScope.ENCLAVE for b in airlock.budgets()):
            airlock.set_budget(Actor.local_operator(os_user()), DEFAULT_ENCLAVE_BUDGET)
            click.echo(
                f"set the enclave export budget to {DEFAULT_ENCLAVE_BUDGET.limit_bytes} "
                "bytes per day (change it with `airlock budget set enclave`)"
            )
        if witness is not None:
            # The first retained checkpoint: from here on a shorter log is a rollback.
            airlock.ledger.checkpoint()
            click.echo(f"local witness key: {witness.verifier.encode()}")
    finally:
        airlock.close()
    for path in report.created:
        click.echo(f"created  {path}")
    for path in report.kept:
        click.echo(f"kept     {path}")
    click.echo(f"database ready ({store.backend}); home is {report.home}")
    click.echo(f"ledger verifier key: {verifier}")
