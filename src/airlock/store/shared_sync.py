"""One disk flush for the lazy commits of many threads (a durability barrier).

A thread that committed lazily (``Store.write_batch(durable=False)``) calls :meth:`wait`
and returns once a :meth:`Store.sync` that *began after its call* has finished: that flush
covers its commit. If a flush is already running, it may have begun before the commit, so
the caller waits for the next one, which whoever finds the flusher free starts; every thread
that arrived meanwhile shares it. Under load one fsync makes many responses durable, and
the fsync runs outside the database's write lock, so writers do not queue behind the disk.

What it does not do: retry. A failed flush fails every caller waiting on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class SharedSync:
    """Coalesces calls of ``sync`` (``Store.sync``) from many threads; see the module."""

    def __init__(self, sync: Callable[[], None]) -> None:
        self._sync = sync
        self._changed = threading.Condition()
        self._started = 0  # flushes begun
        self._finished = 0  # flushes finished (each in the order begun: one at a time)
        self._running = False
        self._last_ok = 0  # the newest flush that succeeded
        self._failure: BaseException | None = None  # of the newest flush, if it failed

    @property
    def flushes(self) -> int:
        """Flushes finished so far (for tests and metrics)."""
        return self._finished

    def wait(self) -> None:
        """Return once a flush that began after this call has finished.

        Raises:
            whatever that flush raised (StoreError): the commit may not be durable.
        """
        with self._changed:
            ticket = self._started + 1  # the first flush to begin from now on
            while self._finished < ticket:
                if self._running:
                    self._changed.wait()
                    continue
                self._running = True
                self._started += 1
                number = self._started
                self._changed.release()
                failure: BaseException | None = None
                try:
                    self._sync()
                except BaseException as e:  # noqa: BLE001 -- handed to every waiter of this flush
                    failure = e
                finally:
                    self._changed.acquire()
                    self._running = False
                    self._finished = number
                    self._failure = failure
                    if failure is None:
                        self._last_ok = number
                    self._changed.notify_all()
            # Any flush that began after the call and succeeded covers it.
            if self._last_ok < ticket:
                assert self._failure is not None  # the newest flush failed
                raise self._failure
