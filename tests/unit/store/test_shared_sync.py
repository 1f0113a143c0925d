"""SharedSync: every waiter is covered by a flush that began after it called, and many
waiters share one flush."""

from __future__ import annotations

import threading
import time

import pytest

from airlock.errors import StoreError
from airlock.store.shared_sync import SharedSync


class SlowDisk:
    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.starts: list[float] = []
        self.fail = False
        self._lock = threading.Lock()

    def sync(self) -> None:
        with self._lock:
            self.starts.append(time.monotonic())
        time.sleep(self.seconds)
        if self.fail:
            raise StoreError("disk gone")


def test_one_waiter_runs_one_flush() -> None:
    disk = SlowDisk()
    shared = SharedSync(disk.sync)
    shared.wait()
    shared.wait()
    assert len(disk.starts) == 2 and shared.flushes == 2


def test_a_waiter_arriving_during_a_flush_waits_for_the_next_one() -> None:
    release = threading.Event()
    started = threading.Event()
    starts: list[float] = []

    def sync() -> None:
        starts.append(time.monotonic())
        if len(starts) == 1:
            started.set()
            release.wait(5)

    shared = SharedSync(sync)
    first = threading.Thread(target=shared.wait)
    first.start()
    assert started.wait(5)
    arrived = time.monotonic()
    second = threading.Thread(target=shared.wait)
    second.start()
    time.sleep(0.05)
    assert second.is_alive()  # the running flush may predate its commit: not enough
    release.set()
    first.join(5)
    second.join(5)
    assert len(starts) == 2 and starts[1] > arrived


def test_concurrent_waiters_share_flushes_and_each_is_covered() -> None:
    disk = SlowDisk(0.02)
    shared = SharedSync(disk.sync)
    covered: list[bool] = []
    lock = threading.Lock()

    def waiter() -> None:
        called = time.monotonic()
        shared.wait()
        returned = time.monotonic()
        ok = any(called <= s <= returned - disk.seconds for s in disk.starts)
        with lock:
            covered.append(ok)

    threads = [threading.Thread(target=waiter) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert covered == [True] * 32
    assert len(disk.starts) <= 8  # 32 waiters, a handful of fsyncs


def test_a_failed_flush_fails_its_waiters_and_the_next_one_recovers() -> None:
    disk = SlowDisk()
    shared = SharedSync(disk.sync)
    disk.fail = True
    with pytest.raises(StoreError, match="disk gone"):
        shared.wait()
    disk.fail = False
    shared.wait()
