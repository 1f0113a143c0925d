"""Bearer-token authentication for state-changing and private endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from airlock.domain.principals import Principal
from airlock.errors import AuthenticationRequired
from airlock.service import Actor, Airlock

MAX_AUTHORIZATION_CHARS = 256
# Declares the bearer scheme in the OpenAPI document (issue 18). It does not decide anything:
# auto_error=False, and current_principal reads the header itself so that a missing and a
# malformed header keep their own messages and the error table's 401 body.
BEARER = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer alk_...`")


# These dependencies are async so that FastAPI runs them on the event loop: a plain `def`
# dependency costs a hop to a worker thread and back on every request.


async def get_airlock(request: Request) -> Airlock:
    airlock: Airlock = request.app.state.airlock
    return airlock


AirlockDep = Annotated[Airlock, Depends(get_airlock)]


async def current_principal(
    request: Request,
    airlock: AirlockDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> Principal:
    """Raises: AuthenticationRequired when the header is absent, malformed or unknown."""
    return await principal_for_header(airlock, request.headers.get("authorization"))


async def principal_for_header(airlock: Airlock, authorization: str | None) -> Principal:
    """The principal an ``Authorization`` header names; no request body is involved, so the
    upload guard (:mod:`airlock.api.upload_guard`) calls it before reading one.

    Raises: AuthenticationRequired when the header is absent, malformed or unknown.
    """
    if not authorization:
        raise AuthenticationRequired(
            "this endpoint needs an API token: send 'Authorization: Bearer alk_...'"
        )
    scheme, _, token = authorization.partition(" ")
    if len(authorization) > MAX_AUTHORIZATION_CHARS or scheme.lower() != "bearer" or not token:
        raise AuthenticationRequired("the Authorization header must be 'Bearer alk_...'")
    token = token.strip()
    recent = airlock.recently_authenticated(token)
    return recent if recent is not None else await run_in_threadpool(airlock.authenticate, token)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def current_actor(principal: PrincipalDep) -> Actor:
    return Actor.of(principal)


ActorDep = Annotated[Actor, Depends(current_actor)]
