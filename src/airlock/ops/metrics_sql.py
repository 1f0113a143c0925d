"""Reads the figures of :mod:`airlock.ops.metrics` from the SQL store, a few aggregate
queries per scrape (each an index or table scan of small tables; the ledger is not read)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, func, or_, select

from airlock.approvals.friction import FrictionReport
from airlock.budgets.leases import BYTE_SCOPES, TOKEN_SCOPES
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.ops.metrics import WEIGHT_CODES, BoundaryFigures, BudgetFigure
from airlock.store import schema


def read_figures(engine: Engine, now: datetime, friction: FrictionReport) -> BoundaryFigures:
    """Raises: sqlalchemy errors, which the caller wraps (the route answers 503)."""
    r, d, b = schema.requests, schema.decisions, schema.budgets
    with engine.connect() as c:
        decided = c.execute(
            select(r.c.kind, d.c.outcome, func.count())
            .select_from(d.join(r, d.c.request_id == r.c.id))
            .group_by(r.c.kind, d.c.outcome)
        ).all()
        inspected = c.execute(
            select(r.c.kind, func.count(), func.coalesce(func.sum(r.c.size_bytes), 0)).group_by(
                r.c.kind
            )
        ).all()
        released = c.execute(
            select(r.c.kind, func.coalesce(func.sum(r.c.size_bytes), 0))
            .where(r.c.status == "released")
            .group_by(r.c.kind)
        ).all()
        weight = c.execute(
            select(func.count()).where(
                d.c.outcome == "deny",
                or_(*(d.c.reasons_json.like(f'%"{code}"%') for code in WEIGHT_CODES)),
            )
        ).scalar_one()
        held = c.execute(
            select(func.count(), func.min(r.c.created_at)).where(r.c.status == "held")
        ).one()
        budgets = c.execute(select(b.c.scope, b.c.subject, b.c.used_bytes, b.c.limit_bytes)).all()
        leased = _leased(c)
        lk = schema.locks
        locks = c.execute(
            select(func.count()).where(lk.c.lifted_at.is_(None), lk.c.expires_at > now)
        ).scalar_one()
        size = c.execute(select(schema.ledger_head.c.size)).scalar()
        signed = c.execute(select(func.max(schema.ledger_checkpoints.c.signed_at))).scalar()
        cosigned = c.execute(select(func.max(schema.ledger_cosignatures.c.timestamp))).scalar()
    oldest = held[1]
    return BoundaryFigures(
        decisions={(str(k), str(o)): int(n) for k, o, n in decided},
        inspected={str(k): (int(n), int(total)) for k, n, total in inspected},
        released_bytes={str(k): int(total) for k, total in released},
        weight_denials=int(weight),
        budgets=tuple(
            BudgetFigure(s, sub, int(u), int(lim), leased.get((BudgetScope(s), sub), 0))
            for s, sub, u, lim in budgets
        ),
        holds_waiting=int(held[0]),
        oldest_hold_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        active_locks=int(locks),
        ledger_size=int(size or 0),
        seconds_since_checkpoint=(now - signed).total_seconds() if signed else None,
        seconds_since_cosignature=(
            max(0.0, now.timestamp() - int(cosigned)) if cosigned is not None else None
        ),
        friction=friction,
    )


def _leased(c: Connection) -> dict[tuple[BudgetScope, str], int]:
    """Per budget, what open output budget leases hold unspent (one grouped query)."""
    lease = schema.budget_leases
    rows = c.execute(
        select(
            lease.c.caller,
            func.sum(lease.c.granted_tokens - lease.c.used_tokens - lease.c.streaming_tokens),
            func.sum(lease.c.granted_bytes - lease.c.used_bytes - lease.c.streaming_bytes),
        )
        .where(lease.c.state == "open")
        .group_by(lease.c.caller)
    ).all()
    held: dict[tuple[BudgetScope, str], int] = {}
    for caller, tokens, size in rows:
        for scopes, amount in ((TOKEN_SCOPES, int(tokens or 0)), (BYTE_SCOPES, int(size or 0))):
            for scope in scopes:
                key = (scope, ENCLAVE_SUBJECT if scope.enclave_wide else str(caller))
                held[key] = held.get(key, 0) + max(0, amount)
    return held
