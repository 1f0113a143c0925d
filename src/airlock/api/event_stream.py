"""A streamed inference response (server-sent events) that notices the client leaving without
an anyio task group per stream (issue 20, docs/adr/0037).

Starlette's :class:`StreamingResponse` on a server of ASGI spec 2.3 (uvicorn's HTTP
protocols) runs the body and a listener for ``http.disconnect`` in a task group, and
cancels the body when the client leaves; the group, its cancel scopes and the task's name
cost about a tenth of the gateway's CPU per stream. Here the body runs in the request's
own task and one plain asyncio task listens; the body stops before its next chunk once
the client has left, and is closed (``aclose``), so the route's clean-up runs as it did on
cancellation: a stream cut short is logged and keeps its whole reservation.

What it does not do: interrupt a body that is waiting for its next chunk (the upstream's
next read) when the client leaves; it stops at that chunk. On spec 2.4 servers, where
sending to a client that left raises, Starlette's own path is used.
"""

from __future__ import annotations

import asyncio

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class LastChunk(bytes):
    """A body's last chunk: it leaves with the end of the body, in one ASGI message (uvicorn
    then writes the chunk and the end of the chunked encoding in one write to the socket,
    one segment, where an empty closing message cost a second write). The body is closed
    after it: nothing it yields later is sent."""

    __slots__ = ()


class EventStream(StreamingResponse):
    """:class:`StreamingResponse` of an async iterator of bytes, one listener task per
    stream instead of a task group."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = tuple(map(int, scope.get("asgi", {}).get("spec_version", "2.0").split(".")))
        if scope["type"] != "http" or spec >= (2, 4) or self.background is not None:
            await super().__call__(scope, receive, send)
            return
        left = asyncio.ensure_future(self.listen_for_disconnect(receive))
        body = self.body_iterator
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for chunk in body:
                if left.done():  # the client left: nothing more is sent, the body is closed
                    break
                data = (
                    chunk if isinstance(chunk, bytes | memoryview) else chunk.encode(self.charset)
                )
                last = isinstance(chunk, LastChunk)
                await send({"type": "http.response.body", "body": data, "more_body": not last})
                if last:
                    break
            else:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            left.cancel()
            aclose = getattr(body, "aclose", None)
            if aclose is not None:
                await aclose()  # at once, in this task: its clean-up (a partial stream's log)
