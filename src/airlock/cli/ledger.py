"""`airlock ledger ...`: checkpoints, entries, proofs, verification and receipts."""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import AirlockError, ExitCode, LedgerIntegrityError, SourceError
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
        code = ExitCode.INTEGRITY
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
            code = ExitCode.INTEGRITY
    return code


@ledger_group.command("seal-state")
@pass_cli
def seal_state(cli: CliContext) -> None:
    """Seal the rows of a database upgraded from before row seals (run once, on a trusted
    database, right after `airlock init` migrated it); see docs/adr/0012-sealed-state.md."""
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


@ledger_group.command("export")
@click.option(
    "--since",
    type=click.IntRange(min=0),
    default=None,
    help="First index to send (default: the cursor file's, else 0).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "ocsf"]),
    default="jsonl",
    show_default=True,
    help="jsonl: airlock's records; ocsf: OCSF 1.1.0 API Activity (6003).",
)
@click.option("--follow", is_flag=True, help="Keep running and send new entries as they land.")
@click.option(
    "--cursor-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Resume from, and keep saving, the next index in this file.",
)
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.05, max=3600),
    default=1.0,
    show_default=True,
    help="With --follow: how often to look for new entries.",
)
@click.option(
    "--webhook",
    default=None,
    help="POST each batch (NDJSON, HMAC-signed with $AIRLOCK_WEBHOOK_SECRET) here too.",
)
@pass_cli
def export_ledger(
    cli: CliContext,
    since: int | None,
    fmt: str,
    follow: bool,
    cursor_file: Path | None,
    poll_seconds: float,
    webhook: str | None,
) -> None:
    """Write every ledger entry from --since on as one JSON event per line (for a SIEM).

    Each event carries its index and a proof handle (origin, index, leaf hash): fetch
    `airlock ledger receipt INDEX` later to prove the entry is in the signed log. Delivery
    is at least once; deduplicate on (log, index).
    """
    from airlock import __version__
    from airlock.ops.ledger_export import read_cursor, write_cursor
    from airlock.ops.siem import ExportFormat, encode_line, to_event

    start = since
    if start is None and cursor_file is not None:
        start = read_cursor(cursor_file)

    def warn(error: AirlockError) -> None:
        click.echo(f"airlock: ledger export waiting for the store: {error.message}", err=True)

    sink = client = None
    if webhook is not None:
        import httpx

        from airlock.ops.webhook import WebhookSink

        sink = WebhookSink(webhook, cli.environ.get("AIRLOCK_WEBHOOK_SECRET", "").encode())
        client = httpx.Client(timeout=30)
    batches = cli.airlock().ledger_events(
        start or 0, follow=follow, poll_seconds=poll_seconds, on_error=warn
    )
    with contextlib.closing(client) if client is not None else contextlib.nullcontext():
        for batch in batches:
            lines = [encode_line(to_event(e, ExportFormat(fmt), __version__)) for e in batch]
            if sink is not None and client is not None:
                sink.deliver(client, batch[0].index, lines)
            for line in lines:
                click.echo(line)  # flushes
            if cursor_file is not None:
                write_cursor(cursor_file, batch[-1].index + 1)
