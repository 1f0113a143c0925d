"""One disk flush for the lazy commits of many threads and tasks (a durability barrier).

A writer that committed lazily (``Store.write_batch(durable=False)``) takes a *ticket* with
:meth:`SharedSync.committed` once the commit returned, and waits with that ticket: it is
released once a :meth:`Store.sync` that *began after the ticket was taken* has finished,
which covers its commit (the WAL holds every commit in order). A flush already running when
the ticket was taken may have begun before the commit, so the writer waits for the next
one, which whoever finds the flusher free starts; every writer that arrived meanwhile shares
it. Under load one fsync makes many responses durable, and the fsync runs outside the
database's write lock, so writers do not queue behind the disk.

A ticket whose commit a finished flush already covers is released at once, with no flush:
a stream whose reservation an earlier flush made durable starts without waiting for the
disk (docs/adr/0020 decision 8). :meth:`wait` without a ticket keeps the plain barrier:
a flush that begins after the call.

Threads wait with :meth:`wait` (the caller runs the flush if none is running). Event loops
wait with :meth:`wait_async` without a hop to a worker thread per request: one flusher
thread per instance, started on demand and ended when idle, runs the flush and resolves the
waiting futures through ``loop.call_soon_threadsafe`` (docs/adr/0020 decision 8). An event
loop serving a single request may flush in its own thread instead (:meth:`wait_here`, which
never waits for a flush another thread runs, nor runs one while flushes are slow): no hop
to the flusher and back (decision 10).

What it does not do: retry. A failed flush fails every ticket it covered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import suppress

IDLE_SECONDS = 30.0  # the flusher thread ends after this long with nothing to flush
# wait_here flushes in its caller's thread only while the last flush took at most this
# long: storage whose flush returns at once (a battery- or capacitor-backed cache). A flush
# that sleeps on the disk would block the caller's event loop meanwhile, and on a busy
# machine the loop's thread, woken by the disk, waited for a CPU where the flusher thread
# did not: inline fsyncs on the test machine's disk made the added p50 worse
# (docs/adr/0020 decision 10).
FAST_FLUSH_SECONDS = 0.0001


class SharedSync:
    """Coalesces calls of ``sync`` (``Store.sync``) from many threads and tasks."""

    def __init__(
        self, sync: Callable[[], None], clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._sync = sync
        self._clock = clock  # times each flush, for wait_here
        self._last_took = 0.0  # seconds the last finished flush took
        self._changed = threading.Condition()
        self._tickets = 0  # tickets taken (commits noted, and plain waits)
        self._started = 0  # the newest ticket the running or last begun flush covers
        self._durable = 0  # every ticket up to this one is covered by a finished flush
        self._failed = 0  # the newest ticket covered by a flush that failed
        self._failure: BaseException | None = None  # that flush's error
        self._running = False
        self._flushes = 0
        # Event-loop waiters: (ticket, loop, future); served by the flusher thread.
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._flusher: threading.Thread | None = None

    @property
    def flushes(self) -> int:
        """Flushes finished so far (for tests and metrics)."""
        return self._flushes

    @property
    def behind(self) -> bool:
        """Whether a ticket was taken that no flush begun so far covers."""
        return self._tickets > self._started

    def committed(self) -> int:
        """A ticket for a lazy commit that has returned: wait with it before anything that
        the commit accounts for may leave."""
        with self._changed:
            self._tickets += 1
            return self._tickets

    def covered(self, ticket: int) -> bool:
        """Whether a finished flush covers ``ticket`` (then waiting with it returns at once)."""
        return self._durable >= ticket

    def wait(self, ticket: int | None = None) -> None:
        """Return once a flush that began after ``ticket`` was taken (without one: after
        this call) has finished.

        Raises:
            whatever that flush raised (StoreError): the commit may not be durable.
        """
        with self._changed:
            if ticket is None:  # a plain barrier: a ticket of its own (the lock re-enters)
                ticket = self.committed()
            while self._durable < ticket:
                self._raise_if_failed(ticket)
                if self._running:
                    self._changed.wait()
                else:
                    self._flush_locked()

    def wait_here(self, ticket: int) -> bool:
        """:meth:`wait` with ``ticket`` in this thread, if no flush is running and the last
        one was fast (:data:`FAST_FLUSH_SECONDS`): the flush runs here (an event loop blocks
        for it), with no hop to the flusher thread and back. False, at once and without
        waiting, otherwise: a running flush's end is announced by whoever runs it, and a
        slow one should not block the caller; wait with :meth:`waiter` instead
        (docs/adr/0020 decision 10).

        Raises:
            as :meth:`wait`.
        """
        with self._changed:
            if self._durable >= ticket:
                return True
            self._raise_if_failed(ticket)
            if self._running or self._last_took > FAST_FLUSH_SECONDS:
                return False
            self._flush_locked()  # covers every ticket taken so far, this one included
            self._raise_if_failed(ticket)
            return True

    async def wait_async(self, ticket: int | None = None) -> None:
        """:meth:`wait` for an event loop: the flush runs in this instance's flusher thread
        and the loop goes on meanwhile. Cancelling the wait leaves the flush running.

        Raises:
            as :meth:`wait`.
        """
        await self.waiter(ticket)

    def waiter(self, ticket: int | None = None) -> asyncio.Future[None]:
        """A future of the running loop, done once :meth:`wait` with ``ticket`` would
        return (or with its error); the flush starts now, so work done before awaiting it
        overlaps the disk's."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._changed:
            if ticket is None:  # a plain barrier: a ticket of its own (the lock re-enters)
                ticket = self.committed()
            if self._durable >= ticket:
                future.set_result(None)
                return future
            if self._failed >= ticket and self._failure is not None:
                future.set_exception(self._failure)
                return future
            self._waiters.append((ticket, loop, future))
            # Not alive: ended, or this is a child forked after it started (threads do not
            # survive a fork).
            if self._flusher is None or not self._flusher.is_alive():
                self._flusher = threading.Thread(
                    target=self._serve, name="airlock-flusher", daemon=True
                )
                self._flusher.start()
            else:
                self._changed.notify_all()
        return future

    # --- with self._changed held ------------------------------------------------------------

    def _raise_if_failed(self, ticket: int) -> None:
        if self._failed >= ticket and self._failure is not None:
            raise self._failure

    def _flush_locked(self) -> None:
        """One flush, covering every ticket taken so far; the lock is released meanwhile."""
        self._running = True
        covers = self._started = self._tickets
        self._changed.release()
        failure: BaseException | None = None
        began = self._clock()
        try:
            self._sync()
        except BaseException as e:  # noqa: BLE001 -- handed to every waiter of this flush
            failure = e
        finally:
            took = self._clock() - began
            self._changed.acquire()
            self._last_took = took
            self._running = False
            self._flushes += 1
            if failure is None:
                self._durable = max(self._durable, covers)
            else:
                self._failed, self._failure = covers, failure
            decided = self._decided_waiters()
            self._changed.notify_all()
            if decided:
                # Into each waiting loop once, whatever the number of its waiters, and
                # outside the lock: the wake-up writes to the loop's socket.
                self._changed.release()
                try:
                    for loop, outcomes in decided.items():
                        with suppress(RuntimeError):  # the loop closed: nobody waits there
                            loop.call_soon_threadsafe(_resolve, outcomes)
                finally:
                    self._changed.acquire()

    def _decided_waiters(
        self,
    ) -> dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], BaseException | None]]]:
        """Take the event-loop waiters the flushes so far decided, by loop."""
        decided: dict[
            asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], BaseException | None]]
        ] = {}
        waiting = []
        for ticket, loop, future in self._waiters:
            if self._durable >= ticket:
                decided.setdefault(loop, []).append((future, None))
            elif self._failed >= ticket:
                decided.setdefault(loop, []).append((future, self._failure))
            else:
                waiting.append((ticket, loop, future))
        self._waiters = waiting
        return decided

    def _serve(self) -> None:
        """The flusher thread: flush while event-loop waiters wait, end when idle."""
        with self._changed:
            try:
                while True:
                    if self._running:
                        self._changed.wait()  # a thread's flush: it releases waiters too
                    elif any(ticket > self._durable for ticket, _, _ in self._waiters):
                        self._flush_locked()
                    elif not self._changed.wait(IDLE_SECONDS) and not self._waiters:
                        return
            finally:
                self._flusher = None


def _resolve(outcomes: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, failure in outcomes:
        if future.done():  # cancelled: the waiter went away
            continue
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(failure)
