"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from airlock.api.auth import AirlockDep
from airlock.api.schemas import Health, StatusOut

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
