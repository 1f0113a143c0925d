"""DatasetStore contract: memory, SQLite file, PostgreSQL server."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from airlock.domain.names import RequestId, Sha256Hex
from airlock.errors import Conflict, InvalidInput, NotFound
from airlock.store.dataset_interface import DatasetEntry, DatasetId, LineageEdge, dataset_id
from airlock.store.interface import Store
from tests.contract.test_store_contract import T0, export_request, person, token_hash


def dataset(n: int, store: Store) -> DatasetEntry:
    if n == 0:
        store.add_principal(person("importer0"), token_hash())
    request = replace(export_request(n, principal="importer0"), id=RequestId(f"req_{n:032x}"))
    store.add_request(request)
    return DatasetEntry(
        id=DatasetId(f"ds_{n:024x}"),
        request_id=request.id,
        source="https://example.org/dätä",
        license="CC-BY-4.0",
        manifest_sha256=Sha256Hex(f"{n + 7:064x}"),
        manifest_json='{"files": []}',
        verdict="clean",
        scan_json='{"outcome": "allow"}',
        created_at=T0 + timedelta(minutes=n),
    )


def test_dataset_round_trip_newest_first(store: Store) -> None:
    first, second = dataset(0, store), dataset(1, store)
    store.datasets.add_dataset(first)
    store.datasets.add_dataset(second)
    assert store.datasets.get_dataset(first.id) == first
    assert [d.id for d in store.datasets.list_datasets()] == [second.id, first.id]
    with pytest.raises(Conflict):
        store.datasets.add_dataset(first)
    with pytest.raises(NotFound):
        store.datasets.get_dataset(DatasetId("ds_" + "f" * 24))


def test_a_dataset_is_found_by_the_request_that_brought_it_in(store: Store) -> None:
    first, second = dataset(0, store), dataset(1, store)
    store.datasets.add_dataset(first)
    store.datasets.add_dataset(second)
    assert store.datasets.dataset_for_request(second.request_id) == second
    assert store.datasets.dataset_for_request(first.request_id) == first
    other = replace(export_request(2, principal="importer0"), id=RequestId(f"req_{2:032x}"))
    store.add_request(other)
    assert store.datasets.dataset_for_request(other.id) is None


def test_scan_update_and_release_happen_once(store: Store) -> None:
    entry = dataset(0, store)
    store.datasets.add_dataset(entry)
    store.datasets.set_scan(entry.id, "poisoned", '{"outcome": "hold"}')
    assert store.datasets.get_dataset(entry.id).verdict == "poisoned"
    at = datetime(2026, 4, 1, tzinfo=UTC)
    store.datasets.mark_released(entry.id, "bob", at)
    got = store.datasets.get_dataset(entry.id)
    assert (got.released_at, got.released_by) == (at, "bob")
    with pytest.raises(Conflict, match="released before, by bob"):
        store.datasets.mark_released(entry.id, "carol", at)
    with pytest.raises(NotFound):
        store.datasets.set_scan(DatasetId("ds_" + "e" * 24), "clean", "{}")
    with pytest.raises(NotFound):
        store.datasets.mark_released(DatasetId("ds_" + "e" * 24), "bob", at)


def test_concurrent_releases_have_one_winner(store: Store) -> None:
    entry = dataset(0, store)
    store.datasets.add_dataset(entry)
    outcomes: list[str] = []

    def release(name: str) -> None:
        try:
            store.datasets.mark_released(entry.id, name, T0)
            outcomes.append("won")
        except Conflict:
            outcomes.append("lost")

    threads = [threading.Thread(target=release, args=(f"p{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]


def test_lineage_edges_are_deduplicated(store: Store) -> None:
    a = LineageEdge("source", "vendor-x", "dataset", "ds_1")
    b = LineageEdge("dataset", "ds_1", "model", "monitor")
    assert store.datasets.add_lineage_edges([a, b, a], "alice", T0) == 2
    assert store.datasets.add_lineage_edges([b], "alice", T0) == 0
    assert store.datasets.lineage_edges() == sorted([a, b])


def test_dataset_ids_are_checked() -> None:
    assert dataset_id("ds_" + "0" * 24) == "ds_" + "0" * 24
    for bad in ("ds_123", "req_" + "0" * 24, "ds_" + "G" * 24, "ds_" + "0" * 24 + "\n"):
        with pytest.raises(InvalidInput):
            dataset_id(bad)
