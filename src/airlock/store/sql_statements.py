"""Statements of the export path, built once with bind parameters (issue 5).

Building a SQLAlchemy expression and its cache key costs more than SQLite takes to run it,
and every export runs about fifteen of them; these are built at import and only bound per
call. Everything else in the store builds its statements inline, which is clearer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
    table,
    tuple_,
)

from airlock.budgets.limits import DEFAULT_SUBJECT
from airlock.domain.requests import Outcome
from airlock.store import schema
from airlock.store.schema import UtcDateTime

_b, _u = schema.budgets, schema.budget_usage
_r, _d = schema.requests, schema.decisions
_head = schema.ledger_head

TOKEN_PRINCIPAL = (
    select(schema.principals)
    .join(schema.api_tokens, schema.api_tokens.c.principal == schema.principals.c.name)
    .where(
        schema.api_tokens.c.token_hash == bindparam("token_hash"),
        schema.api_tokens.c.revoked_at.is_(None),
    )
)

# One round trip for add_request's three checks: id taken, principal known, project known.
REQUEST_REFS = select(
    select(_r.c.id).where(_r.c.id == bindparam("id")).exists().label("taken"),
    select(schema.principals.c.name)
    .where(schema.principals.c.name == bindparam("principal"))
    .exists()
    .label("principal"),
    select(schema.projects.c.name)
    .where(schema.projects.c.name == bindparam("project"))
    .exists()
    .label("project"),
)

SET_REQUEST_STATUS = (
    _r.update().where(_r.c.id == bindparam("request_id")).values(status=bindparam("status"))
)

# IN rather than != ALLOW, so the (outcome, decided_at) index applies.
RECENT_REFUSALS = (
    select(_d)
    .join(_r, _r.c.id == _d.c.request_id)
    .where(
        _r.c.principal == bindparam("principal"),
        _d.c.decided_at >= bindparam("since"),
        _d.c.outcome.in_([Outcome.HOLD.value, Outcome.DENY.value]),
    )
    .order_by(_d.c.decided_at, _d.c.id)
)

_locks = schema.locks
ALL_LOCKS = select(_locks).order_by(_locks.c.created_at.desc(), _locks.c.id.desc())


@functools.lru_cache(maxsize=4)
def active_locks(count: int) -> Select[tuple[object, ...]]:
    """Locks in force at ``now`` on ``count`` subjects (scope ``s<i>``, subject ``n<i>``),
    newest first: the export path reads these, not the whole lock history."""
    return (
        select(_locks)
        .where(
            _keys(count, _locks),
            _locks.c.lifted_at.is_(None),
            _locks.c.created_at <= bindparam("now", type_=UtcDateTime()),
            _locks.c.expires_at > bindparam("now", type_=UtcDateTime()),
        )
        .order_by(_locks.c.created_at.desc(), _locks.c.id.desc())
    )


MODELS_STAMP = select(func.count(), func.max(schema.protected_models.c.registered_at))

LEDGER_SIZE_FOR_UPDATE = select(_head.c.size).where(_head.c.id == 1).with_for_update()
# Readiness (issue 22): a write that changes nothing, in a transaction that is rolled back.
# On Alembic's one-row table, not ledger_head: every export's write batch locks that row, and
# a probe must neither wait for exports nor make them wait.
_alembic = table("alembic_version", column("version_num"))
WRITE_PROBE = _alembic.update().values(version_num=_alembic.c.version_num)
# Transactions.sync on PostgreSQL: a row lock writes WAL and takes a transaction id, so its
# durable commit flushes the WAL up to it (every earlier asynchronous commit with it); on the
# same one-row table, so that it never waits for an export's batch.
SYNC_ROW_FOR_UPDATE = select(_alembic.c.version_num).with_for_update()
SET_LEDGER_SIZE = _head.update().where(_head.c.id == 1).values(size=bindparam("size"))

# --- budgets: running totals (docs/adr/0006) -----------------------------------------------
# A budget's used_bytes is the sum of its reservations with expires_at > counted_after. A
# reservation at ``now`` needs the sum between the two instants: what expired since the
# total was counted (now is later: take it off), or what a clock behind the last one must
# still count (now is earlier: add it back). A NULL counted_after has no total: count
# (now, end of time]. Both bounds are plain values per budget row, so the sum is one range
# of ix_budget_usage_key_expires: its cost is the rows in that range, not the window's.
_after, _now = _b.c.counted_after, bindparam("now", type_=UtcDateTime())
_END_OF_TIME = literal(datetime(9999, 12, 31, tzinfo=UTC), UtcDateTime())
_from = case((_after < _now, _after), else_=_now)  # NULL < now is not true: now
_to = case((_after.is_(None), _END_OF_TIME), (_after > _now, _after), else_=_now)
_span = (
    select(func.coalesce(func.sum(_u.c.bytes), 0))
    .where(
        _u.c.scope == _b.c.scope,
        _u.c.subject == _b.c.subject,
        _u.c.expires_at > _from,
        _u.c.expires_at <= _to,
    )
    .scalar_subquery()
)


def _keys(count: int, table: Table = _b) -> ColumnElement[bool]:
    """Rows of ``table`` whose (scope, subject) is one of ``count`` bound pairs; see
    :func:`subject_params`."""
    return or_(
        *(
            and_(table.c.scope == bindparam(f"s{i}"), table.c.subject == bindparam(f"n{i}"))
            for i in range(count)
        )
    )


def subject_params(
    subjects: Iterable[tuple[StrEnum, str]], **extra: object
) -> tuple[int, dict[str, object]]:
    """How many distinct (scope, subject) pairs there are, and their bind parameters, in the
    fixed order that row locks are taken in."""
    params: dict[str, object] = dict(extra)
    wanted = sorted(set(subjects))
    for i, (scope, subject) in enumerate(wanted):
        params[f"s{i}"], params[f"n{i}"] = scope.value, subject
    return len(wanted), params


@functools.lru_cache(maxsize=8)
def budgets_for_update(count: int) -> Select[tuple[object, ...]]:
    """The budget rows for ``count`` (scope ``s<i>``, subject ``n<i>``) keys, locked in a
    fixed order so two reservations never deadlock on each other."""
    return select(_b).where(_keys(count)).order_by(_b.c.scope, _b.c.subject).with_for_update()


@functools.lru_cache(maxsize=8)
def budget_totals(count: int) -> Select[tuple[object, ...]]:
    """The budget rows for ``count`` keys with ``span``: the sum of their reservations
    that expire between ``counted_after`` and ``now`` (see above)."""
    return select(_b, _span.label("span")).where(_keys(count)).order_by(_b.c.scope, _b.c.subject)


SET_BUDGET_TOTAL = (
    _b.update()
    .where(_b.c.scope == bindparam("key_scope"), _b.c.subject == bindparam("key_subject"))
    .values(used_bytes=bindparam("total"), counted_after=bindparam("after", type_=UtcDateTime()))
)
TAKE_OFF_BUDGET_TOTAL = (
    _b.update()
    .where(_b.c.scope == bindparam("key_scope"), _b.c.subject == bindparam("key_subject"))
    .values(used_bytes=_b.c.used_bytes - bindparam("bytes"))
)
ADD_RESERVATIONS = _u.insert()
HELD_RESERVATIONS = select(_u.c.id, _u.c.scope, _u.c.subject, _u.c.bytes, _u.c.expires_at).where(
    _u.c.request_id == bindparam("request_id")
)
SHRINK_RESERVATION = (
    _u.update().where(_u.c.id == bindparam("row_id")).values(bytes=bindparam("new_bytes"))
)
# A scope's default budgets ('*'), which subjects without their own inherit (issue 14).
DEFAULT_BUDGETS = select(_b).where(
    _b.c.scope.in_(bindparam("scopes", expanding=True)), _b.c.subject == DEFAULT_SUBJECT
)

# The budgets a request holds reservations against, locked in the same order as above.
HELD_BUDGETS_FOR_UPDATE = (
    select(_b)
    .where(
        tuple_(_b.c.scope, _b.c.subject).in_(
            select(_u.c.scope, _u.c.subject).where(_u.c.request_id == bindparam("request_id"))
        )
    )
    .order_by(_b.c.scope, _b.c.subject)
    .with_for_update()
)
DELETE_RESERVATIONS = (
    _u.delete()
    .where(_u.c.request_id == bindparam("request_id"))
    .returning(_u.c.scope, _u.c.subject, _u.c.bytes, _u.c.expires_at)
)

# The read path (status, UI): the exact sum over the window, the definition the totals keep.
BUDGET_USED = select(func.coalesce(func.sum(_u.c.bytes), 0)).where(
    _u.c.scope == bindparam("scope"),
    _u.c.subject == bindparam("subject"),
    _u.c.expires_at > bindparam("now", type_=UtcDateTime()),
    select(_b.c.scope)
    .where(_b.c.scope == bindparam("scope"), _b.c.subject == bindparam("subject"))
    .exists(),
)
