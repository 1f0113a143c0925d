"""Statements of the export path, built once with bind parameters (issue 5).

Building a SQLAlchemy expression and its cache key costs more than SQLite takes to run it,
and every export runs about fifteen of them; these are built at import and only bound per
call. Everything else in the store builds its statements inline, which is clearer.
"""

from __future__ import annotations

import functools

from sqlalchemy import Select, and_, bindparam, func, or_, select

from airlock.domain.requests import Outcome
from airlock.store import schema

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

MODELS_STAMP = select(func.count(), func.max(schema.protected_models.c.registered_at))

LEDGER_SIZE_FOR_UPDATE = select(_head.c.size).where(_head.c.id == 1).with_for_update()
SET_LEDGER_SIZE = _head.update().where(_head.c.id == 1).values(size=bindparam("size"))

BUDGET_USED = select(func.coalesce(func.sum(_u.c.bytes), 0)).where(
    _u.c.scope == bindparam("scope"),
    _u.c.subject == bindparam("subject"),
    _u.c.at > bindparam("since"),
)


@functools.lru_cache(maxsize=8)
def budgets_for_update(count: int) -> Select[tuple[object, ...]]:
    """The budget rows for ``count`` (scope ``s<i>``, subject ``n<i>``) keys, locked in a
    fixed order so two reservations never deadlock on each other."""
    keys = (
        and_(_b.c.scope == bindparam(f"s{i}"), _b.c.subject == bindparam(f"n{i}"))
        for i in range(count)
    )
    return select(_b).where(or_(*keys)).order_by(_b.c.scope, _b.c.subject).with_for_update()
