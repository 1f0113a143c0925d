"""Inspect a file as the gateway would before it leaves, without asking to export it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from airlock.api.auth import AirlockDep, current_actor
from airlock.api.blocking import run_blocking
from airlock.api.openapi import errors
from airlock.api.schemas import ScanOut
from airlock.api.upload_form import multipart_form, read_upload_form
from airlock.render.units import format_bytes

# Signed in (the gate checks the role); named on the router so the document says so.
router = APIRouter(tags=["scans"], dependencies=[Depends(current_actor)])


@router.post(
    "/scans",
    response_model=ScanOut,
    responses=errors(400, 401, 403, 413),
    openapi_extra=multipart_form("The file to inspect.", {}),
)
async def scan(request: Request, airlock: AirlockDep) -> Response:
    """The inspection report (verdict: allow, hold or deny, with every finding, its member
    and offset). Nothing is recorded, reserved or kept: the upload is dropped after."""
    form = await read_upload_form(
        request,
        airlock.outbox,
        max_file_bytes=airlock.settings.uploads.max_export_bytes,
        text_fields={},
    )
    try:

        def run() -> ScanOut:
            with form.staged.path.open("rb") as handle:
                report = airlock.inspector().inspect(form.filename, handle, form.staged.size)
            return ScanOut(
                verdict=report.verdict.value,
                path=report.path,
                size_bytes=report.size,
                size_text=format_bytes(report.size),
                findings=[f.to_json() for f in report.findings],
            )

        answer = await run_blocking(request, run)
    finally:
        airlock.outbox.drop(form.staged)
    return Response(answer.model_dump_json(), media_type="application/json")
