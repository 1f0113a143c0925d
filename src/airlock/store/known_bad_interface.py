"""Persistence of package provenance policy (issue 16): the known-bad feed (OSV ``MAL-``
records), Trusted Publisher pins and the typosquat check's protected names."""

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

    def known_bad_names(self) -> set[str]:
        """Every (normalised) name the feed lists, at any version."""
        ...

    def known_bad_name(self, name: str) -> str | None:
        """An advisory listing ``name`` (normalised) at some version, or None."""
        ...

    def record_attestation(
        self, filename: str, project: str, version: str, publisher: str, ledger_index: int
    ) -> None:
        """Remember the verified publisher of an admitted file."""
        ...

    def attested_publishers(self) -> dict[tuple[str, str], str]:
        """(project, version) -> verified publisher, of every admitted file that had one."""
        ...

    def pin_publisher(self, project: str, publisher: str, at: datetime, ledger_index: int) -> None:
        """Pin (or re-pin) ``project`` (normalised) to a Trusted Publisher; ``publisher`` ''
        removes the pin."""
        ...

    def publisher_pins(self) -> dict[str, str]:
        """project -> publisher (``github:OWNER/REPO:WORKFLOW``) of every pin."""
        ...

    def add_protected_names(
        self, names: Sequence[tuple[str, str]], at: datetime, ledger_index: int
    ) -> int:
        """Add (normalised name, source) rows; returns how many were new."""
        ...

    def protected_names(self) -> list[tuple[str, str]]:
        """Every (name, source) row, sorted."""
        ...
