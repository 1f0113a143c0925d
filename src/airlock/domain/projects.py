"""Projects: the unit that budgets and approvals are scoped to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from airlock.domain.names import ProjectName, project_name
from airlock.errors import InvalidInput

MAX_DESCRIPTION_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Project:
    name: ProjectName
    description: str
    created_at: datetime

    def __post_init__(self) -> None:
        project_name(self.name)
        if len(self.description) > MAX_DESCRIPTION_CHARS:
            raise InvalidInput(f"project description exceeds {MAX_DESCRIPTION_CHARS} characters")
        if self.created_at.tzinfo is None:
            raise InvalidInput("project created_at must be timezone-aware")
