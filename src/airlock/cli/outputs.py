"""`airlock outputs ...`: the model-output channel (issue 20).

Nothing of :mod:`airlock.outputs` (numpy, torch, transformers) is imported at start-up:
each command imports what it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.cli.ledger import _key_text
from airlock.errors import ExitCode, SourceError
from airlock.ledger.signed_note import VerifierKey
from airlock.render.table import render_table
from airlock.service import Actor

MAX_SHOWN = 20


@click.group("outputs")
def outputs_group() -> None:
    """Model outputs: the inference gateway's transcript log and its verifier."""


@outputs_group.command("digest")
@click.argument("model_dir", type=click.Path(file_okay=False, path_type=Path))
def digest_command(model_dir: Path) -> None:
    """Print MODEL_DIR's digest, for [outputs] model_digest."""
    from airlock.outputs.reference import model_digest

    click.echo(model_digest(model_dir))


@outputs_group.command("commit")
@pass_cli
def commit_command(cli: CliContext) -> None:
    """Commit logged responses to the ledger now (the gateway does so every few seconds)."""
    index = cli.airlock().commit_outputs()
    click.echo("nothing pending" if index is None else f"committed as ledger entry {index}")


@outputs_group.command("verify")
@click.option(
    "--model-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The trusted reference copy of the served model (a transformers folder).",
)
@click.option("--fraction", type=click.FloatRange(0, 1, min_open=True), default=None)
@click.option("--tolerance", type=click.FloatRange(min=0), default=None, help="In logits.")
@click.option("--lock-bits", type=click.IntRange(min=0), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def verify_command(
    cli: CliContext,
    model_dir: Path,
    fraction: float | None,
    tolerance: float | None,
    lock_bits: int | None,
    as_json: bool,
) -> int:
    """Replay a sample of logged responses on the reference model and score every token.

    Exit 11 when the evidence locked a caller or the upstream.
    """
    from airlock.outputs.reference import TransformersReference

    reference = TransformersReference.from_directory(model_dir)
    report = cli.airlock().verify_outputs(
        Actor.local_operator(), reference, fraction, tolerance, lock_bits
    )
    unfit = [
        (v.digest, s) for v in report.verdicts if v.score is not None for s in v.score.unexplained
    ]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "checkpoint_size": report.checkpoint_size,
                    "beacon": report.beacon,
                    "fraction": report.fraction,
                    "considered": report.considered,
                    "replayed": len(report.verdicts),
                    "unverifiable": report.unverifiable,
                    "unreplayable": [
                        {"transcript": v.digest, "why": v.unreplayable} for v in report.unreplayable
                    ],
                    "replayed_tokens": report.replayed_tokens,
                    "replay_seconds": report.replay_seconds,
                    "responses": [
                        {
                            "transcript": v.digest,
                            "caller": v.caller,
                            "tokens": v.tokens,
                            "verified": v.score is not None,
                            "unexplained_bits": v.unexplained_bits,
                        }
                        for v in report.verdicts
                    ],
                    "callers": {
                        k: {
                            "tokens": t.tokens,
                            "unexplained_bits": t.unexplained_bits,
                            "capacity_bits": t.capacity_bits,
                        }
                        for k, t in report.callers.items()
                    },
                    "unexplained_tokens": [
                        {
                            "transcript": d,
                            "position": s.position,
                            "token": s.token,
                            "replayed": s.replayed,
                            "rank": s.rank,
                            "margin": s.margin,
                        }
                        for d, s in unfit
                    ],
                    "locks": [f"{k.scope}:{k.subject}" for k in report.locks],
                    "ledger_index": report.ledger_index,
                },
                indent=2,
            )
        )
    else:
        rows: list[list[object]] = [
            [who, t.responses, t.tokens, f"{t.unexplained_bits:.1f}", f"{t.capacity_bits:.1f}"]
            for who, t in sorted(report.callers.items())
        ]
        click.echo(
            f"beacon from checkpoint {report.checkpoint_size}: replayed {len(report.verdicts)} "
            f"of {report.considered} responses ({report.replayed_tokens} tokens, "
            f"{report.unverifiable} unverifiable, {len(report.unreplayable)} unreplayable) in "
            f"{report.replay_seconds:.2f} s"
        )
        for v in report.unreplayable[:MAX_SHOWN]:
            click.echo(f"  {v.digest[:12]} cannot be replayed: {v.unreplayable}")
        click.echo(render_table(["CALLER", "RESPONSES", "TOKENS", "UNEXPLAINED", "NEAR-TIE"], rows))
        for digest, s in unfit[:MAX_SHOWN]:
            click.echo(
                f"  {digest[:12]} pos {s.position}: token {s.token}, replay {s.replayed}, "
                f"rank {s.rank}, margin {s.margin:.3f}"
            )
        for lock in report.locks:
            click.echo(f"LOCKED {lock.scope} {lock.subject}: {lock.reason}")
        click.echo(f"recorded as ledger entry {report.ledger_index}")
    return ExitCode.DENIED if report.locks else ExitCode.OK


@outputs_group.command("prove")
@click.argument("transcript")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def prove_command(cli: CliContext, transcript: str, output: Path) -> None:
    """Write an offline proof that the response TRANSCRIPT (its digest) is in the log."""
    data = cli.airlock().output_proof(transcript)
    try:
        output.write_bytes(data)
    except OSError as e:
        raise SourceError(f"cannot write {output}: {e.strerror}") from e
    click.echo(f"wrote {output}")


@outputs_group.command("verify-proof")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_text", required=True, help="The ledger verifier key or its file.")
def verify_proof_command(file: Path, key_text: str) -> None:
    """Check an output proof offline: no database, no network, only the public key."""
    from airlock.outputs.batches import MAX_PROOF_BYTES, verify_output_proof

    try:
        if file.stat().st_size > MAX_PROOF_BYTES:
            raise SourceError(f"{file} is too large to be an output proof")
        data = file.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read {file}: {e.strerror}") from e
    proven = verify_output_proof(data, VerifierKey.parse(_key_text(key_text)))
    t = proven.transcript
    click.echo(
        f"valid: transcript {proven.digest[:16]}... ({len(t.output_tokens)} tokens for "
        f"{t.caller}, seed {t.seed}) is in the batch at ledger entry {proven.ledger_index}"
    )
