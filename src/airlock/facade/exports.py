"""Egress through the facade: submitting an export, voting on a held one, fetching a
released one, and the locks that stop a principal's or project's exports.

The work itself is :mod:`airlock.egress`'s; this checks who may do it and announces what
is held.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, BinaryIO

from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.permissions import Action, Reach, reach, require
from airlock.domain.identity import Auth, AuthMethod
from airlock.domain.names import project_name, request_id
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest
from airlock.errors import InvalidInput, NotFound, PermissionDenied
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor
from airlock.store.outbox import Staged

if TYPE_CHECKING:
    from airlock.egress import ExportResult


class ExportsMixin(FacadeCore):
    """Exports, votes, releases and locks, for :class:`airlock.service.Airlock`."""

    def submit_export(
        self,
        principal: Principal,
        stream: BinaryIO,
        name: str,
        purpose: str,
        project: str | None = None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """Inspect, budget, decide and record an export (see :mod:`airlock.egress`).

        Raises: PermissionDenied for a role that may not submit (an auditor, an admin).
        """
        require(principal, Action.EXPORT_SUBMIT)
        result = self._egress.submit(principal, stream, name, purpose, project, auth=auth)
        self._announce(result.request)
        return result

    def submit_staged_export(
        self,
        principal: Principal,
        staged: Staged,
        name: str,
        purpose: str,
        project: str | None = None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """:meth:`submit_export` of an upload already staged in the outbox."""
        try:
            require(principal, Action.EXPORT_SUBMIT)  # the HTTP gate checked too
        except PermissionDenied:
            self.outbox.drop(staged)
            raise
        result = self._egress.submit_staged(principal, staged, name, purpose, project, auth=auth)
        self._announce(result.request)
        return result

    def export_allowance(self, principal: Principal) -> int:
        """Bytes ``principal`` could export now (see :meth:`airlock.egress.Egress.allowance`)."""
        return self._egress.allowance(principal)

    def vote(
        self,
        voter: Principal,
        request: str,
        approve: bool,
        reason: str,
        digest: str,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> BoundaryRequest:
        """Approve or deny a held request; the result is the request after the vote.

        Raises: PermissionDenied (a weak ``auth``: see :mod:`airlock.votes`; role, or the
        voter's own request), NotFound, Conflict.
        """
        require(voter, Action.VOTE, owner=self._request(request_id(request)).principal)
        return self._egress.vote(voter, request, approve, reason, digest, auth=auth)[0]

    def release(self, actor: Actor, request: str) -> tuple[BoundaryRequest, Iterator[bytes]]:
        """The bytes of a released request, digest-checked; refuses anything else.

        Raises: PermissionDenied unless the actor requested it or audits; NotFound; Conflict.
        """
        require(actor, Action.RELEASE_FETCH, owner=self._request(request_id(request)).principal)
        return self._egress.release_stream(request)

    def lock(
        self, actor: Actor, scope: LockScope, subject: str, reason: str, hours: float = 24
    ) -> Lock:
        """Lock a principal or project by hand. Raises: PermissionDenied unless admin/approver."""
        require(actor, Action.LOCK_IMPOSE, owner=self._lock_concerns(actor, scope, subject))
        if scope is LockScope.ENCLAVE:
            raise PermissionDenied("only a break-glass recovery locks the whole enclave")
        now = self._clock.now()
        lock = Lock(scope, subject, reason, now, now + timedelta(hours=hours))
        self._egress.impose_lock(lock, actor.name, actor.ledger_details())
        return lock

    def lift_lock(self, actor: Actor, scope: LockScope, subject: str, reason: str) -> int:
        """Lift active locks in one logged step.

        Raises: PermissionDenied (role; a lock on the actor or on a project they belong to:
        nobody lifts their own lock), NotFound.
        """
        require(actor, Action.LOCK_LIFT, owner=self._lock_concerns(actor, scope, subject))
        if scope is LockScope.ENCLAVE:
            raise PermissionDenied(
                "the enclave lock of a break-glass lifts only when a second admin confirms "
                "it with their own token: `airlock break-glass confirm --reason ...`"
            )
        now = self._clock.now()
        if not any(
            k.scope is scope and k.subject == subject and k.active_at(now)
            for k in self._store.locks()
        ):
            raise NotFound(f"{scope} {subject} has no active lock")
        index = self._record("lock.lift", actor, f"{scope}:{subject}", reason=reason[:500])
        lifted = self._store.lift_locks(scope, subject, actor.name, now)
        self.seals.seal("locks", {"scope": scope.value, "subject": subject}, index)
        return lifted

    def locks(self, actor: Actor) -> Sequence[Lock]:
        """The locks the actor may read: all, or those on themselves and their projects."""
        match reach(actor, Action.LOCK_READ):
            case Reach.ANY:
                return self._store.locks()
            case Reach.OWN:
                return [
                    k
                    for k in self._store.locks()
                    if self._lock_concerns(actor, k.scope, k.subject) == actor.name
                ]
            case _:
                require(actor, Action.LOCK_READ)
                return []

    def _lock_concerns(self, actor: Actor, scope: LockScope, subject: str) -> str:
        """Whom a lock concerns, for the matrix: the actor if it is on them or on a project
        they are a member of, else the locked principal or project."""
        if scope is LockScope.PRINCIPAL:
            return subject
        try:
            members = self._store.members.members(project_name(subject))
        except InvalidInput:
            return subject
        return actor.name if actor.name in members else subject
