"""Protected model weights over HTTP: register a model's fingerprint, list and show them.

Registering uploads the model once (multipart, streamed into the outbox, then fingerprinted
and dropped: only the chunk digests are kept), exactly as `airlock weights register`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response

from airlock.api.auth import ActorDep, AirlockDep, current_actor
from airlock.api.blocking import run_blocking
from airlock.api.openapi import errors
from airlock.api.schemas import ProtectedModelOut
from airlock.api.upload_form import multipart_form, read_upload_form
from airlock.errors import InvalidInput, NotFound
from airlock.render.units import format_bytes, format_seconds
from airlock.service import Airlock

# Every route here is signed in (the gate checks the role); naming the dependency on the
# router puts the bearer scheme in the document of the read routes too.
router = APIRouter(
    prefix="/protected-models", tags=["protected models"], dependencies=[Depends(current_actor)]
)
READ_PIECE = 1024 * 1024


@router.get("", response_model=list[ProtectedModelOut], responses=errors(401))
def list_models(airlock: AirlockDep) -> list[ProtectedModelOut]:
    """Every protected model with the time it would take to leave through one account."""
    return _shown(airlock)


@router.get("/{name}", response_model=ProtectedModelOut, responses=errors(401, 404))
def show_model(name: str, airlock: AirlockDep) -> ProtectedModelOut:
    found = [m for m in _shown(airlock) if m.name == name]
    if not found:
        raise NotFound(f"no protected model is named {name!r}: GET /protected-models lists them")
    return found[0]


@router.post(
    "",
    response_model=ProtectedModelOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 409, 413),
    openapi_extra=multipart_form(
        "The model file (safetensors, GGUF, raw tensors...).",
        {"name": ("The model's name, shown when an export is denied.", 128, True)},
    ),
)
async def register_model(request: Request, airlock: AirlockDep, actor: ActorDep) -> Response:
    """Fingerprint the uploaded file as a protected model; admins only."""
    form = await read_upload_form(
        request,
        airlock.outbox,
        max_file_bytes=airlock.settings.uploads.max_export_bytes,
        text_fields={"name": 128},
    )
    try:
        name = form.fields.get("name", "")
        if not name.strip():
            raise InvalidInput("the form needs a 'name' for the protected model")

        def run() -> None:
            with form.staged.path.open("rb") as handle:
                airlock.register_protected_model(
                    actor, name, iter(lambda: handle.read(READ_PIECE), b"")
                )

        await run_blocking(request, run)
    finally:
        airlock.outbox.drop(form.staged)  # only the fingerprint is kept
    shown = next(m for m in _shown(airlock) if m.name == name)
    return Response(
        shown.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type="application/json"
    )


def _shown(airlock: Airlock) -> list[ProtectedModelOut]:
    seconds = {e.model: e.seconds for e in airlock.time_to_exfiltrate()}
    out = []
    for m in airlock.protected_models():
        took = seconds.get(m.name)
        out.append(
            ProtectedModelOut(
                name=m.name,
                size_bytes=m.size,
                size_text=format_bytes(m.size),
                chunks=len(m.chunks),
                tensors=list(m.tensors),
                seconds_to_exfiltrate=None if took is None else min(took, 1e300),
                time_to_exfiltrate="-" if took is None else format_seconds(took),
            )
        )
    return out
