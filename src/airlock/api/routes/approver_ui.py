"""The approver's web pages: pending requests, what would leave, and the vote.

Sessions are the principal's own API token in an HttpOnly, SameSite=Strict cookie that
lives no longer than the token (and a revoked token ends its sessions at once, since every
page authenticates it again); every form that changes state also carries a CSRF token
derived from that session. What a page shows is filtered by the permission matrix: a
researcher sees their own requests only, and the status only if their role reads it.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from airlock.api.auth import SESSION_COOKIE, AirlockDep, client_address, throttle
from airlock.api.pages import csrf_token, page
from airlock.api.refusal_log import RECORDED, refusal_of, refusals
from airlock.approvals.permissions import Action, allowed
from airlock.approvals.progress import RequestProgress
from airlock.domain.principals import Principal
from airlock.domain.requests import (
    BoundaryRequest,
    RequestKind,
    RequestStatus,
)
from airlock.errors import AirlockError, AuthenticationRequired, NotFound, TooManyAttempts
from airlock.render.preview import Preview, preview_file, read_text, text_diff
from airlock.render.units import format_seconds
from airlock.service import Actor

router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = SESSION_COOKIE
MANIFEST_BYTES = 64 * 1024
DIFF_SEARCHED = 20  # earlier requests of the same person looked at for a previous version
MINE_SHOWN = 50  # the newest; each row is a few reads of the store
MIN_REASON_CHARS = 3
FEATURES_SHOWN = 10


def _csrf(token: str) -> str:
    return csrf_token(token)


def _viewer(airlock: AirlockDep, session: str | None) -> tuple[Principal, str] | None:
    if not session:
        return None
    try:
        return airlock.authenticate(session), session
    except AuthenticationRequired:
        return None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, signed_out: str = "") -> Response:
    notice = "You are signed out." if signed_out else ""
    return page(request, "login.html", {"error": "", "notice": notice}, viewer=None)


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
        refused = page(request, "login.html", {"error": e.message}, viewer=None, status=429)
        refused.headers["Retry-After"] = str(e.retry_after_seconds)
        return refused
    try:
        _principal, record = airlock.token_record(token.strip())
    except AuthenticationRequired as e:
        limiter.failed(address)
        refusals(request).record_in_thread(refusal_of(request, e))
        return page(request, "login.html", {"error": e.message}, viewer=None, status=401)
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
    """What waits for approval: all of it for approvers, a researcher's own for them."""
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    actor = Actor.of(viewer[0])
    held = airlock.list_requests(actor, RequestStatus.HELD)
    rows = [airlock.request_progress(actor, r.id) for r in held]
    overseer = allowed(viewer[0], Action.STATUS_READ)
    return page(
        request,
        "pending.html",
        {
            "rows": rows,
            "overseer": overseer,
            "status": airlock.status() if overseer else None,
            "budgets": airlock.budgets() if overseer else (),
            "checkpoint": airlock.ledger.latest_checkpoint().checkpoint if overseer else None,
        },
        viewer=viewer[0],
    )


@router.get("/mine", response_class=HTMLResponse)
def mine(
    request: Request, airlock: AirlockDep, airlock_session: Annotated[str | None, Cookie()] = None
) -> Response:
    """The viewer's own requests, newest first: the state of each and how long it waited
    (until its decision, or until now while it waits)."""
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    actor = Actor.of(viewer[0])
    own = [r for r in airlock.list_requests(actor) if r.principal == viewer[0].name]
    now = airlock.ledger.now()
    rows = []
    for boundary_request in own[:MINE_SHOWN]:
        shown = airlock.request_progress(actor, boundary_request.id)
        end = decided_at(shown, now)
        if end is None:  # expired: its decision's time is in the decisions only
            _, decisions = airlock.get_request(actor, boundary_request.id)
            end = max((d.decided_at for d in decisions), default=now)
        rows.append((shown, format_seconds(max(0.0, (end - shown.created_at).total_seconds()))))
    return page(
        request, "mine.html", {"rows": rows, "more": len(own) > MINE_SHOWN}, viewer=viewer[0]
    )


def decided_at(shown: RequestProgress, now: datetime) -> datetime | None:
    """When the request stopped waiting, from its progress alone: ``now`` while it waits,
    its last vote when people decided it, its submission when the policy decided at once;
    None when it expired (the caller reads the decision)."""
    match shown.status:
        case "held" | "pending":
            return now
        case "expired":
            return None
        case _:
            return max((v.cast_at for v in shown.votes), default=shown.created_at)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    request_id: str,
    airlock: AirlockDep,
    airlock_session: Annotated[str | None, Cookie()] = None,
    error: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """One request as a reviewer needs it: what it is, why it was held, the approvals in
    and needed, the next step, the vote (for those who still may) and a preview that suits
    the content. The facade refuses someone else's request to a researcher (ADR 0016), so
    a preview is only ever shown to those allowed to read the request."""
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    actor = Actor.of(viewer[0])
    shown = airlock.request_progress(actor, request_id)
    boundary_request, _ = airlock.get_request(actor, request_id)
    preview = _preview(airlock, boundary_request, shown.name)
    return page(
        request,
        "request.html",
        {
            "p": shown,
            "diff": _diff(airlock, actor, boundary_request, shown.name, preview),
            "req": boundary_request,
            "features": _scan_features(airlock, boundary_request),
            "preview": preview,
            "csrf": _csrf(viewer[1]),
            "error": error,
        },
        viewer=viewer[0],
    )


def _preview(airlock: AirlockDep, boundary_request: BoundaryRequest, name: str | None) -> Preview:
    """The stored bytes' preview; a dataset import's manifest as indented JSON text."""
    try:
        path = airlock.outbox.path(boundary_request.digest)
    except NotFound:
        return Preview(
            "empty",
            "application/octet-stream",
            note="The bytes are no longer kept: a denied or expired request's are dropped.",
        )
    if boundary_request.kind is RequestKind.DATA_IMPORT:
        with path.open("rb") as handle:
            head = handle.read(MANIFEST_BYTES)
        try:
            text = json.dumps(json.loads(head), indent=2, ensure_ascii=False)
        except ValueError:
            text = head.decode("utf-8", errors="replace")
        return Preview("text", "application/json", text=text, truncated=len(head) == MANIFEST_BYTES)
    return preview_file(path, name or "", boundary_request.size_bytes)


def _diff(
    airlock: AirlockDep,
    actor: Actor,
    boundary_request: BoundaryRequest,
    name: str | None,
    preview: Preview,
) -> tuple[str, str] | None:
    """(earlier request id, unified diff) against the requester's latest earlier export of
    the same file name whose bytes are still kept, for text; None when there is none."""
    if preview.kind not in {"text", "table"} or not name:
        return None
    if boundary_request.kind is not RequestKind.EXPORT:
        return None
    earlier = [
        r
        for r in airlock.list_requests(actor, limit=DIFF_SEARCHED * 5)
        if r.principal == boundary_request.principal
        and r.kind is RequestKind.EXPORT
        and r.created_at < boundary_request.created_at
        and r.id != boundary_request.id
    ][:DIFF_SEARCHED]
    new_text = read_text(airlock.outbox.path(boundary_request.digest))
    for candidate in earlier:
        if airlock.request_progress(actor, candidate.id).name != name:
            continue
        try:
            old_text = read_text(airlock.outbox.path(candidate.digest))
        except NotFound:
            continue
        if old_text is None or new_text is None:
            return None
        return candidate.id, text_diff(old_text, new_text, candidate.id, boundary_request.id)
    return None


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
    digest: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    airlock_session: Annotated[str | None, Cookie()] = None,
) -> Response:
    """Cast the viewer's vote and show the request again with its new progress. A vote on
    the page needs a reason (the form says so before sending; this says so after)."""
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    if not hmac.compare_digest(csrf, _csrf(viewer[1])):
        return RedirectResponse(f"/ui/requests/{request_id}?error=stale+form", status_code=303)
    if len(reason.strip()) < MIN_REASON_CHARS:
        problem = quote(
            f"say in at least {MIN_REASON_CHARS} characters why you approve or deny: "
            "the requester and the auditors read it"
        )
        return RedirectResponse(f"/ui/requests/{request_id}?error={problem}", status_code=303)
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
    request: Request,
    airlock: AirlockDep,
    airlock_session: Annotated[str | None, Cookie()] = None,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
) -> Response:
    """The friction dashboard: the week's figures, then week by week and team by team as
    server-rendered SVG bars (the same numbers as `airlock metrics --json --weeks N`)."""
    viewer = _viewer(airlock, airlock_session)
    if viewer is None:
        return RedirectResponse("/ui/login", status_code=303)
    from airlock.api.friction_page import charts
    from airlock.outputs.metrics import output_summary

    trends = airlock.friction_trends(weeks)
    shown = {
        "report": airlock.friction(),
        "trends": trends,
        "charts": charts(trends),
        "weeks": weeks,
        "outputs": output_summary(airlock.output_metrics()),
    }
    return page(request, "metrics.html", shown, viewer=viewer[0])
