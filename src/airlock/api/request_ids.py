"""X-Request-Id: every request gets an id that its log lines carry and its response echoes."""

from __future__ import annotations

import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airlock.ops.logs import REQUEST_ID

_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Takes a caller's X-Request-Id when it is short and plain (else makes one up), so a
    proxy's id follows the request into airlock's logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == _HEADER), b"")
        request_id = given if _SANE.fullmatch(given) else secrets.token_hex(8).encode()
        token = REQUEST_ID.set(request_id.decode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
