"""A small HTTP/1.1 client for the inference upstream (issue 20, docs/adr/0042): pooled
keep-alive connections on asyncio, responses parsed by ``httptools`` (llhttp, in C).

aiohttp was about a quarter of the gateway's CPU per request: a request object, a response
object, header multidicts, URL objects, tracing hooks and a stream reader per call, for a
POST of a few hundred bytes to one fixed origin. Here a request is one preformatted write,
and its answer's status and body come from the parser's callbacks.

Bounds kept from the aiohttp client: a connect timeout (including a wait for a free
connection), a read timeout on every wait for the upstream's next bytes (a long generation
may stream for minutes, a stalled one may not), at most :data:`MAX_CONNECTIONS` requests
in flight, a bounded head, no compressed answer taken (none is asked for), and reading
paused while :data:`HIGH_WATER` bytes wait unread (a slow caller cannot make the gateway
buffer a stream).

What it does not do: retry (a request the upstream may have started is never sent twice),
proxies, redirects, cookies, or reuse a connection whose answer was not read to its end.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

import httptools

MAX_CONNECTIONS = 256
MAX_HEAD_BYTES = 64 * 1024  # status line and headers of one answer
HIGH_WATER = 256 * 1024  # unread body bytes at which reading from the socket pauses
IDLE_SECONDS = 4.0  # a kept-alive connection idle longer is closed (servers drop them at ~5 s)
# A stream's reader stops at "[DONE]", often just before the answer's last chunk arrives:
# the connection then waits this long, discarding at most DRAIN_BYTES, for its end, and is
# kept alive if it comes (else closed) instead of a new connection for the next request.
DRAIN_SECONDS = 1.0
DRAIN_BYTES = 64 * 1024


class UpstreamFailure(Exception):
    """The connection failed or the answer is malformed (wrapped into SourceError by
    :mod:`airlock.outputs.upstream`)."""


class Origin:
    """Where requests go: scheme, host and port, and the base URL's path."""

    __slots__ = ("host", "host_header", "path", "port", "tls")

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the upstream URL must be http:// or https://, not {base_url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.host_header = parts.netloc.rpartition("@")[2]
        self.path = parts.path.rstrip("/")


class Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer read through
    :meth:`head` and :meth:`read`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._head_bytes = 0
        self._status = 0
        self._headers_done = False
        self._complete = False
        self._encoded = False
        self._keep_alive = False
        self._failure: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._drained: Callable[[Connection], None] | None = None
        self._drain_timer: asyncio.TimerHandle | None = None
        self.idle_since = 0.0

    # --- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast("asyncio.Transport", transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._failure is None and not self._complete:
            self._failure = UpstreamFailure(
                f"the connection closed before the answer ended{f': {exc}' if exc else ''}"
            )
        self._transport = None
        self._wake()

    def data_received(self, data: bytes) -> None:
        if not self._headers_done:
            self._head_bytes += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamFailure("the upstream asked to upgrade the connection"))
        except httptools.HttpParserError as e:
            self._fail(UpstreamFailure(f"the upstream's answer is not HTTP/1.1: {e}"))
        if not self._headers_done and self._head_bytes > MAX_HEAD_BYTES:
            self._fail(UpstreamFailure("the upstream's answer has too large a head"))
        if self._buffered > HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # the transport closes; connection_lost wakes a waiting reader

    # --- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-encoding" and value.strip().lower() != b"identity":
            self._encoded = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._buffered += len(body)
        if self._drained is None:
            self._chunks.append(body)
        elif self._buffered > DRAIN_BYTES:
            self._fail(UpstreamFailure("too much left of an answer to drain"))

    def on_message_complete(self) -> None:
        # Asked here: llhttp forgets it once the message is done.
        self._keep_alive = self._parser.should_keep_alive()
        self._complete = True
        if self._drained is not None:
            drained = self._drained
            self._end_drain()
            self._loop.call_soon(drained, self)

    # --- the client's side -------------------------------------------------------------------

    @property
    def reusable(self) -> bool:
        """Open, its last answer read to the end, and the upstream keeps it alive."""
        return (
            self._transport is not None
            and not self._transport.is_closing()
            and self._failure is None
            and self._complete
            and not self._chunks
            and self._keep_alive
        )

    def send(self, request: bytes) -> None:
        """Write one request; resets the state of the previous answer."""
        if self._transport is None or self._transport.is_closing():
            raise UpstreamFailure("the connection closed while idle")
        self._end_drain()
        self._parser = httptools.HttpResponseParser(self)
        self._head_bytes = self._status = self._buffered = 0
        self._headers_done = self._complete = self._encoded = self._keep_alive = False
        self._transport.write(request)

    async def head(self, timeout: float) -> int:
        """The answer's status, once its head has arrived."""
        while not self._headers_done:
            await self._wait(timeout)
        if self._encoded:
            raise UpstreamFailure("the upstream sent a compressed answer, which was not asked for")
        return self._status

    async def read(self, timeout: float) -> bytes:
        """The body bytes that arrived since the last read (waiting for some); b"" at the
        end of the answer."""
        while not self._chunks:
            if self._complete:
                return b""
            await self._wait(timeout)
        data = self._chunks.popleft() if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return data

    @property
    def drainable(self) -> bool:
        """Open and sound, its answer's head read but not yet its end."""
        return (
            self._transport is not None
            and self._failure is None
            and self._headers_done
            and not self._complete
        )

    def drain(self, drained: Callable[[Connection], None]) -> None:
        """Discard the rest of the answer; ``drained`` is called once it has ended (within
        :data:`DRAIN_SECONDS` and :data:`DRAIN_BYTES`, else the connection closes)."""
        self._chunks.clear()
        self._buffered = 0
        self._drained = drained
        self._drain_timer = self._loop.call_later(DRAIN_SECONDS, self.close)
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()

    def close(self) -> None:
        self._end_drain()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _end_drain(self) -> None:
        self._drained = None
        if self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None

    async def _wait(self, timeout: float) -> None:
        if self._failure is not None:
            raise self._failure
        if self._transport is None:
            raise UpstreamFailure("the connection closed")
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(timeout, _time_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        if self._failure is not None:
            raise self._failure

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, failure: BaseException) -> None:
        if self._failure is None:
            self._failure = failure
        self.close()


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no answer from the upstream within the timeout"))


class Pool:
    """Kept-alive connections to one origin; at most :data:`MAX_CONNECTIONS` lent at once."""

    def __init__(self, origin: Origin, connect_timeout: float) -> None:
        self.origin = origin
        self.connect_timeout = connect_timeout
        self._idle: list[Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._tls: ssl.SSLContext | None = ssl.create_default_context() if origin.tls else None

    async def lend(self) -> Connection:
        """An idle open connection, or a new one.

        Raises: UpstreamFailure, TimeoutError, OSError.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        if self._slots.locked():
            await asyncio.wait_for(self._slots.acquire(), self.connect_timeout)
        else:
            await self._slots.acquire()
        try:
            now = time.monotonic()
            while self._idle:
                connection = self._idle.pop()
                if connection.reusable and now - connection.idle_since < IDLE_SECONDS:
                    return connection
                connection.close()
            return await asyncio.wait_for(self._connect(), self.connect_timeout)
        except BaseException:
            self._slots.release()
            raise

    def give_back(self, connection: Connection) -> None:
        """Keep ``connection`` for the next request when it can serve one, else close it."""
        assert self._slots is not None
        self._slots.release()
        if connection.drainable:
            connection.drain(self._keep)
        else:
            self._keep(connection)

    def _keep(self, connection: Connection) -> None:
        if connection.reusable and len(self._idle) < MAX_CONNECTIONS:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        o = self.origin
        _, connection = await loop.create_connection(
            lambda: Connection(loop),
            o.host,
            o.port,
            ssl=self._tls,
            server_hostname=o.host if self._tls is not None else None,
        )
        return connection


def request_bytes(origin: Origin, path: str, body: bytes) -> bytes:
    """One ``POST`` of a JSON body, as written to the connection."""
    return (
        f"POST {origin.path}{path} HTTP/1.1\r\nHost: {origin.host_header}\r\n"
        "Content-Type: application/json\r\nAccept: */*\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1") + body
