"""A finished stream leaves its upstream connection open for the next request: the rest of
the body after ``[DONE]`` (the end of the chunked encoding) is read, bounded, and dropped,
never relayed (docs/adr/0020, addendum of the eighth session)."""

from __future__ import annotations

import asyncio
import json

import pytest

from airlock.outputs import relay as relay_module
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.upstream import HttpUpstream
from tests.unit.outputs.test_gateway_durability import BODY, _gateway

DONE = b"data: [DONE]\n\n"


def _event(token: int) -> bytes:
    choice = {"index": 0, "text": chr(token), "token_ids": [token], "prompt_token_ids": [1]}
    return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class SseServer:
    """An HTTP/1.1 keep-alive upstream on loopback that streams two events and ``[DONE]``,
    then, a moment later (as a server's last write of a body arrives), either the chunked
    encoding's end or, with ``end=False``, one more event and nothing more."""

    def __init__(self, *, end: bool = True) -> None:
        self.end = end
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n" + _chunk(_event(65) + _event(66) + DONE)
                )
                await writer.drain()
                await asyncio.sleep(0.02)  # the body's end comes in a later read
                if not self.end:
                    writer.write(_chunk(_event(99)))  # after [DONE]: never relayed
                    await writer.drain()
                    await reader.read()  # holds the connection until the client closes it
                    return
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


async def _streams(url: str, count: int) -> list[tuple[bytes, list[Piece]]]:
    gateway, _ = _gateway(10)
    gateway.upstream = HttpUpstream(url, 5.0)
    done = []
    try:
        for _ in range(count):
            admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
            pieces: list[Piece] = []
            out = b"".join([chunk async for chunk in gateway.stream(admission, pieces)])
            gateway.record(admission, pieces)
            done.append((out, pieces))
    finally:
        await gateway.aclose()
    return done


def test_streams_one_after_another_reuse_one_upstream_connection() -> None:
    server = SseServer()

    async def run() -> list[tuple[bytes, list[Piece]]]:
        async with server as url:
            return await _streams(url, 3)

    done = asyncio.run(run())
    assert server.connections == 1  # before: one new connection per stream
    for out, pieces in done:
        assert [p.tokens for p in pieces] == [(65,), (66,)]
        assert out.count(b"data: ") == 2 and b"token_ids" not in out


def test_an_upstream_that_goes_on_after_done_is_cut_off_and_nothing_of_it_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(relay_module, "DRAIN_SECONDS", 0.1)
    server = SseServer(end=False)

    async def run() -> list[tuple[bytes, list[Piece]]]:
        async with server as url:
            return await _streams(url, 2)

    done = asyncio.run(run())
    assert server.connections == 2  # a body that does not end is not reused
    for out, pieces in done:
        assert [p.tokens for p in pieces] == [(65,), (66,)]  # not 99
        assert b'"c"' not in out and out.count(b"data: ") == 2
