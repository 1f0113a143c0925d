"""Server-rendered pages of the web UI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from airlock.api.auth import AirlockDep
from airlock.approvals.permissions import Action, allowed

router = APIRouter(include_in_schema=False)


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


@router.get("/", response_class=HTMLResponse)
def landing(
    request: Request, airlock: AirlockDep, airlock_session: Annotated[str | None, Cookie()] = None
) -> HTMLResponse:
    """Enclave status at a glance, behind sign-in (the gate in airlock.api.auth); the
    status (people, requests, protected models, time to exfiltrate) only for those whose
    role may read it, the others get a pointer to their own requests."""
    del airlock_session  # the gate read it; declared so the page documents its cookie
    viewer = request.state.principal
    status = airlock.status() if allowed(viewer, Action.STATUS_READ) else None
    return templates(request).TemplateResponse(
        request,
        "index.html",
        {"status": status, "viewer": viewer, "enclave_name": airlock.settings.enclave_name},
    )
