"""HTTP/1.1 parsing in C (httptools, i.e. llhttp) with bounds on what a client can hold.

uvicorn's pure-Python parser (h11) cost about a tenth of a small export's CPU (issue 5), so
the gateway parses with httptools. Unlike h11, llhttp sets no limit on the request line and
headers, and httptools buffers a header until its line ends: a client could make a worker
hold an endless header in memory. Here every byte that arrives while a request's head is
still incomplete is counted, and past ``MAX_HEAD_BYTES`` the client gets 431 and the
connection is closed. Memory stays within the limit plus one socket read.

uvicorn also times out nothing but the pause between two requests: a client that opens a
connection and sends nothing, or dribbles a head or a body (slowloris), held its connection
for ever; 5,000 of them were held open in the review of issue 22. Here

* a request head must be complete within ``head_timeout`` seconds of its first byte (or of
  the connection, for the first request), else 408 and close;
* a body that sends nothing for ``body_idle`` seconds is cut (the application sees the
  client disconnect and drops what it had); time in which the server itself stopped reading
  (the application is not keeping up) does not count against the client;
* one client address may hold at most ``max_per_client`` connections of this process; more
  get 503 and are closed at once;
* a response given before its request's body was read in full closes the connection, rather
  than leaving uvicorn to read and drop the rest (a gigabyte, for a mistyped path), and its
  head says ``connection: close`` so that the client does not send its next request there.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from airlock.api.held_head import HeldHeadTransport
from airlock.domain.identity import PEER_EXTENSION

MAX_HEAD_BYTES = 16 * 1024
_REFUSAL = b"request line and headers exceed 16384 bytes"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """How long a request may take to arrive, and how many connections an address holds."""

    head_timeout: float = 10.0
    body_idle: float = 30.0
    max_per_client: int = 64

    def __post_init__(self) -> None:
        if self.head_timeout <= 0 or self.body_idle <= 0 or self.max_per_client < 1:
            raise ValueError("connection limits must be positive")


class GatewayConfig(uvicorn.Config):
    """uvicorn's config carrying airlock's connection limits to every protocol instance
    (a plain attribute, so it crosses to spawned workers with the rest of the config)."""

    def __init__(self, app: Any, *, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(app, **options)
        self.connection_limits = limits


class BoundedHeadHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, bounding heads in bytes and time, idle bodies and the
    connections of one address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = kwargs.get("config", args[0] if args else None)
        limits = getattr(config, "connection_limits", None)
        self._limits = limits if isinstance(limits, ConnectionLimits) else ConnectionLimits()
        self._in_head = True
        self._head_bytes = 0
        self._in_body = False
        self._last_data = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._peer_uid: int | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # Every write goes through it: a response's head leaves with its body (held_head).
        self._writes = HeldHeadTransport(transport, self.loop)
        super().connection_made(self._writes)
        self._peer_uid = peer_uid(transport)
        if self._too_many_from_client():
            return
        self._arm(self._limits.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._last_data = self.loop.time()
        if self._in_head:
            if self._head_bytes == 0 and self._timer is None:
                self._arm(self._limits.head_timeout, self._head_expired)
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._peer_uid is not None:
            # The kernel's word on who is connected (a Unix socket), for the gate to map to
            # a principal (airlock.api.auth); a client cannot set it.
            self.scope["extensions"] = {PEER_EXTENSION: {"uid": self._peer_uid}}

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._in_body = True
        self._arm(self._limits.body_idle, self._body_idle)
        self._writes.hold_next_write()  # the response's head, until its body is written
        super().on_headers_complete()
        if self.cycle is not None:
            self._say_close_if_unread(self.cycle)

    def _say_close_if_unread(self, cycle: Any) -> None:
        """A response that starts before its request's body was read in full ends with the
        connection closed (:meth:`on_response_complete`): its head says so (``connection:
        close``). Without it a client reused the connection for its next request and was
        reset (a 401 from the inference fast path, then a GET, under load in CI)."""
        send = cycle.send

        async def told(message: Any) -> None:
            if message["type"] == "http.response.start" and self._in_body and self.cycle is cycle:
                cycle.keep_alive = False  # uvicorn then writes ``connection: close``
            await send(message)

        cycle.send = told

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_body = False
        self._disarm()
        self._in_head = True  # what arrives next on a kept-alive connection is the next head

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._in_body and not self.transport.is_closing():
            # Answered before the body was read in full (a refusal, a redirect, a 404): do
            # not go on reading and dropping the rest to keep the connection alive.
            self.transport.close()

    # --- bounds ---------------------------------------------------------------------

    def _too_many_from_client(self) -> bool:
        host = self.client[0] if self.client else None
        if host is None:
            return False
        same = sum(
            1
            for c in self.connections
            if isinstance(c, HttpToolsProtocol) and c.client and c.client[0] == host
        )
        if same <= self._limits.max_per_client:
            return False
        self.logger.warning("Connection from %s refused: over %d open.", host, same - 1)
        self._answer_and_close(503, b"too many connections from this address; retry later")
        return True

    def _head_expired(self) -> None:
        self._timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self._head_bytes == 0 and self.cycle is not None:
            return  # between requests: uvicorn's keep-alive timeout is in charge
        self.logger.warning(
            "Request head not complete in %.0f s; closed.", self._limits.head_timeout
        )
        self._answer_and_close(408, b"the request head did not arrive in time")

    def _body_idle(self) -> None:
        self._timer = None
        if not self._in_body or self.transport.is_closing():
            return
        now = self.loop.time()
        if self.flow.read_paused:
            self._last_data = now  # the server stopped reading: not the client's doing
        idle = now - self._last_data
        if idle < self._limits.body_idle:
            self._arm(self._limits.body_idle - idle, self._body_idle)
            return
        self.logger.warning("Request body idle for %.0f s; closed.", self._limits.body_idle)
        self.transport.close()  # the application sees the client disconnect

    def _arm(self, delay: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(max(delay, 0.01), callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        self.logger.warning("Request head over %d bytes refused.", MAX_HEAD_BYTES)
        self._answer_and_close(431, _REFUSAL)

    def _answer_and_close(self, status: int, message: bytes) -> None:
        reasons = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}
        reason = reasons.get(status, b"Service Unavailable")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n"
            % (status, reason)
            + b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(message)).encode("ascii") + b"\r\n"
            b"connection: close\r\n\r\n" + message
        )
        self.transport.close()


def peer_uid(transport: asyncio.BaseTransport) -> int | None:
    """The uid of the process at the other end of a Unix socket (SO_PEERCRED, Linux), or
    None for any other socket or where the kernel does not say."""
    sock = transport.get_extra_info("socket")
    if sock is None or getattr(sock, "family", None) != socket.AF_UNIX:
        return None
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)
