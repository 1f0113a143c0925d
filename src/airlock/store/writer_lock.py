"""A queue for SQLite writers that wakes the next one as soon as the lock is free.

SQLite lets one transaction write at a time. A writer that finds the database locked sleeps
in SQLite's busy handler for 1, 2, 5, 10 ... up to 100 ms between retries, so with two
gateway processes the database sat idle most of the time one of them was waiting (issue 5).
Writers of every process now queue on an advisory ``flock`` of a file beside the database,
polled every few hundred microseconds, before they BEGIN IMMEDIATE. SQLite's own lock still
decides who may write; this only decides who asks next, so a writer that does not take it
(an older airlock, the sqlite3 shell) is still safe, just slower to get its turn.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from airlock.errors import StoreError

_FIRST_PAUSE_S = 0.0002
_LONGEST_PAUSE_S = 0.002


class WriterLock:
    """Held around each write transaction: by one thread of this process, then one process."""

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.path = path
        self._timeout_s = timeout_s
        self._threads = threading.Lock()
        self._fd: int | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Raises: StoreError when the lock stays taken for longer than the timeout."""
        if not self._threads.acquire(timeout=self._timeout_s):
            raise self._timed_out()
        try:
            fd = self._open()
            if fd is None:  # no lock file: SQLite's busy handler alone, as before
                yield
                return
            self._acquire(fd)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return None
        return self._fd

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self._timeout_s
        pause = _FIRST_PAUSE_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise self._timed_out() from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE_S)
            else:
                return

    def _timed_out(self) -> StoreError:
        return StoreError(
            f"another writer held the database for over {self._timeout_s:.0f} s "
            f"(lock file {self.path}): check for a stuck airlock process"
        )

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
