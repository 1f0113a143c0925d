"""In-memory OutputStore, for tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from airlock.budgets.leases import Amount
from airlock.errors import NotFound
from airlock.outputs.transcript import Transcript, TranscriptDigest
from airlock.store.memory_leases import MemoryLeaseStore
from airlock.store.output_interface import OutputTotals, StoredTranscript, Verification


class MemoryOutputStore:
    def __init__(self, leases: MemoryLeaseStore) -> None:
        self._leases = leases
        self._lock = threading.Lock()
        self._rows: dict[TranscriptDigest, StoredTranscript] = {}
        self._capacity: dict[TranscriptDigest, int] = {}
        self._considered: set[TranscriptDigest] = set()

    def add_transcript(
        self, transcript: Transcript, size_bytes: int, at: datetime
    ) -> TranscriptDigest:
        del at
        with self._lock:
            digest = transcript.digest
            self._rows.setdefault(
                digest, StoredTranscript(transcript, digest, size_bytes, None, None, None)
            )
            return digest

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
        del at, durable  # nothing here is durable
        with self._lock:  # no transcript lookup between the charge and the row
            if not self._leases.charge_lease(lease_id, used):
                return None
            digest = transcript.digest
            self._rows.setdefault(
                digest, StoredTranscript(transcript, digest, size_bytes, None, None, None)
            )
            return digest

    def pending(self, limit: int) -> Sequence[TranscriptDigest]:
        with self._lock:
            return [d for d, r in self._rows.items() if r.batch_index is None][:limit]

    def mark_batch(self, digests: Sequence[TranscriptDigest], ledger_index: int) -> int:
        with self._lock:
            marked = 0
            for leaf, digest in enumerate(digests):
                row = self._rows.get(digest)
                if row is not None and row.batch_index is None:
                    self._rows[digest] = replace(row, batch_index=ledger_index, leaf_index=leaf)
                    marked += 1
            return marked

    def batch(self, ledger_index: int) -> Sequence[TranscriptDigest]:
        with self._lock:
            rows = [r for r in self._rows.values() if r.batch_index == ledger_index]
            return [r.digest for r in sorted(rows, key=lambda r: r.leaf_index or 0)]

    def get(self, digest: TranscriptDigest) -> StoredTranscript:
        with self._lock:
            row = self._rows.get(digest)
        if row is None:
            raise NotFound(f"no transcript {digest[:16]}... in the output log")
        return row

    def unverified(self, below_index: int, limit: int) -> Sequence[StoredTranscript]:
        with self._lock:
            return [
                r
                for r in self._rows.values()
                if r.batch_index is not None
                and r.batch_index < below_index
                and r.digest not in self._considered
            ][:limit]

    def mark_verified(
        self,
        results: Sequence[Verification],
        considered: Sequence[TranscriptDigest],
        at: datetime,
    ) -> None:
        del at
        with self._lock:
            self._considered.update(considered)
            for v in results:
                row = self._rows.get(v.digest)
                if row is not None:
                    self._rows[v.digest] = replace(row, unexplained_milli=v.unexplained_milli)
                    self._capacity[v.digest] = v.capacity_milli

    def totals(self) -> OutputTotals:
        with self._lock:
            rows = list(self._rows.values())
            verified = [r for r in rows if r.unexplained_milli is not None]
            return OutputTotals(
                responses=len(rows),
                tokens=sum(len(r.transcript.output_tokens) for r in rows),
                bytes=sum(r.size_bytes for r in rows),
                verified_responses=len(verified),
                verified_tokens=sum(len(r.transcript.output_tokens) for r in verified),
                unexplained_milli=sum(r.unexplained_milli or 0 for r in verified),
                capacity_milli=sum(self._capacity.values()),
            )
