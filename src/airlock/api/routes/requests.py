"""Boundary requests (read side)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from airlock.api.auth import ActorDep, AirlockDep
from airlock.api.openapi import errors
from airlock.api.schemas import RequestOut
from airlock.domain.requests import RequestStatus

router = APIRouter(prefix="/requests", tags=["requests"])


@router.get("", response_model=list[RequestOut], responses=errors(400, 401))
def list_requests(
    airlock: AirlockDep,
    actor: ActorDep,
    status: RequestStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RequestOut]:
    """Every request for auditors, approvers and admins; researchers and services see
    their own."""
    return [RequestOut.of(r) for r in airlock.list_requests(actor, status, limit)]


@router.get("/{request_id}", response_model=RequestOut, responses=errors(400, 401, 403, 404))
def get_request(request_id: str, airlock: AirlockDep, actor: ActorDep) -> RequestOut:
    """One request with its decisions and its progress (approvals in and needed, votes,
    who else may vote, expiry, the next step) as the caller sees it."""
    request, decisions = airlock.get_request(actor, request_id)
    return RequestOut.of(request, list(decisions), airlock.request_progress(actor, request_id))
