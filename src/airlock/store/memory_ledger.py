"""In-memory LedgerStore, for tests. Same contract as the SQL one."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from airlock.errors import Conflict, InvalidInput, NotFound
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.store.ledger_interface import (
    NodeKey,
    Sealer,
    StoredCheckpoint,
    StoredCosignature,
    StoredEntry,
)
from airlock.store.ledger_nodes import frontier_keys, nodes_for_append
from airlock.store.sql_ledger import MAX_BATCH


class MemoryLedgerStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries_list: list[StoredEntry] = []
        self.node_map: dict[NodeKey, bytes] = {}
        self._checkpoints: dict[int, StoredCheckpoint] = {}
        self._cosignatures: dict[tuple[int, str], StoredCosignature] = {}

    def append(self, bodies: Sequence[bytes], appended_at: datetime, seal: Sealer) -> int:
        if not bodies or len(bodies) > MAX_BATCH:
            raise InvalidInput(f"append between 1 and {MAX_BATCH} entries at a time")
        with self._lock:
            size = len(self.entries_list)
            frontier = {k: self.node_map[k] for k in frontier_keys(size)}
            created = nodes_for_append(
                size, frontier, [hash_leaf(b) for b in bodies], hash_children
            )
            self.node_map.update(created)
            self.entries_list.extend(
                StoredEntry(size + i, bytes(b), seal(size + i, b), appended_at)
                for i, b in enumerate(bodies)
            )
            return size

    def size(self) -> int:
        with self._lock:
            return len(self.entries_list)

    def entry(self, index: int) -> StoredEntry:
        with self._lock:
            if not 0 <= index < len(self.entries_list):
                raise NotFound(f"ledger has no entry {index}")
            return self.entries_list[index]

    def entries(self, start: int, stop: int) -> Iterator[StoredEntry]:
        with self._lock:
            chosen = self.entries_list[max(start, 0) : stop]
        yield from chosen

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        with self._lock:
            return {k: self.node_map[k] for k in keys if k in self.node_map}

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self._lock:
            if checkpoint.size in self._checkpoints:
                raise Conflict(f"a checkpoint for size {checkpoint.size} exists already")
            self._checkpoints[checkpoint.size] = checkpoint

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with self._lock:
            return self._checkpoints[max(self._checkpoints)] if self._checkpoints else None

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        with self._lock:
            return [self._checkpoints[s] for s in sorted(self._checkpoints)]

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        with self._lock:
            self._cosignatures[(cosignature.size, cosignature.witness)] = cosignature

    def cosignatures(self, size: int) -> Sequence[StoredCosignature]:
        with self._lock:
            return sorted(
                (c for (s, _), c in self._cosignatures.items() if s == size),
                key=lambda c: c.witness,
            )
