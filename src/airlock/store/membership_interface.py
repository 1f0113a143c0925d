"""Persistence of project membership (issue 22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from airlock.domain.names import PrincipalName, ProjectName


class MembershipStore(Protocol):
    def add_member(self, project: ProjectName, principal: PrincipalName, at: datetime) -> None:
        """Raises NotFound for an unknown project or principal, Conflict for a member."""
        ...

    def members(self, project: ProjectName) -> Sequence[PrincipalName]:
        """The project's members by name (empty for an unknown project)."""
        ...

    def projects_of(self, principal: PrincipalName) -> Sequence[ProjectName]:
        """The projects the principal is a member of, by name."""
        ...
