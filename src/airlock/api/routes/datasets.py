"""Outside datasets over HTTP: import into quarantine, read, rescan and release.

A release answers the dataset's files as one uncompressed tar stream, each file checked
against its manifest digest as it is read from quarantine (the same check as `airlock data
release`); the publisher-signature option of the CLI import is not offered here yet.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, status
from fastapi.responses import Response, StreamingResponse

from airlock.api.auth import ActorDep, AirlockDep
from airlock.api.blocking import run_blocking
from airlock.api.openapi import content, errors
from airlock.api.schemas import DatasetImportOut, DatasetOut, ReasonOut, RequestOut
from airlock.api.upload_form import multipart_form, read_upload_form
from airlock.errors import InvalidInput

if TYPE_CHECKING:
    from airlock.data_ingress import DatasetImport
    from airlock.imports.datasets.manifest import FileEntry

router = APIRouter(prefix="/datasets", tags=["datasets"])
TAR_BLOCK = 512

_FIELDS = {
    "source": ("Where the data came from (URL, vendor...).", 255, True),
    "license": ("The data's license (default: unknown).", 255, False),
    "text_column": ("Column or key holding the text (default: text).", 63, False),
    "label_column": ("Column or key holding the label (default: label).", 63, False),
    "prompt_column": ("Column or key holding the prompt (default: prompt).", 63, False),
    "response_column": ("Column or key holding the response (default: response).", 63, False),
    "messages_column": ("Column or key holding chat messages (default: messages).", 63, False),
}


@router.get("", response_model=list[DatasetOut], responses=errors(401))
def list_datasets(airlock: AirlockDep, actor: ActorDep) -> list[DatasetOut]:
    """Imported datasets: all for auditors, approvers and admins; others see their own."""
    return [DatasetOut.of(d) for d in airlock.datasets_for(actor)]


@router.get("/{dataset_id}", response_model=DatasetOut, responses=errors(400, 401, 403, 404))
def show_dataset(dataset_id: str, airlock: AirlockDep, actor: ActorDep) -> DatasetOut:
    """One dataset: its manifest and its stored poisoning scan."""
    return DatasetOut.of(airlock.dataset_for(actor, dataset_id))


@router.post(
    "",
    response_model=DatasetImportOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 413),
    openapi_extra=multipart_form("One dataset file (CSV, TSV, JSONL, Parquet).", _FIELDS),
)
async def import_dataset(request: Request, airlock: AirlockDep, actor: ActorDep) -> Response:
    """Quarantine, manifest, scan and decide one dataset file; 201 with the outcome. A held
    import names its request: approvers vote on it like on an export."""
    from airlock.data_ingress import ImportOptions
    from airlock.imports.datasets.records import Columns

    form = await read_upload_form(
        request,
        airlock.outbox,
        max_file_bytes=airlock.settings.uploads.max_export_bytes,
        text_fields={name: longest for name, (_d, longest, _r) in _FIELDS.items()},
    )
    try:
        fields = form.fields
        if not fields.get("source"):
            raise InvalidInput("the form needs a 'source': say where the data came from")
        options = ImportOptions(
            source=fields["source"],
            license=fields.get("license") or "unknown",
            columns=Columns(
                fields.get("text_column") or "text",
                fields.get("label_column") or "label",
                fields.get("prompt_column") or "prompt",
                fields.get("response_column") or "response",
                fields.get("messages_column") or "messages",
            ),
        )

        def run() -> DatasetImportOut:
            with form.staged.path.open("rb") as handle:
                return _import_out(
                    airlock.import_dataset(actor, [(form.filename, handle)], options)
                )

        answer = await run_blocking(request, run)
    finally:
        airlock.outbox.drop(form.staged)  # the import copied it into quarantine
    return Response(
        answer.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


@router.post(
    "/{dataset_id}/scan", response_model=DatasetImportOut, responses=errors(400, 401, 403, 404)
)
def rescan_dataset(dataset_id: str, airlock: AirlockDep, actor: ActorDep) -> DatasetImportOut:
    """Scan a quarantined dataset again (a failing rescan holds it); admins only."""
    return _import_out(airlock.rescan_dataset(actor, dataset_id))


@router.post(
    "/{dataset_id}/release",
    response_class=Response,
    responses={
        **content(
            "The dataset's files as an uncompressed tar stream.",
            "application/x-tar",
            schema={"type": "string", "format": "binary"},
        ),
        **errors(400, 401, 403, 404, 409, 422),
    },
)
def release_dataset(dataset_id: str, airlock: AirlockDep, actor: ActorDep) -> StreamingResponse:
    """Take a dataset out of quarantine if its scan passed or approvers overrode it (409 if
    held or denied); approvers and admins. Each file is digest-checked as it streams."""
    entry, basis, files = airlock.release_dataset(actor, dataset_id)
    return StreamingResponse(
        tar_stream(files),
        media_type="application/x-tar",
        headers={
            "Content-Disposition": f'attachment; filename="{entry.id}.tar"',
            "X-Airlock-Release-Basis": basis[:200].encode("ascii", "replace").decode(),
        },
    )


def tar_stream(files: Sequence[tuple[FileEntry, Iterator[bytes]]]) -> Iterator[bytes]:
    """A POSIX (pax) tar of ``files`` built as it streams: header, bytes, padding per file."""
    for entry, pieces in files:
        info = tarfile.TarInfo(entry.name)
        info.size = entry.size
        info.mode = 0o644
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        sent = 0
        for piece in pieces:
            sent += len(piece)
            yield piece
        if sent != entry.size:  # a short file would shift every later header
            raise InvalidInput(f"{entry.name} is {sent} bytes, its manifest says {entry.size}")
        if entry.size % TAR_BLOCK:
            yield b"\0" * (TAR_BLOCK - entry.size % TAR_BLOCK)
    yield b"\0" * (2 * TAR_BLOCK)


def _import_out(result: DatasetImport) -> DatasetImportOut:
    return DatasetImportOut(
        dataset=DatasetOut.of(result.dataset),
        request=RequestOut.of(result.request),
        outcome=result.vetting.outcome.value,
        signature=result.signature.value,
        reasons=[ReasonOut(code=r.code, message=r.message) for r in result.vetting.reasons],
    )
