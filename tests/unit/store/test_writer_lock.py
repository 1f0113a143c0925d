"""The SQLite writer queue: one holder at a time, across threads and open files, bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from airlock.errors import StoreError
from airlock.store.writer_lock import WriterLock


def test_a_second_holder_waits_until_the_first_lets_go(tmp_path: Path) -> None:
    # Two instances open the file separately, as two gateway processes would.
    first, second = (WriterLock(tmp_path / "db-writer.lock", 10) for _ in range(2))
    order: list[str] = []
    holding = threading.Event()

    def hold_first() -> None:
        with first.hold():
            holding.set()
            time.sleep(0.2)
            order.append("first done")

    thread = threading.Thread(target=hold_first)
    thread.start()
    assert holding.wait(10)
    with second.hold():
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]
    first.close()
    second.close()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "db-writer.lock", 10)
    inside = 0
    most = 0
    counter = threading.Lock()

    def writer() -> None:
        nonlocal inside, most
        for _ in range(20):
            with lock.hold():
                with counter:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with counter:
                    inside -= 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
    lock.close()


def test_a_stuck_holder_turns_into_a_store_error(tmp_path: Path) -> None:
    stuck, waiting = (WriterLock(tmp_path / "db-writer.lock", 0.2) for _ in range(2))
    with stuck.hold(), pytest.raises(StoreError, match="stuck airlock process"):
        with waiting.hold():
            pass
    stuck.close()
    waiting.close()


def test_without_a_lock_file_it_falls_back_to_sqlite_alone(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "missing-folder" / "db-writer.lock", 1)
    with lock.hold():
        pass
