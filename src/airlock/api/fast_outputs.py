"""The inference endpoints' fast path (issue 20, docs/adr/0020): ``POST /v1/completions``
and ``POST /v1/chat/completions`` answered in front of the router.

An inference request is small and frequent, and its target is at most 2 ms added to the
upstream's answer. FastAPI's route matching (a regular expression per route, in order),
its dependency solver, exception middleware and exit stack cost a sizeable share of that.
This ASGI layer sits inside the request-id, upload-guard and body-limit layers (so the
request id, the JSON logs and the 1 MiB body bound are the same as everywhere) and serves
those two paths itself, through the same pieces the router would use:

* the gate: :func:`airlock.api.auth.gate` with the permission table's entry for the path
  (authentication with the throttle and the token cache, the role check);
* the workflow: :func:`airlock.api.routes.outputs.serve`;
* the error table: :func:`airlock.api.errors.airlock_error_response` (refusals recorded in
  the ledger as before); anything else propagates to the app's 500 handler.

It does not serve other methods on those paths (the router answers 405) or any other path.
The FastAPI routes stay declared, so OpenAPI documents them and the permission table is
checked at start-up as for every route.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from airlock.api.auth import gate
from airlock.api.errors import airlock_error_response
from airlock.api.routes.outputs import serve
from airlock.errors import AirlockError

PATHS: Mapping[str, str] = {"/v1/completions": "completions", "/v1/chat/completions": "chat"}


class OutputsFastPath:
    """ASGI middleware: serves ``POST`` to :data:`PATHS`, passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = PATHS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if kind is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        airlock = request.app.state.airlock
        try:
            await gate(request, airlock, scope["path"])
            response = await serve(request, airlock, request.state.principal, kind)
        except AirlockError as e:
            response = await airlock_error_response(request, e)
        await response(scope, receive, send)
