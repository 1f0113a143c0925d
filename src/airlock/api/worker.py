"""A gateway worker process: uvicorn serving the connections its supervisor hands over.

The worker listens on no socket of its own. It reads accepted connections from its channel
(:mod:`airlock.api.handoff`), serves each with the same HTTP protocol and application as a
single-process gateway, and reports how many it has closed so the supervisor can send the
next one to the least busy worker. When the supervisor goes away the channel closes and the
worker shuts down gracefully instead of lingering as an orphan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import uvicorn

from airlock.api import handoff

logger = logging.getLogger("uvicorn.error")

_LEAVE_SECONDS = 2.0  # for the supervisor to close its side once this worker leaves
_SETTLE_SECONDS = 0.2  # for requests on the newest connections to be read before shutdown


class HandoffServer(uvicorn.Server):
    """uvicorn's server, fed connections through ``channel`` instead of a listening socket."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self._channel = channel
        self._received = 0
        self._reported_closed = 0
        self._joining: set[asyncio.Task[None]] = set()  # kept referenced until done
        self._arriving = 0  # handed over, not yet joined to the loop or dropped
        self._joined: set[Any] = set()  # protocols of connections joined to the loop
        self._supervisor_gone = asyncio.Event()
        self._leaving = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        if self.should_exit:
            return
        self._channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self._channel.fileno(), self._receive)
        self._send(handoff.READY)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self._leave_supervisor()
        # uvicorn's shutdown closes every connection that has no request under way, and a
        # connection joined a moment ago looks like that although its request is already in
        # the socket: let the loop read those first.
        await asyncio.sleep(_SETTLE_SECONDS)
        await super().shutdown(sockets=[])

    async def _leave_supervisor(self) -> None:
        # Say so, then hand back what was already on its way (in _receive) until the
        # supervisor ends its side: a connection left in the channel would be lost with it,
        # and one taken now would be closed unanswered by the shutdown that follows.
        self._leaving = True
        self._send(handoff.LEAVING)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._supervisor_gone.wait(), _LEAVE_SECONDS)
        self._stop_receiving()
        self._channel.close()

    def _stop_receiving(self) -> None:
        if self._channel.fileno() != -1:
            asyncio.get_running_loop().remove_reader(self._channel.fileno())

    async def on_tick(self, counter: int) -> bool:
        # A connection counts as open from the moment it arrives until uvicorn drops it from
        # its connection set: a count that ran ahead would make this worker look idler.
        self._joined &= self.server_state.connections
        closed = self._received - self._arriving - len(self._joined)
        # Sent when it changes, and once a second anyway: the supervisor takes a worker
        # that stays silent for long to be stuck, and replaces it.
        if closed != self._reported_closed or counter % 10 == 0:
            self._send(handoff.closed_report(closed))
            self._reported_closed = closed
        return await super().on_tick(counter)

    def _receive(self) -> None:
        while (received := handoff.receive(self._channel)) is not None:
            message, connections = received
            if not message:
                if not self.should_exit:
                    logger.info("the supervisor has gone; shutting down")
                self.should_exit = True
                self._supervisor_gone.set()
                self._stop_receiving()  # an ended channel would stay readable forever
                return
            if message == handoff.CONNECTION and not connections:
                # The kernel dropped the descriptor (this process is out of them) and with
                # it the connection; count it in and out so the supervisor's tally holds.
                logger.warning("a handed-over connection was lost: out of file descriptors?")
                self._received += 1
            for connection in connections:
                if self._leaving and handoff.hand_over(self._channel, connection):
                    connection.close()  # the supervisor holds it now
                else:
                    self._take(connection)

    def _take(self, connection: socket.socket) -> None:
        self._received += 1
        self._arriving += 1
        task = asyncio.get_running_loop().create_task(self._join(connection))
        self._joining.add(task)
        task.add_done_callback(self._joining.discard)

    async def _join(self, connection: socket.socket) -> None:
        config = self.config
        protocol_class = config.http_protocol_class
        try:
            connection.setblocking(False)
            _transport, protocol = await asyncio.get_running_loop().connect_accepted_socket(
                lambda: protocol_class(  # type: ignore[call-arg]
                    config=config, server_state=self.server_state, app_state=self.lifespan.state
                ),
                connection,
            )
        except OSError as e:  # the client left before the worker got to it
            logger.debug("dropped a handed-over connection: %s", e)
            connection.close()
        else:
            self._joined.add(protocol)
        finally:
            self._arriving -= 1

    def _send(self, message: bytes) -> None:
        try:
            self._channel.send(message)
        except OSError as e:  # full or gone
            # A missed report only leaves the supervisor's count stale until the next one.
            logger.debug("could not report to the supervisor: %s", e)


def serve_handed_over(config: uvicorn.Config, channel: socket.socket) -> None:
    """A worker process's main: serve until told to stop or the supervisor goes away."""
    config.configure_logging()
    HandoffServer(config, channel).run()
