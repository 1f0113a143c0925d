"""The witness's rule: cosign a checkpoint only if it consistently extends what it saw.

A witness remembers the last checkpoint it cosigned for a log. A newer checkpoint of the
same size with a different root, a smaller one (rollback), or a larger one whose
consistency proof fails is a fork or a rewrite: the witness refuses, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint, cosign, open_checkpoint
from airlock.ledger.proofs import verify_consistency
from airlock.ledger.signed_note import NoteSigner, VerifierKey


@dataclass(frozen=True, slots=True)
class WitnessState:
    """What the witness last cosigned (None: it has seen nothing of this log yet)."""

    last: Checkpoint | None


@dataclass(frozen=True, slots=True)
class Cosigned:
    state: WitnessState
    cosignature_line: str
    note_with_cosignature: str


def witness_checkpoint(
    state: WitnessState,
    signed_checkpoint: str,
    proof: Sequence[bytes],
    *,
    log_key: VerifierKey,
    witness: NoteSigner,
    timestamp: int,
) -> Cosigned:
    """Verify and cosign, returning the witness's new state.

    Raises:
        LedgerIntegrityError: bad log signature, rollback, fork, or failed consistency.
    """
    opened = open_checkpoint(signed_checkpoint, log_key)
    new = opened.checkpoint
    last = state.last
    if last is not None:
        if last.origin != new.origin:
            raise LedgerIntegrityError(f"checkpoint is for {new.origin}, not {last.origin}")
        if new.size < last.size:
            raise LedgerIntegrityError(
                f"rollback: checkpoint size {new.size} is smaller than the {last.size} "
                "already witnessed; refusing to cosign"
            )
        if new.size == last.size and new.root != last.root:
            raise LedgerIntegrityError(
                f"fork: two different roots for size {new.size}; refusing to cosign"
            )
        if last.size > 0:
            try:
                verify_consistency(last.size, new.size, last.root, new.root, proof)
            except LedgerIntegrityError as e:
                raise LedgerIntegrityError(
                    f"fork: size {new.size} is not consistent with witnessed size {last.size} "
                    f"({e}); refusing to cosign"
                ) from e
    line = cosign(opened.note.text, witness, timestamp)
    return Cosigned(WitnessState(new), line, opened.text + line)
