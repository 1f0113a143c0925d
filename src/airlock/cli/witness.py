"""`airlock witness ...`: an independent witness that cosigns only consistent checkpoints.

The witness keeps its own key and its own record of the last checkpoint it cosigned, in a
folder of its own (not the airlock home): it is meant to run outside the gateway's trust.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.errors import ConfigError, LedgerIntegrityError, SourceError
from airlock.ledger.checkpoints import open_checkpoint
from airlock.ledger.signed_note import MAX_NOTE_BYTES, VerifierKey
from airlock.ledger.witness import WitnessState, witness_checkpoint
from airlock.local_witness import KEY_FILE, LAST_FILE, create_witness, load_witness

if TYPE_CHECKING:  # the HTTP client is imported by the command that uses it (issue 13)
    import httpx


@click.group("witness")
def witness_group() -> None:
    """Run an independent witness that cosigns the ledger's checkpoints (C2SP)."""


@witness_group.command("init")
@click.argument("state_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="The witness's key name, e.g. witness.example.org")
def init_witness(state_dir: Path, name: str) -> None:
    """Create a witness key in STATE_DIR and print its verifier key."""
    if (state_dir / KEY_FILE).exists():
        raise ConfigError(f"{state_dir} already holds a witness key; use `witness key`")
    signer = create_witness(state_dir, name)
    click.echo(signer.verifier.encode())


@witness_group.command("key")
@click.argument("state_dir", type=click.Path(file_okay=False, path_type=Path))
def witness_key(state_dir: Path) -> None:
    """Print the witness's verifier key (add it to the gateway's [ledger] witness_keys)."""
    click.echo(load_witness(state_dir).verifier.encode())


@witness_group.command("cosign")
@click.argument("state_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--gateway", required=True, help="Gateway base URL, e.g. http://127.0.0.1:8750")
@click.option("--log-key", required=True, help="The ledger's verifier key (name+id+key).")
@click.option(
    "--token",
    envvar="AIRLOCK_TOKEN",
    required=True,
    help="API token of the witness's service principal (or $AIRLOCK_TOKEN).",
)
@click.option("--timestamp", type=int, default=None, hidden=True)
def cosign_latest(
    state_dir: Path, gateway: str, log_key: str, token: str, timestamp: int | None
) -> None:
    """Fetch the latest checkpoint, check it extends the last one seen, cosign and deliver.

    Refuses (exit 1) on a rollback or a fork, and keeps its state unchanged.
    """
    signer = load_witness(state_dir)
    key = VerifierKey.parse(log_key)
    last_path = state_dir / LAST_FILE
    state = WitnessState(None)
    if last_path.exists():
        state = WitnessState(open_checkpoint(_read_note(last_path), key).checkpoint)
    import httpx

    with httpx.Client(
        base_url=gateway, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        note = _get(client, "/ledger/checkpoint").text
        new_size = open_checkpoint(note, key).checkpoint.size
        proof: list[bytes] = []
        if state.last is not None and 0 < state.last.size < new_size:
            answer = _get(
                client, f"/ledger/proofs/consistency?old={state.last.size}&new={new_size}"
            )
            proof = [base64.b64decode(p) for p in answer.json()["consistency_proof"]]
        cosigned = witness_checkpoint(
            state,
            note,
            proof,
            log_key=key,
            witness=signer,
            timestamp=timestamp if timestamp is not None else int(time.time()),
        )
        delivered = client.post(
            "/ledger/cosignatures",
            content=cosigned.note_with_cosignature,
            headers={"Content-Type": "text/plain"},
        )
        if delivered.status_code != 200:
            raise SourceError(f"gateway refused the cosignature: {delivered.text.strip()}")
    temporary = last_path.with_suffix(".tmp")
    temporary.write_text(note, encoding="utf-8")
    temporary.replace(last_path)  # atomic: a crash never leaves a half-written state
    click.echo(f"cosigned {key.name} at size {new_size}")


def _get(client: httpx.Client, path: str) -> httpx.Response:
    import httpx

    try:
        response = client.get(path)
    except httpx.HTTPError as e:
        raise SourceError(f"cannot reach the gateway: {e}") from e
    if response.status_code != 200:
        raise SourceError(f"gateway answered {response.status_code} for {path}")
    return response


def _read_note(path: Path) -> str:
    if path.stat().st_size > MAX_NOTE_BYTES:
        raise LedgerIntegrityError(f"{path} is larger than any checkpoint")
    return path.read_text(encoding="utf-8")
