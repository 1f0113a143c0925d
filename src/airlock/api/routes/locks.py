"""Anomaly locks over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, status

from airlock.api.auth import ActorDep, AirlockDep
from airlock.api.openapi import errors
from airlock.api.schemas import LiftIn, LockIn, LockOut

router = APIRouter(prefix="/locks", tags=["locks"])


@router.get("", response_model=list[LockOut], responses=errors(401))
def list_locks(airlock: AirlockDep, actor: ActorDep) -> list[LockOut]:
    """Every lock for auditors, approvers and admins; others see the locks on themselves."""
    now = airlock.ledger.now()
    return [LockOut.of(k, now) for k in airlock.locks(actor)]


@router.post("/lift", response_model=dict[str, int], responses=errors(400, 401, 403, 404, 413))
def lift(body: LiftIn, airlock: AirlockDep, actor: ActorDep) -> dict[str, int]:
    """Approvers and admins lift a lock in one step; the reason goes into the ledger. Nobody
    lifts a lock on themselves or on a project they belong to (403)."""
    return {"lifted": airlock.lift_lock(actor, body.scope, body.subject, body.reason)}


@router.post(
    "",
    response_model=LockOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 413),
)
def impose(body: LockIn, airlock: AirlockDep, actor: ActorDep) -> LockOut:
    """Approvers and admins lock a principal or project now; it ends by itself after
    ``hours`` or when lifted (and nobody lifts a lock on themselves). The whole enclave is
    locked only by a break-glass recovery, never here (403)."""
    lock = airlock.lock(actor, body.scope, body.subject, body.reason, body.hours)
    return LockOut.of(lock, airlock.ledger.now())
