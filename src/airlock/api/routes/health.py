"""Liveness and readiness."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from airlock.api.auth import AirlockDep, PrincipalDep
from airlock.api.schemas import Health, StatusOut
from airlock.render.json import to_jsonable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(airlock: AirlockDep) -> Health:
    """Answers 200 only when the store is reachable and migrated, else 503."""
    airlock.check_ready()
    return Health(status="ok", store=airlock.store_backend)


@router.get("/status", response_model=StatusOut)
def status(airlock: AirlockDep) -> StatusOut:
    """Enclave summary: counts and the active policy version; no secrets."""
    return StatusOut.of(airlock.status())


@router.get("/metrics/friction")
def friction(airlock: AirlockDep, _caller: PrincipalDep, days: float = 7.0) -> dict[str, object]:
    """Friction metrics over the last ``days`` (auto-release rate, waits, approvals, locks)."""
    report = airlock.friction(timedelta(days=min(max(days, 0.01), 366)))
    return dict(to_jsonable(report))
