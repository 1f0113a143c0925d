"""The approver's web pages: pending requests, what would leave, and the vote.

Sessions are the principal's own API token in an HttpOnly, SameSite=Strict cookie that
lives no longer than the token (and a revoked token ends its sessions at once, since every
page authenticates it again); every form that changes state also carries a CSRF token
derived from that session. What a page shows is filtered by the permission matrix: a
researcher sees their own requests only, and the status only if their role reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from airlock.api.auth import SESSION_COOKIE, AirlockDep, client_address, throttle
from airlock.api.refusal_log import RECORDED, refusal_of, refusals
from airlock.approvals.permissions import Action, allowed
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest, RequestKind, RequestStatus
from airlock.errors import AirlockError, AuthenticationRequired, TooManyAttempts
from airlock.service import Actor

router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = SESSION_COOKIE
PREVIEW_BYTES = 4096
FEATURES_SHOWN = 10


def _csrf(token: str) -> str:
    return hmac.new(token.encode(), b"airlock-ui-csrf", hashlib.sha256).hexdigest()


def _page(request: Request, name: str, context: dict[str, object], status: int = 200) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _viewer(airlock: AirlockDep, session: str | None) -> tuple[Principal, str] | None:
    if not session:
        return None
    try:
        return airlock.authenticate(session), session
    except AuthenticationRequired:
        return None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _page(request, "login.html", {"error": ""})


@router.post("/login")
def login(request: Request, airlock: AirlockDep, token: Annotated[str, Form()]) -> Response:
    """Sign in with an API token. Failures count against the client address (429 past the
    limit); the session cookie expires with the token."""
    address = client_address(request)
    limiter = throttle(request)
    try:
        limiter.check(address)
    except TooManyAttempts as e:
        refusals(request).record_in_thread(refusal_of(request, e))
        page = _page(request, "login.html", {"error": e.message}, status=429)
        page.headers["Retry-After"] = str(e.retry_after_seconds)
        return page
    try:
        _principal, record = airlock.token_record(token.strip())
    except AuthenticationRequired as e:
        limiter.failed(address)
        refusals(request).record_in_thread(refusal_of(request, e))
        return _page(request, "login.html", {"error": e.message}, status=401)
    response = RedirectResponse("/ui/requests", status_code=303)
    left = None
    if record.expires_at is not None:
        left = max(1, int((record.expires_at - airlock.ledger.now()).total_seconds()))
    response.set_cookie(
        COOKIE, token.strip(), max_age=left, httponly=True, samesite="strict", path="/"
    )
    return response


@router.get("/requests", response_class=HTMLResponse)
def pending(
    request: Request, airlock: AirlockDep, airlock_session: Annotated[str | None, Cookie()] = None
) -> Response:
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    actor = Actor.of(viewer[0])
    held = airlock.list_requests(actor, RequestStatus.HELD)
    rows = [(r, airlock.get_request(actor, r.id)[1]) for r in held]
    overseer = allowed(viewer[0], Action.STATUS_READ)
    return _page(
        request,
        "pending.html",
        {
            "viewer": viewer[0],
            "rows": rows,
            "overseer": overseer,
            "status": airlock.status() if overseer else None,
            "budgets": airlock.budgets() if overseer else (),
            "checkpoint": airlock.ledger.latest_checkpoint().checkpoint if overseer else None,
        },
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    request_id: str,
    airlock: AirlockDep,
    airlock_session: Annotated[str | None, Cookie()] = None,
    error: str = "",
) -> Response:
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    boundary_request, decisions = airlock.get_request(Actor.of(viewer[0]), request_id)
    with airlock.outbox.path(boundary_request.digest).open("rb") as handle:
        head = handle.read(PREVIEW_BYTES)
    try:
        preview, is_text = head.decode("utf-8"), True
    except UnicodeDecodeError:
        preview, is_text = " ".join(f"{b:02x}" for b in head[:512]), False
    return _page(
        request,
        "request.html",
        {
            "viewer": viewer[0],
            "req": boundary_request,
            "features": _scan_features(airlock, boundary_request),
            "decisions": decisions,
            "preview": preview,
            "is_text": is_text,
            "csrf": _csrf(viewer[1]),
            "error": error,
        },
    )


def _scan_features(airlock: AirlockDep, boundary_request: BoundaryRequest) -> list[dict[str, Any]]:
    """For a dataset import: the poisoning scan's strongest features, file by file."""
    if boundary_request.kind is not RequestKind.DATA_IMPORT:
        return []
    dataset = airlock.dataset_for_request(boundary_request.id)
    if dataset is None:
        return []
    found = [
        {"file": item["name"], **feature}
        for item in json.loads(dataset.scan_json)["files"]
        for feature in item.get("scan", {}).get("features", [])
    ]
    return sorted(found, key=lambda f: -float(f["strength"]))[:FEATURES_SHOWN]


@router.post("/requests/{request_id}/vote")
def vote(
    request: Request,
    request_id: str,
    airlock: AirlockDep,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    digest: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    airlock_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    if not hmac.compare_digest(csrf, _csrf(viewer[1])):
        return RedirectResponse(f"/ui/requests/{request_id}?error=stale+form", status_code=303)
    try:
        airlock.vote(viewer[0], request_id, decision == "approve", reason, digest)
    except AirlockError as e:
        if isinstance(e, RECORDED):
            refusals(request).record_in_thread(refusal_of(request, e, viewer[0]))
        return RedirectResponse(
            f"/ui/requests/{request_id}?error={quote(e.message)}", status_code=303
        )
    return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)


@router.get("/metrics", response_class=HTMLResponse)
def metrics(
    request: Request, airlock: AirlockDep, airlock_session: Annotated[str | None, Cookie()] = None
) -> Response:
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    return _page(request, "metrics.html", {"viewer": viewer[0], "report": airlock.friction()})
