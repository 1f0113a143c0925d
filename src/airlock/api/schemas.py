"""Request and response bodies of the HTTP API (and only of the API)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from airlock.approvals.locks import Lock, LockScope
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.requests import BoundaryRequest, Decision, RequestStatus
from airlock.domain.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, TokenRecord
from airlock.enclave_status import EnclaveStatus

if TYPE_CHECKING:  # egress imports the inspection engine (numpy): first export, not start
    from airlock.egress import ExportResult


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(Strict):
    type: str
    message: str


class ErrorResponse(Strict):
    error: ErrorBody


class Health(Strict):
    status: str
    store: str


_DAYS = f"Token lifetime in days (default {DEFAULT_TOKEN_DAYS})."


class PrincipalOut(Strict):
    name: str
    kind: PrincipalKind
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, principal: Principal) -> PrincipalOut:
        return cls(
            name=principal.name,
            kind=principal.kind,
            role=principal.role,
            created_at=principal.created_at,
        )


class PrincipalIn(Strict):
    name: str = Field(max_length=63)
    role: Role
    kind: PrincipalKind = PrincipalKind.PERSON
    days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS, description=_DAYS)


class IssuedTokenOut(Strict):
    principal: PrincipalOut
    token: str = Field(description="Bearer token; shown once, stored only as a hash.")
    token_id: str = Field(description="The token's public id, for listing and revoking.")
    expires_at: datetime | None


class TokenIn(Strict):
    days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS, description=_DAYS)


class RevokeIn(Strict):
    reason: str = Field(default="", max_length=500)


class TokenOut(Strict):
    token_id: str
    principal: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: TokenRecord) -> TokenOut:
        return cls(
            token_id=record.token_id,
            principal=record.principal,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
        )


class ProjectIn(Strict):
    name: str = Field(max_length=63)
    description: str = Field(default="", max_length=1000)


class ProjectOut(Strict):
    name: str
    description: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls(
            name=project.name, description=project.description, created_at=project.created_at
        )


class MemberIn(Strict):
    principal: str = Field(max_length=63)


class MembersOut(Strict):
    project: str
    members: list[str]


class ReasonOut(Strict):
    code: str
    message: str


class DecisionOut(Strict):
    outcome: str
    reasons: list[ReasonOut]
    decided_at: datetime
    decided_by: str
    policy_version: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            outcome=decision.outcome.value,
            reasons=[ReasonOut(code=r.code, message=r.message) for r in decision.reasons],
            decided_at=decision.decided_at,
            decided_by=decision.decided_by,
            policy_version=decision.policy_version,
        )


class RequestOut(Strict):
    id: str
    kind: str
    principal: str
    project: str | None
    purpose: str
    digest: str
    size_bytes: int
    created_at: datetime
    status: RequestStatus
    decisions: list[DecisionOut] = Field(default_factory=list)

    @classmethod
    def of(cls, request: BoundaryRequest, decisions: list[Decision] | None = None) -> RequestOut:
        return cls(
            id=request.id,
            kind=request.kind.value,
            principal=request.principal,
            project=request.project,
            purpose=request.purpose,
            digest=request.digest,
            size_bytes=request.size_bytes,
            created_at=request.created_at,
            status=request.status,
            decisions=[DecisionOut.of(d) for d in decisions or []],
        )


class StatusOut(Strict):
    enclave_name: str
    store_backend: str
    policy_version: str
    principals: int
    projects: int
    requests_by_status: dict[str, int]
    days_to_exfiltrate: dict[str, float]
    colluding_accounts: int
    days_to_exfiltrate_colluding: dict[str, float]

    @classmethod
    def of(cls, status: EnclaveStatus) -> StatusOut:
        colluding = status.exfiltration_colluding
        return cls(
            enclave_name=status.enclave_name,
            store_backend=status.store_backend,
            policy_version=status.policy_version,
            principals=status.principals,
            projects=status.projects,
            requests_by_status={k.value: v for k, v in status.requests_by_status.items()},
            days_to_exfiltrate={e.model: round(e.days, 2) for e in status.exfiltration},
            colluding_accounts=colluding[0].accounts if colluding else 1,
            days_to_exfiltrate_colluding={e.model: round(e.days, 2) for e in colluding},
        )


class EntryOut(Strict):
    index: int
    record: dict[str, Any]
    leaf_hash: str
    appended_at: datetime


class InclusionProofOut(Strict):
    index: int
    tree_size: int
    root: str
    inclusion_proof: list[str]


class ConsistencyProofOut(Strict):
    old_size: int
    new_size: int
    consistency_proof: list[str]


class VoteIn(Strict):
    approve: bool
    reason: str = Field(default="", max_length=2000)
    digest: str = Field(min_length=64, max_length=64)


class ExportOut(Strict):
    request: RequestOut
    outcome: str
    required_approvals: int
    findings: list[dict[str, object]]
    budgets: list[dict[str, object]]

    @classmethod
    def of(cls, result: ExportResult) -> ExportOut:
        return cls(
            request=RequestOut.of(result.request, [result.decision]),
            outcome=result.decision.outcome.value,
            required_approvals=result.required_approvals,
            findings=[f.to_json() for f in result.report.findings],
            budgets=[
                {
                    "scope": c.budget.scope.value,
                    "subject": c.budget.subject,
                    "used_bytes": c.used_bytes,
                    "limit_bytes": c.budget.limit_bytes,
                    "fits": c.fits,
                }
                for c in result.budgets
            ],
        )


class LiftIn(Strict):
    scope: LockScope
    subject: str = Field(max_length=63)
    reason: str = Field(min_length=1, max_length=2000)


class LockOut(Strict):
    scope: LockScope
    subject: str
    reason: str
    created_at: datetime
    expires_at: datetime
    active: bool

    @classmethod
    def of(cls, lock: Lock, now: datetime) -> LockOut:
        return cls(
            scope=lock.scope,
            subject=lock.subject,
            reason=lock.reason,
            created_at=lock.created_at,
            expires_at=lock.expires_at,
            active=lock.active_at(now),
        )
