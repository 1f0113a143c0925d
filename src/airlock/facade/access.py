"""Refused access and direct access (issue 14): recording refusals, and a break-glass
recovery by the local operator with its enclave lock and a second person's confirmation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.refusals import ANONYMOUS, OVERFLOW
from airlock.domain.identity import BREAK_GLASS_SUBJECT, STRONG_METHODS
from airlock.domain.principals import Role
from airlock.errors import AirlockError, InvalidInput, NotFound, PermissionDenied
from airlock.facade.core import BREAK_GLASS_LOCK_DAYS, FacadeCore
from airlock.facade.values import Actor
from airlock.ledger.records import LedgerRecord

if TYPE_CHECKING:
    from airlock.approvals.refusals import Entry as RefusalEntry


class AccessMixin(FacadeCore):
    """Refusals and break-glass, for :class:`airlock.service.Airlock`."""

    def refuse_identity(self, actor: Actor, action: str, claimed: str, reason: str) -> int:
        """Record that an action was refused for want of the right identity (a name claimed
        without its credential, or someone else's). Returns the ledger index."""
        return self._record(
            "identity.refused", actor, action, claimed=claimed[:128], reason=reason[:500]
        )

    def refuse_access(self, actor: Actor, action: str, error: AirlockError, path: str = "") -> int:
        """Record one refusal of ``actor`` outside the gateway (the CLI acting on the home
        with a person's token), as the gateway records its own, uncoalesced: each such
        command is a process of its own. Returns the ledger index."""
        from airlock.approvals.refusals import Entry, Refusal

        refusal = Refusal(
            actor.name,
            "local",
            action,
            type(error).__name__,
            error.message,
            error.http_status,
            actor.auth.value,
            path,
        )
        return self.record_refusal(Entry(refusal, 1, summary=False))

    def record_refusal(self, entry: RefusalEntry) -> int:
        """Append an ``access.refused`` entry: a refusal answered at the gateway's gate, by
        the facade's owner checks or by the upload guard (issue 14), as the refusal tally
        (:mod:`airlock.approvals.refusals`) coalesced it. Returns the ledger index.

        It records; it decides nothing (the refusal was answered already).
        """
        first = entry.first
        coalesced = "overflow" if entry.overflow else "summary" if entry.summary else "first"
        return self.ledger.append(
            LedgerRecord(
                kind="access.refused",
                actor=first.who or ANONYMOUS,
                at=self._clock.now(),
                subject=OVERFLOW if entry.overflow else first.action,
                policy_version=self._policy.version,
                outcome="refused",
                details={
                    "auth": first.auth,
                    "address": first.address,
                    "error": first.reason,
                    "status": first.status,
                    "reason": first.message,
                    "path": first.subject,
                    "count": entry.count,
                    "coalesced": coalesced,
                },
            )
        )

    def break_glass(self, os_user: str, command: str, reason: str) -> Actor:
        """Act as the local operator in a recovery: record it with the OS user, and lock
        every export of the enclave until a second person confirms it.

        The entry and the lock come before the action, so a recovery that fails half way
        still leaves the enclave locked (fail closed).

        Raises: InvalidInput without a reason.
        """
        if not reason.strip():
            raise InvalidInput("a break-glass needs --reason: why direct access was necessary")
        actor = Actor.local_operator(os_user, break_glass=True)
        now = self._clock.now()
        lock = Lock(
            LockScope.ENCLAVE,
            BREAK_GLASS_SUBJECT,
            f"break-glass by OS user {os_user or '?'} ({command}): {reason}"[:500],
            now,
            now + timedelta(days=BREAK_GLASS_LOCK_DAYS),
        )
        self._record("break_glass.use", actor, command[:200], reason=reason[:500])
        self._record(
            "lock.add",
            actor,
            f"{lock.scope}:{lock.subject}",
            expires_at=lock.expires_at.isoformat(),
        )
        self._store.add_lock(lock)
        return actor

    def confirm_break_glass(self, actor: Actor, reason: str) -> int:
        """A second person, an admin with their own credential, confirms a break-glass and
        so lifts the enclave's export lock.

        Raises:
            PermissionDenied: the actor is not an admin, or acts with direct access.
            NotFound: no break-glass awaits confirmation.
        """
        if actor.auth not in STRONG_METHODS:
            raise PermissionDenied(
                "a break-glass is confirmed by a second person with their own credential: "
                "set AIRLOCK_TOKEN to an admin's token"
            )
        if actor.role is not Role.ADMIN:
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not confirm a break-glass")
        now = self._clock.now()
        if not any(
            k.scope is LockScope.ENCLAVE and k.subject == BREAK_GLASS_SUBJECT and k.active_at(now)
            for k in self._store.locks()
        ):
            raise NotFound("no break-glass awaits confirmation")
        self._record("break_glass.confirm", actor, BREAK_GLASS_SUBJECT, reason=reason[:500])
        return self._store.lift_locks(LockScope.ENCLAVE, BREAK_GLASS_SUBJECT, actor.name, now)
