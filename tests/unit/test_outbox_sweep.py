"""The outbox sweep at start (issue 22): partial uploads and orphans go, referenced blobs stay."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.requests import BoundaryRequest, RequestKind
from airlock.domain.tokens import hash_token, new_token
from airlock.outbox_sweep import sweep_outbox
from airlock.store.dataset_interface import DatasetEntry, DatasetId
from airlock.store.memory import MemoryStore
from airlock.store.outbox import FileOutbox

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _store_with_request(digest: str) -> MemoryStore:
    store = MemoryStore()
    store.add_principal(
        Principal(PrincipalName("rita"), PrincipalKind.PERSON, Role.RESEARCHER, T0),
        hash_token(new_token()),
    )
    store.add_request(
        BoundaryRequest(
            RequestId("req_" + "a" * 32),
            RequestKind.EXPORT,
            PrincipalName("rita"),
            None,
            "paper",
            Sha256Hex(digest),
            7,
            T0,
        )
    )
    return store


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_partial_uploads_and_orphans_go_referenced_blobs_and_others_stay(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    kept, _ = outbox.put(io.BytesIO(b"kept it"), 100)
    orphan, _ = outbox.put(io.BytesIO(b"no request names me"), 100)
    partial = tmp_path / ".incoming-abc"
    partial.write_bytes(b"half an upl")
    other = tmp_path / "README"
    other.write_text("not ours to judge")
    for path in tmp_path.iterdir():
        _age(path, 7200)
    report = sweep_outbox(tmp_path, _store_with_request(kept), min_age=3600)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([kept, "README"])
    assert (report.incoming, report.orphans, report.recovered) == (1, 1, 0)
    assert report.bytes_freed == len(b"half an upl") + len(b"no request names me")
    assert orphan not in {p.name for p in tmp_path.iterdir()}


def test_young_files_are_left_for_the_uploads_still_under_way(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    orphan, _ = outbox.put(io.BytesIO(b"just stored"), 100)
    (tmp_path / ".incoming-new").write_bytes(b"arriving")
    report = sweep_outbox(tmp_path, MemoryStore(), min_age=3600)
    assert (report.incoming, report.orphans) == (0, 0)
    assert len(list(tmp_path.iterdir())) == 2
    assert (tmp_path / orphan).exists()


def test_a_decided_upload_left_staged_by_a_crash_is_put_in_place(tmp_path: Path) -> None:
    staged = tmp_path / ".incoming-crashed"
    staged.write_bytes(b"decided, not moved")
    digest = hashlib.sha256(b"decided, not moved").hexdigest()
    _age(staged, 7200)
    report = sweep_outbox(tmp_path, _store_with_request(digest), min_age=3600)
    assert report.recovered == 1
    assert [p.name for p in tmp_path.iterdir()] == [digest]


def test_dataset_files_named_by_a_manifest_stay(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    data, _ = outbox.put(io.BytesIO(b"a,b\n1,2\n"), 100)
    manifest = json.dumps({"files": [{"name": "x.csv", "sha256": data, "size": 8}]})
    store = _store_with_request("b" * 64)
    store.datasets.add_dataset(
        DatasetEntry(
            DatasetId("ds_" + "c" * 24),
            RequestId("req_" + "a" * 32),
            "upstream",
            "cc-by",
            Sha256Hex("b" * 64),
            manifest,
            "pass",
            "{}",
            T0,
        )
    )
    for path in tmp_path.iterdir():
        _age(path, 7200)
    assert sweep_outbox(tmp_path, store, min_age=3600).orphans == 0
    assert (tmp_path / data).exists()
    # The same file with no manifest naming it is an orphan: the manifest is what keeps it.
    assert sweep_outbox(tmp_path, _store_with_request("b" * 64), min_age=3600).orphans == 1
