"""`airlock ledger export`: every ledger entry as a SIEM event, resumable from a cursor.

The cursor is the index of the next entry to send. Delivery is at least once: an event is
written, then the cursor is advanced past it, so a crash in between repeats that event on
resume and never skips one. Consumers deduplicate on ``(log, index)``.

The exporter reads the store directly, not the gateway: a gateway restart (or all of them
down) does not lose its place, and ``--follow`` carries on when the store answers again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from airlock.errors import (
    AirlockError,
    ConfigError,
    InvalidInput,
    LedgerIntegrityError,
    StoreError,
)
from airlock.ops.siem import LedgerEvent
from airlock.store.ledger_interface import LedgerStore

MAX_CURSOR_BYTES = 64
MAX_BATCH = 500  # events per batch: one webhook POST, one cursor write


def ledger_events(
    store: LedgerStore,
    origin: str,
    since: int,
    *,
    follow: bool,
    poll_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    on_error: Callable[[AirlockError], None] = lambda _e: None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[list[LedgerEvent]]:
    """Entries from ``since`` on, in index order, without gaps, in batches of at most
    ``MAX_BATCH`` (a batch never waits for more entries to fill up).

    Without ``follow`` it stops at the log's size when it started; with it, it polls every
    ``poll_seconds`` until ``stop()`` is true, and rides out store errors (reported through
    ``on_error``) instead of ending: an operator's SIEM feed should survive a database
    failover.

    Raises:
        InvalidInput: ``since`` is negative.
        StoreError: the store fails and ``follow`` is off.
        LedgerIntegrityError: an entry is not a canonical record (the log is damaged; run
            `airlock ledger verify`).
    """
    if since < 0:
        raise InvalidInput(f"--since {since} is negative: ledger indexes start at 0")
    cursor = since
    while True:
        try:
            size = store.size()
            while cursor < size:
                batch: list[LedgerEvent] = []
                for entry in store.entries(cursor, min(size, cursor + MAX_BATCH)):
                    _check_contiguous(entry.index, cursor + len(batch))
                    batch.append(LedgerEvent.of(origin, entry.index, entry.body, entry.appended_at))
                _check_contiguous(cursor + len(batch), min(size, cursor + MAX_BATCH))
                yield batch
                cursor += len(batch)
        except StoreError as e:
            if not follow:
                raise
            on_error(e)
        if not follow or stop():
            return
        sleep(poll_seconds)


def _check_contiguous(index: int, expected: int) -> None:
    if index != expected:
        raise LedgerIntegrityError(
            f"ledger entry {expected} is missing: run `airlock ledger verify`"
        )


def read_cursor(path: Path) -> int | None:
    """The index saved in a cursor file, or None if there is none yet.

    Raises:
        ConfigError: the file exists but does not hold a non-negative integer.
    """
    try:
        text = path.read_bytes()[:MAX_CURSOR_BYTES].decode("ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read cursor file {path}: {e}") from e
    if not text.isdigit():
        raise ConfigError(f"cursor file {path} does not hold an index: remove it or fix it")
    return int(text)


def write_cursor(path: Path, cursor: int) -> None:
    """Atomically replace the cursor file (rename), so a crash leaves old or new, never half.

    Raises:
        ConfigError: the folder is not writable.
    """
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("w", encoding="ascii") as handle:
            handle.write(f"{cursor}\n")
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as e:
        raise ConfigError(f"cannot write cursor file {path}: {e.strerror}") from e
