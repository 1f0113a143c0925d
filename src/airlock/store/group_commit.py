"""Group commit: the units of work of many threads made durable by one commit.

A durable commit costs a disk flush (several milliseconds on common virtual disks), and a
database takes one write transaction at a time, so one transaction per request caps the
gateway at one flush per request (issue 5). Here a thread that finds the writer busy queues
its unit; whichever thread finds the writer free takes every queued unit (up to a bound)
into one write batch, runs each in its own savepoint, commits once and hands each caller its
own result or exception.

What it does not do: acknowledge anything early. No caller returns before the commit that
holds its work has returned, and a failed commit fails every unit in the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from airlock.errors import StoreError
from airlock.store.interface import Store

T = TypeVar("T")
MAX_BATCH = 64


class _Slot(Generic[T]):
    __slots__ = ("done", "error", "value", "woken", "work")

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.done = False
        self.value: T | None = None
        self.error: BaseException | None = None
        # Held until the caller is woken, once: its batch has committed, or it writes next.
        self.woken = threading.Lock()
        self.woken.acquire()

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        return cast(T, self.value)  # set by the unit whenever it did not raise


class GroupCommit:
    """Runs units of work in shared write batches of ``store``; see the module docstring."""

    def __init__(self, store: Store, max_batch: int = MAX_BATCH, *, durable: bool = True) -> None:
        """``durable=False``: batches commit lazily (``Store.write_batch(durable=False)``);
        the caller makes them durable with ``Store.sync`` before it acts on them."""
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._store = store
        self._durable = durable
        self._max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: list[_Slot[Any]] = []
        self._writing = False

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` inside a write batch and return its result once that batch commits.

        ``work`` runs on whichever thread writes the batch, so it must do its store calls
        itself (they join the batch) and must not wait on other threads' units.

        Raises:
            whatever ``work`` raised (its writes are undone, other units are unaffected), or
            StoreError: the batch could not commit, so nothing in it took effect.
        """
        slot: _Slot[T] = _Slot(work)
        with self._mutex:
            self._queue.append(slot)
            writes = not self._writing
            self._writing = True
        if not writes:
            # Each waiting caller is woken alone, when there is something for it: a wakeup
            # of every waiter per commit cost a futex storm under load (issue 5).
            slot.woken.acquire()
            if slot.done:
                return slot.result()
        while True:  # this caller writes batches until its own unit is in one
            batch: list[_Slot[Any]] = []
            try:
                self._write(batch)
            except BaseException:
                self._hand_on(batch, slot, leaving=True)
                raise
            self._hand_on(batch, slot, leaving=False)
            if slot.done:
                return slot.result()

    def _hand_on(self, batch: list[_Slot[Any]], writer: _Slot[Any], *, leaving: bool) -> None:
        """Wake the callers of ``batch`` and, if ``writer`` is done or leaving, make the
        next queued caller the writer."""
        successor = None
        with self._mutex:
            for written in batch:
                written.done = True
            if writer.done or leaving:
                if writer in self._queue:  # leaving before its unit ran: it never will
                    self._queue.remove(writer)
                if self._queue:
                    successor = self._queue[0]
                else:
                    self._writing = False
        for written in batch:
            if written is not writer:
                written.woken.release()
        if successor is not None:
            successor.woken.release()

    def _take(self, batch: list[_Slot[Any]]) -> None:
        with self._mutex:
            batch += self._queue[: self._max_batch]
            del self._queue[: self._max_batch]

    def _write(self, batch: list[_Slot[Any]]) -> None:
        # The batch is taken only once the write transaction is open: units that arrive
        # while this writer waits for the database's write lock still join this commit.
        try:
            with self._store.write_batch(durable=self._durable):
                self._take(batch)
                for slot in batch:
                    try:
                        with self._store.unit():
                            slot.value = slot.work()
                    except Exception as e:  # noqa: BLE001 -- handed to the unit's own caller
                        slot.error = e
        except Exception as e:  # noqa: BLE001 -- a failed commit fails every unit in it
            if not batch:  # the transaction did not even begin: fail the next batch with it
                self._take(batch)
            for slot in batch:
                slot.value = None
                slot.error = slot.error or e
        except BaseException:
            interrupted = StoreError("the gateway stopped while writing; submit it again")
            if not batch:
                self._take(batch)
            for slot in batch:
                slot.value, slot.error = None, interrupted
            raise
