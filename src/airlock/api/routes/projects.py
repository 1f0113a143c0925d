"""Projects and their members."""

from __future__ import annotations

from fastapi import APIRouter, status

from airlock.api.auth import ActorDep, AirlockDep, PrincipalDep
from airlock.api.openapi import errors
from airlock.api.schemas import MemberIn, MembersOut, ProjectIn, ProjectOut

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


@router.get("/{project}/members", response_model=MembersOut, responses=errors(400, 401, 404))
def list_members(project: str, airlock: AirlockDep, _caller: PrincipalDep) -> MembersOut:
    members = airlock.project_members(project)
    return MembersOut(project=project, members=list(members))


@router.post(
    "/{project}/members",
    response_model=MembersOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404, 409, 413),
)
def add_member(project: str, body: MemberIn, airlock: AirlockDep, actor: ActorDep) -> MembersOut:
    """Admins only. A member's exports are charged to the project, named or not."""
    airlock.add_member(actor, project, body.principal)
    return MembersOut(project=project, members=list(airlock.project_members(project)))
