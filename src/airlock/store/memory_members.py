"""In-memory MembershipStore, for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from airlock.domain.names import PrincipalName, ProjectName
from airlock.errors import Conflict

Known = Callable[[ProjectName, PrincipalName], None]


class MemoryMembershipStore:
    def __init__(self, known: Known) -> None:
        self._lock = threading.Lock()
        self._known = known  # raises NotFound, as the SQL store's foreign keys do
        self._pairs: set[tuple[ProjectName, PrincipalName]] = set()

    def add_member(self, project: ProjectName, principal: PrincipalName, at: datetime) -> None:
        del at
        self._known(project, principal)
        with self._lock:
            if (project, principal) in self._pairs:
                raise Conflict(f"{principal} is already a member of project {project!r}")
            self._pairs.add((project, principal))

    def members(self, project: ProjectName) -> Sequence[PrincipalName]:
        with self._lock:
            return sorted(who for p, who in self._pairs if p == project)

    def projects_of(self, principal: PrincipalName) -> Sequence[ProjectName]:
        with self._lock:
            return sorted(p for p, who in self._pairs if who == principal)
