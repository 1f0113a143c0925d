"""Persistence of the known-bad package feed (issue 16: OSV ``MAL-`` records)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class KnownBadStore(Protocol):
    def add_known_bad(
        self, entries: Sequence[tuple[str, str, str]], at: datetime, ledger_index: int
    ) -> int:
        """Add (advisory, normalised name, version or ``*``) entries; an entry already held
        keeps its first advisory. Returns how many were new."""
        ...

    def known_bad_advisory(self, name: str, version: str) -> str | None:
        """The advisory listing ``name`` (normalised) at ``version`` or at every version."""
        ...

    def known_bad_count(self) -> int: ...
