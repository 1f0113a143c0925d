"""The inference gateway's workflow: admit (lock check, forced parameters, budget
reservation), forward to the upstream, log the transcript, settle the budgets. What is read
from the upstream, and checked before it may leave, is :mod:`airlock.outputs.relay`.

Order matters for failing closed: the budgets are reserved for the most a response may use
(``max_tokens`` tokens, ``max_tokens * max_bytes_per_token`` bytes) before the upstream is
asked, so no interleaving of concurrent requests can exceed a limit; once the response is
known the reservations shrink to what it used. A response the gateway cannot log (no token
ids, more tokens or bytes than reserved) never reaches the caller; a stream that fails
half-way keeps its full reservation (its tokens may have left). Whatever would make a
stream's transcript fail to be written is checked before its first token leaves: its
prompt ids are known, and a transcript of them and ``max_tokens`` ids fits (docs/adr/0058).

With ``lease_requests > 0`` (the default; docs/adr/0020 decision 6) the reservation is
taken in memory from a block of the caller's budgets this worker leased from the database
(:mod:`airlock.budgets.leases`), and the charge of what the response used commits with its
transcript; the database holds every lease's whole block until it is closed, so the
budgets stay exact across workers and processes.

Transcripts are stored at once and committed to the ledger in batches
(:func:`commit_batch`), so the ledger sees one leaf per batch, not per response.

Durability (docs/adr/0014, 0020): the reservation and the transcript (with the settlement,
in one transaction) commit *lazily*, on the event loop:
visible to every worker at once, so budgets stay exact, and safe from a crash of the
process, but flushed to disk by one shared fsync (:class:`SharedSync`). With
``flush_window_ms = 0`` no response (and no streamed token) leaves before the flush that
covers its reservation and transcript; with N > 0 it leaves once committed and the flush
follows within N ms. Each lazy commit takes a ticket of the shared flush, so a wait is for
the commits it depends on: a stream whose reservation a finished flush already covers
starts without waiting for the disk (docs/adr/0020 decision 8).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import uuid
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Iterator,
    Sequence,
)
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from airlock.approvals.locks import LockScope
from airlock.audit import AuditLog
from airlock.budgets.leases import (
    NOTHING,
    Amount,
    LeaseGrant,
    OpenLease,
    free_after,
    lease_size,
)
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetCheck, BudgetScope
from airlock.clock import Clock
from airlock.errors import BudgetExceeded, InvalidInput, PolicyViolation, SourceError
from airlock.ledger.records import LedgerRecord
from airlock.outputs.admission import Admission
from airlock.outputs.batches import BATCH_RECORD, batch_root
from airlock.outputs.openai import (
    Endpoint,
    Piece,
    answer,
    force_request,
)
from airlock.outputs.relay import MAX_UPSTREAM_BYTES, UPSTREAM_FAILED, Relay, prompt_of
from airlock.outputs.transcript import (
    MAX_SEED,
    PROTOCOL,
    Transcript,
    TranscriptDigest,
    encoded_size,
    temperature_milli,
    text_sha256,
)
from airlock.outputs.upstream import HttpUpstream, Upstream
from airlock.settings import OutputsSettings
from airlock.store.interface import Store
from airlock.store.shared_sync import SharedSync

_log = logging.getLogger("airlock.outputs")

GATEWAY_ACTOR = "airlock-gateway"
# An open lease expired this long ago is taken for its owner's (a dead or stalled worker's)
# and reclaimed; more than any clock skew between workers is expected to be. Exactness does
# not depend on it: a stalled owner's late charge is refused and its response not sent.
RECLAIM_GRACE = timedelta(seconds=30)
# Rows of leases no longer open are deleted this long after their expiry, at most
# PRUNE_BATCH per tick of maintain_leases (every batch_seconds, per worker): more than any
# request admitted before the expiry takes to be charged.
LEASE_RETENTION = timedelta(days=1)
PRUNE_BATCH = 500


class OutputGateway:
    def __init__(
        self,
        settings: OutputsSettings,
        store: Store,
        ledger: AuditLog,
        clock: Clock,
        policy_version: Callable[[], str],
    ) -> None:
        self.settings = settings
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._policy_version = policy_version
        # One pooled keep-alive client per gateway (so per worker process), made on first use.
        self.upstream: Upstream = HttpUpstream(settings.upstream_url, settings.timeout_seconds)
        self.relay = Relay(settings)
        self._flushes = SharedSync(store.sync)  # every lazy commit takes one of its tickets
        # Budget leases (decision 6): this worker's open lease per caller, and what each
        # request admitted from one reserved until it is charged or abandoned.
        self._owner = f"{socket.gethostname()}:{os.getpid()}"
        self._lease_lock = threading.Lock()
        self._leases: dict[str, OpenLease] = {}
        self._unsettled: dict[str, Amount] = {}
        self._unrecorded: set[str] = set()  # leased streams not yet on their lease row
        self._free: dict[str, Amount] = {}  # per caller: free after this worker's last lease
        # Per open lease: the ticket of the newest commit that grew its row (its opening, a
        # stream recorded on it): a stream in one of its slots may start once that is on disk.
        self._lease_tickets: dict[str, int] = {}
        # Requests in flight on this event loop (serving()): with one alone, and a disk whose
        # flush returns at once, its flush runs on the loop, with no thread hop (decision 10).
        self._serving = 0

    @property
    def leasing(self) -> bool:
        return self.settings.lease_requests > 0

    @property
    def waits_for_flush(self) -> bool:
        """Whether a response leaves only once on disk (``flush_window_ms = 0``)."""
        return self.settings.flush_window_ms == 0

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Counts a request in flight on the event loop, from its upstream call until its
        response is ready (a stream: until its trailer left). Only :meth:`logged` reads the
        count, to choose where a flush runs; correctness does not depend on it."""
        self._serving += 1
        try:
            yield
        finally:
            self._serving -= 1

    # --- synchronous steps (run in a worker thread) -----------------------------------------

    def admit(self, caller: str, endpoint: Endpoint, raw: object) -> Admission:
        """Check locks, force the parameters, reserve the budgets.

        Raises:
            InvalidInput: the body cannot be forced, or no enclave output budget is set.
            PolicyViolation: the caller or the upstream is locked.
            BudgetExceeded: a token or byte budget would be crossed.
        """
        s = self.settings
        seed = secrets.randbelow(MAX_SEED + 1)
        forced = force_request(endpoint, raw, model=s.model, seed=seed, max_tokens_cap=s.max_tokens)
        prompt_bytes = encoded_size(forced.prompt) if forced.prompt else 0
        if not self.relay.fits(caller, forced.prompt_tokens or (), forced.max_tokens, prompt_bytes):
            raise InvalidInput(
                f"this prompt and {forced.max_tokens} output tokens would not fit in one "
                "transcript: send a shorter prompt or ask for fewer max_tokens"
            )
        request_id = str(uuid.uuid4())
        max_bytes = forced.max_tokens * s.max_bytes_per_token
        now = self._clock.now()
        ticket = 0
        if self.leasing:
            need = Amount(forced.max_tokens, max_bytes)
            self._check_locks(caller, now)
            lease_id = self._admit_leased(request_id, caller, need, now, stream=forced.stream)
        else:
            # One lazy transaction: the lock check and the reservation. Lazy is enough: nothing
            # leaves before a flush covers this commit too (the WAL is flushed in order), and it
            # is visible to every other worker at once, so no interleaving exceeds a limit.
            with self._store.write_batch(durable=False):
                self._check_locks(caller, now)
                self._reserve(request_id, caller, forced.max_tokens, max_bytes, now)
            ticket = self._flushes.committed()
            lease_id = None
        return Admission(
            request_id,
            caller,
            endpoint,
            forced.body,
            forced.temperature,
            seed,
            forced.max_tokens,
            max_bytes,
            forced.stream,
            forced.prompt_tokens,
            lease_id,
            ticket,
            int(now.timestamp()),
            forced.prompt,
            prompt_bytes,
        )

    def _check_locks(self, caller: str, now: datetime) -> None:
        """Raises: PolicyViolation when the caller or the upstream is locked."""
        subjects = [
            (LockScope.PRINCIPAL, caller),
            (LockScope.UPSTREAM, self.settings.upstream_name),
        ]
        locks = self._store.active_locks(subjects, now)
        if locks:
            lock = locks[0]
            raise PolicyViolation(
                f"{lock.scope} {lock.subject} is locked until "
                f"{lock.expires_at:%Y-%m-%d %H:%M} UTC: {lock.reason} (an approver lifts "
                "it with `airlock lock lift`)"
            )

    # --- budget leases (docs/adr/0020 decision 6) ----------------------------------------------

    def _admit_leased(
        self, request_id: str, caller: str, need: Amount, now: datetime, *, stream: bool
    ) -> str:
        """Admit from this worker's lease for ``caller``, leasing a new block when it has
        none, it expired, or what is left is too little. In memory only: a stream takes
        an idle slot the lease row already holds for streams, or its reservation is
        recorded on the row later (:meth:`_record_stream`), once the upstream answered and
        before any of its tokens leave; until then the lease counts it in flight, so a
        close meanwhile counts it in full.

        Raises:
            InvalidInput: no enclave output budget is configured.
            BudgetExceeded: not even this request's own reservation fits.
        """
        with self._lease_lock:
            lease = self._leases.get(caller)
            if lease is None or not lease.admits(need, now, timedelta(0)):
                lease = self._renew(caller, lease, need, now)
            if not lease.admit(need, stream=stream) and stream:
                self._unrecorded.add(request_id)
            self._unsettled[request_id] = need
            return lease.lease_id

    def _record_stream(self, admission: Admission) -> None:
        """Before a leased stream's first token leaves: unless it holds an idle slot, its
        reservation onto the lease row (``streaming``), in a lazy commit of its own, so the
        store counts it whatever becomes of this worker. On the event loop while the
        upstream generates, so the commit overlaps the wait for the first token instead of
        preceding the request. Steady streaming finds an idle slot and writes nothing.

        Raises:
            SourceError: the lease was reclaimed (this worker stalled past its expiry): the
                stream must not start; the next request leases anew.
        """
        if admission.lease_id is None or admission.request_id not in self._unrecorded:
            return  # reserved on its own at admission, or in an idle slot of its lease
        with self._lease_lock:
            # Under the lease lock: no close of this lease can fall between the row's update
            # and the in-memory move, so the stream is counted once, never zero times.
            with self._store.write_batch(durable=False):
                started = self._store.leases.stream_on_lease(admission.lease_id, admission.reserved)
            ticket = self._flushes.committed()
            self._unrecorded.discard(admission.request_id)
            lease = self._leases.get(admission.caller)
            current = lease is not None and lease.lease_id == admission.lease_id
            if started:
                if lease is not None and current:
                    lease.stream_recorded(admission.reserved)
                    # (On a lease closed meanwhile none is kept: that stream waits for a
                    # flush of everything, see _start_ticket.)
                    self._lease_tickets[admission.lease_id] = ticket
                return
            self._unsettled.pop(admission.request_id, None)
            if current:
                del self._leases[admission.caller]
        raise SourceError(
            "this worker's output budget lease was reclaimed before the stream began (the "
            "worker stalled past its expiry), so nothing was sent: try again"
        )

    def _renew(self, caller: str, old: OpenLease | None, need: Amount, now: datetime) -> OpenLease:
        """Close ``old`` (its requests in flight counted at their reservation) and lease a
        new block; called with the lease lock held."""
        s = self.settings
        if old is not None:
            del self._leases[caller]
            self._store.leases.close_lease(old.lease_id, old.uncharged(), now)
            # A stream of it that starts later waits for a flush of everything (_start_ticket).
            self._lease_tickets.pop(old.lease_id, None)
        keys = [
            (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT),
            (BudgetScope.TOKENS_PRINCIPAL, caller),
            (BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT),
            (BudgetScope.OUTPUT_PRINCIPAL, caller),
        ]
        expires = now + timedelta(seconds=s.lease_seconds)
        checks: list[BudgetCheck] = []
        reclaimed = False
        for size in lease_size(need, s.lease_requests, self._free.get(caller)):
            grant = LeaseGrant(str(uuid.uuid4()), self._owner, caller, size, now, expires)
            checks = self._store.leases.open_lease(grant, keys, now)
            fits = bool(checks) and all(c.fits for c in checks)
            if not fits and not reclaimed:
                # Dead workers' expired leases go back when a block does not fit (and every
                # batch_seconds in maintain_leases), not at every renewal: a write batch
                # less per lease_requests requests (docs/adr/0037). A refused open wrote
                # nothing, so it is tried again as it was.
                reclaimed = True
                if self._store.leases.reclaim_leases(now - RECLAIM_GRACE, now):
                    checks = self._store.leases.open_lease(grant, keys, now)
                    fits = bool(checks) and all(c.fits for c in checks)
            try:
                _require_enclave_budgets(checks)
            except InvalidInput:
                if fits:
                    self._store.leases.close_lease(grant.lease_id, NOTHING, now)
                raise
            if fits:
                self._lease_tickets[grant.lease_id] = self._flushes.committed()
                self._free[caller] = free_after(checks)
                lease = self._leases[caller] = OpenLease(grant)
                return lease
            self._free.pop(caller, None)
        refused = [c for c in checks if not c.fits]
        raise BudgetExceeded(
            "; ".join(c.explain() for c in refused)
            + " (usage includes the blocks workers hold on lease, shown as `leased` by "
            "`airlock budget list --json`; an unused block returns within lease_seconds)"
        )

    def _settle_leased(self, admission: Admission, used: Amount) -> None:
        """In memory: the request's reservation becomes ``used`` on its lease, if that is
        still this worker's current lease (a closed one counted it in full already)."""
        with self._lease_lock:
            reserved = self._unsettled.pop(admission.request_id, None)
            unrecorded = admission.request_id in self._unrecorded
            self._unrecorded.discard(admission.request_id)
            lease = self._leases.get(admission.caller)
            if reserved is not None and lease is not None and lease.lease_id == admission.lease_id:
                lease.settle(reserved, used, slot=admission.stream and not unrecorded)

    def keep_reserved(self, admission: Admission) -> None:
        """A stream that ended before any token: its reservation stays counted (charged to
        its lease, its slot idle again; per request, until it leaves the window). One whose
        reservation never reached the lease row sent nothing and gives it back."""
        if admission.request_id in self._unrecorded:
            self._settle_leased(admission, NOTHING)
            return
        if admission.lease_id is not None:
            # Rare (the upstream broke off before a token): a write of its own. A reclaimed
            # lease kept the slot anyway, so the answer does not matter.
            with self._store.write_batch(durable=False):
                self._store.leases.charge_lease(admission.lease_id, admission.reserved)
            self._flushes.committed()
            self._settle_leased(admission, admission.reserved)
            return
        with self._lease_lock:
            self._unsettled.pop(admission.request_id, None)

    def _drop_lease(self, admission: Admission) -> None:
        with self._lease_lock:
            lease = self._leases.get(admission.caller)
            if lease is not None and lease.lease_id == admission.lease_id:
                del self._leases[admission.caller]
                self._lease_tickets.pop(lease.lease_id, None)

    def maintain_leases(self) -> None:
        """Periodically: close this worker's expired leases with nothing in flight (their
        unused blocks return to the budgets), reclaim the expired leases of dead workers,
        and delete a bounded batch of rows of leases that ended long ago."""
        if not self.leasing:
            return
        now = self._clock.now()
        with self._lease_lock:
            for caller, lease in list(self._leases.items()):
                if lease.grant.expires_at <= now and lease.uncharged() == NOTHING:
                    del self._leases[caller]
                    self._lease_tickets.pop(lease.lease_id, None)
                    self._store.leases.close_lease(lease.lease_id, NOTHING, now)
            self._store.leases.reclaim_leases(now - RECLAIM_GRACE, now)
        self._store.leases.prune_leases(now - LEASE_RETENTION, PRUNE_BATCH)

    def close_leases(self) -> None:
        """On shutdown: give back what this worker's leases hold unused."""
        now = self._clock.now()
        with self._lease_lock:
            for lease in self._leases.values():
                self._store.leases.close_lease(lease.lease_id, lease.uncharged(), now)
            if self._leases:
                self._flushes.committed()  # the shutdown's flush_if_needed covers the closes
            self._leases.clear()
            self._lease_tickets.clear()

    def _reserve(self, request_id: str, caller: str, tokens: int, size: int, now: datetime) -> None:
        """Tokens and bytes, caller's and enclave's, in one transaction (one disk flush)."""
        keys = [
            (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT),
            (BudgetScope.TOKENS_PRINCIPAL, caller),
            (BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT),
            (BudgetScope.OUTPUT_PRINCIPAL, caller),
        ]
        sizes = {
            BudgetScope.TOKENS_ENCLAVE: tokens,
            BudgetScope.TOKENS_PRINCIPAL: tokens,
            BudgetScope.OUTPUT_ENCLAVE: size,
            BudgetScope.OUTPUT_PRINCIPAL: size,
        }
        checks = self._store.budgets.reserve(keys, request_id, size, now, sizes)
        try:
            _require_enclave_budgets(checks)
        except InvalidInput:
            self._store.budgets.release(request_id)
            raise
        refused: list[BudgetCheck] = [c for c in checks if not c.fits]
        if refused:
            raise BudgetExceeded("; ".join(c.explain() for c in refused))

    def finish(
        self, admission: Admission, pieces: Sequence[Piece], *, partial: bool = False
    ) -> Transcript:
        """:meth:`record`, then, with ``flush_window_ms = 0``, wait (in this thread) for the
        flush that makes it durable.

        Raises: as :meth:`record`, and StoreError (the flush failed).
        """
        transcript, _, ticket = self._record(admission, pieces, partial=partial)
        if self.waits_for_flush:
            self._flushes.wait(ticket)
        return transcript

    def logged(
        self, admission: Admission, pieces: Sequence[Piece]
    ) -> tuple[TranscriptDigest, Awaitable[None]]:
        """:meth:`record` on the event loop: the transcript's digest, and what to await
        before the response (or a stream's closing comment) may leave: with
        ``flush_window_ms = 0`` the flush that covers the record, already started, so the
        response can be encoded meanwhile; otherwise nothing.

        A request alone in :meth:`serving` (none other in flight on this loop) is flushed
        here, in the loop's thread, before this returns, if no flush is running and flushes
        return at once (:meth:`SharedSync.wait_here`): then the flusher thread's wake-ups
        and the hop back into the loop cost more than the flush (docs/adr/0020 decision
        10). With another request in flight, or a flush that sleeps on the disk, the
        flusher thread runs it and the loop goes on.

        Raises: as :meth:`record`; StoreError (the flush failed) from here or, awaiting.
        """
        _, digest, ticket = self._record(admission, pieces)
        if not self.waits_for_flush:
            return digest, _done()
        if self._serving == 1 and self._flushes.wait_here(ticket):
            return digest, _done()
        return digest, self._flushes.waiter(ticket)

    def record(
        self, admission: Admission, pieces: Sequence[Piece], *, partial: bool = False
    ) -> Transcript:
        """Log the response and shrink the reservations to what it used, in one lazy
        transaction. If :attr:`waits_for_flush`, nothing may leave before a flush that
        began after this returned (:meth:`flush`; :meth:`logged` and :meth:`finish` wait
        for one).

        With ``partial`` (a stream that broke off) the reservations stay whole.

        Raises:
            SourceError: the upstream sent no prompt token ids and the caller sent text.
        """
        return self._record(admission, pieces, partial=partial)[0]

    def _record(
        self, admission: Admission, pieces: Sequence[Piece], *, partial: bool = False
    ) -> tuple[Transcript, TranscriptDigest, int]:
        """:meth:`record`, the transcript's digest and the shared flush's ticket of its
        commit."""
        tokens = tuple(t for p in pieces for t in p.tokens)
        text = "".join(p.text for p in pieces).encode()
        text_bytes = len(text)
        prompt = prompt_of(admission, pieces)
        if prompt is None:
            raise SourceError(
                "the upstream did not return the prompt's token ids, so the response cannot "
                "be replayed: run vLLM with return_token_ids support"
            )
        now = self._clock.now()
        transcript = Transcript(
            model=self.settings.model,
            model_digest=self.settings.model_digest,
            caller=admission.caller,
            upstream=self.settings.upstream_name,
            endpoint=admission.endpoint.value,
            prompt_tokens=prompt,
            output_tokens=tokens,
            temperature_milli=temperature_milli(admission.temperature),
            seed=admission.seed,
            request_id=admission.request_id,
            at=now.isoformat(),
            text_sha256=text_sha256(text),
            prompt=admission.prompt,
        )
        sizes = {
            BudgetScope.TOKENS_ENCLAVE: len(tokens),
            BudgetScope.TOKENS_PRINCIPAL: len(tokens),
            BudgetScope.OUTPUT_ENCLAVE: text_bytes,
            BudgetScope.OUTPUT_PRINCIPAL: text_bytes,
        }

        used = admission.reserved if partial else Amount(len(tokens), text_bytes)

        # One lazy transaction of its own. (Group commit pays for itself only when commits
        # flush: lazy ones cost microseconds, and the savepoint per unit cost more.)
        if admission.lease_id is not None:
            # The charge commits with the transcript, or neither does. A stream's slot stays
            # on the row for the next stream (the owner knows it idle).
            found = self._store.outputs.add_charged_transcript(
                transcript, text_bytes, now, admission.lease_id, used, durable=False
            )
            if found is None:
                self._drop_lease(admission)  # reclaimed: the next request leases anew
                raise SourceError(
                    "this worker's output budget lease was reclaimed while the upstream "
                    "answered (the worker stalled past its expiry), so the response is "
                    "not sent: try again"
                )
            digest = found
        else:
            with self._store.write_batch(durable=False):
                if not partial:
                    self._store.budgets.settle(admission.request_id, sizes)
                digest = self._store.outputs.add_transcript(transcript, text_bytes, now)
        ticket = self._flushes.committed()
        if admission.lease_id is not None:
            self._settle_leased(admission, used)
        return transcript, digest, ticket

    def flush(self) -> None:
        """Return once every lazy commit made before the call is on disk (one fsync shared
        by every thread waiting at the same time).

        Raises:
            StoreError: the flush failed; nothing that waited on it may leave.
        """
        self._flushes.wait()

    def flush_if_needed(self) -> bool:
        """The periodic flush of ``flush_window_ms > 0``, in this thread: only if something
        was written since the last flush began."""
        if not self._flushes.behind:
            return False
        self.flush()
        return True

    async def flush_if_needed_async(self) -> bool:
        """:meth:`flush_if_needed` from the event loop, by the shared flusher thread (no
        worker-thread hop per tick)."""
        if not self._flushes.behind:
            return False
        await self._flushes.wait_async()
        return True

    def _start_ticket(self, admission: Admission) -> int | None:
        """The ticket a stream's first token waits for: the commit of its own reservation,
        or the newest commit that grew its lease's row (the lease's opening, a stream
        recorded on it: one of them holds the slot it streams in). None: not known (its
        lease was closed or dropped meanwhile), so a flush of everything."""
        if admission.lease_id is None:
            return admission.ticket
        with self._lease_lock:
            return self._lease_tickets.get(admission.lease_id)

    def abandon(self, admission: Admission) -> None:
        """Nothing left: give the reservations back (not a charge already committed: then
        the budget keeps it, though the response did not leave)."""
        if admission.lease_id is None:
            self._store.budgets.release(admission.request_id)
        elif not admission.stream or admission.request_id in self._unrecorded:
            self._settle_leased(admission, NOTHING)
        # else: a stream's recorded reservation stays on its lease (fail closed)

    def commit_batch(self) -> int | None:
        """Commit pending transcripts as one ``outputs.batch`` ledger leaf; its index.

        One write batch for reading the pending rows, the leaf and marking them: two
        workers committing at once queue on the ledger head, so the second finds only what
        the first left. (Separately, both could read the same rows; the second leaf's root
        then covered rows that kept the first batch, and their siblings had no proof.)
        """
        with self._store.write_batch():
            return self._commit_pending()

    def _commit_pending(self) -> int | None:
        pending = self._store.outputs.pending(self.settings.batch_max)
        if not pending:
            return None
        index = self._ledger.append(
            LedgerRecord(
                kind=BATCH_RECORD,
                actor=GATEWAY_ACTOR,
                at=self._clock.now(),
                subject=self.settings.upstream_name,
                policy_version=self._policy_version(),
                details={
                    "protocol": PROTOCOL,
                    "root": batch_root(pending).hex(),
                    "count": str(len(pending)),
                    "first": pending[0],
                    "last": pending[-1],
                },
            )
        )
        self._store.outputs.mark_batch(pending, index)
        return index

    # --- the upstream (async, on the event loop) ---------------------------------------------

    async def aclose(self) -> None:
        await self.upstream.aclose()

    async def call(self, admission: Admission) -> tuple[dict[str, Any], Piece]:
        """One non-streaming response, checked against the reservation.

        Raises:
            SourceError: the upstream failed, or answered what cannot be logged. Its
                message is the same whatever the upstream sent (what it sent is logged
                here, for operators): text chosen by the upstream in an error message
                would leave uncounted, unlogged and unverified (docs/adr/0056).
        """
        try:
            status, content = await self.upstream.post(
                admission.endpoint.path, admission.body, MAX_UPSTREAM_BYTES
            )
            piece = self.relay.read_answer(admission, status, content)
        except SourceError as e:
            _log.warning("request %s: %s", admission.request_id, e.message)
            raise SourceError(UPSTREAM_FAILED) from e
        prompt = admission.prompt_tokens or piece.prompt_tokens or ()
        return answer(admission.endpoint, self.relay.frame(admission), piece, len(prompt)), piece

    async def stream(
        self, admission: Admission, pieces: list[Piece]
    ) -> AsyncGenerator[bytes, None]:
        """Server-sent events for the caller; every piece is appended to ``pieces``.

        Raises:
            SourceError: the upstream failed or sent more than was reserved (the stream
                ends there; what was sent stays charged).
        """
        async with self.upstream.stream(admission.endpoint.path, admission.body) as (
            status,
            reads,
        ):
            if status != 200:
                raise SourceError(f"the inference upstream answered {status}")
            # The request is with the upstream: account for the stream while it generates.
            # No token leaves before its reservation is in the store (and, with
            # flush_window_ms = 0, on disk: that flush runs while the first read arrives,
            # unless an earlier flush covered it already: a stream in an idle slot of its
            # lease, decision 8).
            self._record_stream(admission)
            flushed = None
            if self.waits_for_flush:
                ticket = self._start_ticket(admission)
                if ticket is None or not self._flushes.covered(ticket):
                    flushed = self._flushes.waiter(ticket)
            try:
                async for chunk in self.relay.events(admission, reads, pieces):
                    if flushed is not None:
                        await flushed
                        flushed = None
                    yield chunk
            finally:
                if flushed is not None:
                    flushed.cancel()


def _done() -> Awaitable[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


def _require_enclave_budgets(checks: Sequence[BudgetCheck]) -> None:
    """Raises: InvalidInput unless both enclave output budgets bind (fail closed)."""
    configured = {c.budget.scope for c in checks}
    for enclave in (BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE):
        if enclave not in configured:
            raise InvalidInput(
                f"no {enclave} budget is configured, so no model output may leave: set "
                f"one with `airlock budget set {enclave} --bytes N --window 1d`"
            )
