"""The HTTP client to the inference upstream (issue 20): one pooled keep-alive session per
gateway process, bounded reads, every transport failure a :class:`SourceError`.

aiohttp rather than httpx on this path: against the same local upstream, one small JSON
request cost about 1.05 ms of CPU through ``httpx.AsyncClient`` and 0.20 ms through
``aiohttp.ClientSession`` (C parser, no anyio layer; docs/adr/0020). That was the largest
single part of the gateway's overhead per request.

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
    import aiohttp

MAX_CONNECTIONS = 256
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
    """:class:`Upstream` over HTTP (aiohttp), its session made on first use, inside the
    running event loop, and kept for the process's life."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp  # noqa: PLC0415 -- only a gateway with an upstream needs it

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, limit_per_host=0),
                # As httpx's timeout was: connecting and each read, not the whole response
                # (a long generation streams for minutes).
                timeout=aiohttp.ClientTimeout(
                    total=None, connect=self.timeout_seconds, sock_read=self.timeout_seconds
                ),
                cookie_jar=aiohttp.DummyCookieJar(),  # nothing of one answer into the next
                raise_for_status=False,
                # Bodies are read as sent: a compressed one is refused (_open), never
                # inflated (64 KiB of gzip inflate to 64 MiB before any bound is checked).
                auto_decompress=False,
            )
        return self._session

    async def post(self, path: str, body: dict[str, Any], max_bytes: int) -> tuple[int, bytes]:
        async with self._open(path, body) as (status, reads):
            parts: list[bytes] = []
            size = 0
            async for read in reads:
                size += len(read)
                if size > max_bytes:
                    raise SourceError("the inference upstream's answer is too large")
                parts.append(read)
            return status, b"".join(parts)

    def stream(self, path: str, body: dict[str, Any]) -> Answer:
        return self._open(path, body)

    @asynccontextmanager
    async def _open(
        self, path: str, body: dict[str, Any]
    ) -> AsyncIterator[tuple[int, AsyncIterator[bytes]]]:
        import aiohttp  # noqa: PLC0415 -- loaded by _http already

        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        try:
            # Redirects are not followed: the forced request went to wherever the upstream
            # named, and that host's answer came back as the upstream's (docs/adr/0058); a
            # 3xx is an answer other than 200, refused as such.
            async with self._http().post(
                self.base_url + path, data=data, headers=headers, allow_redirects=False
            ) as r:
                encoding = r.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding != "identity":
                    raise SourceError(
                        f"the inference upstream answered with Content-Encoding "
                        f"{encoding[:40]!r}; the gateway asks for and reads only identity"
                    )
                yield r.status, _reads(r)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise SourceError(
                f"the inference upstream is unreachable: {type(e).__name__} {e}".rstrip()
            ) from e

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _reads(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for read in response.content.iter_any():
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
