"""DatasetStore in memory, for tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from airlock.domain.names import RequestId
from airlock.errors import Conflict, NotFound
from airlock.store.dataset_interface import DatasetEntry, DatasetId, LineageEdge


class MemoryDatasetStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._datasets: dict[DatasetId, DatasetEntry] = {}
        self._edges: set[LineageEdge] = set()

    def add_dataset(self, entry: DatasetEntry) -> None:
        with self._lock:
            if entry.id in self._datasets:
                raise Conflict(f"dataset {entry.id} exists")
            self._datasets[entry.id] = entry

    def get_dataset(self, dataset: DatasetId) -> DatasetEntry:
        with self._lock:
            try:
                return self._datasets[dataset]
            except KeyError:
                raise NotFound(f"no dataset {dataset}; see `airlock data list`") from None

    def list_datasets(self) -> Sequence[DatasetEntry]:
        with self._lock:
            return sorted(self._datasets.values(), key=lambda d: (d.created_at, d.id), reverse=True)

    def dataset_for_request(self, request: RequestId) -> DatasetEntry | None:
        with self._lock:
            return next((d for d in self._datasets.values() if d.request_id == request), None)

    def set_scan(self, dataset: DatasetId, verdict: str, scan_json: str) -> None:
        with self._lock:
            entry = self._datasets.get(dataset)
            if entry is None:
                raise NotFound(f"no dataset {dataset}")
            self._datasets[dataset] = replace(entry, verdict=verdict, scan_json=scan_json)

    def mark_released(self, dataset: DatasetId, by: str, at: datetime) -> None:
        with self._lock:
            entry = self._datasets.get(dataset)
            if entry is None:
                raise NotFound(f"no dataset {dataset}")
            if entry.released_at is not None:
                raise Conflict(f"dataset {dataset} was released before, by {entry.released_by}")
            self._datasets[dataset] = replace(entry, released_at=at, released_by=by)

    def add_lineage_edges(self, edges: Sequence[LineageEdge], actor: str, at: datetime) -> int:
        del actor, at  # kept by the SQL store for audits; the ledger has them too
        with self._lock:
            new = set(edges) - self._edges
            self._edges |= new
            return len(new)

    def lineage_edges(self) -> Sequence[LineageEdge]:
        with self._lock:
            return sorted(self._edges)
