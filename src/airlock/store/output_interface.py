"""Persistence of the model-output channel: content-addressed transcripts and their batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from airlock.budgets.leases import Amount
from airlock.outputs.transcript import Transcript, TranscriptDigest


@dataclass(frozen=True, slots=True)
class StoredTranscript:
    transcript: Transcript
    digest: TranscriptDigest
    size_bytes: int
    batch_index: int | None  # ledger index of the outputs.batch record
    leaf_index: int | None
    unexplained_milli: int | None  # set once verified


@dataclass(frozen=True, slots=True)
class Verification:
    digest: TranscriptDigest
    unexplained_milli: int  # unexplained bits, thousandths
    capacity_milli: int  # tolerance capacity bits, thousandths


@dataclass(frozen=True, slots=True)
class OutputTotals:
    responses: int
    tokens: int
    bytes: int
    verified_responses: int
    verified_tokens: int
    unexplained_milli: int
    capacity_milli: int


class OutputStore(Protocol):
    def add_transcript(
        self, transcript: Transcript, size_bytes: int, at: datetime
    ) -> TranscriptDigest:
        """Store a transcript under its digest, and return that (the caller need not encode
        the transcript again); storing the same one again is a no-op."""
        ...

    def add_charged_transcript(
        self,
        transcript: Transcript,
        size_bytes: int,
        at: datetime,
        lease_id: str,
        used: Amount,
        *,
        durable: bool = True,
    ) -> TranscriptDigest | None:
        """:meth:`LeaseStore.charge_lease` (``used`` to the lease) and :meth:`add_transcript`
        in one transaction: both or neither. Joins the caller's write batch, if any; else
        a transaction of its own, which with ``durable=False`` commits lazily (visible to
        every process at once, durable at the next :meth:`Store.sync`).

        None when the lease was reclaimed or never existed (``charge_lease`` False):
        nothing is stored, and the response must not leave.
        """
        ...

    def pending(self, limit: int) -> Sequence[TranscriptDigest]:
        """Digests of transcripts in no batch yet, oldest first."""
        ...

    def mark_batch(self, digests: Sequence[TranscriptDigest], ledger_index: int) -> int:
        """Put the digests (in order: leaf i is digests[i]) in the batch; returns how many
        were still pending (a batch committed twice by two processes keeps the first)."""
        ...

    def batch(self, ledger_index: int) -> Sequence[TranscriptDigest]:
        """The batch's digests in leaf order."""
        ...

    def get(self, digest: TranscriptDigest) -> StoredTranscript:
        """Raises: NotFound."""
        ...

    def unverified(self, below_index: int, limit: int) -> Sequence[StoredTranscript]:
        """Committed (in a batch with ledger index < below_index) but not yet verified."""
        ...

    def mark_verified(
        self,
        results: Sequence[Verification],
        considered: Sequence[TranscriptDigest],
        at: datetime,
    ) -> None:
        """Record replay results; every ``considered`` transcript (replayed or not) leaves
        :meth:`unverified`, so a later beacon cannot draw it again."""
        ...

    def totals(self) -> OutputTotals: ...
