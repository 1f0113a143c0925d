"""Persistence of budget leases (issue 20, docs/adr/0020 decision 6).

A lease is a reservation against a caller's four output budgets (see
:mod:`airlock.budgets.leases`) held under the lease's id, plus a row saying who holds it,
until when, and what has been charged to it. The reservation only ever shrinks, and only
to what was charged, so the budgets stay exact however many workers hold leases.

States: ``open`` (its owner admits from it and charges to it), ``closed`` (by its owner:
the reservation shrank to what was charged plus the owner's requests and streams still
under way, which count at their full reservation; charging those later is a no-op), ``reclaimed``
(by another worker after the lease expired: the reservation shrank to what was charged;
its owner may not charge it again, so a response it still holds is not sent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from airlock.budgets.leases import BYTE_SCOPES, TOKEN_SCOPES, Amount, LeaseGrant
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetCheck
from airlock.store.budget_interface import BudgetKey


class LeaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RECLAIMED = "reclaimed"


@dataclass(frozen=True, slots=True)
class LeaseView:
    """A lease as the status views show it: granted, used, and held for streams."""

    grant: LeaseGrant
    state: LeaseState
    used: Amount  # charged: responses logged and sent
    streaming: Amount  # held for streams: those under way (tokens may be leaving), idle slots
    closed_at: datetime | None

    @property
    def unused(self) -> Amount:
        """Leased but not (yet) charged: held against the budget while the lease is open;
        for an open lease this includes the owner's requests in flight."""
        if self.state is not LeaseState.OPEN:
            return Amount(0, 0)
        return self.grant.granted - self.used - self.streaming


def leased_unused(views: Sequence[LeaseView]) -> dict[BudgetKey, int]:
    """Per budget, what open leases hold and has not been charged: counted as used (the
    budget is held for it) but not yet spent; for the status views."""
    held: dict[BudgetKey, int] = {}
    for view in views:
        unused = view.unused
        for scopes, size in ((TOKEN_SCOPES, unused.tokens), (BYTE_SCOPES, unused.bytes)):
            for scope in scopes:
                key = (scope, ENCLAVE_SUBJECT if scope.enclave_wide else view.grant.caller)
                held[key] = held.get(key, 0) + size
    return held


class LeaseStore(Protocol):
    def open_lease(
        self, grant: LeaseGrant, keys: Sequence[BudgetKey], now: datetime
    ) -> list[BudgetCheck]:
        """Reserve ``grant.granted`` against every budget in ``keys`` (tokens in the token
        scopes, bytes in the byte scopes) and record the lease, if all of them fit; else
        nothing. The reservation counts until ``grant.expires_at`` plus each budget's
        window: every request admitted from the lease is admitted before its expiry.

        The checks are those of :meth:`BudgetStore.reserve`.
        """
        ...

    def charge_lease(self, lease_id: str, used: Amount, streamed: Amount | None = None) -> bool:
        """Count ``used`` as charged to the lease (and, for a stream started with
        :meth:`stream_on_lease`, take its ``streamed`` reservation off). Joins the caller's
        write batch, so the charge commits with the transcript.

        True when the lease is open, or closed by its owner (who counted the request at
        its full reservation then); False when it was reclaimed or never existed: the
        request was not counted, and its response must not leave.
        """
        ...

    def stream_on_lease(self, lease_id: str, reserved: Amount) -> bool:
        """Record a stream's reservation on an open lease, before any of its tokens leave.
        Joins the caller's write batch.

        True when the lease is open, or closed by its owner (who counted the stream in
        flight at its full reservation then: nothing changes); False when it was
        reclaimed or never existed: the stream is not counted and must not start.
        """
        ...

    def close_lease(self, lease_id: str, in_flight: Amount, now: datetime) -> bool:
        """The owner is done with an open lease: shrink its reservation to what was
        charged plus ``in_flight`` (every request and stream of the owner's not yet
        charged, at its full reservation; the owner knows which of the row's ``streaming``
        are streams under way and which idle slots). False when it was not open."""
        ...

    def reclaim_leases(self, expired_before: datetime, now: datetime) -> int:
        """Close every open lease that expired before ``expired_before`` (its owner died,
        or is stalled): its reservation shrinks to what was charged plus ``streaming``
        (streams under way, and slots its owner kept for the next ones: which are which
        died with it, so all count). Returns how many."""
        ...

    def prune_leases(self, expired_before: datetime, limit: int) -> int:
        """Delete at most ``limit`` rows of leases no longer open that expired before
        ``expired_before`` (every request admitted from one was admitted before its expiry,
        so long before this, nothing charges it any more). Their reservations in the
        budgets stay: a charge counts for its window whatever becomes of the lease row.
        Returns how many."""
        ...

    def leases(self, *, open_only: bool = False) -> Sequence[LeaseView]:
        """Leases, newest first (for the status views)."""
        ...
