"""The HTTP client to the inference upstream (issue 20): pooled keep-alive connections per
gateway process, bounded reads, every transport failure a :class:`SourceError`.

The connections are :mod:`airlock.outputs.http1`'s (asyncio and httptools): against the
same local upstream, one small JSON request cost about 1.05 ms of CPU through
``httpx.AsyncClient``, 0.20 ms through ``aiohttp.ClientSession`` (docs/adr/0020), and less
again through a preformatted write to a kept-alive connection (docs/adr/0042).

It does not retry: a request the upstream may have started is never sent twice (the
response would be a second, unlogged sample).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

from airlock.errors import SourceError

if TYPE_CHECKING:
    from airlock.outputs.http1 import Connection, Pool

# An answer: its status and the reads of its body, open until the context exits.
Answer = AbstractAsyncContextManager[tuple[int, AsyncIterator[bytes]]]


class Upstream(Protocol):
    """An OpenAI-compatible server, as the gateway calls it."""

    async def post(self, path: str, body: dict[str, Any], max_bytes: int) -> tuple[int, bytes]:
        """The status and at most ``max_bytes`` of body of one POST.

        Raises: SourceError (unreachable, timed out, or a body over ``max_bytes``).
        """
        ...

    def stream(self, path: str, body: dict[str, Any]) -> Answer:
        """The status and the body's reads of one POST, as they arrive.

        Raises (on entering or reading): SourceError.
        """
        ...

    async def aclose(self) -> None: ...


class HttpUpstream:
    """:class:`Upstream` over HTTP/1.1 (:mod:`airlock.outputs.http1`), its pool made on
    first use, inside the running event loop, and kept for the process's life. The timeout
    bounds connecting (a wait for a free connection included) and each wait for the next
    bytes, not the whole response (a long generation streams for minutes)."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._pool: Pool | None = None

    def _connections(self) -> Pool:
        if self._pool is None:
            from airlock.outputs.http1 import Origin, Pool  # noqa: PLC0415 -- gateway only

            try:
                origin = Origin(self.base_url)
            except ValueError as e:
                raise SourceError(str(e)) from e
            self._pool = Pool(origin, self.timeout_seconds)
        return self._pool

    async def post(self, path: str, body: dict[str, Any], max_bytes: int) -> tuple[int, bytes]:
        async with self._open(path, body) as (status, reads):
            parts: list[bytes] = []
            size = 0
            async for read in reads:
                size += len(read)
                if size > max_bytes:
                    raise SourceError("the inference upstream's answer is too large")
                parts.append(read)
            return status, parts[0] if len(parts) == 1 else b"".join(parts)

    def stream(self, path: str, body: dict[str, Any]) -> Answer:
        return self._open(path, body)

    @asynccontextmanager
    async def _open(
        self, path: str, body: dict[str, Any]
    ) -> AsyncIterator[tuple[int, AsyncIterator[bytes]]]:
        from airlock.outputs.http1 import UpstreamFailure, request_bytes  # noqa: PLC0415

        pool = self._connections()
        data = request_bytes(pool.origin, path, json.dumps(body, separators=(",", ":")).encode())
        try:
            connection = await pool.lend()
        except (UpstreamFailure, OSError, TimeoutError) as e:
            raise _unreachable(e) from e
        try:
            connection.send(data)
            status = await connection.head(self.timeout_seconds)
        except (UpstreamFailure, OSError, TimeoutError) as e:
            connection.close()
            pool.give_back(connection)
            raise _unreachable(e) from e
        except BaseException:
            connection.close()
            pool.give_back(connection)
            raise
        try:
            yield status, _reads(connection, self.timeout_seconds)
        except (UpstreamFailure, OSError, TimeoutError) as e:
            connection.close()
            raise _unreachable(e) from e
        except BaseException:
            connection.close()  # its answer unread, by a failure or a caller who left
            raise
        finally:
            # Kept alive once its answer has ended (see Connection.reusable and .drain).
            pool.give_back(connection)

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _unreachable(e: BaseException) -> SourceError:
    return SourceError(f"the inference upstream is unreachable: {type(e).__name__} {e}".rstrip())


async def _reads(connection: Connection, timeout: float) -> AsyncIterator[bytes]:
    while read := await connection.read(timeout):
        yield read


class ScriptedUpstream:
    """:class:`Upstream` in memory, for tests: every call answers ``status`` with the body
    ``reads`` (one item per read); ``sent`` keeps each request's path and body."""

    def __init__(self, reads: list[bytes], status: int = 200) -> None:
        self.reads = reads
        self.status = status
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def post(self, path: str, body: dict[str, Any], max_bytes: int) -> tuple[int, bytes]:
        self.sent.append((path, body))
        content = b"".join(self.reads)
        if len(content) > max_bytes:
            raise SourceError("the inference upstream's answer is too large")
        return self.status, content

    def stream(self, path: str, body: dict[str, Any]) -> Answer:
        self.sent.append((path, body))
        return self._open()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[tuple[int, AsyncIterator[bytes]]]:
        yield self.status, self._reads()

    async def _reads(self) -> AsyncIterator[bytes]:
        for read in self.reads:
            yield read

    async def aclose(self) -> None:
        return None
