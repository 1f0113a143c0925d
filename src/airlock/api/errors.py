"""The API's error table: the only place that turns airlock errors into HTTP responses."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from airlock.api.refusal_log import RECORDED, refusal_of, refusals
from airlock.api.route_permissions import Guarded, rule_for
from airlock.errors import (
    AirlockError,
    AuthenticationRequired,
    PermissionDenied,
    TooManyAttempts,
)

_log = logging.getLogger("airlock.api")


def error_response(
    status: int, kind: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    sent = dict(headers or {})
    if status == 401:
        sent["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        {"error": {"type": kind, "message": message}}, status_code=status, headers=sent or None
    )


def install_error_table(app: FastAPI) -> None:
    """Map every failure to one JSON shape: ``{"error": {"type", "message"}}``."""

    @app.exception_handler(AirlockError)
    async def airlock_error(request: Request, exc: AirlockError) -> Response:
        if isinstance(exc, RECORDED):  # into the ledger, coalesced; never raises
            await refusals(request).record(refusal_of(request, exc))
        if _is_page(request):
            if isinstance(exc, AuthenticationRequired):
                return RedirectResponse("/ui/login", status_code=303)
            if isinstance(exc, PermissionDenied):
                return _refusal_page(exc.message)
        if exc.http_status >= 500:
            _log.error("request failed: %s", exc.message)
        kind = (
            "AuthenticationRequired"
            if isinstance(exc, AuthenticationRequired)
            else type(exc).__name__
        )
        headers = (
            {"Retry-After": str(exc.retry_after_seconds)}
            if isinstance(exc, TooManyAttempts)
            else None
        )
        return error_response(exc.http_status, kind, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()[:10]
        )
        return error_response(400, "InvalidInput", f"the request body is invalid: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own headers stay: `Allow` on a 405 (RFC 9110 section 15.5.6).
        return error_response(exc.status_code, "HTTPError", str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error", exc_info=exc)
        return error_response(500, "InternalError", "internal error: see the gateway log")


def _is_page(request: Request) -> bool:
    """Whether the route is a page of the web UI (its table entry says so)."""
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    return isinstance(rule, Guarded) and rule.ui


def _refusal_page(message: str) -> HTMLResponse:
    body = (
        '<!doctype html><title>airlock: refused</title><h1>Refused</h1><p id="refusal">'
        + html.escape(message)
        + '</p><p><a href="/">Back</a></p>'
    )
    response = HTMLResponse(body, status_code=403)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return response
