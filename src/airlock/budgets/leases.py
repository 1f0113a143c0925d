"""Budget leases of the model-output channel (issue 20, docs/adr/0020 decision 6). Pure.

A worker process leases a block of one caller's output budgets (tokens and bytes, the
caller's and the enclave's) from the database in one transaction, then admits that
caller's requests from the block in memory. The database holds the whole block as a
reservation until the lease is closed, so the sum over every worker's leases and the
settled charges never exceeds a budget, whatever the workers do in memory.

This module is the in-memory side: what one worker may still admit from one lease. The
store (:mod:`airlock.store.lease_interface`) keeps the lease rows, and what was charged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airlock.budgets.limits import BudgetCheck, BudgetScope
from airlock.errors import InvalidInput

# How the two amounts of a lease map onto the four budgets it reserves against.
TOKEN_SCOPES = (BudgetScope.TOKENS_ENCLAVE, BudgetScope.TOKENS_PRINCIPAL)
BYTE_SCOPES = (BudgetScope.OUTPUT_ENCLAVE, BudgetScope.OUTPUT_PRINCIPAL)
MAX_LEASE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Amount:
    """Tokens and bytes: what a lease holds, what a request reserves or used."""

    tokens: int
    bytes: int

    def __post_init__(self) -> None:
        if self.tokens < 0 or self.bytes < 0:
            raise InvalidInput("an amount of tokens or bytes cannot be negative")

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.tokens + other.tokens, self.bytes + other.bytes)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(max(0, self.tokens - other.tokens), max(0, self.bytes - other.bytes))

    def covers(self, other: Amount) -> bool:
        return self.tokens >= other.tokens and self.bytes >= other.bytes

    def at_most(self, other: Amount) -> Amount:
        return Amount(min(self.tokens, other.tokens), min(self.bytes, other.bytes))

    def scaled(self, factor: int) -> Amount:
        return Amount(self.tokens * factor, self.bytes * factor)

    def by_scope(self) -> dict[BudgetScope, int]:
        """The sizes of a reservation against the four output budgets."""
        return dict.fromkeys(TOKEN_SCOPES, self.tokens) | dict.fromkeys(BYTE_SCOPES, self.bytes)


NOTHING = Amount(0, 0)


@dataclass(frozen=True, slots=True)
class LeaseGrant:
    """A lease as the store records it when it is opened."""

    lease_id: str
    owner: str  # host:pid of the worker that admits from it
    caller: str
    granted: Amount
    created_at: datetime
    expires_at: datetime  # the owner admits nothing from it after this, by its own clock


@dataclass(slots=True)
class OpenLease:
    """One worker's view of one of its leases: granted, spent (settled and in flight).

    ``in_flight`` holds the reservations (the most each request may use) that the lease row
    does not count yet: non-streamed requests until they are charged, streams until their
    reservation is recorded on the row. Streams' tokens leave before they are charged, so
    the row's ``streaming`` must cover every stream under way, in case this worker dies:
    ``slots`` is what it holds (as this worker recorded it), ``streams`` what of it streams
    under way use. A stream that ends gives its slot back for the next stream rather than
    to the row, so steady streaming writes nothing for it; a dead worker's reclaimed lease
    keeps its idle slots too (fail closed; at most its most concurrent streams' worth).
    """

    grant: LeaseGrant
    spent: Amount = NOTHING  # charged, plus every reservation not yet charged
    in_flight: Amount = NOTHING  # reservations the lease row does not count yet
    slots: Amount = NOTHING  # the row's ``streaming``: recorded for streams
    streams: Amount = NOTHING  # of ``slots``, what streams under way use
    requests: int = field(default=0)

    @property
    def lease_id(self) -> str:
        return self.grant.lease_id

    def left(self) -> Amount:
        return self.grant.granted - self.spent

    def uncharged(self) -> Amount:
        """What its owner must count when closing it: requests and streams under way at
        their full reservation (idle slots are not; they were never used)."""
        return self.in_flight + self.streams

    def admits(self, need: Amount, now: datetime, margin: timedelta) -> bool:
        """Whether a request needing ``need`` fits this lease at ``now`` (by this worker's
        clock; ``margin`` before the expiry, so a request admitted now is charged before a
        reclaimer whose clock is ahead could close the lease)."""
        return now < self.grant.expires_at - margin and self.left().covers(need)

    def admit(self, need: Amount, *, stream: bool = False) -> bool:
        """Take ``need`` from the lease; for a stream, True when an idle slot covers it
        (nothing to record before its tokens leave), else it counts in flight until
        :meth:`stream_recorded`."""
        self.spent = self.spent + need
        self.requests += 1
        if stream and (self.slots - self.streams).covers(need):
            self.streams = self.streams + need
            return True
        self.in_flight = self.in_flight + need
        return False

    def stream_recorded(self, reserved: Amount) -> None:
        """A stream's reservation was added to the row's ``streaming``: it holds a slot."""
        self.in_flight = self.in_flight - reserved
        self.slots = self.slots + reserved
        self.streams = self.streams + reserved

    def settle(self, reserved: Amount, used: Amount, *, slot: bool) -> None:
        """A request admitted from this lease finished having used ``used`` of ``reserved``
        (``used == reserved`` keeps all of it; ``used`` is never above ``reserved``);
        ``slot``: a stream that held a recorded slot (it goes back idle), else it was in
        :attr:`in_flight`."""
        self.spent = self.spent - (reserved - used)
        if slot:
            self.streams = self.streams - reserved
        else:
            self.in_flight = self.in_flight - reserved


# A lease takes at most this share of what its budgets had free when the worker last
# looked, so the blocks held idle by other workers shrink as a budget runs out.
LEASE_SHARE = 8


def lease_size(need: Amount, most: int, free: Amount | None) -> list[Amount]:
    """The sizes to try for a new lease, largest first: up to ``most`` requests' worth, at
    most 1/LEASE_SHARE of ``free`` (what the budgets had free after this worker's previous
    lease; None: not known yet, so one request's worth first), then exactly what the
    request needs. Near the end of a budget, leases shrink to one request's reservation,
    as reservations were before leases."""
    requests = 1
    if free is not None:
        fits = min(
            free.tokens // need.tokens if need.tokens else most,
            free.bytes // need.bytes if need.bytes else most,
        )
        requests = max(1, min(most, fits // LEASE_SHARE))
    block = need.scaled(requests)
    return [block, need] if block != need else [need]


def free_after(checks: Sequence[BudgetCheck]) -> Amount:
    """What the budgets of ``checks`` have free once their reservation is made: the least
    over the token budgets and over the byte budgets."""
    tokens = [c for c in checks if c.budget.scope in TOKEN_SCOPES]
    sizes = [c for c in checks if c.budget.scope in BYTE_SCOPES]

    def least(group: Sequence[BudgetCheck]) -> int:
        return min((c.remaining_bytes - c.requested_bytes for c in group), default=0)

    return Amount(max(0, least(tokens)), max(0, least(sizes)))
