"""The assessment as a read-only web page (issue 17): `/ui/assess?level=SL5`.

It judges the enclave afresh without writing anything: no ``assess.snapshot`` or
``assess.result`` entry and no checkpoint (the CLI's `airlock assess` records those). The
page is the same self-contained report the CLI writes, with its bars as inline SVG.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from airlock.api.auth import AirlockDep
from airlock.api.routes.approver_ui import _viewer
from airlock.domain.principals import Role

router = APIRouter(prefix="/ui", include_in_schema=False)
_MAY_SEE = frozenset({Role.ADMIN, Role.APPROVER, Role.AUDITOR})


@router.get("/assess", response_class=HTMLResponse)
async def assess_page(
    airlock: AirlockDep,
    level: Annotated[str, Query(max_length=8)] = "SL5",
    airlock_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    viewer = await run_in_threadpool(_viewer, airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    if viewer[0].role not in _MAY_SEE:  # a list of the enclave's weak spots is not for everyone
        return HTMLResponse(
            "<!doctype html><title>airlock</title><p>Only admins, approvers and "
            "auditors may see the assessment.</p>",
            status_code=403,
        )
    from airlock.assess.controls import parse_level
    from airlock.assess.report import html

    target = parse_level(level)
    assessment = await run_in_threadpool(airlock.assess, target, None, False)
    response = HTMLResponse(html(assessment))
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Frame-Options"] = "DENY"
    return response
