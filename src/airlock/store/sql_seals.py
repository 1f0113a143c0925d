"""SealStore on SQL: sealed rows read with their dependent-row counts, seals in row_seals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    cast,
    delete,
    func,
    select,
)

from airlock.errors import InvalidInput
from airlock.ledger.state_seal import SPECS, RowSeal
from airlock.store import schema
from airlock.store.seal_interface import Row

BeginTransaction = Callable[..., AbstractContextManager[Connection]]

_TABLES: dict[str, Table] = {name: schema.metadata.tables[name] for name in SPECS}


def _count(child: Table, column: str, parent: Table, key: str, label: str) -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(child)
        .where(child.c[column] == parent.c[key])
        .scalar_subquery()
        .label(label)
    )


def _select(table: str) -> Select[tuple[object, ...]]:
    t = _TABLES[table]
    if table == "requests":
        u = schema.budget_usage
        reserved = (
            select(cast(func.coalesce(func.sum(u.c.bytes), 0), BigInteger))  # not Decimal
            .where(u.c.request_id == t.c.id)
            .scalar_subquery()
            .label("reserved")
        )
        return select(t, _count(schema.decisions, "request_id", t, "id", "decisions"), reserved)
    if table == "approval_cases":
        votes = _count(schema.approval_votes, "request_id", t, "request_id", "votes")
        return select(t, votes)
    if table == "budgets":
        # Not sealed (it moves with every export) but checkable: the running total must be
        # the sum of the budget's reservations that expire after counted_after (ADR 0006).
        u = schema.budget_usage
        counted = (
            select(cast(func.coalesce(func.sum(u.c.bytes), 0), BigInteger))
            .where(
                u.c.scope == t.c.scope,
                u.c.subject == t.c.subject,
                u.c.expires_at > t.c.counted_after,
            )
            .scalar_subquery()
            .label("counted_bytes")
        )
        return select(t, counted)
    if table == "protected_models":
        return select(t, _count(schema.protected_chunks, "model", t, "name", "chunks"))
    return select(t)


class SqlSealStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def rows(self, table: str, where: Mapping[str, object] | None = None) -> list[Row]:
        if table not in _TABLES:
            raise InvalidInput(f"no seal is defined for table {table!r}")
        t = _TABLES[table]
        query = _select(table)
        if where:
            query = query.where(and_(*(t.c[k] == v for k, v in where.items())))
        with self._begin() as c:
            return [dict(r._mapping) for r in c.execute(query)]

    def put(self, seals: Sequence[RowSeal]) -> None:
        if not seals:
            return
        s = schema.row_seals
        with self._begin(write=True) as c:
            for seal in seals:
                c.execute(
                    delete(s).where(s.c.table_name == seal.table, s.c.row_key == seal.row_key)
                )
            c.execute(
                s.insert(),
                [
                    {
                        "table_name": x.table,
                        "row_key": x.row_key,
                        "ledger_idx": x.ledger_index,
                        "mac": x.mac,
                    }
                    for x in seals
                ],
            )

    def get(self, table: str, row_key: str) -> RowSeal | None:
        s = schema.row_seals
        with self._begin() as c:
            row = c.execute(
                select(s).where(s.c.table_name == table, s.c.row_key == row_key)
            ).first()
        return None if row is None else _seal(dict(row._mapping))

    def all(self) -> list[RowSeal]:
        s = schema.row_seals
        with self._begin() as c:
            stored = [_seal(dict(r._mapping)) for r in c.execute(select(s))]
        return [x for x in stored if x is not None]


def _seal(row: Mapping[str, object]) -> RowSeal | None:
    """A stored seal; a malformed one (unknown table, bad MAC) counts as no seal at all."""
    mac, index, table = row["mac"], row["ledger_idx"], str(row["table_name"])
    raw = bytes(mac) if isinstance(mac, bytes | memoryview) else b""
    if table not in SPECS or len(raw) != 32 or not isinstance(index, int) or index < 0:
        return None
    return RowSeal(table, str(row["row_key"]), index, raw)
