"""SharedSync: every waiter is covered by a flush that began after it called (or after its
ticket was taken), many waiters share one flush, and event loops wait without a thread hop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from airlock.errors import StoreError
from airlock.store import shared_sync
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


def test_a_ticket_that_a_finished_flush_covers_needs_no_other() -> None:
    disk = SlowDisk()
    shared = SharedSync(disk.sync)
    ticket = shared.committed()
    before = (shared.behind, shared.covered(ticket))
    shared.wait(ticket)
    assert before == (True, False)
    assert (shared.behind, shared.covered(ticket)) == (False, True)
    shared.wait(ticket)  # covered: no flush
    assert len(disk.starts) == 1
    shared.wait()  # a plain barrier flushes again
    assert len(disk.starts) == 2


def test_event_loop_waiters_share_flushes_begun_after_their_tickets() -> None:
    release = threading.Event()
    flushed_upto: list[int] = []  # per flush, the newest ticket taken when it began
    shared: SharedSync

    def sync() -> None:
        flushed_upto.append(shared._tickets)
        if len(flushed_upto) == 1:
            release.wait(5)

    shared = SharedSync(sync)

    async def run() -> list[int]:
        first = shared.committed()
        waiting = [shared.waiter(first)]
        for _ in range(50):  # the first flush has begun: these need the next one
            if flushed_upto:
                break
            await asyncio.sleep(0.01)
        later = [shared.committed() for _ in range(5)]
        waiting += [shared.waiter(t) for t in later]
        await asyncio.sleep(0.05)
        assert not any(w.done() for w in waiting)  # the disk is still busy
        release.set()
        await asyncio.gather(*waiting)
        return [first, *later]

    tickets = asyncio.run(run())
    assert flushed_upto[0] == tickets[0]
    assert len(flushed_upto) == 2 and flushed_upto[1] >= tickets[-1]  # one flush for five


def test_an_event_loop_waiter_gets_the_flush_failure_and_the_thread_ends_when_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared_sync, "IDLE_SECONDS", 0.05)
    disk = SlowDisk()
    disk.fail = True
    shared = SharedSync(disk.sync)

    async def run() -> None:
        with pytest.raises(StoreError, match="disk gone"):
            await shared.wait_async(shared.committed())
        disk.fail = False
        await shared.wait_async()

    asyncio.run(run())
    assert shared.flushes == 2
    deadline = time.monotonic() + 5
    while shared._flusher is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shared._flusher is None
    asyncio.run(shared.wait_async())  # started again on demand
    assert shared.flushes == 3


def test_wait_here_flushes_in_the_callers_thread_unless_a_flush_is_running() -> None:
    """decision 10: a lone request's flush runs in its own (the loop's) thread; a ticket
    already covered needs none; while another flush runs, wait_here declines at once (that
    flush may predate the ticket, and its end is announced by whoever runs it)."""
    threads: list[str] = []
    release = threading.Event()
    started = threading.Event()

    def sync() -> None:
        threads.append(threading.current_thread().name)
        if len(threads) == 2:  # the second flush: held until the test lets it go
            started.set()
            release.wait(5)

    shared = SharedSync(sync, clock=lambda: 0.0)  # every flush fast: no wall clock decides
    ticket = shared.committed()
    assert shared.wait_here(ticket)
    assert threads == [threading.current_thread().name]
    assert shared.covered(ticket)
    assert shared.wait_here(ticket) and len(threads) == 1  # covered: no second flush
    running = threading.Thread(target=shared.wait, name="other")
    running.start()
    assert started.wait(5)
    later = shared.committed()
    assert not shared.wait_here(later)  # declined without waiting for the running flush
    assert not shared.covered(later)
    release.set()
    running.join(5)
    assert shared.wait_here(later)
    assert threads == [threading.current_thread().name, "other", threading.current_thread().name]


def test_wait_here_raises_the_failure_of_its_flush() -> None:
    disk = SlowDisk()
    disk.fail = True
    shared = SharedSync(disk.sync)
    ticket = shared.committed()
    with pytest.raises(StoreError):
        shared.wait_here(ticket)
    assert not shared.covered(ticket)
    with pytest.raises(StoreError):  # the same ticket stays failed, never "durable"
        shared.wait_here(ticket)


def test_wait_here_declines_while_flushes_are_slow() -> None:
    """A slow disk's flush would block the caller's event loop: after a flush that took
    over FAST_FLUSH_SECONDS the flusher thread's path is used, until a flush is fast."""
    took = iter([0.0, shared_sync.FAST_FLUSH_SECONDS * 2, 0.0, 0.0, 0.0, 0.0])
    now = [0.0]

    def clock() -> float:  # each flush reads it twice: its start, then start + what it took
        now[0] += next(took)
        return now[0]

    disk = SlowDisk()
    shared = SharedSync(disk.sync, clock=clock)
    shared.wait()  # slow
    ticket = shared.committed()
    assert not shared.wait_here(ticket) and len(disk.starts) == 1
    shared.wait(ticket)  # the flusher's path: fast
    later = shared.committed()
    assert shared.wait_here(later) and len(disk.starts) == 3
