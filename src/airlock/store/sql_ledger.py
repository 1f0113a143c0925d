"""The LedgerStore on SQL: appends serialised on the head row, O(log n) nodes per leaf."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, TextClause, select, text

from airlock.errors import Conflict, InvalidInput, LedgerIntegrityError, NotFound
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.store import schema
from airlock.store import sql_statements as statements
from airlock.store.ledger_interface import (
    NodeKey,
    Sealer,
    StoredCheckpoint,
    StoredCosignature,
    StoredEntry,
)
from airlock.store.ledger_nodes import frontier_keys, nodes_for_append
from airlock.store.sql_engine import Transactions

MAX_BATCH = 10_000
_READ_BATCH = 2_000


class SqlLedgerStore:
    """Shares the engine and transaction helper of :class:`~airlock.store.sql.SqlStore`.

    Inside a write batch, appends are held back and made together just before the batch
    commits: one read of the frontier and one insert of entries and of nodes for the whole
    batch instead of five statements per entry, inside the section every gateway process
    waits for (issue 5). Their indices are known at once, since the batch holds the head.
    """

    def __init__(self, transactions: Transactions) -> None:
        self._transactions = transactions

    @contextmanager
    def _begin(self, *, write: bool = False) -> Iterator[Connection]:
        if self._transactions.pending("ledger"):
            # Its appends are not written yet: a read now would miss them.
            raise RuntimeError("read the ledger outside a write batch that appends to it")
        with self._transactions.begin(write=write) as c:
            yield c

    def append(self, bodies: Sequence[bytes], appended_at: datetime, seal: Sealer) -> int:
        if not bodies or len(bodies) > MAX_BATCH:
            raise InvalidInput(f"append between 1 and {MAX_BATCH} entries at a time")
        pending = self._transactions.deferred("ledger", _PendingAppends.at_head)
        if pending is not None:
            return pending.add(bodies, appended_at, seal)
        with self._transactions.begin(write=True) as c:
            # FOR UPDATE holds the head row until commit, so a second gateway process waits
            # here instead of computing the same indices: the log cannot fork.
            size = int(c.execute(statements.LEDGER_SIZE_FOR_UPDATE).scalar_one())
            _write_appends(c, size, [(b, appended_at, seal) for b in bodies])
        return size

    def size(self) -> int:
        head = schema.ledger_head
        with self._begin() as c:
            return int(c.execute(select(head.c.size).where(head.c.id == 1)).scalar_one())

    def entry(self, index: int) -> StoredEntry:
        e = schema.ledger_entries
        with self._begin() as c:
            row = c.execute(select(e).where(e.c.idx == index)).first()
        if row is None:
            raise NotFound(
                f"ledger has no entry {index}: see `airlock ledger checkpoint` for its size"
            )
        return _entry(row)

    def entries(self, start: int, stop: int) -> Iterator[StoredEntry]:
        e = schema.ledger_entries
        cursor = start
        while cursor < stop:
            upper = min(stop, cursor + _READ_BATCH)
            with self._begin() as c:
                rows = c.execute(
                    select(e).where(e.c.idx >= cursor, e.c.idx < upper).order_by(e.c.idx)
                ).all()
            yield from (_entry(r) for r in rows)
            cursor = upper

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        with self._begin() as c:
            return _read_nodes(c, keys)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        cp = schema.ledger_checkpoints
        with self._begin(write=True) as c:
            if c.execute(select(cp.c.size).where(cp.c.size == checkpoint.size)).first():
                raise Conflict(f"a checkpoint for size {checkpoint.size} exists already")
            c.execute(
                cp.insert().values(
                    size=checkpoint.size,
                    root=checkpoint.root,
                    note=checkpoint.note,
                    signed_at=checkpoint.signed_at,
                )
            )

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        cp = schema.ledger_checkpoints
        with self._begin() as c:
            row = c.execute(select(cp).order_by(cp.c.size.desc()).limit(1)).first()
        return None if row is None else _checkpoint(row)

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        cp = schema.ledger_checkpoints
        with self._begin() as c:
            return [_checkpoint(r) for r in c.execute(select(cp).order_by(cp.c.size))]

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        t = schema.ledger_cosignatures
        with self._begin(write=True) as c:
            c.execute(
                t.delete().where(t.c.size == cosignature.size, t.c.witness == cosignature.witness)
            )
            c.execute(
                t.insert().values(
                    size=cosignature.size,
                    witness=cosignature.witness,
                    line=cosignature.line,
                    timestamp=cosignature.timestamp,
                )
            )

    def cosignatures(self, size: int) -> Sequence[StoredCosignature]:
        t = schema.ledger_cosignatures
        with self._begin() as c:
            rows = c.execute(select(t).where(t.c.size == size).order_by(t.c.witness))
            return [
                StoredCosignature(int(r.size), r.witness, r.line, int(r.timestamp)) for r in rows
            ]


Append = tuple[bytes, datetime, Sealer]


class _PendingAppends:
    """A write batch's appends, written by :meth:`flush` just before the batch commits."""

    def __init__(self, size: int) -> None:
        self.size = size  # the head when the batch began; the batch holds it locked
        self.appends: list[Append] = []

    @classmethod
    def at_head(cls, c: Connection) -> _PendingAppends:
        return cls(int(c.execute(statements.LEDGER_SIZE_FOR_UPDATE).scalar_one()))

    def add(self, bodies: Sequence[bytes], appended_at: datetime, seal: Sealer) -> int:
        first = self.size + len(self.appends)
        self.appends += [(b, appended_at, seal) for b in bodies]
        return first

    def mark(self) -> int:
        return len(self.appends)

    def rollback_to(self, mark: int) -> None:
        del self.appends[mark:]

    def flush(self, c: Connection) -> None:
        if self.appends:
            _write_appends(c, self.size, self.appends)
            self.size += len(self.appends)
            self.appends = []


def _write_appends(c: Connection, size: int, appends: Sequence[Append]) -> None:
    """Write entries ``size, size+1, ...`` and the tree nodes they complete."""
    frontier = _read_nodes(c, frontier_keys(size))
    try:
        created = nodes_for_append(
            size, frontier, [hash_leaf(body) for body, _, _ in appends], hash_children
        )
    except KeyError as e:
        raise LedgerIntegrityError(
            f"ledger node {e.args[0]} is missing at size {size}: the store was altered "
            "outside airlock; run `airlock ledger verify`"
        ) from e
    c.execute(
        schema.ledger_entries.insert(),
        [
            {"idx": size + i, "body": body, "seal": seal(size + i, body), "appended_at": at}
            for i, (body, at, seal) in enumerate(appends)
        ],
    )
    c.execute(
        schema.ledger_nodes.insert(),
        [{"level": k[0], "idx": k[1], "hash": h} for k, h in created.items()],
    )
    c.execute(statements.SET_LEDGER_SIZE, {"size": size + len(appends)})


_POINT_LOOKUP_LIMIT = 64


@functools.lru_cache(maxsize=_POINT_LOOKUP_LIMIT)
def _point_lookup(count: int) -> TextClause:
    # Proofs need O(log n) scattered nodes: one statement of OR-ed primary-key equalities,
    # cached per arity because building SQL expressions costs more than running them.
    terms = " OR ".join(f"(level = :l{i} AND idx = :i{i})" for i in range(count))
    return text(f"SELECT level, idx, hash FROM ledger_nodes WHERE {terms}")  # noqa: S608 -- only bind names are interpolated


_RANGE_LOOKUP = text(
    "SELECT level, idx, hash FROM ledger_nodes WHERE level = :level AND idx BETWEEN :lo AND :hi"
)


def _read_nodes(c: Connection, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    if not keys:
        return {}
    wanted = set(keys)
    if len(wanted) <= _POINT_LOOKUP_LIMIT:
        params: dict[str, int] = {}
        for i, (level, index) in enumerate(wanted):
            params[f"l{i}"], params[f"i{i}"] = level, index
        rows: Iterable[Row[Any]] = c.execute(_point_lookup(len(wanted)), params)
    else:
        # Bulk reads (the verifier) ask for contiguous runs per level: scan each level's span.
        spans: dict[int, tuple[int, int]] = {}
        for level, index in wanted:
            lo, hi = spans.get(level, (index, index))
            spans[level] = (min(lo, index), max(hi, index))
        rows = [
            row
            for level, (lo, hi) in sorted(spans.items())
            for row in c.execute(_RANGE_LOOKUP, {"level": level, "lo": lo, "hi": hi})
        ]
    found: dict[NodeKey, bytes] = {}
    for row in rows:
        key = (int(row.level), int(row.idx))
        if key in wanted:
            found[key] = _as_bytes(row.hash)
    return found


def _checkpoint(row: Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(
        size=int(row.size), root=_as_bytes(row.root), note=row.note, signed_at=row.signed_at
    )


def _as_bytes(value: object) -> bytes:
    # SQLite lets a tampering UPDATE turn a BLOB into TEXT; read it back as bytes so the
    # replay reports a mismatch instead of crashing.
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogateescape")


def _entry(row: Row[Any]) -> StoredEntry:
    return StoredEntry(int(row.idx), _as_bytes(row.body), _as_bytes(row.seal), row.appended_at)
