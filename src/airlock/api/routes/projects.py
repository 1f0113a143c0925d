"""Projects."""

from __future__ import annotations

from fastapi import APIRouter, status

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.openapi import errors
from airlock.api.schemas import ProjectIn, ProjectOut

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=list[ProjectOut], responses=errors(401))
def list_projects(airlock: AirlockDep, _caller: PrincipalDep) -> list[ProjectOut]:
    return [ProjectOut.of(p) for p in airlock.list_projects()]


@router.post(
    "",
    response_model=ProjectOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 409, 413),
)
def add_project(body: ProjectIn, airlock: AirlockDep, actor: ActorDep) -> ProjectOut:
    """Admins only."""
    return ProjectOut.of(airlock.add_project(actor, body.name, body.description))
