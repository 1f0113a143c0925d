"""Anomaly locks over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.schemas import LiftIn, LockOut

router = APIRouter(prefix="/locks", tags=["locks"])


@router.get("", response_model=list[LockOut])
def list_locks(airlock: AirlockDep, _caller: PrincipalDep) -> list[LockOut]:
    now = airlock.ledger.now()
    return [LockOut.of(k, now) for k in airlock.locks()]


@router.post("/lift", response_model=dict[str, int])
def lift(body: LiftIn, airlock: AirlockDep, actor: ActorDep) -> dict[str, int]:
    """Approvers and admins lift a lock in one step; the reason goes into the ledger."""
    return {"lifted": airlock.lift_lock(actor, body.scope, body.subject, body.reason)}
