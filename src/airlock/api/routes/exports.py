"""Exports over HTTP: submit (multipart or raw body), vote, and fetch a release."""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.responses import Response, StreamingResponse

from airlock.api.auth import AirlockDep, PrincipalDep
from airlock.api.blocking import run_blocking
from airlock.api.openapi import binary, errors
from airlock.api.schemas import ExportOut, RequestOut, VoteIn
from airlock.service import Actor

router = APIRouter(tags=["exports"])
_log = logging.getLogger("airlock.decisions")


@router.post(
    "/exports",
    response_model=ExportOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404),
)
async def submit_export(
    request: Request,
    airlock: AirlockDep,
    caller: PrincipalDep,
    file: Annotated[UploadFile, File(description="The artifact that wants to leave.")],
    purpose: Annotated[str, Form(max_length=2000)],
    project: Annotated[str | None, Form(max_length=63)] = None,
) -> Response:
    """Inspect, count and decide. 201 with the outcome: allow, hold or deny."""
    started = time.perf_counter()
    result = await run_blocking(
        request,
        lambda: airlock.submit_export(
            caller, file.file, file.filename or "upload", purpose, project or None
        ),
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
        ExportOut.of(result).model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
    )


@router.post(
    "/requests/{request_id}/votes",
    response_model=RequestOut,
    responses=errors(400, 401, 403, 404, 409, 413),
)
def vote(request_id: str, body: VoteIn, airlock: AirlockDep, caller: PrincipalDep) -> RequestOut:
    """Approve or deny a held request. The digest binds the vote to the bytes reviewed."""
    after = airlock.vote(caller, request_id, body.approve, body.reason, body.digest)
    request, decisions = airlock.get_request(Actor.of(caller), after.id)
    return RequestOut.of(request, list(decisions))


@router.get(
    "/releases/{request_id}",
    response_class=Response,
    responses={**binary("The released artifact."), **errors(400, 401, 403, 404, 409, 422)},
)
def fetch_release(request_id: str, airlock: AirlockDep, caller: PrincipalDep) -> StreamingResponse:
    """The released artifact, for its requester and auditors only; 409 unless released,
    and only if its digest still matches."""
    request, pieces = airlock.release(Actor.of(caller), request_id)
    return StreamingResponse(
        pieces,
        media_type="application/octet-stream",
        headers={
            "X-Airlock-Digest": f"sha256:{request.digest}",
            "Content-Length": str(request.size_bytes),
        },
    )
