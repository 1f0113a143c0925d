"""Boundary requests (something wants to cross) and decisions about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from airlock.domain.names import (
    PrincipalName,
    ProjectName,
    RequestId,
    Sha256Hex,
    principal_name,
    project_name,
    request_id,
    sha256_hex,
)

# Outcome lives on its own so that vetting a package imports no request types (issue 16);
# it is a name of this module too, as it always was.
from airlock.domain.outcome import Outcome as Outcome  # noqa: PLC0414 -- mypy's re-export
from airlock.errors import InvalidInput

MAX_PURPOSE_CHARS = 2000
MAX_REASON_CHARS = 2000


class RequestKind(StrEnum):
    EXPORT = "export"
    DATA_IMPORT = "data_import"
    PACKAGE_IMPORT = "package_import"


class RequestStatus(StrEnum):
    PENDING = "pending"  # received, not yet decided
    RELEASED = "released"
    HELD = "held"
    DENIED = "denied"
    EXPIRED = "expired"


STATUS_FOR_OUTCOME = {
    Outcome.ALLOW: RequestStatus.RELEASED,
    Outcome.HOLD: RequestStatus.HELD,
    Outcome.DENY: RequestStatus.DENIED,
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a decision came out as it did, as data: a stable code plus words for people."""

    code: str
    message: str

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("-", "").replace(".", "").isalnum():
            raise InvalidInput(f"reason code {self.code!r} must be alphanumeric with '-' or '.'")
        if len(self.message) > MAX_REASON_CHARS:
            raise InvalidInput(f"reason message exceeds {MAX_REASON_CHARS} characters")

    def to_json(self) -> dict[str, str]:
        """The reason as the ledger and the JSON outputs carry it."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class BoundaryRequest:
    """A request to move an artifact across the enclave boundary, bound to its digest."""

    id: RequestId
    kind: RequestKind
    principal: PrincipalName
    project: ProjectName | None
    purpose: str
    digest: Sha256Hex
    size_bytes: int
    created_at: datetime
    status: RequestStatus = RequestStatus.PENDING

    def __post_init__(self) -> None:
        request_id(self.id)
        principal_name(self.principal)
        if self.project is not None:
            project_name(self.project)
        sha256_hex(self.digest)
        if not self.purpose.strip():
            raise InvalidInput("a boundary request needs a purpose: say why it must cross")
        if len(self.purpose) > MAX_PURPOSE_CHARS:
            raise InvalidInput(f"purpose exceeds {MAX_PURPOSE_CHARS} characters: shorten it")
        if self.size_bytes < 0:
            raise InvalidInput("size_bytes cannot be negative")
        if self.created_at.tzinfo is None:
            raise InvalidInput("request created_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request, with its reasons. Never implicit, never None."""

    request_id: RequestId
    outcome: Outcome
    reasons: tuple[Reason, ...]
    decided_at: datetime
    decided_by: str
    policy_version: str = ""

    def __post_init__(self) -> None:
        request_id(self.request_id)
        if self.outcome is not Outcome.ALLOW and not self.reasons:
            raise InvalidInput(f"a {self.outcome} decision must carry at least one reason")
        if self.decided_at.tzinfo is None:
            raise InvalidInput("decided_at must be timezone-aware")

    @property
    def status(self) -> RequestStatus:
        return STATUS_FOR_OUTCOME[self.outcome]
