"""A transcript edited in the database after it was logged is not read as if it were the
one logged (docs/adr/0058).

The verifier replays what the store reads back. Before, the row's body was parsed as it
stood, whatever its digest column said: a dishonest response rewritten into an honest one
(or another caller's) after commit was replayed, passed, and marked verified, while the
ledger's batch root still named the original.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airlock.errors import TamperedState
from airlock.outputs.transcript import Transcript
from airlock.store.sql import SqlStore
from tests.support.transcripts import SAMPLE

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)


def _transcript(output: tuple[int, ...]) -> Transcript:
    return replace(SAMPLE, endpoint="chat", output_tokens=output, at=T0.isoformat())


def test_a_body_that_no_longer_hashes_to_its_digest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "airlock.db"
    store = SqlStore.from_url(f"sqlite:///{path}")
    store.migrate()
    try:
        logged = _transcript((200, 201, 202))
        digest = store.outputs.add_transcript(logged, 3, T0)
        store.outputs.mark_batch([digest], 1)
        assert store.outputs.get(digest).transcript == logged
        honest = _transcript((65, 66, 67)).to_bytes().decode()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE output_transcripts SET body = ? WHERE digest = ?", (honest, digest))
        with pytest.raises(TamperedState, match="changed after it was logged"):
            store.outputs.get(digest)
        with pytest.raises(TamperedState, match="changed after it was logged"):
            store.outputs.unverified(2, 10)
    finally:
        store.close()
