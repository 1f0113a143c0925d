"""The outbox: content-addressed, bounded, durable, and checked on the way out."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from airlock.domain.names import Sha256Hex
from airlock.errors import InvalidInput, LedgerIntegrityError, NotFound
from airlock.store.outbox import FileOutbox


def test_put_syncs_the_file_and_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        synced.append(os.fstat(descriptor).st_mode)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    outbox = FileOutbox(tmp_path / "outbox")
    digest, size = outbox.put(io.BytesIO(b"step,loss\n"), 1024)
    assert (digest, size) == (hashlib.sha256(b"step,loss\n").hexdigest(), 10)
    assert [stat.S_ISREG(m) for m in synced] == [True, False]
    assert stat.S_ISDIR(synced[1])
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700


def test_oversize_upload_leaves_nothing_behind(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    with pytest.raises(InvalidInput, match="exceeds 4 bytes"):
        outbox.put(io.BytesIO(b"too long"), 4)
    assert list(tmp_path.iterdir()) == []


def test_changed_bytes_are_refused_before_any_leave(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    digest, _ = outbox.put(io.BytesIO(b"original"), 100)
    assert b"".join(outbox.stream(digest)) == b"original"
    (tmp_path / digest).write_bytes(b"tampered")
    with pytest.raises(LedgerIntegrityError, match="changed after it was inspected"):
        outbox.stream(digest)
    with pytest.raises(NotFound):
        outbox.path(Sha256Hex("0" * 64))


class _Abandoned(io.RawIOBase):
    """A body whose client goes away after its first piece."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("client went away")  # as the framework's ClientDisconnect
        buffer[:4] = b"part"
        return 4


def test_an_abandoned_upload_leaves_nothing_behind(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    with pytest.raises(RuntimeError, match="went away"):
        outbox.stage(io.BufferedReader(_Abandoned(), 4), 1024)
    assert list(tmp_path.iterdir()) == []


def test_dropping_a_staged_upload_spares_a_committed_blob_of_the_same_digest(
    tmp_path: Path,
) -> None:
    outbox = FileOutbox(tmp_path)
    kept = outbox.stage(io.BytesIO(b"same bytes"), 100)
    denied = outbox.stage(io.BytesIO(b"same bytes"), 100)
    assert kept.digest == denied.digest
    assert kept.path != denied.path
    outbox.commit(kept)
    outbox.drop(denied)
    assert b"".join(outbox.stream(kept.digest)) == b"same bytes"
    assert [p.name for p in tmp_path.iterdir()] == [kept.digest]
