"""Full replay of the ledger from storage, as `airlock ledger verify` runs it.

Recomputes every seal, leaf hash and interior node from the entry bytes, checks every
checkpoint's signature and root, and consistency between consecutive checkpoints. Any
row edited, deleted, reordered or appended outside airlock shows up, and the report names
the first bad entry.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from airlock.audit import seal_entry
from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import open_checkpoint
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.ledger.proofs import consistency_plan, fold, materialise, verify_consistency
from airlock.ledger.records import parse_record
from airlock.ledger.signed_note import VerifierKey
from airlock.store.ledger_interface import LedgerStore, NodeKey, StoredCheckpoint, StoredEntry
from airlock.store.ledger_nodes import frontier_keys, nodes_for_append

_NODE_BATCH = 4096


@dataclass(frozen=True, slots=True)
class Problem:
    index: int | None  # the entry at fault, when one can be named
    message: str


@dataclass(slots=True)
class VerifyReport:
    size: int = 0
    entries_checked: int = 0
    checkpoints_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        named = [p for p in self.problems if p.index is not None]
        if named:
            return min(named, key=lambda p: p.index or 0)
        return self.problems[0] if self.problems else None


class _Replay:
    def __init__(self, store: LedgerStore, seal_key: bytes, report: VerifyReport) -> None:
        self.store, self.seal_key, self.report = store, seal_key, report
        self.frontier: dict[NodeKey, bytes] = {}
        self.pending: dict[NodeKey, tuple[bytes, int]] = {}

    def add(self, entry: StoredEntry) -> None:
        i = entry.index
        if not hmac.compare_digest(entry.seal, seal_entry(self.seal_key, i, entry.body)):
            self.fail(i, f"entry {i} has an invalid seal: it was written or edited outside airlock")
        try:
            parse_record(entry.body)
        except LedgerIntegrityError as e:
            self.fail(i, f"entry {i} is not a canonical airlock record: {e}")
        created = nodes_for_append(i, self.frontier, [hash_leaf(entry.body)], hash_children)
        known = {**self.frontier, **created}
        self.frontier = {k: known[k] for k in frontier_keys(i + 1)}
        for key, digest in created.items():
            self.pending[key] = (digest, i)
        if len(self.pending) >= _NODE_BATCH:
            self.flush()

    def root(self, size: int) -> bytes:
        return fold([self.frontier[k] for k in frontier_keys(size)])

    def flush(self) -> None:
        stored = self.store.nodes(list(self.pending))
        for key, (digest, index) in self.pending.items():
            if stored.get(key) != digest:
                what = "leaf hash" if key[0] == 0 else f"node {key}"
                self.fail(index, f"entry {index}: stored {what} does not match the entry bytes")
        self.pending.clear()

    def fail(self, index: int | None, message: str) -> None:
        self.report.problems.append(Problem(index, message))


def _contiguous(store: LedgerStore, size: int, replay: _Replay) -> Iterator[StoredEntry]:
    expected = 0
    for entry in store.entries(0, size):
        if entry.index != expected:
            replay.fail(expected, f"entry {expected} is missing (deleted or moved)")
            return
        expected += 1
        yield entry
    if expected != size:
        replay.fail(expected, f"entry {expected} is missing: the log should hold {size}")


def verify_log(store: LedgerStore, log_key: VerifierKey, seal_key: bytes) -> VerifyReport:
    """Replay everything; never raises for tampering, reports it instead."""
    report = VerifyReport(size=store.size())
    replay = _Replay(store, seal_key, report)
    checkpoints = list(store.checkpoints())
    by_size = {c.size: c for c in checkpoints}
    for extra in store.entries(report.size, report.size + 1):
        replay.fail(
            extra.index, f"entry {extra.index} lies beyond the log head: appended outside airlock"
        )
    for entry in _contiguous(store, report.size, replay):
        replay.add(entry)
        report.entries_checked += 1
        checkpoint = by_size.get(entry.index + 1)
        if checkpoint is not None:
            _check_checkpoint(checkpoint, replay.root(checkpoint.size), log_key, replay)
            report.checkpoints_checked += 1
    replay.flush()
    for checkpoint in checkpoints:
        if checkpoint.size > report.entries_checked:
            replay.fail(None, f"checkpoint for size {checkpoint.size} covers entries the log lacks")
        elif checkpoint.size == 0:
            _check_checkpoint(checkpoint, fold([]), log_key, replay)
            report.checkpoints_checked += 1
    if report.ok:
        _check_consecutive_consistency(store, checkpoints, replay)
    return report


def _check_checkpoint(
    checkpoint: StoredCheckpoint, root: bytes, log_key: VerifierKey, replay: _Replay
) -> None:
    try:
        opened = open_checkpoint(checkpoint.note, log_key).checkpoint
    except LedgerIntegrityError as e:
        replay.fail(None, f"checkpoint for size {checkpoint.size} does not verify: {e}")
        return
    if opened.size != checkpoint.size or opened.root != checkpoint.root:
        replay.fail(None, f"checkpoint row for size {checkpoint.size} disagrees with its note")
    if opened.root != root:
        first = max(0, checkpoint.size - 1)
        replay.fail(
            first if checkpoint.size else None,
            f"entries up to {checkpoint.size} no longer hash to the signed checkpoint root",
        )


def _check_consecutive_consistency(
    store: LedgerStore, checkpoints: list[StoredCheckpoint], replay: _Replay
) -> None:
    nonzero = [c for c in checkpoints if c.size > 0]
    for older, newer in itertools.pairwise(nonzero):
        try:
            proof = materialise(consistency_plan(older.size, newer.size), store)
            verify_consistency(older.size, newer.size, older.root, newer.root, proof)
        except LedgerIntegrityError as e:
            replay.fail(None, f"checkpoints {older.size} and {newer.size} are inconsistent: {e}")
