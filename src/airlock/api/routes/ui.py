"""Server-rendered pages of the web UI."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from airlock.api.auth import AirlockDep

router = APIRouter(include_in_schema=False)


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, airlock: AirlockDep) -> HTMLResponse:
    """Enclave status at a glance; it shows counts and versions, never secrets."""
    return templates(request).TemplateResponse(request, "index.html", {"status": airlock.status()})
