"""The vetted package index (PEP 503 / PEP 691) and package submission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from airlock.api.auth import ActorDep, AirlockDep, CredentialDep, PrincipalDep, current_actor
from airlock.api.blocking import run_blocking
from airlock.api.openapi import binary, content, errors
from airlock.api.upload_form import multipart_form, read_upload_form
from airlock.errors import NotFound
from airlock.imports.packages.attest import MAX_ATTESTATION_BYTES
from airlock.imports.packages.index import (
    HTML_TYPE,
    JSON_TYPE,
    project_page,
    root_page,
    wants_json,
)
from airlock.imports.packages.typosquat import normalise

router = APIRouter(tags=["index"])
_PAGES = (HTML_TYPE, JSON_TYPE)


def _page(body: str, as_json: bool) -> Response:
    return Response(body, media_type=JSON_TYPE if as_json else HTML_TYPE)


@router.get(
    "/simple/",
    response_class=Response,
    responses={
        **content("The index root (PEP 503 HTML or PEP 691 JSON).", *_PAGES),
        **errors(401),
    },
)
def simple_root(
    airlock: AirlockDep, _caller: PrincipalDep, accept: Annotated[str, Header()] = ""
) -> Response:
    """Projects with at least one vetted, released file. Read-only; needs a token, as a
    bearer or as the password of HTTP Basic (pip: ``http://__token__:alk_...@host/simple/``)."""
    projects = sorted({f.project for f in airlock.index_files()})
    return _page(root_page(projects, wants_json(accept)), wants_json(accept))


@router.get(
    "/simple/{project}/",
    response_class=Response,
    responses={
        **content("A project's files (PEP 503 HTML or PEP 691 JSON).", *_PAGES),
        **errors(401, 404),
    },
)
def simple_project(
    project: str,
    airlock: AirlockDep,
    _caller: PrincipalDep,
    accept: Annotated[str, Header()] = "",
) -> Response:
    files = airlock.index_files(normalise(project))
    if not files:
        raise NotFound(f"no vetted files for {project!r} on this index")
    return _page(project_page(normalise(project), files, wants_json(accept)), wants_json(accept))


@router.get(
    "/packages/{filename}",
    response_class=Response,
    responses={**binary("A vetted package file."), **errors(401, 404, 422)},
)
def package_file(filename: str, airlock: AirlockDep, _caller: PrincipalDep) -> StreamingResponse:
    """A released file, digest-checked before the first byte is sent."""
    entry = airlock.package_file(filename)
    return StreamingResponse(
        airlock.outbox.stream(entry.sha256), media_type="application/octet-stream"
    )


@router.post(
    "/packages",
    status_code=status.HTTP_201_CREATED,
    response_model=dict[str, object],
    responses=errors(400, 401, 403, 409, 413),
    openapi_extra=multipart_form(
        "A wheel or sdist, and optionally its PEP 740 attestation or PyPI provenance (JSON).",
        {
            "attestation": (
                "PEP 740 attestation or PyPI provenance JSON of the file",
                MAX_ATTESTATION_BYTES,
                False,
            )
        },
    ),
)
async def submit_package(
    request: Request, airlock: AirlockDep, caller: PrincipalDep, credential: CredentialDep
) -> dict[str, object]:
    """Submit a wheel or sdist for vetting; clean files go on the index at once.

    The upload guard has already refused a body over ``uploads.max_package_bytes`` with 413;
    the file streams into the outbox as it arrives, never whole in memory (issue 22).
    """
    form = await read_upload_form(
        request,
        airlock.outbox,
        max_file_bytes=airlock.settings.uploads.max_package_bytes,
        text_fields={"attestation": MAX_ATTESTATION_BYTES},
    )
    attestation = form.fields.get("attestation")
    admission = await run_blocking(
        request,
        lambda: airlock.admit_staged_package(
            caller,
            form.filename,
            form.staged,
            auth=credential,
            attestation=attestation.encode("utf-8") if attestation else None,
        ),
    )
    return {
        "request": admission.request.id,
        "status": admission.request.status.value,
        # The decision can differ from the report's verdict: a hold whose findings people
        # approved in an earlier release is released (ADR 0147), and says so here.
        "reasons": [r.to_json() for r in admission.decision.reasons],
        "report": admission.report.to_json(),
    }


@router.get(
    "/package-feed",
    response_model=dict[str, int],
    responses=errors(401),
    dependencies=[Depends(current_actor)],  # signed in: the document declares the scheme
)
def feed_status(airlock: AirlockDep) -> dict[str, int]:
    """How many known-bad package entries the store holds (admission denies them)."""
    return {"entries": airlock.package_feed_size()}


class PinBody(BaseModel):
    publisher: str = Field(
        description="github:OWNER/REPO:WORKFLOW or gitlab:NAMESPACE/PROJECT:CI-FILE",
        max_length=512,
    )


@router.get(
    "/package-publishers",
    response_model=dict[str, str],
    responses=errors(401),
    dependencies=[Depends(current_actor)],
)
def publisher_pins(airlock: AirlockDep) -> dict[str, str]:
    """Trusted Publishers pinned per project: a pinned project's files need a PEP 740
    attestation by that publisher, or they are held."""
    return airlock.publisher_pins()


@router.put(
    "/package-publishers/{project}",
    response_model=dict[str, object],
    responses=errors(400, 401, 403),
)
def pin_publisher(
    project: str, body: PinBody, airlock: AirlockDep, actor: ActorDep
) -> dict[str, object]:
    """Pin a project's Trusted Publisher (an admin; recorded in the ledger)."""
    index = airlock.pin_publisher(actor, project, body.publisher)
    return {"project": normalise(project), "publisher": body.publisher, "ledger_index": index}


@router.delete(
    "/package-publishers/{project}",
    response_model=dict[str, object],
    responses=errors(401, 403),
)
def unpin_publisher(project: str, airlock: AirlockDep, actor: ActorDep) -> dict[str, object]:
    """Remove a project's pin (an admin; recorded in the ledger)."""
    index = airlock.pin_publisher(actor, project, "")
    return {"project": normalise(project), "publisher": None, "ledger_index": index}
