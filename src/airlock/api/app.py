"""create_app(): the one place the HTTP application is assembled."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from airlock import __version__
from airlock.api.errors import install_error_table
from airlock.api.limits import BodyLimitMiddleware
from airlock.api.routes import health, principals, projects, requests, ui
from airlock.service import Airlock

MAX_JSON_BODY_BYTES = 1024 * 1024
_TEMPLATES = Path(__file__).parent / "templates"


def create_app(airlock: Airlock) -> FastAPI:
    """The ASGI app serving the JSON API, its OpenAPI document and the web UI."""
    app = FastAPI(
        title="airlock",
        version=__version__,
        description="Boundary gateway of the weight enclave.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.airlock = airlock
    app.state.templates = Jinja2Templates(directory=_TEMPLATES)
    install_error_table(app)
    for group in (health, principals, projects, requests, ui):
        app.include_router(group.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_JSON_BODY_BYTES)
    return app
