"""Storage of imported datasets (quarantine records) and the lineage graph's edges."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NewType, Protocol

from airlock.domain.names import RequestId, Sha256Hex
from airlock.errors import InvalidInput

DatasetId = NewType("DatasetId", str)
_DATASET_ID = re.compile(r"ds_[0-9a-f]{24}")


def dataset_id(value: str) -> DatasetId:
    """Raises: InvalidInput for anything not shaped like a dataset id (``ds_`` + 24 hex)."""
    if not _DATASET_ID.fullmatch(value):
        raise InvalidInput(f"{value[:40]!r} is not a dataset id (ds_ followed by 24 hex digits)")
    return DatasetId(value)


@dataclass(frozen=True, slots=True)
class DatasetEntry:
    """One imported dataset. Its files sit in the content store (quarantine) by SHA-256;
    ``manifest_json`` lists them, and ``manifest_sha256`` is the digest approvers vote on."""

    id: DatasetId
    request_id: RequestId
    source: str
    license: str
    manifest_sha256: Sha256Hex
    manifest_json: str
    verdict: str  # the poisoning scan's DatasetVerdict value
    scan_json: str
    created_at: datetime
    released_at: datetime | None = None
    released_by: str = ""


@dataclass(frozen=True, slots=True, order=True)
class LineageEdge:
    """``parent`` flowed into ``child``; kinds are lineage NodeKind values."""

    parent_kind: str
    parent_id: str
    child_kind: str
    child_id: str


class DatasetStore(Protocol):
    """Datasets and lineage edges; every method is atomic."""

    def add_dataset(self, entry: DatasetEntry) -> None:
        """Raises Conflict if the id exists."""
        ...

    def get_dataset(self, dataset: DatasetId) -> DatasetEntry:
        """Raises NotFound."""
        ...

    def list_datasets(self) -> Sequence[DatasetEntry]:
        """Newest first."""
        ...

    def dataset_for_request(self, request: RequestId) -> DatasetEntry | None:
        """The dataset that the data-import request ``request`` brought in, if any."""
        ...

    def set_scan(self, dataset: DatasetId, verdict: str, scan_json: str) -> None:
        """Replace the stored scan result. Raises NotFound."""
        ...

    def mark_released(self, dataset: DatasetId, by: str, at: datetime) -> None:
        """Raises NotFound, or Conflict if it was released before (a release happens once)."""
        ...

    def add_lineage_edges(self, edges: Sequence[LineageEdge], actor: str, at: datetime) -> int:
        """Add the edges not yet recorded; returns how many were new."""
        ...

    def lineage_edges(self) -> Sequence[LineageEdge]:
        """Every edge, sorted."""
        ...
