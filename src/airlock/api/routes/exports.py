"""Exports over HTTP: submit (multipart or raw body), vote, and fetch a release."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request, status
from fastapi.responses import Response, StreamingResponse

from airlock.api.auth import ActorDep, AirlockDep, CredentialDep, PrincipalDep
from airlock.api.blocking import run_blocking
from airlock.api.openapi import binary, errors
from airlock.api.schemas import ExportOut, RequestOut, VoteIn
from airlock.api.upload_form import multipart_form, read_upload_form
from airlock.errors import InvalidInput
from airlock.service import Actor

router = APIRouter(tags=["exports"])
_log = logging.getLogger("airlock.decisions")


_EXPORT_FORM = multipart_form(
    "The artifact that wants to leave.",
    {"purpose": ("Why it needs to leave.", 2000, True), "project": ("Project name.", 63, False)},
)


@router.post(
    "/exports",
    response_model=ExportOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404, 413),
    openapi_extra=_EXPORT_FORM,
)
async def submit_export(
    request: Request, airlock: AirlockDep, caller: PrincipalDep, credential: CredentialDep
) -> Response:
    """Inspect, count and decide. 201 with the outcome: allow, hold or deny.

    The form is read as it streams, its file straight into the outbox (issue 22): the
    upload guard has authenticated the caller and sized the body before this runs.
    """
    started = time.perf_counter()
    form = await read_upload_form(
        request,
        airlock.outbox,
        max_file_bytes=airlock.settings.uploads.max_export_bytes,
        text_fields={"purpose": 2000, "project": 63},
    )
    purpose, project = form.fields.get("purpose"), form.fields.get("project") or None
    if purpose is None:
        airlock.outbox.drop(form.staged)
        raise InvalidInput("the form needs a 'purpose': say why the artifact must leave")
    result = await run_blocking(
        request,
        lambda: airlock.submit_staged_export(
            caller, form.staged, form.filename or "upload", purpose, project, auth=credential
        ),
    )
    shown = await run_blocking(
        request, lambda: airlock.export_progress(Actor.of(caller, credential), result)
    )
    request.app.state.decision_timer.observe("export", time.perf_counter() - started)
    _log.info(
        "export decided",
        extra={
            "principal": caller.name,
            "outcome": result.decision.outcome.value,
            "request": result.request.id,
            "kind": "export",
            "size": result.request.size_bytes,
        },
    )
    # Serialised here, from the model built for it: FastAPI would otherwise validate the
    # returned model against response_model all over again (response_model stays for the
    # OpenAPI document).
    return Response(
        ExportOut.of(result, shown).model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
    )


@router.post(
    "/requests/{request_id}/votes",
    response_model=RequestOut,
    responses=errors(400, 401, 403, 404, 409, 413),
)
def vote(
    request_id: str,
    body: VoteIn,
    airlock: AirlockDep,
    caller: PrincipalDep,
    credential: CredentialDep,
) -> RequestOut:
    """Approve or deny a held request. The digest binds the vote to the bytes reviewed; the
    answer carries the new state (``progress.summary`` reads like "1 of 2 (you)")."""
    after = airlock.vote(
        caller, request_id, body.approve, body.reason, body.digest, auth=credential
    )
    actor = Actor.of(caller, credential)
    request, decisions = airlock.get_request(actor, after.id)
    return RequestOut.of(request, list(decisions), airlock.request_progress(actor, after.id))


@router.get(
    "/releases/{request_id}",
    response_class=Response,
    responses={**binary("The released artifact."), **errors(400, 401, 403, 404, 409, 422)},
)
def fetch_release(request_id: str, airlock: AirlockDep, actor: ActorDep) -> StreamingResponse:
    """The released artifact, for its requester and auditors only; 409 unless released,
    and only if its digest still matches."""
    request, pieces = airlock.release(actor, request_id)
    return StreamingResponse(
        pieces,
        media_type="application/octet-stream",
        headers={
            "X-Airlock-Digest": f"sha256:{request.digest}",
            "Content-Length": str(request.size_bytes),
        },
    )
