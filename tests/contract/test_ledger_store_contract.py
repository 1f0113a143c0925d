"""One contract for every LedgerStore: memory, SQLite file, PostgreSQL server."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

import pytest

from airlock.errors import Conflict, InvalidInput, NotFound
from airlock.store.interface import Store
from airlock.store.ledger_interface import LedgerStore, StoredCheckpoint, StoredCosignature
from airlock.store.ledger_nodes import frontier_keys


def fake_seal(index: int, body: bytes) -> bytes:
    return hashlib.sha256(index.to_bytes(8, "big") + body).digest()


T0 = datetime(2026, 5, 1, tzinfo=UTC)


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH, written out recursively as the spec states it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf(leaves[0])
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node(reference_root(leaves[:split]), reference_root(leaves[split:]))


def root_from_store(ledger: LedgerStore, size: int) -> bytes:
    hashes = [ledger.nodes([k])[k] for k in frontier_keys(size)]
    if not hashes:
        return hashlib.sha256(b"").digest()
    current = hashes[-1]
    for left in reversed(hashes[:-1]):
        current = node(left, current)
    return current


def test_empty_ledger(store: Store) -> None:
    assert store.ledger.size() == 0
    assert store.ledger.latest_checkpoint() is None
    with pytest.raises(NotFound):
        store.ledger.entry(0)


def test_appends_assign_consecutive_indices_and_keep_bodies(store: Store) -> None:
    assert store.ledger.append([b"a"], T0, fake_seal) == 0
    assert store.ledger.append([b"b", b"c", b"\x00\xff"], T0, fake_seal) == 1
    assert store.ledger.size() == 4
    assert store.ledger.entry(3).body == b"\x00\xff"
    assert [e.body for e in store.ledger.entries(1, 4)] == [b"b", b"c", b"\x00\xff"]
    assert store.ledger.entry(0).appended_at == T0


def test_refuses_empty_batch(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.ledger.append([], T0, fake_seal)


@pytest.mark.parametrize("batches", [[1] * 13, [5, 3, 8], [16], [1, 2, 4, 8, 3]])
def test_stored_nodes_give_the_rfc9162_root_at_every_size(store: Store, batches: list[int]) -> None:
    bodies: list[bytes] = []
    for batch in batches:
        new = [f"entry {len(bodies) + i}".encode() for i in range(batch)]
        store.ledger.append(new, T0, fake_seal)
        bodies += new
        assert root_from_store(store.ledger, len(bodies)) == reference_root(bodies)
    # every leaf hash is stored at level 0
    stored = store.ledger.nodes([(0, i) for i in range(len(bodies))])
    assert [stored[(0, i)] for i in range(len(bodies))] == [leaf(b) for b in bodies]


def test_checkpoints_are_unique_per_size_and_ordered(store: Store) -> None:
    store.ledger.append([b"x", b"y"], T0, fake_seal)
    first = StoredCheckpoint(1, b"\x01" * 32, "note one\n", T0)
    second = StoredCheckpoint(2, b"\x02" * 32, "note two\n", T0)
    store.ledger.add_checkpoint(second)
    store.ledger.add_checkpoint(first)
    with pytest.raises(Conflict):
        store.ledger.add_checkpoint(first)
    assert store.ledger.latest_checkpoint() == second
    assert list(store.ledger.checkpoints()) == [first, second]


def test_concurrent_appenders_never_fork(store: Store) -> None:
    errors: list[Exception] = []

    def writer(worker: int) -> None:
        try:
            for n in range(10):
                store.ledger.append([f"w{worker}-{n}".encode()], T0, fake_seal)
        except Exception as e:  # noqa: BLE001 -- asserted below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    bodies = [e.body for e in store.ledger.entries(0, 60)]
    assert len(bodies) == 60 and len(set(bodies)) == 60
    assert root_from_store(store.ledger, 60) == reference_root(bodies)


def test_seals_are_stored_with_their_index(store: Store) -> None:
    store.ledger.append([b"p", b"q"], T0, fake_seal)
    assert store.ledger.entry(1).seal == fake_seal(1, b"q")


def test_cosignatures_replace_per_witness(store: Store) -> None:
    store.ledger.add_cosignature(StoredCosignature(3, "w1", "line a\n", 10))
    store.ledger.add_cosignature(StoredCosignature(3, "w2", "line b\n", 11))
    store.ledger.add_cosignature(StoredCosignature(3, "w1", "line c\n", 12))
    assert [(c.witness, c.line) for c in store.ledger.cosignatures(3)] == [
        ("w1", "line c\n"),
        ("w2", "line b\n"),
    ]
    assert store.ledger.cosignatures(4) == []
