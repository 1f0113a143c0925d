"""Server-rendered pages of the web UI: the landing page and signing out."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from airlock.api.auth import SESSION_COOKIE, AirlockDep
from airlock.api.pages import csrf_token, page, secure
from airlock.approvals.permissions import Action, allowed
from airlock.domain.requests import RequestStatus

router = APIRouter(include_in_schema=False)

# What each state means to a person; "pending" is the instant between receipt and decision,
# so it is shown only when something is in it (it read as "nothing waits" beside "held 2").
STATE_LABELS = (
    (RequestStatus.HELD, "Waiting for approval (held)"),
    (RequestStatus.RELEASED, "Released"),
    (RequestStatus.DENIED, "Denied"),
    (RequestStatus.EXPIRED, "Expired unanswered"),
    (RequestStatus.PENDING, "Being inspected"),
)


@router.get("/", response_class=HTMLResponse)
def landing(
    request: Request, airlock: AirlockDep, airlock_session: Annotated[str | None, Cookie()] = None
) -> Response:
    """Enclave status at a glance, behind sign-in (the gate in airlock.api.auth); the
    status (people, requests, protected models, time to exfiltrate) only for those whose
    role may read it, the others get a pointer to their own requests."""
    del airlock_session  # the gate read it; declared so the page documents its cookie
    viewer = request.state.principal
    status = airlock.status() if allowed(viewer, Action.STATUS_READ) else None
    counts = []
    if status is not None:
        counts = [
            (state.value, label, status.requests_by_status.get(state, 0))
            for state, label in STATE_LABELS
            if state is not RequestStatus.PENDING or status.requests_by_status.get(state, 0)
        ]
    return page(
        request,
        "index.html",
        {
            "status": status,
            "enclave_name": airlock.settings.enclave_name,
            "request_counts": counts,
            "request_total": sum(status.requests_by_status.values()) if status else 0,
        },
        viewer=viewer,
    )


@router.post("/ui/logout")
def logout(
    csrf: Annotated[str, Form()] = "",
    airlock_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    """End the browser's session: the cookie goes (the token itself stays valid for the
    CLI; `airlock principal revoke` ends that). The form's CSRF token must match the
    session, so another site cannot sign a person out."""
    if airlock_session and not hmac.compare_digest(csrf, csrf_token(airlock_session)):
        return secure(RedirectResponse("/?error=stale+form", status_code=303))
    response = RedirectResponse("/ui/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return secure(response)
