"""Recording a refusal never raises and never waits long, whatever the store does."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import cast

import pytest

from airlock.api import refusal_log
from airlock.api.refusal_log import RefusalLog
from airlock.approvals.refusals import Entry, Refusal
from airlock.errors import StoreError
from airlock.service import Airlock


class Ledger:
    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.written: list[Entry] = []
        self.release = threading.Event()

    def record_refusal(self, entry: Entry) -> int:
        if self.behaviour == "store-error":
            raise StoreError("database is locked")
        if self.behaviour == "crash":
            raise RuntimeError("bug")
        if self.behaviour == "hang":
            self.release.wait(10)
        self.written.append(entry)
        return len(self.written)


def log_over(ledger: Ledger) -> RefusalLog:
    return RefusalLog(cast(Airlock, ledger), monotonic=lambda: 0.0)


def denied(who: str = "rita") -> Refusal:
    return Refusal(who, "127.0.0.1", "GET /status", "PermissionDenied", "no", 403, "token")


@pytest.mark.parametrize("behaviour", ["store-error", "crash"])
def test_a_failing_store_is_logged_not_raised(
    behaviour: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = log_over(Ledger(behaviour))
    asyncio.run(log.record(denied()))
    log.record_in_thread(denied("sam"))
    asyncio.run(log.flush_due())
    log.drain()
    assert "could not record a refusal" in caplog.text


def test_a_hanging_store_holds_a_refusal_for_the_timeout_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(refusal_log, "WRITE_TIMEOUT_SECONDS", 0.2)
    ledger = Ledger("hang")
    start = time.perf_counter()
    asyncio.run(log_over(ledger).record(denied()))
    assert time.perf_counter() - start < 2
    ledger.release.set()


def test_entries_are_written_through_the_facade() -> None:
    ledger = Ledger("ok")
    log = log_over(ledger)
    for _ in range(3):
        asyncio.run(log.record(denied()))
    log.drain()
    assert [(e.count, e.summary) for e in ledger.written] == [(1, False), (2, True)]
