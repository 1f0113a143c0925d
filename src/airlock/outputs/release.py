"""One response's release point on the event loop (docs/adr/0064): the adapter of
:mod:`airlock.outputs.release_clock` for the routes of :mod:`airlock.api.routes.outputs`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from airlock.errors import SourceError
from airlock.outputs.relay import UPSTREAM_FAILED
from airlock.outputs.release_clock import ReleaseClock
from airlock.settings import OutputsSettings

_log = logging.getLogger("airlock.outputs")


class Release:
    """Started when the request arrives (the gateway's time, not the upstream's)."""

    def __init__(self, clock: ReleaseClock, timeout_seconds: float) -> None:
        self._clock = clock
        self._timeout = timeout_seconds
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()

    @asynccontextmanager
    async def deadline(self) -> AsyncIterator[None]:
        """The whole answer must arrive by the timeout, so that the points it may choose
        are those counted in :meth:`ReleaseClock.bits_per_response`.

        Raises:
            SourceError: it did not (with the message of every upstream failure).
        """
        try:
            async with asyncio.timeout_at(self._start + self._timeout):
                yield
        except TimeoutError as e:
            _log.warning("the inference upstream did not answer within outputs.timeout_seconds")
            raise SourceError(UPSTREAM_FAILED) from e

    async def wait(self) -> None:
        """Until the first release point at or after now."""
        elapsed = self._loop.time() - self._start
        await asyncio.sleep(self._clock.next_point(elapsed) - elapsed)


def release_for(settings: OutputsSettings) -> Release | None:
    """A release for a request arriving now, or None when responses leave at once."""
    if not settings.release_quantum_ms:
        return None
    return Release(ReleaseClock(settings.release_quantum_ms / 1000), settings.timeout_seconds)
