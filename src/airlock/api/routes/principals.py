"""Principals and their API tokens (issue, list, revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.openapi import errors
from airlock.api.schemas import (
    IssuedTokenOut,
    PrincipalIn,
    PrincipalOut,
    RevokeIn,
    TokenIn,
    TokenOut,
)
from airlock.errors import InvalidInput
from airlock.service import IssuedToken

router = APIRouter(tags=["principals"])


def _issued(issued: IssuedToken) -> IssuedTokenOut:
    return IssuedTokenOut(
        principal=PrincipalOut.of(issued.principal),
        token=issued.token,
        token_id=issued.token_id,
        expires_at=issued.expires_at,
    )


@router.get("/principals", response_model=list[PrincipalOut], responses=errors(401))
def list_principals(airlock: AirlockDep, _caller: PrincipalDep) -> list[PrincipalOut]:
    return [PrincipalOut.of(p) for p in airlock.list_principals()]


@router.get("/principals/me", response_model=PrincipalOut, responses=errors(401))
def whoami(caller: PrincipalDep) -> PrincipalOut:
    return PrincipalOut.of(caller)


@router.post(
    "/principals",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 409, 413),
)
def add_principal(body: PrincipalIn, airlock: AirlockDep, actor: ActorDep) -> IssuedTokenOut:
    """Admins only. The token in the answer is shown once; it expires after ``days``."""
    return _issued(airlock.add_principal(actor, body.name, body.role, body.kind, body.days))


@router.get(
    "/principals/{name}/tokens", response_model=list[TokenOut], responses=errors(400, 401, 404)
)
def list_tokens(name: str, airlock: AirlockDep, actor: ActorDep) -> list[TokenOut]:
    """A principal's tokens by id, never the tokens: admins and auditors see anyone's,
    others their own."""
    return [TokenOut.of(r) for r in airlock.tokens(actor, name)]


@router.post(
    "/principals/{name}/tokens",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 404, 413),
)
def issue_token(
    name: str, airlock: AirlockDep, actor: ActorDep, body: TokenIn | None = None
) -> IssuedTokenOut:
    """Admins only: another token (rotation: issue, switch, then revoke the old one)."""
    return _issued(airlock.issue_token(actor, name, body.days if body else None))


@router.delete(
    "/principals/{name}/tokens",
    response_model=dict[str, int],
    responses=errors(400, 401, 404, 413),
)
def revoke_all(
    name: str,
    airlock: AirlockDep,
    actor: ActorDep,
    body: Annotated[RevokeIn | None, Body()] = None,
) -> dict[str, int]:
    """Revoke every token of a principal (admins; anyone for their own). Ledgered."""
    return {"revoked": airlock.revoke_tokens(actor, name, body.reason if body else "")}


@router.delete(
    "/tokens/{token_id}",
    response_model=dict[str, int],
    responses=errors(400, 401, 404, 409, 413),
)
def revoke_one(
    token_id: str,
    airlock: AirlockDep,
    actor: ActorDep,
    body: Annotated[RevokeIn | None, Body()] = None,
) -> dict[str, int]:
    """Revoke one token by id (admins; anyone for their own). Ledgered."""
    if not token_id.startswith("tok_"):
        raise InvalidInput(f"{token_id!r} is not a token id: expected tok_ and 16 hex digits")
    return {"revoked": airlock.revoke_tokens(actor, token_id, body.reason if body else "")}
