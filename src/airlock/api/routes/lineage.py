"""Dataset-to-model lineage over HTTP: record it, and trace a compromise's blast radius."""

from __future__ import annotations

from fastapi import APIRouter, status

from airlock.api.auth import ActorDep, AirlockDep
from airlock.api.openapi import errors
from airlock.api.schemas import BlastRadiusIn, BlastRadiusOut, LineageIn, LineageOut

router = APIRouter(prefix="/lineage", tags=["lineage"])


@router.post(
    "",
    response_model=LineageOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404, 413),
)
def add_lineage(body: LineageIn, airlock: AirlockDep, actor: ActorDep) -> LineageOut:
    """Record that ``model`` was trained on the datasets ``trained_on``; admins only."""
    return LineageOut(
        model=body.model, added=airlock.add_lineage(actor, body.model, body.trained_on)
    )


@router.post("/blast-radius", response_model=BlastRadiusOut, responses=errors(400, 401, 404, 413))
def blast_radius(body: BlastRadiusIn, airlock: AirlockDep, actor: ActorDep) -> BlastRadiusOut:
    """Every dataset and model downstream of a source, dataset or model. A POST because the
    query itself is recorded in the ledger (who looked into which compromise)."""
    radius = airlock.taint(actor, body.origin)
    return BlastRadiusOut(
        origin=str(radius.origin),
        datasets=[n.id for n in radius.datasets],
        models=[n.id for n in radius.models],
    )
