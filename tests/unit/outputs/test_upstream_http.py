"""The upstream client (airlock.outputs.upstream.HttpUpstream over airlock.outputs.http1)
against a scripted HTTP server on 127.0.0.1: answers, keep-alive, and every failure a
SourceError (fail closed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from airlock.errors import SourceError
from airlock.outputs.http1 import MAX_HEAD_BYTES
from airlock.outputs.upstream import HttpUpstream

BODY = {"model": "m", "prompt": [1, 2, 3]}
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(script: Script) -> AsyncIterator[str]:
    """A server running ``script`` per connection; yields its base URL."""
    connections: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/base"
    finally:
        srv.close()
        for w in connections:
            w.close()


async def read_request(reader: asyncio.StreamReader, heads: list[bytes] | None = None) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    if heads is not None:
        heads.append(head)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


def answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> bytes:
    headers = b"".join(h + b"\r\n" for h in extra)
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n" + headers + b"\r\n" + body
    )


def run(coro: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 20))


def test_an_answer_comes_back_and_the_connection_is_kept_alive() -> None:
    accepted: list[int] = []
    heads: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        while True:
            sent = await read_request(reader, heads)
            writer.write(answer(b'{"echo":' + sent + b"}"))
            await writer.drain()

    async def go() -> None:
        async with server(script) as url:
            upstream = HttpUpstream(url, 5)
            for _ in range(3):
                status, content = await upstream.post("/v1/completions", BODY, 1 << 20)
                assert status == 200
                assert content == b'{"echo":{"model":"m","prompt":[1,2,3]}}'
            await upstream.aclose()

    run(go())
    assert len(accepted) == 1  # one connection for three requests
    assert heads[0].startswith(b"POST /base/v1/completions HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in heads[0]


def test_a_chunked_stream_arrives_in_reads_and_a_status_is_passed_on() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in (b"data: 1\n\n", b"data: 2\n\n"):
            writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def go() -> None:
        async with server(script) as url:
            upstream = HttpUpstream(url, 5)
            async with upstream.stream("/v1/completions", BODY) as (status, reads):
                got = b"".join([r async for r in reads])
            assert status == 201
            assert got == b"data: 1\n\ndata: 2\n\n"
            await upstream.aclose()

    run(go())


def _refused(script: Script, match: str, *, timeout: float = 5, stream: bool = False) -> None:
    async def go() -> None:
        async with server(script) as url:
            upstream = HttpUpstream(url, timeout)
            with pytest.raises(SourceError, match=match):
                await (
                    _read_stream(upstream)
                    if stream
                    else upstream.post("/v1/completions", BODY, 100)
                )
            await upstream.aclose()

    run(go())


async def _read_stream(upstream: HttpUpstream) -> None:
    async with upstream.stream("/v1/completions", BODY) as (_, reads):
        async for _read in reads:
            pass


def test_an_answer_over_the_bound_is_refused() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"x" * 1000))
        await writer.drain()

    _refused(script, "too large")


def test_a_stalled_upstream_times_out() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(10)

    _refused(script, "unreachable: TimeoutError", timeout=0.2)


def test_a_stream_stalled_between_reads_times_out() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        await writer.drain()
        await asyncio.sleep(10)

    _refused(script, "unreachable: TimeoutError", timeout=0.2, stream=True)


def test_a_connection_closed_inside_the_body_fails() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"x" * 50)[:-10])
        await writer.drain()

    _refused(script, "closed before the answer ended")


def test_a_compressed_answer_is_refused() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"{}", b"Content-Encoding: gzip"))
        await writer.drain()

    _refused(script, "compressed")


def test_a_head_over_the_bound_is_refused() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(MAX_HEAD_BYTES // 1000 + 2):
            writer.write(b"X-Filler: " + b"f" * 1000 + b"\r\n")
        await writer.drain()
        await asyncio.sleep(10)

    _refused(script, "too large a head")


def test_what_is_not_http_is_refused() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH\r\n\r\n")
        await writer.drain()

    _refused(script, "not HTTP")


def test_an_unreachable_upstream_fails_closed() -> None:
    async def go() -> None:
        srv = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        srv.close()
        await srv.wait_closed()
        upstream = HttpUpstream(f"http://127.0.0.1:{port}", 1)
        with pytest.raises(SourceError, match="unreachable"):
            await upstream.post("/v1/completions", BODY, 100)

    run(go())


def test_a_connection_is_not_reused_after_close_or_an_unfinished_answer() -> None:
    accepted: list[int] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await read_request(reader)
        if len(accepted) == 1:
            writer.write(answer(b"{}", b"Connection: close"))
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"3\r\nabc\r\n3\r\ndef\r\n")
        await writer.drain()
        await asyncio.sleep(0.5)

    async def go() -> None:
        async with server(script) as url:
            upstream = HttpUpstream(url, 5)
            assert (await upstream.post("/v1/completions", BODY, 100))[1] == b"{}"
            async with upstream.stream("/v1/completions", BODY) as (_, reads):
                async for _read in reads:
                    break  # left before the end: the connection cannot serve another
            async with upstream.stream("/v1/completions", BODY) as (_, reads):
                async for _read in reads:
                    break
            await upstream.aclose()

    run(go())
    assert len(accepted) == 3


def test_a_stream_left_at_its_last_event_keeps_its_connection_once_the_end_arrives() -> None:
    accepted: list[int] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"e\r\ndata: [DONE]\n\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)  # the last chunk comes after the reader has left
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    async def go() -> None:
        async with server(script) as url:
            upstream = HttpUpstream(url, 5)
            for _ in range(3):
                async with upstream.stream("/v1/completions", BODY) as (_, reads):
                    async for read in reads:
                        assert read == b"data: [DONE]\n\n"
                        break
                await asyncio.sleep(0.2)
            await upstream.aclose()

    run(go())
    assert len(accepted) == 1
