"""ledger_events: batches without gaps, resumable, riding out store failures when following."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airlock.errors import AirlockError, ConfigError, StoreError
from airlock.ledger.records import LedgerRecord
from airlock.ops import ledger_export
from airlock.ops.ledger_export import ledger_events, read_cursor, write_cursor
from airlock.store.ledger_interface import StoredEntry
from airlock.store.memory_ledger import MemoryLedgerStore

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _store(count: int) -> MemoryLedgerStore:
    store = MemoryLedgerStore()
    bodies = [
        LedgerRecord(kind="k", actor="a", at=AT, subject=str(i)).to_bytes() for i in range(count)
    ]
    store.append(bodies, AT, lambda _i, _b: b"\0" * 32)
    return store


def test_batches_cover_every_index_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_export, "MAX_BATCH", 4)
    batches = list(ledger_events(_store(10), "o", 3, follow=False))
    assert [len(b) for b in batches] == [4, 3]
    assert [e.index for b in batches for e in b] == list(range(3, 10))


class _Flaky(MemoryLedgerStore):
    """Fails the first read, then grows by one entry per poll."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def size(self) -> int:
        if self.failures:
            self.failures -= 1
            raise StoreError("database restarting")
        return super().size()

    def entries(self, start: int, stop: int) -> Iterator[StoredEntry]:
        return super().entries(start, stop)


def test_following_rides_out_a_store_failure_and_picks_up_new_entries() -> None:
    store = _Flaky()
    errors: list[AirlockError] = []
    polls = 0

    def grow(_seconds: float) -> None:
        nonlocal polls
        polls += 1
        body = LedgerRecord(kind="k", actor="a", at=AT, subject=str(polls)).to_bytes()
        store.append([body], AT, lambda _i, _b: b"\0" * 32)

    events = ledger_events(
        store, "o", 0, follow=True, sleep=grow, on_error=errors.append, stop=lambda: polls >= 3
    )
    seen = [e.index for batch in events for e in batch]
    assert seen == [0, 1, 2] and len(errors) == 1


def test_without_follow_a_store_failure_is_raised() -> None:
    with pytest.raises(StoreError):
        list(ledger_events(_Flaky(), "o", 0, follow=False))


def test_cursor_file_round_trip_and_garbage(tmp_path: Path) -> None:
    cursor = tmp_path / "c"
    assert read_cursor(cursor) is None
    write_cursor(cursor, 42)
    assert read_cursor(cursor) == 42
    cursor.write_text("forty-two")
    with pytest.raises(ConfigError):
        read_cursor(cursor)
