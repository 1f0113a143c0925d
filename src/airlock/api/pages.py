"""How every web page is answered: its template, the navigation the viewer's role reaches,
readable units, and the headers that keep it safe (CSP, no framing).

The navigation lists only pages the permission matrix lets the viewer open, so nobody is
offered a link that ends in a refusal. Previews of images are ``data:`` URLs, the one
source besides the page itself that the CSP allows for images; nothing loads from outside.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from airlock.api.auth import SESSION_COOKIE
from airlock.approvals.permissions import Action, allowed
from airlock.domain.principals import Principal
from airlock.render.units import format_bytes, format_seconds

CSP = "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'"


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    label: str
    id: str


def navigation(viewer: Principal | None) -> tuple[Link, ...]:
    """The pages ``viewer`` may open, in the order the header shows them."""
    if viewer is None:
        return (Link("/ui/login", "Sign in", "nav-sign-in"),)
    links = [Link("/", "Home", "nav-home")]
    if allowed(viewer, Action.REQUEST_READ, owner=viewer.name):
        links.append(Link("/ui/requests", "Waiting for approval", "nav-pending"))
        links.append(Link("/ui/mine", "My requests", "nav-mine"))
    if allowed(viewer, Action.FRICTION_READ):
        links.append(Link("/ui/metrics", "Friction", "nav-friction"))
    if allowed(viewer, Action.ASSESS_READ):
        links.append(Link("/ui/assess", "Assessment", "nav-assess"))
    return tuple(links)


def csrf_token(session: str) -> str:
    """The CSRF token of a session: forms that change state carry it (issue 14)."""
    return hmac.new(session.encode(), b"airlock-ui-csrf", hashlib.sha256).hexdigest()


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def build_templates(folder: Path) -> Jinja2Templates:
    """The page templates with the filters every page uses: ``bytes``, ``seconds``, ``when``."""
    templates = Jinja2Templates(directory=folder)
    templates.env.filters["bytes"] = format_bytes
    templates.env.filters["seconds"] = format_seconds
    templates.env.filters["when"] = _when
    return templates


def page(
    request: Request,
    name: str,
    context: Mapping[str, object],
    *,
    viewer: Principal | None,
    status: int = 200,
) -> Response:
    """Template ``name`` with ``context``, the viewer's navigation and the safety headers."""
    templates: Jinja2Templates = request.app.state.templates
    session = request.cookies.get(SESSION_COOKIE, "")
    full = {
        "viewer": viewer,
        "nav": navigation(viewer),
        "path": request.url.path,
        "session_csrf": csrf_token(session) if session and viewer is not None else "",
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status)
    secure(response)
    return response


def secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
