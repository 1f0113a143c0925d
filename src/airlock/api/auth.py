"""Authentication (bearer tokens, UI sessions) and the one authorisation gate of every route.

:func:`authorize` runs before every route's own dependencies and body handling: it looks the
route up in :data:`airlock.api.route_permissions.ROUTES`, refuses a route with no entry, lets
open routes through, and otherwise authenticates the caller (counting failures per client
address) and checks the caller's role reaches the route's action.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from airlock.api.route_permissions import Guarded, Open, rule_for
from airlock.api.throttle import SignInThrottle
from airlock.approvals.permissions import require_some
from airlock.domain.identity import PEER_EXTENSION, AuthMethod, Credential
from airlock.domain.principals import Principal
from airlock.errors import AuthenticationRequired, PermissionDenied
from airlock.service import Actor, Airlock

MAX_AUTHORIZATION_CHARS = 256
SESSION_COOKIE = "airlock_session"
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


def client_address(request: Request) -> str:
    """The client's IP address, or ``uid N`` for a Unix-socket peer (so that throttles and
    refusal counts are per local user, not one bucket for the socket)."""
    return address_of(request.scope)


def address_of(scope: Mapping[str, Any]) -> str:
    uid = peer_uid_of(scope)
    if uid is not None:
        return f"uid {uid}"
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def throttle(request: Request) -> SignInThrottle:
    found: SignInThrottle = request.app.state.sign_in_throttle
    return found


def bearer_token(request: Request, *, basic: bool = False) -> str:
    """The token of the Authorization header (``Basic`` with the token as password too, if
    ``basic``: pip sends an index's credentials so).

    Raises: AuthenticationRequired when the header is absent or malformed.
    """
    return token_of(request.headers.get("authorization"), basic=basic)


async def principal_of_header(airlock: Airlock, authorization: str | None) -> Principal:
    """The principal an ``Authorization`` header's token belongs to. No request body is
    involved, so the upload guard (:mod:`airlock.api.upload_guard`) calls it, and
    :func:`require_post`, before reading one (issue 22); the route's own gate
    (:func:`authorize`) still runs after them.

    Raises: AuthenticationRequired.
    """
    token = token_of(authorization)
    recent = airlock.recently_authenticated(token)
    return recent if recent is not None else await run_in_threadpool(airlock.authenticate, token)


def require_post(principal: Principal, path: str) -> None:
    """Raises: PermissionDenied unless the table lets ``principal`` ``POST`` to ``path``."""
    rule = rule_for("POST", path)
    if not isinstance(rule, Guarded):
        raise PermissionDenied(f"POST {path} has no guarded entry in the permission table")
    require_some(principal, rule.action)


def token_of(authorization: str | None, *, basic: bool = False) -> str:
    """The token in an ``Authorization`` header value; see :func:`bearer_token`.

    Raises: AuthenticationRequired when the header is absent or malformed.
    """
    if not authorization:
        raise AuthenticationRequired(
            "this endpoint needs an API token: send 'Authorization: Bearer alk_...'"
        )
    scheme, _, token = authorization.partition(" ")
    if len(authorization) > MAX_AUTHORIZATION_CHARS or not token.strip():
        raise AuthenticationRequired("the Authorization header must be 'Bearer alk_...'")
    if basic and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationRequired("the Basic credentials are not base64 ASCII") from None
        return decoded.partition(":")[2]
    if scheme.lower() != "bearer":
        raise AuthenticationRequired("the Authorization header must be 'Bearer alk_...'")
    return token.strip()


async def sign_in(request: Request, airlock: Airlock, token: str) -> Principal:
    """The token's principal, refused while the client address is throttled; a refused
    token counts as a failure of that address.

    Raises: TooManyAttempts, AuthenticationRequired.
    """
    address = client_address(request)
    limiter = throttle(request)
    limiter.check(address)
    try:
        recent = airlock.recently_authenticated(token)
        if recent is not None:
            return recent
        return await run_in_threadpool(airlock.authenticate, token)
    except AuthenticationRequired:
        limiter.failed(address)
        raise


def peer_uid_of(scope: Mapping[str, Any]) -> int | None:
    """The uid the kernel reported for a Unix-socket peer (set by the HTTP protocol, never
    by the client), or None."""
    peer = scope.get("extensions", {}).get(PEER_EXTENSION)
    uid = peer.get("uid") if isinstance(peer, dict) else None
    return uid if isinstance(uid, int) else None


async def sign_in_peer(request: Request, airlock: Airlock, uid: int) -> Principal:
    """The principal ``[identity] os_users`` maps the peer's OS user to; remembers the
    credential (method peercred, OS user, uid) for the actor's ledger entries. A refusal
    counts as a failed sign-in of the address, as a refused token does.

    Raises: TooManyAttempts, AuthenticationRequired.
    """
    address = client_address(request)
    limiter = throttle(request)
    limiter.check(address)
    try:
        principal, os_user = await run_in_threadpool(airlock.authenticate_peer, uid)
    except AuthenticationRequired:
        limiter.failed(address)
        raise
    request.state.credential = Credential(AuthMethod.PEERCRED, os_user, uid)
    return principal


def credential_of(request: Request) -> Credential:
    """How the request's principal was authenticated: peercred if the gate said so, else
    the token (the only other way past it)."""
    found = getattr(request.state, "credential", None)
    return found if isinstance(found, Credential) else Credential(AuthMethod.TOKEN)


async def current_credential(request: Request) -> Credential:
    return credential_of(request)


CredentialDep = Annotated[Credential, Depends(current_credential)]


async def authorize(request: Request, airlock: AirlockDep) -> None:
    """The gate of every route (installed by ``create_app`` on every router).

    Raises:
        PermissionDenied: the route has no entry in the table, or the caller's role does
            not reach its action (the message names both).
        AuthenticationRequired, TooManyAttempts: no usable token or session.
    """
    route = request.scope.get("route")
    await gate(request, airlock, getattr(route, "path", request.url.path))


async def gate(request: Request, airlock: Airlock, path: str) -> None:
    """:func:`authorize` for the route template ``path``: also called by the inference
    fast path (:mod:`airlock.api.fast_outputs`), which answers before the router runs.

    Raises: as :func:`authorize`.
    """
    rule = rule_for(request.method, path)
    match rule:
        case None:
            raise PermissionDenied(
                f"{request.method} {path} has no entry in the permission table, so it is "
                "refused: add it to airlock.api.route_permissions.ROUTES"
            )
        case Open():
            return
        case Guarded(action=action, ui=ui):
            uid = peer_uid_of(request.scope)
            if uid is not None and not ui and "authorization" not in request.headers:
                principal = await sign_in_peer(request, airlock, uid)
            else:
                if ui:
                    token = request.cookies.get(SESSION_COOKIE)
                    if not token:
                        raise AuthenticationRequired("sign in at /ui/login to see this page")
                else:
                    basic = path.startswith(("/simple/", "/packages/"))
                    token = bearer_token(request, basic=basic)
                principal = await sign_in(request, airlock, token)
            # Known before the role is checked, so that a refusal is recorded under the
            # name of who was refused (airlock.api.refusal_log); `principal` stays unset.
            request.state.authenticated = principal
            require_some(principal, action)
            request.state.principal = principal


async def current_principal(
    request: Request,
    airlock: AirlockDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> Principal:
    """The principal :func:`authorize` let in (authenticated afresh if it did not run).

    Raises: AuthenticationRequired when the header is absent, malformed or unknown.
    """
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    return await sign_in(request, airlock, bearer_token(request))


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def current_actor(principal: PrincipalDep, credential: CredentialDep) -> Actor:
    return Actor.of(principal, credential)


ActorDep = Annotated[Actor, Depends(current_actor)]
