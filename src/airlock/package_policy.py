"""Package provenance policy kept in the store (issue 16): Trusted Publisher pins per project
and the typosquat check's protected names, each change recorded in the ledger first."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.errors import InvalidInput
from airlock.imports.packages.provenance import Publisher
from airlock.imports.packages.typosquat import normalise, refreshed_names
from airlock.ledger.records import LedgerRecord
from airlock.store.interface import Store

_PROJECT = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,198}[A-Za-z0-9])?")  # PEP 508 names


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """Who changes the package policy data, and the ledger that records it first."""

    ledger: AuditLog
    clock: Clock
    actor: str
    actor_details: Mapping[str, str]
    policy_version: str

    def record(self, kind: str, subject: str, details: Mapping[str, str]) -> tuple[datetime, int]:
        """Append the change's ledger entry; returns its time and ledger index."""
        now = self.clock.now()
        index = self.ledger.append(
            LedgerRecord(
                kind=kind,
                actor=self.actor,
                at=now,
                subject=subject,
                policy_version=self.policy_version,
                details={**details, **self.actor_details},
            )
        )
        return now, index


def rows_digest(rows: Iterable[Sequence[str]]) -> str:
    """SHA-256 of rows written one a line, fields tab-separated (what the ledger records
    of a bulk change, so an auditor can tell which rows were in force)."""
    return hashlib.sha256("\n".join("\t".join(r) for r in rows).encode("utf-8")).hexdigest()


def pin_publisher(store: Store, change: PolicyChange, *, project: str, publisher: str) -> int:
    """Pin ``project`` to ``publisher`` (``''`` unpins); returns the ledger index.

    Raises: InvalidInput for a project name that is not one (PEP 508) or a publisher that is
    not ``KIND:REPOSITORY:WORKFLOW``.
    """
    if not _PROJECT.fullmatch(project.strip()):
        raise InvalidInput(f"{project[:80]!r} is not a project name")
    name = normalise(project.strip())
    canonical = str(Publisher.parse(publisher)) if publisher else ""
    now, index = change.record(
        "package.publisher.pin" if canonical else "package.publisher.unpin",
        name,
        {"publisher": canonical},
    )
    store.known_bad.pin_publisher(name, canonical, now, index)
    return index


@dataclass(frozen=True, slots=True)
class NamesRefresh:
    """What a refresh of the protected names changed."""

    rows: int  # (name, source) rows offered
    added: int  # of those, new
    total: int  # rows the store now holds
    known_bad_names: int  # names the feed lists (judged live at admission)
    digest: str
    ledger_index: int


def refresh_names(
    store: Store, change: PolicyChange, *, popular: Sequence[str], index_projects: Sequence[str]
) -> NamesRefresh:
    """Store the offline list's popular names and the index's projects as protected names."""
    rows = refreshed_names(popular, index_projects)
    digest = rows_digest(rows)
    now, index = change.record(
        "package.names.refresh",
        "protected-names",
        {"rows": str(len(rows)), "rows_sha256": digest},
    )
    added = store.known_bad.add_protected_names(rows, now, index)
    total = len(store.known_bad.protected_names())
    bad = len(store.known_bad.known_bad_names())
    return NamesRefresh(len(rows), added, total, bad, digest, index)
