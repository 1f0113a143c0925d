"""Ledger read endpoints (checkpoints, entries, proofs, receipts) and cosignature intake.

Checkpoints and proofs are hashes only, so witnesses and auditors read them without a
token; entries and receipts name people and purposes, so they need one.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import PlainTextResponse, Response

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.openapi import content, errors
from airlock.api.schemas import ConsistencyProofOut, EntryOut, InclusionProofOut
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.signed_note import MAX_NOTE_BYTES

router = APIRouter(prefix="/ledger", tags=["ledger"])
NOTE = "text/plain; charset=utf-8"
# Indexes and sizes past a signed 64-bit integer cannot be in the log, and the database
# cannot compare them: an entry index of 2**95 was a 500 until schemathesis sent one.
MAX_INDEX = 2**63 - 1
Index = Annotated[int, Path(ge=0, le=MAX_INDEX)]


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@router.get("/checkpoint", response_class=PlainTextResponse, responses=errors())
def latest_checkpoint(airlock: AirlockDep) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP signed note) with known witness cosignatures."""
    return PlainTextResponse(airlock.ledger.cosigned_checkpoint(), media_type=NOTE)


@router.post("/checkpoint", response_class=PlainTextResponse, responses=errors(401))
def sign_checkpoint_now(airlock: AirlockDep, _caller: PrincipalDep) -> PlainTextResponse:
    """Sign a checkpoint of the current tree head now."""
    return PlainTextResponse(airlock.ledger.checkpoint().text, media_type=NOTE)


@router.get("/entries/{index}", response_model=EntryOut, responses=errors(400, 401, 403, 404, 422))
def entry(index: Index, airlock: AirlockDep, actor: ActorDep) -> EntryOut:
    """An entry: auditors, approvers and admins read any; others their own."""
    record: dict[str, Any] = airlock.ledger_record(actor, index)
    stored = airlock.ledger.entry(index)
    return EntryOut(
        index=index,
        record=record,
        leaf_hash=b64(hash_leaf(stored.body)),
        appended_at=stored.appended_at,
    )


@router.get("/proofs/inclusion", response_model=InclusionProofOut, responses=errors(400))
def inclusion(
    airlock: AirlockDep,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int | None, Query(ge=1, le=MAX_INDEX)] = None,
) -> InclusionProofOut:
    proof = airlock.ledger.prove_inclusion(index, size)
    return InclusionProofOut(
        index=proof.index,
        tree_size=proof.size,
        root=b64(proof.root),
        inclusion_proof=[b64(p) for p in proof.proof],
    )


@router.get("/proofs/consistency", response_model=ConsistencyProofOut, responses=errors(400))
def consistency(
    airlock: AirlockDep,
    old: Annotated[int, Query(ge=1, le=MAX_INDEX)],
    new: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> ConsistencyProofOut:
    proof = airlock.ledger.prove_consistency(old, new)
    return ConsistencyProofOut(
        old_size=proof.old_size,
        new_size=proof.new_size,
        consistency_proof=[b64(p) for p in proof.proof],
    )


@router.get(
    "/receipts/{index}",
    response_class=Response,
    responses={
        **content("An offline-verifiable receipt.", "application/json", schema={"type": "object"}),
        **errors(400, 401, 403, 404, 422),
    },
)
def receipt(index: Index, airlock: AirlockDep, actor: ActorDep) -> Response:
    """An offline-verifiable receipt (see `airlock ledger verify-receipt`), of an entry the
    caller may read."""
    airlock.ledger_record(actor, index)
    return Response(airlock.ledger.receipt(index), media_type="application/json")


@router.post(
    "/cosignatures", response_class=PlainTextResponse, responses=errors(400, 401, 403, 413, 422)
)
def add_cosignature(
    airlock: AirlockDep,
    actor: ActorDep,
    note: Annotated[str, Body(media_type="text/plain", max_length=MAX_NOTE_BYTES)],
) -> PlainTextResponse:
    """Deliver a witness-cosigned checkpoint; cosignatures by configured witnesses are kept."""
    accepted = airlock.accept_cosignature(actor, note)
    return PlainTextResponse(f"accepted cosignatures by {accepted}\n", media_type=NOTE)
