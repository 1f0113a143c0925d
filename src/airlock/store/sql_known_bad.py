"""KnownBadStore on SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection, Table, delete, func, or_, select, tuple_

from airlock.imports.packages.feed import EVERY_VERSION
from airlock.store import schema

BeginTransaction = Callable[..., AbstractContextManager[Connection]]
_bad = schema.known_bad_packages
_pins = schema.package_publishers
_names = schema.protected_names
_attested = schema.package_attestations
_CHUNK = 500  # rows per IN (...) probe and per insert: well under every backend's bound


class SqlKnownBadStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def add_known_bad(
        self, entries: Sequence[tuple[str, str, str]], at: datetime, ledger_index: int
    ) -> int:
        wanted: dict[tuple[str, str], str] = {}
        for advisory, name, version in entries:
            wanted.setdefault((name, version), advisory)
        with self._begin(write=True) as c:
            return _insert_new(
                c,
                _bad,
                ("name", "version"),
                list(wanted),
                lambda key: {"advisory": wanted[key], "imported_at": at},
                ledger_index=ledger_index,
            )

    def known_bad_advisory(self, name: str, version: str) -> str | None:
        with self._begin() as c:
            rows = c.execute(
                select(_bad.c.version, _bad.c.advisory).where(
                    _bad.c.name == name,
                    or_(_bad.c.version == version, _bad.c.version == EVERY_VERSION),
                )
            ).all()
        exact = [str(r.advisory) for r in rows if r.version == version]
        return next(iter(exact or [str(r.advisory) for r in rows]), None)

    def known_bad_count(self) -> int:
        with self._begin() as c:
            return int(c.execute(select(func.count()).select_from(_bad)).scalar_one())

    def known_bad_names(self) -> set[str]:
        with self._begin() as c:
            return {str(r.name) for r in c.execute(select(_bad.c.name).distinct())}

    def pin_publisher(self, project: str, publisher: str, at: datetime, ledger_index: int) -> None:
        with self._begin(write=True) as c:
            c.execute(delete(_pins).where(_pins.c.project == project))
            if publisher:
                c.execute(
                    _pins.insert().values(
                        project=project,
                        publisher=publisher,
                        pinned_at=at,
                        ledger_index=ledger_index,
                    )
                )

    def publisher_pins(self) -> dict[str, str]:
        with self._begin() as c:
            return {
                str(r.project): str(r.publisher)
                for r in c.execute(select(_pins.c.project, _pins.c.publisher))
            }

    def add_protected_names(
        self, names: Sequence[tuple[str, str]], at: datetime, ledger_index: int
    ) -> int:
        with self._begin(write=True) as c:
            return _insert_new(
                c,
                _names,
                ("name", "source"),
                sorted(set(names)),
                lambda _key: {"added_at": at},
                ledger_index=ledger_index,
            )

    def protected_names(self) -> list[tuple[str, str]]:
        with self._begin() as c:
            return sorted(
                (str(r.name), str(r.source))
                for r in c.execute(select(_names.c.name, _names.c.source))
            )

    def known_bad_name(self, name: str) -> str | None:
        with self._begin() as c:
            row = c.execute(
                select(_bad.c.advisory).where(_bad.c.name == name).order_by(_bad.c.version).limit(1)
            ).first()
        return None if row is None else str(row.advisory)

    def record_attestation(
        self, filename: str, project: str, version: str, publisher: str, ledger_index: int
    ) -> None:
        with self._begin(write=True) as c:
            c.execute(delete(_attested).where(_attested.c.filename == filename))
            c.execute(
                _attested.insert().values(
                    filename=filename,
                    project=project,
                    version=version,
                    publisher=publisher,
                    ledger_index=ledger_index,
                )
            )

    def attested_publishers(self) -> dict[tuple[str, str], str]:
        with self._begin() as c:
            rows = c.execute(
                select(_attested.c.project, _attested.c.version, _attested.c.publisher).order_by(
                    _attested.c.filename
                )
            )
            return {(str(r.project), str(r.version)): str(r.publisher) for r in rows}


def _insert_new(
    c: Connection,
    table: Table,
    key_columns: tuple[str, str],
    keys: Sequence[tuple[str, str]],
    rest: Callable[[tuple[str, str]], dict[str, object]],
    *,
    ledger_index: int,
) -> int:
    """Insert a row for each key of ``keys`` the table does not hold yet, ``_CHUNK`` at a
    time; the rows added."""
    first, second = (table.c[name] for name in key_columns)
    added = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        held = {
            (r[0], r[1])
            for r in c.execute(select(first, second).where(tuple_(first, second).in_(chunk)))
        }
        rows = [
            dict(zip(key_columns, key, strict=True), **rest(key), ledger_index=ledger_index)
            for key in chunk
            if key not in held
        ]
        if rows:
            c.execute(table.insert(), rows)
            added += len(rows)
    return added
