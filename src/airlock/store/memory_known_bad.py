"""In-memory KnownBadStore, for tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from airlock.imports.packages.feed import EVERY_VERSION


class MemoryKnownBadStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], str] = {}
        self._pins: dict[str, str] = {}
        self._names: set[tuple[str, str]] = set()
        self._attested: dict[str, tuple[str, str, str]] = {}

    def add_known_bad(
        self, entries: Sequence[tuple[str, str, str]], at: datetime, ledger_index: int
    ) -> int:
        del at, ledger_index
        with self._lock:
            before = len(self._entries)
            for advisory, name, version in entries:
                self._entries.setdefault((name, version), advisory)
            return len(self._entries) - before

    def known_bad_advisory(self, name: str, version: str) -> str | None:
        with self._lock:
            return self._entries.get((name, version)) or self._entries.get((name, EVERY_VERSION))

    def known_bad_count(self) -> int:
        with self._lock:
            return len(self._entries)

    def known_bad_names(self) -> set[str]:
        with self._lock:
            return {name for name, _ in self._entries}

    def pin_publisher(self, project: str, publisher: str, at: datetime, ledger_index: int) -> None:
        del at, ledger_index
        with self._lock:
            if publisher:
                self._pins[project] = publisher
            else:
                self._pins.pop(project, None)

    def publisher_pins(self) -> dict[str, str]:
        with self._lock:
            return dict(self._pins)

    def add_protected_names(
        self, names: Sequence[tuple[str, str]], at: datetime, ledger_index: int
    ) -> int:
        del at, ledger_index
        with self._lock:
            before = len(self._names)
            self._names.update(names)
            return len(self._names) - before

    def protected_names(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._names)

    def known_bad_name(self, name: str) -> str | None:
        with self._lock:
            return next((a for (n, _), a in sorted(self._entries.items()) if n == name), None)

    def record_attestation(
        self, filename: str, project: str, version: str, publisher: str, ledger_index: int
    ) -> None:
        del ledger_index
        with self._lock:
            self._attested[filename] = (project, version, publisher)

    def attested_publishers(self) -> dict[tuple[str, str], str]:
        with self._lock:
            return {(p, v): who for p, v, who in self._attested.values()}
