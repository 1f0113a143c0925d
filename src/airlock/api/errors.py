"""The API's error table: the only place that turns airlock errors into HTTP responses."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from airlock.api.auth import SESSION_COOKIE
from airlock.api.pages import page, secure
from airlock.api.refusal_log import RECORDED, refusal_of, refusals
from airlock.api.route_permissions import Guarded, rule_for
from airlock.domain.principals import Principal
from airlock.errors import (
    AirlockError,
    AuthenticationRequired,
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
        return await airlock_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()[:10]
        )
        if _is_page(request):
            return error_page(request, 400, f"the form is incomplete or invalid: {problems}")
        return error_response(400, "InvalidInput", f"the request body is invalid: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_page(request) or (_wants_page(request) and request.scope.get("route") is None):
            return error_page(request, exc.status_code, str(exc.detail))
        # The framework's own headers stay: `Allow` on a 405 (RFC 9110 section 15.5.6).
        return error_response(exc.status_code, "HTTPError", str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        _log.exception("unexpected error", exc_info=exc)
        if _is_page(request):
            return error_page(request, 500, "internal error: see the gateway log")
        return error_response(500, "InternalError", "internal error: see the gateway log")


async def airlock_error_response(request: Request, exc: AirlockError) -> Response:
    """The answer to ``exc``: recorded in the ledger if it is a refusal of access, an HTML
    page on UI routes, else the JSON error shape. Also used by the inference fast path
    (:mod:`airlock.api.fast_outputs`), which answers before the router runs."""
    if isinstance(exc, RECORDED):  # into the ledger, coalesced; never raises
        await refusals(request).record(refusal_of(request, exc))
    if _is_page(request):
        if isinstance(exc, AuthenticationRequired):
            return RedirectResponse("/ui/login", status_code=303)
        if exc.http_status >= 500:
            _log.error("page failed: %s", exc.message)
        return error_page(request, exc.http_status, exc.message)
    if exc.http_status >= 500:
        _log.error("request failed: %s", exc.message)
    kind = (
        "AuthenticationRequired" if isinstance(exc, AuthenticationRequired) else type(exc).__name__
    )
    headers = (
        {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, TooManyAttempts) else None
    )
    return error_response(exc.http_status, kind, exc.message, headers)


def _is_page(request: Request) -> bool:
    """Whether the route is a page of the web UI: its table entry says so, or it is one of
    the open ``/ui/`` routes (signing in and out)."""
    path = str(getattr(request.scope.get("route"), "path", ""))
    rule = rule_for(request.method, path)
    return (isinstance(rule, Guarded) and rule.ui) or path.startswith("/ui/")


def _wants_page(request: Request) -> bool:
    """A browser asking for a page of the UI (an unknown ``/ui/...`` path, say)."""
    return request.url.path.startswith("/ui/") and "text/html" in request.headers.get("accept", "")


# Each status a page can end in: a heading and what the person can do about it.
_PAGE_ERRORS: Mapping[int, tuple[str, str]] = {
    400: ("Not accepted", "Correct the form or the address and try again."),
    401: ("Sign in needed", "Sign in with your API token."),
    403: ("Refused", "Your role does not allow this. Ask an admin if you need it."),
    404: ("Not found", "Check the request id: it may be mistyped or not yours to see."),
    409: ("Already decided", "Reload the request to see its current state."),
    413: ("Too large", "Send something smaller."),
    429: ("Too many attempts", "Wait a little and try again."),
}


def _session_viewer(request: Request) -> Principal | None:
    """The signed-in person of a page no route matched (the gate did not run), for the
    navigation; None without a valid session."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        principal: Principal = request.app.state.airlock.authenticate(token)
    except AirlockError:
        return None
    return principal


def error_page(request: Request, status: int, message: str) -> Response:
    """The HTML page of a failed page request: what went wrong and the way back, inside
    the site's navigation (never the API's JSON)."""
    heading, hint = _PAGE_ERRORS.get(status, ("Something went wrong", "Try again later."))
    viewer = getattr(request.state, "principal", None) or _session_viewer(request)
    templates = getattr(request.app.state, "templates", None)
    if templates is None:  # pragma: no cover -- an app built without its templates
        body = f'<!doctype html><title>airlock</title><p id="refusal">{html.escape(message)}</p>'
        return secure(HTMLResponse(body, status_code=status))
    return page(
        request,
        "error.html",
        {
            "status": status,
            "heading": heading,
            "message": message,
            "hint": hint,
            "back": "/ui/requests" if viewer is not None else "/ui/login",
            "back_label": "Back to the requests" if viewer is not None else "Sign in",
        },
        viewer=viewer,
        status=status,
    )
