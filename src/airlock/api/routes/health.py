"""Liveness, readiness and status."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from airlock.api.auth import AirlockDep, PrincipalDep
from airlock.api.openapi import errors
from airlock.api.schemas import Health, StatusOut
from airlock.render.json import to_jsonable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses=errors())
def healthz(airlock: AirlockDep) -> Health:
    """Liveness: 200 when the store is reachable and migrated, else 503. It writes nothing,
    so a store that can no longer write still answers 200 here: see /readyz."""
    airlock.check_ready()
    return Health(status="ok", store=airlock.store_backend)


@router.get("/readyz", response_model=Health, responses=errors())
async def readyz(airlock: AirlockDep) -> Health:
    """Readiness, for load balancers: 200 only when an export could be recorded now (the
    store takes a write, rolled back at once, and the outbox takes a file); else 503 with
    the reason in the error body."""
    await run_in_threadpool(airlock.check_writable)
    return Health(status="ready", store=airlock.store_backend)


@router.get("/status", response_model=StatusOut, responses=errors(401))
def status(
    airlock: AirlockDep,
    _caller: PrincipalDep,
    accounts: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> StatusOut:
    """Enclave summary: counts, the active policy version and the time to exfiltrate each
    protected model for one account and for ``accounts`` colluding ones (default: the
    configured ``[egress] colluding_accounts``). Signed-in admins, approvers and auditors
    only."""
    return StatusOut.of(airlock.status(accounts))


@router.get("/metrics/friction", response_model=dict[str, object], responses=errors(401))
def friction(
    airlock: AirlockDep,
    _caller: PrincipalDep,
    days: Annotated[float, Query(allow_inf_nan=False)] = 7.0,
) -> dict[str, object]:
    """Friction metrics over the last ``days`` (auto-release rate, waits, approvals, locks)."""
    report = airlock.friction(timedelta(days=min(max(days, 0.01), 366)))
    return dict(to_jsonable(report))
