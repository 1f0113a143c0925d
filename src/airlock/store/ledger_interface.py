"""Persistence of the Merkle ledger: entries, complete-subtree hashes and checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

NodeKey = tuple[int, int]  # (level, index): the subtree over leaves [index*2**level, +2**level)
Sealer = Callable[[int, bytes], bytes]  # (index, body) -> seal, computed once the index is known


@dataclass(frozen=True, slots=True)
class StoredEntry:
    index: int
    body: bytes
    seal: bytes
    appended_at: datetime


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class StoredCosignature:
    size: int
    witness: str
    line: str
    timestamp: int


class LedgerStore(Protocol):
    """Append-only storage of the log.

    ``append`` is the only writer of entries and nodes. It serialises concurrent appenders
    on the head row (a row lock on PostgreSQL, the write lock on SQLite), so two gateway
    processes can never assign the same index and fork the log.
    """

    def append(self, bodies: Sequence[bytes], appended_at: datetime, seal: Sealer) -> int:
        """Durably append entries, all or none; returns the index of the first."""
        ...

    def size(self) -> int: ...

    def entry(self, index: int) -> StoredEntry:
        """Raises NotFound for an index at or past the end."""
        ...

    def entries(self, start: int, stop: int) -> Iterator[StoredEntry]:
        """Entries ``start <= index < stop`` in order, read in bounded batches."""
        ...

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The stored hashes among ``keys``; absent keys are simply missing."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Raises Conflict if a checkpoint for that size exists already."""
        ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        """All checkpoints, smallest tree first."""
        ...

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        """Keep a witness's cosignature (replacing that witness's earlier one for the size)."""
        ...

    def cosignatures(self, size: int) -> Sequence[StoredCosignature]: ...
