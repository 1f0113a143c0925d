"""EventStream (docs/adr/0037): every chunk and the end when the client stays; when it
leaves, nothing more is sent and the body is closed at once (its clean-up runs), with one
listener task and no task group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.types import Message

from airlock.api.event_stream import EventStream, LastChunk

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.3"},  # uvicorn's HTTP protocols
    "method": "POST",
    "headers": [],
}


class Client:
    """An ASGI peer: the request body was read already; ``leave`` makes it disconnect."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.gone = asyncio.Event()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def bodies(self) -> list[bytes]:
        return [m["body"] for m in self.sent if m["type"] == "http.response.body"]


def test_every_chunk_and_the_end_leave_while_the_client_stays() -> None:
    async def body() -> AsyncIterator[bytes]:
        for chunk in (b"a", b"b"):
            await asyncio.sleep(0)
            yield chunk

    async def run() -> Client:
        client = Client()
        await EventStream(body(), media_type="text/event-stream")(
            SCOPE, client.receive, client.send
        )
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.sleep(0)  # the listener, cancelled, is gone
        assert all(t.done() for t in pending)
        return client

    client = asyncio.run(run())
    assert client.sent[0]["type"] == "http.response.start"
    assert client.bodies == [b"a", b"b", b""]
    assert client.sent[-1]["more_body"] is False


def test_when_the_client_leaves_nothing_more_is_sent_and_the_body_is_closed() -> None:
    closed: list[str] = []

    async def run() -> Client:
        client = Client()

        async def body() -> AsyncIterator[bytes]:
            try:
                yield b"first"
                client.gone.set()  # the client leaves while the next chunk is made
                await asyncio.sleep(0.01)
                yield b"second"
                yield b"third"
            except BaseException as e:  # what the route's clean-up sees
                closed.append(type(e).__name__)
                raise

        await EventStream(body())(SCOPE, client.receive, client.send)
        return client

    client = asyncio.run(run())
    assert client.bodies == [b"first"]  # neither the second chunk nor the end
    assert closed == ["GeneratorExit"]


def test_a_body_that_fails_propagates_and_the_listener_ends() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"a"
        raise RuntimeError("upstream broke")

    async def run() -> None:
        client = Client()
        with pytest.raises(RuntimeError, match="upstream broke"):
            await EventStream(body())(SCOPE, client.receive, client.send)
        await asyncio.sleep(0)
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(run())


def test_a_last_chunk_leaves_with_the_end_of_the_body_and_nothing_after_it() -> None:
    """The gateway's closing transcript comment: one message (one write by uvicorn)."""
    after: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"a"
            yield LastChunk(b"the end")
            yield b"never sent"
        except GeneratorExit:
            after.append("closed")
            raise

    async def run() -> Client:
        client = Client()
        await EventStream(body())(SCOPE, client.receive, client.send)
        return client

    client = asyncio.run(run())
    assert client.bodies == [b"a", b"the end"]
    assert [m["more_body"] for m in client.sent[1:]] == [True, False]
    assert after == ["closed"]
