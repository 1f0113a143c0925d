"""DatasetStore on SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from airlock.domain.names import RequestId, Sha256Hex
from airlock.errors import Conflict, NotFound
from airlock.store import schema
from airlock.store.dataset_interface import DatasetEntry, DatasetId, LineageEdge

BeginTransaction = Callable[..., AbstractContextManager[Connection]]


class SqlDatasetStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def add_dataset(self, entry: DatasetEntry) -> None:
        t = schema.datasets
        with self._begin(write=True) as c:
            if c.execute(select(t.c.id).where(t.c.id == entry.id)).first():
                raise Conflict(f"dataset {entry.id} exists")
            c.execute(
                t.insert().values(
                    id=entry.id,
                    request_id=entry.request_id,
                    source=entry.source,
                    license=entry.license,
                    manifest_sha256=entry.manifest_sha256,
                    manifest_json=entry.manifest_json,
                    verdict=entry.verdict,
                    scan_json=entry.scan_json,
                    created_at=entry.created_at,
                    released_at=entry.released_at,
                    released_by=entry.released_by,
                )
            )

    def get_dataset(self, dataset: DatasetId) -> DatasetEntry:
        t = schema.datasets
        with self._begin() as c:
            row = c.execute(select(t).where(t.c.id == dataset)).first()
        if row is None:
            raise NotFound(f"no dataset {dataset}; see `airlock data list`")
        return _entry(row)

    def list_datasets(self) -> Sequence[DatasetEntry]:
        t = schema.datasets
        with self._begin() as c:
            rows = c.execute(select(t).order_by(t.c.created_at.desc(), t.c.id.desc())).all()
        return [_entry(r) for r in rows]

    def dataset_for_request(self, request: RequestId) -> DatasetEntry | None:
        t = schema.datasets
        with self._begin() as c:
            row = c.execute(select(t).where(t.c.request_id == request)).first()
        return None if row is None else _entry(row)

    def set_scan(self, dataset: DatasetId, verdict: str, scan_json: str) -> None:
        t = schema.datasets
        with self._begin(write=True) as c:
            done = c.execute(
                t.update().where(t.c.id == dataset).values(verdict=verdict, scan_json=scan_json)
            )
            if done.rowcount == 0:
                raise NotFound(f"no dataset {dataset}")

    def mark_released(self, dataset: DatasetId, by: str, at: datetime) -> None:
        t = schema.datasets
        with self._begin(write=True) as c:
            done = c.execute(
                t.update()
                .where(and_(t.c.id == dataset, t.c.released_at.is_(None)))
                .values(released_at=at, released_by=by)
            )
            if done.rowcount == 0:
                row = c.execute(select(t.c.released_by).where(t.c.id == dataset)).first()
                if row is None:
                    raise NotFound(f"no dataset {dataset}")
                raise Conflict(f"dataset {dataset} was released before, by {row.released_by}")

    def add_lineage_edges(self, edges: Sequence[LineageEdge], actor: str, at: datetime) -> int:
        t = schema.lineage_edges
        added = 0
        with self._begin(write=True) as c:
            for edge in sorted(set(edges)):
                key = and_(
                    t.c.parent_kind == edge.parent_kind,
                    t.c.parent_id == edge.parent_id,
                    t.c.child_kind == edge.child_kind,
                    t.c.child_id == edge.child_id,
                )
                if c.execute(select(t.c.parent_id).where(key)).first():
                    continue
                c.execute(
                    t.insert().values(
                        parent_kind=edge.parent_kind,
                        parent_id=edge.parent_id,
                        child_kind=edge.child_kind,
                        child_id=edge.child_id,
                        recorded_by=actor,
                        recorded_at=at,
                    )
                )
                added += 1
        return added

    def lineage_edges(self) -> Sequence[LineageEdge]:
        t = schema.lineage_edges
        with self._begin() as c:
            rows = c.execute(
                select(t.c.parent_kind, t.c.parent_id, t.c.child_kind, t.c.child_id)
            ).all()
        return sorted(LineageEdge(*row) for row in rows)


def _entry(row: Any) -> DatasetEntry:
    return DatasetEntry(
        id=DatasetId(row.id),
        request_id=RequestId(row.request_id),
        source=row.source,
        license=row.license,
        manifest_sha256=Sha256Hex(row.manifest_sha256),
        manifest_json=row.manifest_json,
        verdict=row.verdict,
        scan_json=row.scan_json,
        created_at=row.created_at,
        released_at=row.released_at,
        released_by=row.released_by,
    )
