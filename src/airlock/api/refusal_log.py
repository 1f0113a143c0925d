"""Write the gateway's refusals into the ledger, coalesced (issue 14).

The error table and the upload guard hand every 401, 403 and 429 of access (and the upload
guard's 413) to :meth:`RefusalLog.record` after the refusal is decided; the tally in
:mod:`airlock.approvals.refusals` says which entries to write. Recording never raises: a
store that fails or hangs is logged for operators, and the caller answers its refusal all
the same (a refusal never becomes a 500, and never an allow). A write waits at most
``WRITE_TIMEOUT_SECONDS``; the tally bounds how many writes a caller can cause.

Each gateway process keeps its own tally, as it keeps its own sign-in throttle.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from airlock.api.auth import client_address, credential_of
from airlock.approvals.refusals import Entry, Refusal, RefusalTally
from airlock.domain.principals import Principal
from airlock.errors import (
    AirlockError,
    AuthenticationRequired,
    PermissionDenied,
    TamperedState,
    TooManyAttempts,
)
from airlock.service import Airlock

_log = logging.getLogger("airlock.api")
WRITE_TIMEOUT_SECONDS = 5.0
FLUSH_TICK_SECONDS = 5.0


class RefusalLog:
    def __init__(
        self,
        airlock: Airlock,
        tally: RefusalTally | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.airlock = airlock
        self.tally = tally or RefusalTally()
        self._now = monotonic

    async def record(self, refusal: Refusal) -> None:
        """Tally ``refusal`` and write what is due. Never raises (but lets a cancellation
        through)."""
        try:
            entries = self.tally.note(refusal, self._now())
            if entries:
                await asyncio.wait_for(
                    run_in_threadpool(self.write, entries), WRITE_TIMEOUT_SECONDS
                )
        except Exception:  # noqa: BLE001 -- recording must not change the answer
            _log.exception("could not record a refusal in the ledger")

    def record_in_thread(self, refusal: Refusal) -> None:
        """:meth:`record` for a route that runs in a worker thread. Never raises."""
        try:
            self.write(self.tally.note(refusal, self._now()))
        except Exception:  # noqa: BLE001 -- recording must not change the answer
            _log.exception("could not record a refusal in the ledger")

    async def flush_due(self) -> None:
        """Write the summaries of closed windows. Never raises."""
        try:
            entries = self.tally.due(self._now())
            if entries:
                await run_in_threadpool(self.write, entries)
        except Exception:  # noqa: BLE001 -- a periodic task must keep running
            _log.exception("could not record refusal summaries in the ledger")

    def drain(self) -> None:
        """Write every pending summary (the gateway is stopping). Never raises."""
        try:
            self.write(self.tally.drain())
        except Exception:  # noqa: BLE001 -- shutting down regardless
            _log.exception("could not record refusal summaries in the ledger")

    def write(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            try:
                self.airlock.record_refusal(entry)
            except AirlockError as e:
                _log.warning("could not record a refusal in the ledger: %s", e.message)


async def flush_refusals_periodically(log: RefusalLog) -> None:
    tick = min(FLUSH_TICK_SECONDS, log.tally.window_seconds)
    while True:
        await asyncio.sleep(tick)
        await log.flush_due()


# A tampered row found at use is recorded too: an insider's database edit, refused.
RECORDED = (AuthenticationRequired, TooManyAttempts, PermissionDenied, TamperedState)


def refusal_of(
    request: Request, error: AirlockError, principal: Principal | None = None
) -> Refusal:
    """The refusal of ``request`` by ``error``, under the principal the gate authenticated
    (``principal``, else the request's, else none: the caller was not authenticated)."""
    who = principal or getattr(request.state, "authenticated", None)
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    return Refusal(
        who=who.name if who is not None else "",
        address=client_address(request),
        action=f"{request.method} {template}",
        reason=type(error).__name__,
        message=error.message,
        status=error.http_status,
        auth=credential_of(request).method.value if who is not None else "none",
        subject=request.url.path,
    )


def refusals(request: Request) -> RefusalLog:
    found: RefusalLog = request.app.state.refusals
    return found
