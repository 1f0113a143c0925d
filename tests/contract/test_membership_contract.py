"""One contract for every MembershipStore (issue 22): memory, SQLite, PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airlock.domain.names import PrincipalName, ProjectName
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.tokens import TokenHash
from airlock.errors import Conflict, NotFound
from airlock.store.interface import Store

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
RITA, SAM = PrincipalName("rita"), PrincipalName("sam")
VISION, AUDIO = ProjectName("vision"), ProjectName("audio")


def populate(store: Store) -> None:
    for n, name in enumerate((RITA, SAM)):
        store.add_principal(
            Principal(name, PrincipalKind.PERSON, Role.RESEARCHER, T0), TokenHash(f"{n:064x}")
        )
    for project in (VISION, AUDIO):
        store.add_project(Project(project, "", T0))


def test_members_and_their_projects(store: Store) -> None:
    populate(store)
    store.members.add_member(VISION, RITA, T0)
    store.members.add_member(VISION, SAM, T0)
    store.members.add_member(AUDIO, RITA, T0)
    assert list(store.members.members(VISION)) == [RITA, SAM]
    assert list(store.members.projects_of(RITA)) == [AUDIO, VISION]
    assert list(store.members.projects_of(SAM)) == [VISION]
    assert list(store.members.members(ProjectName("nobody"))) == []


def test_a_member_is_added_once(store: Store) -> None:
    populate(store)
    store.members.add_member(VISION, RITA, T0)
    with pytest.raises(Conflict):
        store.members.add_member(VISION, RITA, T0)
    assert list(store.members.members(VISION)) == [RITA]


@pytest.mark.parametrize(("project", "principal"), [("ghost", "rita"), ("vision", "ghost")])
def test_unknown_project_or_principal_is_not_found(
    store: Store, project: str, principal: str
) -> None:
    populate(store)
    with pytest.raises(NotFound):
        store.members.add_member(ProjectName(project), PrincipalName(principal), T0)
    assert list(store.members.projects_of(RITA)) == []
