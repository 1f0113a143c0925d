"""`airlock ledger ...`: checkpoints, entries, proofs, verification and receipts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import ExitCode, LedgerIntegrityError, SourceError
from airlock.ledger.receipts import MAX_RECEIPT_BYTES, verify_receipt
from airlock.ledger.signed_note import VerifierKey
from airlock.service import Actor


@click.group("ledger")
def ledger_group() -> None:
    """The tamper-evident ledger of every decision (RFC 9162 Merkle log)."""


@ledger_group.command("checkpoint")
@pass_cli
def checkpoint(cli: CliContext) -> None:
    """Sign a checkpoint of the current tree head now and print it (a C2SP signed note)."""
    click.echo(cli.airlock().ledger.checkpoint().text, nl=False)


@ledger_group.command("key")
@pass_cli
def key(cli: CliContext) -> None:
    """Print the ledger's verifier key (name+id+key), for witnesses and receipt checks."""
    click.echo(cli.airlock().ledger.verifier_key.encode())


@ledger_group.command("show")
@click.argument("index", type=click.IntRange(min=0))
@pass_cli
def show(cli: CliContext, index: int) -> None:
    """Print entry INDEX as JSON."""
    record = cli.airlock().ledger.record(index)
    click.echo(json.dumps({"index": index, "record": record}, indent=2, sort_keys=True))


@ledger_group.command("prove")
@click.argument("index", type=click.IntRange(min=0))
@click.option(
    "--size",
    type=click.IntRange(min=1),
    default=None,
    help="Tree size to prove against (default: the current size).",
)
@pass_cli
def prove(cli: CliContext, index: int, size: int | None) -> None:
    """Print an inclusion proof for entry INDEX (base64 hashes, leaf end first)."""
    proof = cli.airlock().ledger.prove_inclusion(index, size)
    click.echo(
        json.dumps(
            {
                "index": proof.index,
                "tree_size": proof.size,
                "root": base64.b64encode(proof.root).decode(),
                "inclusion_proof": [base64.b64encode(p).decode() for p in proof.proof],
            },
            indent=2,
        )
    )


@ledger_group.command("receipt")
@click.argument("index", type=click.IntRange(min=0))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the receipt to this file instead of standard output.",
)
@pass_cli
def receipt(cli: CliContext, index: int, output: Path | None) -> None:
    """Export entry INDEX as an offline-verifiable receipt."""
    data = cli.airlock().ledger.receipt(index)
    if output is None:
        click.echo(data.decode(), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote receipt for entry {index} to {output}", err=True)


@ledger_group.command("verify")
@click.option(
    "--state",
    "check_state",
    is_flag=True,
    help="Also check every sealed row of the database against its seal and the ledger.",
)
@pass_cli
def verify(cli: CliContext, check_state: bool) -> int:
    """Replay the whole log: seals, hashes, checkpoint signatures and consistency."""
    airlock = cli.airlock()
    report = airlock.verify_ledger()
    code: int = ExitCode.OK
    if report.ok:
        click.echo(
            f"ledger ok: {report.entries_checked} entries, "
            f"{report.checkpoints_checked} checkpoints verified"
        )
    else:
        first = report.first_problem
        assert first is not None
        where = f"first bad entry: {first.index}; " if first.index is not None else ""
        click.echo(f"airlock: ledger TAMPERED: {where}{first.message}", err=True)
        for problem in report.problems[1:10]:
            click.echo(f"  also: {problem.message}", err=True)
        code = ExitCode.INTERNAL
    if check_state:
        state = airlock.verify_state()
        if state.ok:
            click.echo(
                f"state ok: {state.rows_checked} sealed rows, "
                f"{state.entries_replayed} entries replayed"
            )
        else:
            click.echo(f"airlock: state TAMPERED: {len(state.problems)} problems", err=True)
            for message in state.problems:  # every row, as the issue asks
                click.echo(f"  {message}", err=True)
            code = ExitCode.INTERNAL
    return code


@ledger_group.command("seal-state")
@pass_cli
def seal_state(cli: CliContext) -> None:
    """Seal the rows of a database upgraded from before row seals (run once, on a trusted
    database, right after `airlock init` migrated it); see docs/adr/0007-sealed-state.md."""
    sealed = cli.airlock().seal_unsealed_state(Actor.local_operator())
    click.echo(f"sealed {sealed} rows that had no seal")


@ledger_group.command("verify-receipt")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_text",
    required=True,
    help="The ledger verifier key (name+id+key) or a file holding it.",
)
@click.option(
    "--live",
    is_flag=True,
    help="Also check, in this home's database, that the log still holds the entry and "
    "extends both the receipt's checkpoint and the checkpoint retained outside the database.",
)
@pass_cli
def verify_receipt_command(cli: CliContext, file: Path, key_text: str, live: bool) -> None:
    """Verify a receipt offline: no database, no network, only the public key.

    With --live, a receipt for an entry later removed from the log fails (issue 22).
    """
    log_key = VerifierKey.parse(_key_text(key_text))
    try:
        if file.stat().st_size > MAX_RECEIPT_BYTES:
            raise LedgerIntegrityError(f"{file} exceeds {MAX_RECEIPT_BYTES} bytes: not a receipt")
        data = file.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read receipt {file}: {e.strerror}") from e
    verified = verify_receipt(data, log_key)
    if live:
        cli.airlock().ledger.confirm_receipt(verified)
    record = verified.record
    click.echo(
        f"receipt ok: entry {verified.index} ({record.get('kind')} by {record.get('actor')}) "
        f"is in {verified.checkpoint.checkpoint.origin} at size "
        f"{verified.checkpoint.checkpoint.size}"
    )


def _key_text(value: str) -> str:
    path = Path(value)
    if "+" not in value and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value
