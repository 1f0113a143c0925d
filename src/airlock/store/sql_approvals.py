"""ApprovalStore on SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from airlock.approvals.workflow import ApprovalCase, ApprovalRule, CaseStatus, Vote
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.principals import Role
from airlock.errors import Conflict, NotFound
from airlock.store import schema

BeginTransaction = Callable[..., AbstractContextManager[Connection]]


class SqlApprovalStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def open_case(self, case: ApprovalCase) -> None:
        t = schema.approval_cases
        with self._begin(write=True) as c:
            if c.execute(select(t.c.request_id).where(t.c.request_id == case.request_id)).first():
                raise Conflict(f"request {case.request_id} already has an approval case")
            c.execute(
                t.insert().values(
                    request_id=case.request_id,
                    requester=case.requester,
                    digest=case.digest,
                    required=case.rule.required,
                    roles=",".join(sorted(r.value for r in case.rule.roles)),
                    ttl_seconds=int(case.rule.ttl.total_seconds()),
                    opened_at=case.opened_at,
                    closed=case.closed.value,
                )
            )

    def get_case(self, request_id: RequestId, *, lock: bool = False) -> ApprovalCase:
        t, v = schema.approval_cases, schema.approval_votes
        query = select(t).where(t.c.request_id == request_id)
        with self._begin(write=lock) as c:
            row = c.execute(query.with_for_update() if lock else query).first()
            if row is None:
                raise NotFound(f"request {request_id} is not waiting for approval")
            votes = c.execute(select(v).where(v.c.request_id == request_id).order_by(v.c.cast_at))
            return ApprovalCase(
                RequestId(row.request_id),
                PrincipalName(row.requester),
                Sha256Hex(row.digest),
                ApprovalRule(
                    int(row.required),
                    frozenset(Role(r) for r in row.roles.split(",")),
                    timedelta(seconds=int(row.ttl_seconds)),
                ),
                row.opened_at,
                tuple(
                    Vote(
                        PrincipalName(x.voter),
                        bool(x.approve),
                        x.reason,
                        Sha256Hex(x.digest),
                        x.cast_at,
                    )
                    for x in votes
                ),
                CaseStatus(row.closed),
            )

    def save_vote(self, case: ApprovalCase) -> None:
        t, v = schema.approval_cases, schema.approval_votes
        vote = case.votes[-1]
        with self._begin(write=True) as c:
            c.execute(
                v.insert().values(
                    request_id=case.request_id,
                    voter=vote.voter,
                    approve=vote.approve,
                    reason=vote.reason,
                    digest=vote.digest,
                    cast_at=vote.cast_at,
                )
            )
            c.execute(
                t.update().where(t.c.request_id == case.request_id).values(closed=case.closed.value)
            )

    def close_case(self, request_id: RequestId, status: str) -> None:
        t = schema.approval_cases
        with self._begin(write=True) as c:
            c.execute(t.update().where(t.c.request_id == request_id).values(closed=status))

    def votes_since(self, since: datetime) -> Sequence[Vote]:
        v = schema.approval_votes
        with self._begin() as c:
            rows = c.execute(select(v).where(v.c.cast_at >= since).order_by(v.c.cast_at))
            return [
                Vote(
                    PrincipalName(x.voter),
                    bool(x.approve),
                    x.reason,
                    Sha256Hex(x.digest),
                    x.cast_at,
                )
                for x in rows
            ]
