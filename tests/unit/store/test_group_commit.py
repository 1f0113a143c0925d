"""Group commit: every caller gets its own result, only after the commit that holds it."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from airlock.errors import Conflict, StoreError
from airlock.store.group_commit import GroupCommit
from airlock.store.memory import MemoryStore


class RecordingStore(MemoryStore):
    """The memory store, counting batches and units and able to fail a commit."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.committed: list[int] = []
        self.fail_commit = False
        self.fail_begin = False
        self._units = 0

    @contextmanager
    def write_batch(self, *, durable: bool = True) -> Iterator[None]:
        if self.fail_begin:
            raise StoreError("database is down")
        with super().write_batch(durable=durable):
            self._units = 0
            yield
            self.batches.append(self._units)
            if self.fail_commit:
                raise StoreError("disk full")
            self.committed.append(self._units)

    @contextmanager
    def unit(self) -> Iterator[None]:
        self._units += 1
        yield


def test_one_caller_runs_its_own_unit_in_its_own_batch() -> None:
    store = RecordingStore()
    assert GroupCommit(store).run(lambda: 42) == 42
    assert store.committed == [1]


def test_units_queued_behind_a_busy_writer_share_the_next_commit() -> None:
    store = RecordingStore()
    commits = GroupCommit(store)
    first_started, release_first = threading.Event(), threading.Event()

    def slow() -> str:
        first_started.set()
        release_first.wait(10)
        return "first"

    results: dict[int, object] = {}
    writer = threading.Thread(target=lambda: results.setdefault(-1, commits.run(slow)))
    writer.start()
    assert first_started.wait(10)
    queued = [
        threading.Thread(target=lambda n=n: results.setdefault(n, commits.run(lambda: n * n)))
        for n in range(10)
    ]
    for t in queued:
        t.start()
    while len(commits._queue) < 10:  # every follower is waiting behind the first batch
        threading.Event().wait(0.001)
    release_first.set()
    for t in [writer, *queued]:
        t.join(10)
    assert results == {-1: "first", **{n: n * n for n in range(10)}}
    assert store.committed == [1, 10]


def test_a_failing_unit_fails_alone() -> None:
    store = RecordingStore()
    commits = GroupCommit(store)

    def refuse() -> None:
        raise Conflict("duplicate")

    with pytest.raises(Conflict, match="duplicate"):
        commits.run(refuse)
    assert commits.run(lambda: "next") == "next"
    assert store.committed == [1, 1]


def test_a_failed_commit_fails_every_unit_in_the_batch() -> None:
    store = RecordingStore()
    store.fail_commit = True
    commits = GroupCommit(store)
    with pytest.raises(StoreError, match="disk full"):
        commits.run(lambda: "never acknowledged")
    store.fail_commit = False
    assert commits.run(lambda: "later") == "later"
    assert store.batches == [1, 1] and store.committed == [1]


def test_a_batch_that_cannot_begin_fails_its_callers_instead_of_retrying() -> None:
    store = RecordingStore()
    store.fail_begin = True
    commits = GroupCommit(store)
    with pytest.raises(StoreError, match="down"):
        commits.run(lambda: "never")
    assert commits._queue == []
    store.fail_begin = False
    assert commits.run(lambda: "back") == "back"


def test_more_queued_units_than_one_batch_holds_are_all_served() -> None:
    store = RecordingStore()
    commits = GroupCommit(store, max_batch=3)
    gate = threading.Barrier(20)
    results: list[int] = []
    lock = threading.Lock()

    def caller(n: int) -> None:
        gate.wait(10)
        value = commits.run(lambda: n)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == list(range(20))
    assert sum(store.committed) == 20 and max(store.committed) <= 3


def test_many_callers_many_times_each_get_their_own_answer() -> None:
    # Waiters are woken one by one and the writer's role passes from caller to caller: a
    # lost wakeup would hang a thread here, a wrong one would hand back another's result.
    store = RecordingStore()
    commits = GroupCommit(store, max_batch=4)
    wrong: list[tuple[int, object]] = []

    def unit(n: int) -> int:
        time.sleep(0.0005)  # lets the other callers queue up behind the writer
        if n % 7 == 0:
            raise Conflict(f"refused {n}")
        return n

    def caller(first: int) -> None:
        for n in range(first, first + 50):
            try:
                got: object = commits.run(functools.partial(unit, n))
            except Conflict as e:
                got = str(e)
            if got != (f"refused {n}" if n % 7 == 0 else n):
                wrong.append((n, got))

    threads = [threading.Thread(target=caller, args=(1000 * t,), daemon=True) for t in range(16)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a caller was never woken"
    assert wrong == []
    assert sum(store.committed) == 16 * 50
    assert commits._queue == [] and not commits._writing


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        GroupCommit(MemoryStore(), max_batch=0)
