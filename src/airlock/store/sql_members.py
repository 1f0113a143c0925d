"""MembershipStore on SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection, select

from airlock.domain.names import PrincipalName, ProjectName
from airlock.errors import Conflict, NotFound
from airlock.store import schema

BeginTransaction = Callable[..., AbstractContextManager[Connection]]
_members = schema.project_members


class SqlMembershipStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def add_member(self, project: ProjectName, principal: PrincipalName, at: datetime) -> None:
        with self._begin(write=True) as c:
            if not c.execute(
                select(schema.projects.c.name).where(schema.projects.c.name == project)
            ).first():
                raise NotFound(
                    f"no project named {project!r}: list them with `airlock project list`"
                )
            if not c.execute(
                select(schema.principals.c.name).where(schema.principals.c.name == principal)
            ).first():
                raise NotFound(
                    f"no principal named {principal!r}: list them with `airlock principal list`"
                )
            if c.execute(
                select(_members.c.project).where(
                    _members.c.project == project, _members.c.principal == principal
                )
            ).first():
                raise Conflict(f"{principal} is already a member of project {project!r}")
            c.execute(_members.insert().values(project=project, principal=principal, added_at=at))

    def members(self, project: ProjectName) -> Sequence[PrincipalName]:
        with self._begin() as c:
            rows = c.execute(
                select(_members.c.principal)
                .where(_members.c.project == project)
                .order_by(_members.c.principal)
            )
            return [PrincipalName(r.principal) for r in rows]

    def projects_of(self, principal: PrincipalName) -> Sequence[ProjectName]:
        with self._begin() as c:
            rows = c.execute(
                select(_members.c.project)
                .where(_members.c.principal == principal)
                .order_by(_members.c.project)
            )
            return [ProjectName(r.project) for r in rows]
