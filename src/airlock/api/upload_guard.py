"""Authenticate and size an upload before reading its body (issue 22).

FastAPI reads and spools a multipart body before it resolves any dependency, the token
check included: a client with no token could make the gateway write a gigabyte to disk
before hearing 401. This ASGI guard sits in front of the upload routes and, from the
request head alone,

* authenticates the caller (401 without reading a byte of the body),
* refuses a declared Content-Length over the route's limit (413),
* for exports, refuses a declared size that cannot fit the caller's remaining byte budget
  (the budget error, 403),

and then counts the body as it streams, cutting it at the same bounds (a chunked body
declares no length). Every early answer carries ``Connection: close``, so the server stops
reading the rest instead of draining it to keep the connection alive. Each refusal, early
or a cut-off, goes to the ledger through :mod:`airlock.api.refusal_log` (coalesced).

It does not replace the route's own checks: the route authenticates again (from a cache)
and the export's budget reservation stays the authority, since budgets move under
concurrent exports.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airlock.api.auth import address_of, peer_uid_of, principal_of_header, require_post
from airlock.api.refusal_log import RefusalLog
from airlock.approvals.refusals import Refusal
from airlock.domain.principals import Principal
from airlock.errors import AirlockError, BudgetExceeded, InvalidInput
from airlock.service import Airlock

_log = logging.getLogger("airlock.api")

# Room for the multipart framing and the form's text fields (purpose <= 2000 characters):
# a body this much larger than the budget left may still hold a file that fits.
FORM_SLACK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A guarded upload route: its body limit, and whether exports' budgets bound it."""

    max_bytes: int
    budgeted: bool = False


class UploadRefused(HTTPException):
    """Raised from the counting ``receive`` once a streaming body passes its bound.

    An HTTPException so that FastAPI's body parser lets it through unchanged and the error
    table answers it, rather than reporting a generic parse error.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)


class UploadGuard:
    """ASGI middleware guarding ``POST`` to the paths in ``routes``."""

    def __init__(
        self,
        app: ASGIApp,
        airlock: Airlock,
        routes: Mapping[str, RouteLimit],
        refusals: RefusalLog | None = None,
    ) -> None:
        self.app = app
        self.airlock = airlock
        self.routes = dict(routes)
        self.refusals = refusals if refusals is not None else RefusalLog(airlock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(str(scope.get("path", ""))) if scope["type"] == "http" else None
        if route is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        path = str(scope.get("path", ""))
        principal: Principal | None = None
        auth = "none"
        try:
            authorization = headers.get(b"authorization")
            uid = peer_uid_of(scope)
            if uid is not None and authorization is None:  # a Unix-socket peer (peercred)
                principal = (await run_in_threadpool(self.airlock.authenticate_peer, uid))[0]
                auth = "peercred"
            else:
                principal = await principal_of_header(
                    self.airlock,
                    authorization.decode("latin-1") if authorization is not None else None,
                )
                auth = "token"
            require_post(principal, path)
            bound = await self._bound(route, headers, principal)
        except AirlockError as e:
            # Recorded, then answered: recording never raises and waits a bounded time, so
            # the refusal stands whatever the ledger does.
            await self.refusals.record(
                _refusal(scope, principal, _kind(e), e.http_status, e.message, auth=auth)
            )
            await _refuse(send, e.http_status, _kind(e), e.message)
            return
        body = _Body(receive, send, bound)
        try:
            await self.app(scope, body.receive, body.send)
        finally:
            if body.cut is not None:
                await self.refusals.record(
                    _refusal(scope, principal, "UploadRefused", body.cut[0], body.cut[1], auth=auth)
                )

    async def _bound(
        self, route: RouteLimit, headers: Mapping[bytes, bytes], principal: Principal
    ) -> _Bound:
        """Raises: InvalidInput (413), BudgetExceeded."""
        raw_length = headers.get(b"content-length")
        if raw_length is not None and not raw_length.isdigit():
            raise InvalidInput("Content-Length must be a number of bytes")
        declared = int(raw_length) if raw_length is not None else None
        if declared is not None and declared > route.max_bytes:
            raise _TooLarge(declared, route.max_bytes)
        if not route.budgeted or (declared is not None and declared <= FORM_SLACK_BYTES):
            return _Bound(route.max_bytes, None)
        allowance = await run_in_threadpool(self.airlock.export_allowance, principal)
        budget_cap = allowance + FORM_SLACK_BYTES
        if declared is not None and declared > budget_cap:
            raise BudgetExceeded(
                f"this upload declares {declared} bytes but {principal.name} may export at most "
                f"{allowance} more bytes now (budgets, or a lock): send something smaller, "
                "or ask an admin for more budget"
            )
        return _Bound(min(route.max_bytes, budget_cap), allowance)


class _TooLarge(InvalidInput):
    http_status = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the request body of {size} bytes exceeds this route's {limit} bytes")


@dataclass(frozen=True, slots=True)
class _Bound:
    max_bytes: int
    allowance: int | None  # set when the export budget, not the route, may be the bound


class _Body:
    """The guarded request's ``receive`` and ``send``: counts the body against its bound, and
    adds ``Connection: close`` to an answer given before the body was read in full, so that
    the server does not go on draining the rest to keep the connection alive."""

    def __init__(self, receive: Receive, send: Send, bound: _Bound) -> None:
        self._receive = receive
        self._send = send
        self._bound = bound
        self._seen = 0
        self._complete = False
        self.cut: tuple[int, str] | None = None  # the status and message of a cut-off

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            self._complete = not message.get("more_body", False)
            bound = self._bound
            if self._seen > bound.max_bytes:
                self._complete = False
                if bound.allowance is not None and bound.allowance + FORM_SLACK_BYTES < self._seen:
                    self.cut = (
                        403,
                        f"the upload passed the {bound.allowance} bytes you may export now",
                    )
                else:
                    self.cut = (413, f"the request body exceeds {bound.max_bytes} bytes")
                raise UploadRefused(*self.cut)
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and not self._complete:
            message = {
                **message,
                "headers": [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"],
                    (b"connection", b"close"),
                ],
            }
        await self._send(message)


def _refusal(
    scope: Scope, principal: Principal | None, kind: str, status: int, message: str, *, auth: str
) -> Refusal:
    path = str(scope.get("path", ""))
    return Refusal(
        who=principal.name if principal is not None else "",
        address=address_of(scope),
        action=f"POST {path}",
        reason=kind,
        message=message,
        status=status,
        auth=auth if principal is not None else "none",
        subject=path,
    )


def _kind(error: AirlockError) -> str:
    return "InvalidInput" if isinstance(error, _TooLarge) else type(error).__name__


async def _refuse(send: Send, status: int, kind: str, message: str) -> None:
    if status >= 500:
        _log.error("upload refused: %s", message)
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
