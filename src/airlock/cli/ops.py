"""`airlock backup`, `airlock restore` and `airlock doctor`: operating a deployment."""

from __future__ import annotations

from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import ExitCode, SourceError

PASSPHRASE_ENV = "AIRLOCK_BACKUP_PASSPHRASE"  # noqa: S105 -- the variable name, not a secret


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--include-private-key",
    is_flag=True,
    help=f"Also store the ledger signing key, encrypted with ${PASSPHRASE_ENV}.",
)
@pass_cli
def backup_command(cli: CliContext, folder: Path, include_private_key: bool) -> None:
    """Snapshot the store, outbox, config, policy and public key into an empty FOLDER.

    Safe while the gateway serves: the database copy is one consistent snapshot. A signed
    manifest lists every file with its SHA-256.
    """
    passphrase = _passphrase(cli) if include_private_key else None
    report = cli.airlock().backup(folder, passphrase)
    manifest = report.manifest
    click.echo(
        f"backup of {manifest.enclave} ({manifest.backend}) in {folder}: "
        f"{len(manifest.files)} files, {report.total_bytes} bytes, ledger size >= "
        f"{manifest.ledger_size}"
        + ("" if include_private_key else "; private key NOT included (keep it apart)")
    )


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The newest witness-cosigned checkpoint you hold (from GET /ledger/checkpoint).",
)
@click.option(
    "--unwitnessed",
    is_flag=True,
    help="Restore without a witnessed checkpoint: nothing proves the copy is the newest.",
)
@click.option(
    "--signing-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help=f"The ledger signing key (PEM), if the backup does not hold it (else ${PASSPHRASE_ENV}).",
)
@click.option("--log-key", default=None, help="Pin the ledger verifier key (name+id+key).")
@click.option("--dry-run", is_flag=True, help="Check everything, restore nothing.")
@pass_cli
def restore_command(
    cli: CliContext,
    folder: Path,
    checkpoint_file: Path | None,
    unwitnessed: bool,
    signing_key: Path | None,
    log_key: str | None,
    dry_run: bool,
) -> int:
    """Rebuild the home (and its database) from a backup FOLDER, after verifying it.

    Refuses a backup whose files do not match the signed manifest, whose ledger does not
    replay, or whose ledger is older than (or forks from) the witnessed --checkpoint, and
    says how many acknowledged entries it would lose.
    """
    from airlock.ops.backup import restore_backup

    if checkpoint_file is None and not unwitnessed:
        click.echo(
            "airlock: restore needs --checkpoint FILE (the newest cosigned checkpoint your "
            "witness or SIEM holds) to prove the backup is not stale; --unwitnessed skips it",
            err=True,
        )
        return ExitCode.BAD_INPUT
    note = _read(checkpoint_file) if checkpoint_file is not None else None
    pem = _read(signing_key).encode() if signing_key is not None else None
    passphrase = cli.environ.get(PASSPHRASE_ENV, "").encode() or None
    report = restore_backup(
        folder,
        cli.home,
        cli.environ,
        signing_key_pem=pem,
        passphrase=passphrase,
        witnessed_note=note,
        pinned_log_key=log_key,
        dry_run=dry_run,
    )
    verb = "would restore" if report.dry_run else "restored"
    click.echo(
        f"{verb} {report.home}: ledger of {report.ledger_size} entries verified, "
        f"{report.requests} requests"
        + (
            f"; contains the witnessed checkpoint at size {report.witnessed_size}"
            if report.witnessed_size is not None
            else "; NOT checked against a witnessed checkpoint"
        )
    )
    click.echo(
        f"decisions taken after the backup ({report.backup_taken_at.isoformat()}) are not "
        "in it: re-submit those requests",
        err=True,
    )
    return ExitCode.OK


def _passphrase(cli: CliContext) -> bytes:
    value = cli.environ.get(PASSPHRASE_ENV, "")
    if not value:
        value = click.prompt("backup passphrase", hide_input=True, confirmation_prompt=True)
    return value.encode()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")[:1_000_000]
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot read {path}: {e}") from e


@click.command("scrape-token")
def scrape_token_command() -> None:
    """Make a Prometheus scrape token for GET /metrics: the token goes to stdout (put it in
    Prometheus's authorization.credentials), its hash to stderr (put it in config.toml)."""
    import hashlib
    import secrets

    token = "alm_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    click.echo(token)
    click.echo(f'add to config.toml:\n[metrics]\nscrape_token_sha256 = "{digest}"', err=True)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def doctor_command(cli: CliContext, as_json: bool) -> int:
    """Check a deployment: permissions, key custody, config, policy, disk, database and
    migrations, clock, checkpoint and witness freshness; print what to fix.

    Exit 0 when nothing fails (warnings allowed), 1 otherwise.
    """
    import json
    from datetime import UTC, datetime

    from airlock.ops.doctor import Status, evaluate
    from airlock.ops.doctor_probe import probe

    checks = evaluate(probe(cli.home, cli.environ, datetime.now(UTC)))
    if as_json:
        rows = [
            {"check": c.name, "status": c.status.value, "detail": c.detail, "fix": c.fix}
            for c in checks
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for c in checks:
            click.echo(f"{c.status.value.upper():4}  {c.name:12}  {c.detail}")
            if c.fix and c.status is not Status.OK:
                click.echo(f"{'':4}  {'':12}  fix: {c.fix}")
    failed = [c for c in checks if c.status is Status.FAIL]
    return ExitCode.INTERNAL if failed else ExitCode.OK
