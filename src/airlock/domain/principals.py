"""People and services that act on the enclave boundary, and their roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from airlock.domain.names import PrincipalName, principal_name
from airlock.errors import InvalidInput


class PrincipalKind(StrEnum):
    PERSON = "person"
    SERVICE = "service"


class Role(StrEnum):
    """What a principal may do. Roles are coarse; policy decides the rest."""

    ADMIN = "admin"  # manages principals, projects, budgets and policy
    APPROVER = "approver"  # votes on held requests
    RESEARCHER = "researcher"  # submits boundary requests
    AUDITOR = "auditor"  # reads everything, changes nothing
    SERVICE = "service"  # a machine account: submits its own work, delivers cosignatures


def parse_role(value: str) -> Role:
    """Raises: InvalidInput naming the valid roles."""
    try:
        return Role(value)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {value!r}: use one of {valid}") from None


def parse_kind(value: str) -> PrincipalKind:
    """Raises: InvalidInput naming the valid kinds."""
    try:
        return PrincipalKind(value)
    except ValueError:
        valid = ", ".join(k.value for k in PrincipalKind)
        raise InvalidInput(f"unknown principal kind {value!r}: use one of {valid}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated actor. Its API tokens live in the store, hashed, never here."""

    name: PrincipalName
    kind: PrincipalKind
    role: Role
    created_at: datetime

    def __post_init__(self) -> None:
        principal_name(self.name)
        if self.created_at.tzinfo is None:
            raise InvalidInput("principal created_at must be timezone-aware")

    @property
    def can_administer(self) -> bool:
        return self.role is Role.ADMIN
