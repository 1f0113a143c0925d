"""Principals and their API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.openapi import errors
from airlock.api.schemas import IssuedTokenOut, PrincipalIn, PrincipalOut

router = APIRouter(prefix="/principals", tags=["principals"])


@router.get("", response_model=list[PrincipalOut], responses=errors(401))
def list_principals(airlock: AirlockDep, _caller: PrincipalDep) -> list[PrincipalOut]:
    return [PrincipalOut.of(p) for p in airlock.list_principals()]


@router.get("/me", response_model=PrincipalOut, responses=errors(401))
def whoami(caller: PrincipalDep) -> PrincipalOut:
    return PrincipalOut.of(caller)


@router.post(
    "",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 409, 413),
)
def add_principal(body: PrincipalIn, airlock: AirlockDep, actor: ActorDep) -> IssuedTokenOut:
    """Admins only. The token in the answer is shown once."""
    issued = airlock.add_principal(actor, body.name, body.role, body.kind)
    return IssuedTokenOut(principal=PrincipalOut.of(issued.principal), token=issued.token)
